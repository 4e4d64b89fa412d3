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

  it('type-checks in a TypeScript project that depends on it (declarations shipped)', () => {
    const dir = tempDir('tracelab-api-');
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'tracelab'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.writeFileSync(
      path.join(dir, 'use.ts'),
      [
        "import { openTrace, interference, type InterferenceSummary, type Trace } from 'tracelab';",
        "const t: Trace = await openTrace('x.dat');",
        'const s: InterferenceSummary = interference(t, { isolated: [1] }).summary;',
        'const n: number = s.total;',
        'console.log(n);',
        't.close();',
        // a wrong use must fail: the test below checks tsc reports it
        "export const bad: string = interference(t, { isolated: [1] }).summary.total;",
      ].join('\n'),
    );
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), 'use.ts'], { cwd: dir });
    const out = r.stdout.toString();
    // exactly one error: the deliberate one (no TS7016 "could not find a declaration file")
    expect(out).not.toMatch(/TS7016|TS2307/);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(out).toMatch(/use\.ts\(7,14\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });
});
