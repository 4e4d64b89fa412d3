import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.ts';

const cli = path.join(ROOT, 'dist/cli/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const register = path.join(ROOT, 'test/cli/module-register.mjs');

/** The packages and tracelab layers a command's process loaded (an ESM resolve hook lists them). */
function loaded(args: string[]): Set<string> {
  const r = spawnSync(process.execPath, ['--import', register, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.status, r.stderr.slice(-500)).toBe(0);
  const out = new Set<string>();
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('[module] ')) continue;
    const url = line.slice(9);
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) out.add(pkg[1]);
    const layer = /\/dist\/src\/([^/]+)\//.exec(url);
    if (layer) out.add(`src/${layer[1]}`);
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
    ['report', ['report', sample], ['binary-parser', 'src/io', 'src/printfmt'], ['arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts', 'src/emulator']],
    ['dump', ['dump', '--all', sample], ['src/io'], ['binary-parser', 'src/printfmt', 'arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts', 'src/emulator']],
    ['split', ['split', '-i', sample, '-o', path.join(dir, 's'), '-e', '100'], ['src/io'], ['arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts', 'src/emulator']],
    ['filter check', ['filter', 'check', '-e', 'ipi:ipi_send_cpu', 'cpu == 1'], ['src/filter'], ['arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts', 'src/emulator']],
    ['record', ['record', '--duration', '10ms', '-o', path.join(dir, 'r.dat')], ['src/emulator', 'src/io'], ['arquero', ...CHARTS, ...EXPORT, 'src/analysis', 'src/charts']],
    ['hist', ['hist', sample], ['arquero', 'src/analysis'], [...CHARTS, ...EXPORT, 'src/emulator']],
    ['interference', ['interference', sample, '--isolated', '1'], ['arquero', 'src/analysis'], [...CHARTS, ...EXPORT, 'src/emulator']],
    ['rcu', ['rcu', sample], ['src/analysis'], [...CHARTS, ...EXPORT, 'src/emulator']],
    ['violations', ['violations', sample], ['src/analysis'], [...CHARTS, ...EXPORT, 'src/emulator']],
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
});

describe('tracelab --help', () => {
  it("lists the commands from the build's table without loading any command's module, as registering them all prints it", () => {
    const bundled = spawnSync(process.execPath, [path.join(ROOT, 'dist/bundle/tracelab.js'), '--help'], { encoding: 'utf8' });
    const full = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8', env: { ...process.env, TRACELAB_NO_COMMAND_TABLE: '1' } });
    expect(bundled.status).toBe(0);
    expect(bundled.stdout).toBe(full.stdout);
    expect(bundled.stdout).toContain('\n  report [options] [file]');
    const m = loaded(['--help']);
    for (const x of ['binary-parser', 'arquero', 'src/io', 'src/analysis', 'src/emulator', 'src/charts']) expect(m.has(x), `--help loads ${x}`).toBe(false);
  });
});
