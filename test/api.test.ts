import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readText, tempDir } from './helpers.ts';

/**
 * The library's one public surface, as another project uses it: `import ...
 * from 'tracelab'` (and 'tracelab/charts'), in JavaScript and in TypeScript
 * with its declarations (npm test builds dist first).
 */
describe("the library: import ... from 'tracelab'", () => {
  const sample = path.join(ROOT, 'samples/real-ipi.dat');

  it('reads, prints and analyses a trace through the package name, and closes it', async () => {
    const lib = await import('tracelab');
    const t = await lib.openTrace(sample);
    const chunks: Uint8Array[] = [];
    lib.printReport(t, (c) => chunks.push(c));
    expect(Buffer.concat(chunks).toString('latin1') === readText(`${sample}.report.txt.gz`)).toBe(true);
    const r = lib.interference(t, { isolated: [1] });
    expect(r.summary.perCpu[0].ipi.received).toBeGreaterThan(1000);
    expect(lib.hist(t, { by: 'event' }).summary.total).toBe(34304);
    t.close();
    // the README's example
    const charts = await import('tracelab/charts');
    const text = charts.interferenceText(r.summary, r.table, 'x', lib.functionTable(r.summary.ipis));
    expect(text).toMatch(/^isolated CPUs 1 over 2\.103 s \(x\):/);
  });

  it('packed with npm pack and installed from the tarball: a TypeScript project type-checks and runs against it, and its bin works', () => {
    const dir = tempDir('tracelab-pack-');
    const sh = (cmd: string, args: string[], cwd: string) => {
      const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${(r.stderr || r.stdout).slice(-1500)}`);
      return r.stdout;
    };
    // npm test built dist/ already: the tarball is what npm publish would ship
    const tgz = sh('npm', ['pack', ROOT, '--pack-destination', dir, '--ignore-scripts', '--silent'], dir).trim().split('\n').pop()!;
    const proj = path.join(dir, 'proj');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    // the dependencies come from npm's cache where it has them (the registry otherwise)
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(dir, tgz)], proj);
    const files = sh('tar', ['tzf', path.join(dir, tgz)], dir).split('\n');
    expect(files.some((f) => f.startsWith('package/test/'))).toBe(false);
    fs.writeFileSync(
      path.join(proj, 'use.ts'),
      [
        "import { openTrace, hist, interference, record, preset, type InterferenceSummary, type Trace } from 'tracelab';",
        "import { textTable } from 'tracelab/charts';",
        "await record({ scenario: preset('isolation-ipi'), durationNs: 1e9, output: 'e.dat' });",
        "const t: Trace = await openTrace('e.dat');",
        "const s: InterferenceSummary = interference(t, { isolated: [4, 5, 6, 7] }).summary;",
        "console.log(`events ${hist(t, { by: 'event' }).summary.total} disturbances ${s.total}`);",
        "process.stdout.write(textTable(hist(t, { by: 'event' }).table.select('event', 'count')));",
        't.close();',
        // a wrong use must fail the type check (checked below): declarations are there and used
        "export const bad: string = s.total;",
      ].join('\n'),
    );
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const opts = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types')];
    const check = spawnSync(process.execPath, [tsc, '--noEmit', ...opts, 'use.ts'], { cwd: proj, encoding: 'utf8' });
    // exactly one error: the deliberate one (no TS7016 "could not find a declaration file", no TS2307)
    expect(check.stdout).not.toMatch(/TS7016|TS2307/);
    expect(check.stdout.trim().split('\n')).toHaveLength(1);
    expect(check.stdout).toMatch(/use\.ts\(9,14\): error TS2322: Type 'number' is not assignable to type 'string'/);
    // without the wrong line it compiles and runs: the emulator, the reader and the analyses from the tarball
    fs.writeFileSync(path.join(proj, 'use.ts'), fs.readFileSync(path.join(proj, 'use.ts'), 'utf8').replace(/\nexport const bad.*$/, ''));
    sh(process.execPath, [tsc, ...opts, '--outDir', 'out', 'use.ts'], proj);
    const out = sh(process.execPath, ['out/use.js'], proj);
    expect(out).toMatch(/^events \d+ disturbances \d+\n/);
    expect(out).toMatch(/\nevent +count\n\S+ +\d+\n/);
    // the bin, as npm links it
    expect(sh(path.join(proj, 'node_modules/.bin/tracelab'), ['report', path.join(proj, 'e.dat')], proj).split('\n')[0]).toMatch(/^cpus=80$/);
  }, 180_000);
});
