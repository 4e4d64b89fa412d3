import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.ts';
import { hasNotebookKernel } from './oracles.ts';

/**
 * The notebooks run top to bottom with the Deno kernel (`deno jupyter --install`,
 * done by .ci/run) under `jupyter nbconvert --execute`; a failing cell fails the
 * run. The outputs must hold the tables and charts each notebook is for.
 */
const dir = tempDir();

function execute(name: string): string {
  const out = path.join(dir, `${name}.html`);
  const r = spawnSync('jupyter', ['nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.iopub_timeout=120', '--ExecutePreprocessor.raise_on_iopub_timeout=True', '--ExecutePreprocessor.timeout=300', `${name}.ipynb`, '--output', out], { cwd: path.join(ROOT, 'notebooks'), encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${name}: nbconvert exited ${r.status}\n${r.stderr.slice(-2000)}`);
  const html = fs.readFileSync(out, 'utf8');
  return html;
}

const pngs = (html: string) => (html.match(/src="data:image\/png;base64,/g) ?? []).length;

// Deno's kernel (unstable, 2.9) now and then delivers a display after nbclient has
// finished the cell, on a loaded machine; a rerun of the notebook settles it.
describe.skipIf(!hasNotebookKernel())('notebooks (Deno kernel, nbconvert --execute; needs jupyter-nbconvert and the Deno kernel, see notebooks/README.md)', { retry: 2 }, () => {
  it('01: the seed-004 review on emulated traces', () => {
    const html = execute('01-seed004-review');
    // the emulated v6.4 seed table (README): each broadcast traced with its function and again with generic_...
    expect(html).toMatch(/generic_smp_call_function_single_interrupt\+0x0 +868 +17 +-851 +0\.02/);
    expect(html).toMatch(/do_sync_core\+0x0 +639 +0 +-639 +0\.00/);
    expect(html).toContain('kernel entries on 76 isolated CPUs in 10 s');
    // the seed's table counted once per IPI, by function, with its interval
    expect(html).toContain('IPIs sent to isolated CPUs, by function');
    expect(html).toMatch(/<td>do_sync_core<\/td><td style="text-align:right">48564<\/td><td style="text-align:right">0<\/td>/);
    expect(pngs(html)).toBe(2);
  }, 300_000);

  it('02: a real trace from samples/', () => {
    const html = execute('02-real-trace');
    expect(html).toContain('rcu_utilization');
    expect(html.match(/CPU 1: \d+ [^<]*/)?.[0]).toMatch(/CPU 1: \d+ interruptions in 2\.10 s: ipi \d+/);
    expect(html).toContain('IPIs by function: requests, IPIs sent, latency (us)');
    expect(html).toMatch(/sched_ttwu_pending/);
    expect(pngs(html)).toBe(2);
  }, 300_000);

  it('03: irqs-off and RCU grace periods', () => {
    const html = execute('03-irqoff-and-rcu');
    expect(html).toMatch(/\d+ irqs-off sections: median [\d.]+ µs/);
    expect(html).toContain('rcu_tasks');
    expect(html).toContain('rcu_preempt');
    expect(pngs(html)).toBe(1);
  }, 300_000);
});
