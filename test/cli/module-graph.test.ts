import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.ts';

const cli = path.join(ROOT, 'dist/cli/tracelab.js');
const bundle = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const register = path.join(ROOT, 'test/cli/module-register.mjs');
/** esbuild's account of the shipped bundle: the modules each chunk holds (scripts/bundle.mjs) */
const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist/bundle-meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };

/** A package's name or a tracelab layer ("src/io") from a module's path, or undefined. */
function unitOf(file: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (pkg) return pkg[1];
  const layer = /(?:^|\/)dist\/src\/([^/]+)\//.exec(file);
  return layer ? `src/${layer[1]}` : undefined;
}

/**
 * The packages and tracelab layers the shipped CLI's process loaded for a command: an ESM
 * resolve hook lists the files it reads (bundle chunks, external packages), and the
 * bundle's metafile says which modules each chunk holds.
 */
function loaded(args: string[]): Set<string> {
  const r = spawnSync(process.execPath, ['--import', register, bundle, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.status, r.stderr.slice(-500)).toBe(0);
  const out = new Set<string>();
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('[module] file://')) continue;
    const file = path.relative(ROOT, new URL(line.slice(9)).pathname);
    const chunk = meta.outputs[file];
    for (const input of chunk ? Object.keys(chunk.inputs) : [file]) {
      const unit = unitOf(input);
      if (unit) out.add(unit);
    }
  }
  return out;
}

const CHARTS = ['vega', 'vega-lite', 'vega-embed', '@resvg/resvg-js'];
const EXPORT = ['apache-arrow', 'parquet-wasm', '@duckdb/node-api'];

/** Issue 17: each command loads what it uses and nothing else (start-up is most of a small trace's time). */
describe('each command loads only its own module graph', () => {
  const dir = tempDir();
  const cases: [string, string[], string[], string[]][] = [
    // name, arguments, must load, must not load
    ['report', ['report', sample], ['binary-parser', 'src/io', 'src/printfmt', '@bokuweb/zstd-wasm'], ['arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts', 'src/emulator']],
    ['dump', ['dump', '--all', sample], ['src/io'], ['binary-parser', 'src/printfmt', 'arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts', 'src/emulator']],
    ['split', ['split', '-i', sample, '-o', path.join(dir, 's'), '-e', '100'], ['src/io'], ['arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts', 'src/emulator']],
    ['filter check', ['filter', 'check', '-e', 'ipi:ipi_send_cpu', 'cpu == 1'], ['src/filter'], ['arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts', 'src/emulator']],
    ['record', ['record', '--duration', '10ms', '-o', path.join(dir, 'r.dat')], ['src/emulator', 'src/io'], ['arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts']],
    // these print their rows as plain columns: arquero (and vega) only for --chart/--mail
    ['hist', ['hist', sample], ['src/analysis'], ['arquero', ...CHARTS, ...EXPORT, 'src/emulator']],
    ['interference', ['interference', sample, '--isolated', '1'], ['src/analysis', 'src/charts'], ['arquero', ...CHARTS, ...EXPORT, 'src/emulator']],
    ['interference --mail', ['interference', sample, '--isolated', '1', '--mail'], ['arquero', 'src/analysis', 'src/charts'], [...CHARTS, ...EXPORT, 'src/emulator']],
    ['noise', ['noise', sample], ['src/analysis', 'src/charts'], ['arquero', ...CHARTS, ...EXPORT, 'src/emulator']],
    ['ipi', ['ipi', sample], ['src/analysis', 'src/charts'], ['arquero', ...CHARTS, ...EXPORT, 'src/emulator']],
    ['violations', ['violations', sample], ['src/analysis', 'src/charts'], ['arquero', ...CHARTS, ...EXPORT, 'src/emulator']],
    ['rcu', ['rcu', sample], ['arquero', 'src/analysis'], [...CHARTS, ...EXPORT, 'src/emulator']],
    ['uprobes', ['uprobes', sample], ['src/analysis'], [...CHARTS, ...EXPORT, 'src/emulator']],
    ['sql', ['sql', sample, 'SELECT count(*) FROM sched_switch'], ['@duckdb/node-api', 'src/analysis'], [...CHARTS, 'apache-arrow', 'parquet-wasm', 'arquero', 'src/emulator']],
    ['view', ['view', sample, '-o', path.join(dir, 'v.html')], ['src/analysis', 'src/charts'], [...CHARTS, ...EXPORT, 'arquero', 'src/emulator']],
    ['chart', ['chart', 'hist', sample, '-o', path.join(dir, 'h.svg')], ['vega', 'vega-lite', 'src/charts'], ['src/emulator', ...EXPORT]],
  ];
  for (const [name, args, must, mustNot] of cases) {
    it(name, () => {
      const m = loaded(args);
      for (const x of must) expect(m.has(x), `${name} should load ${x}`).toBe(true);
      for (const x of mustNot) expect(m.has(x), `${name} loads ${x}`).toBe(false);
    });
  }
  it('report of a trace with no compressed section (v6) loads no zstd (the v7 sample above loads it)', () => {
    const v6 = path.join(dir, 'v6.dat');
    const r = spawnSync(process.execPath, [bundle, 'record', '--duration', '10ms', '--output-format', 'dat-v6', '-o', v6, '-q'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const m = loaded(['report', v6]);
    expect(m.has('src/printfmt'), 'the account of loaded modules works').toBe(true);
    expect(m.has('@bokuweb/zstd-wasm'), 'report of a v6 trace loads zstd').toBe(false);
  });
});

describe('tracelab --help', () => {
  it("lists the commands from the build's table without loading any command's module, as registering them all prints it", () => {
    const bundled = spawnSync(process.execPath, [path.join(ROOT, 'dist/bundle/tracelab.js'), '--help'], { encoding: 'utf8' });
    const full = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8', env: { ...process.env, TRACELAB_NO_COMMAND_TABLE: '1' } });
    expect(bundled.status).toBe(0);
    expect(bundled.stdout).toBe(full.stdout);
    expect(bundled.stdout).toContain('\n  report [options] [file]');
    const m = loaded(['--help']);
    expect(m.has('commander'), 'the account of loaded modules works').toBe(true);
    for (const x of ['binary-parser', 'arquero', 'src/io', 'src/analysis', 'src/emulator', 'src/charts']) expect(m.has(x), `--help loads ${x}`).toBe(false);
  });
});

/** Issue 18: the CLI is a user of the library like any other, through its public surface. */
describe('cli/ imports tracelab only through its public surface', () => {
  it("each cli module's imports of src/ name src/index.ts or src/charts/index.ts", () => {
    const dir = path.join(ROOT, 'cli');
    const deep: string[] = [];
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/(?:from|import\()\s*'(\.\.\/src\/[^']*)'/g)) {
        if (m[1] !== '../src/index.ts' && m[1] !== '../src/charts/index.ts') deep.push(`${f}: ${m[1]}`);
      }
    }
    expect(deep).toEqual([]);
  });
});
