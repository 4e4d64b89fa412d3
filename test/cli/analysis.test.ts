import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.ts';

const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const dir = tempDir();

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { maxBuffer: 1 << 28 });
  return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), status: r.status };
}

describe('analysis commands (CLI)', () => {
  const before = path.join(dir, 'before.dat');
  const after = path.join(dir, 'after.dat');
  run(['record', '--duration', '5m', '-o', before, '-q']);
  run(['record', '--duration', '5m', '--set', 'kernel.defer_ipis=on', '-o', after, '-q']);

  it('hist: a mail-ready table, --json, --csv, --bars', () => {
    const t = run(['hist', before]);
    expect(t.status).toBe(0);
    const lines = t.out.split('\n');
    expect(lines[0]).toMatch(/^\d+ events with a callback in [\d.]+ s /);
    expect(lines[2]).toMatch(/^callback +count +share +per_second$/);
    expect(t.out).toMatch(/\ndo_sync_core\+0x0 +\d+ +[\d.]+% +[\d.]+\n/);
    expect(t.out).toMatch(/\ntotal +\d+ +100\.0% +[\d.]+\n$/);
    const j = JSON.parse(run(['hist', before, '--json']).out);
    expect(j.summary.by).toBe('callback');
    expect(j.rows[0]).toHaveProperty('count');
    const c = run(['hist', before, '--csv']).out.split('\n');
    expect(c[0]).toBe('callback,count,share,rate');
    expect(run(['hist', before, '--bars']).out).toMatch(/do_sync_core\+0x0 +\d+ +#+\n/);
    const e = run(['hist', sample, '--by', 'event', '--cpus', '1', '-F', 'sched_switch']);
    expect(e.out).toMatch(/\nsched_switch +\d+ +100\.0%/);
  });

  it('sql: a text table, --csv and --json; a bad query is one line and exit 1', () => {
    const q = 'SELECT prev_comm, count(*) AS n FROM sched_switch GROUP BY prev_comm ORDER BY n DESC, prev_comm LIMIT 2';
    const t = run(['sql', sample, q]);
    expect(t.status, t.err).toBe(0);
    expect(t.out).toMatch(/^prev_comm +n\n\S+ +\d+\n\S+ +\d+\n\(2 rows\)\n$/);
    expect(run(['sql', sample, q, '--csv']).out).toMatch(/^prev_comm,n\n[^,\n]+,\d+\n[^,\n]+,\d+\n$/);
    const j = JSON.parse(run(['sql', sample, q, '--json']).out);
    expect(j.columns).toEqual([{ name: 'prev_comm', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }]);
    expect(typeof j.rows[0].n).toBe('number');
    const bad = run(['sql', sample, 'SELECT nope FROM sched_switch']);
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/^tracelab: sql: Binder Error: [^\n]*nope[^\n]*\n$/);
    expect(run(['sql', sample]).err).toMatch(/give the trace files, then the query/);
    expect(run(['sql', '--schema', sample]).out).toMatch(/\nsched_switch: sched:sched_switch events\n  trace +VARCHAR/);
  });

  it('compare: the seed table, with its Poisson interval; --isolated counts IPIs once, under their function', () => {
    const t = run(['compare', before, after]);
    expect(t.status).toBe(0);
    expect(t.out).toMatch(/callback +before +after +delta +ratio +ratio 95% +change\n/);
    expect(t.out).toMatch(/\ndo_sync_core\+0x0 +\d+ +0 +-\d+ +0\.00 +0\.\.0\.[\d]+ +fewer\n/);
    // the totals row has its own delta, ratio and interval
    expect(t.out).toMatch(/\ntotal +\d+ +\d+ +-\d+ +0\.\d\d +[\d.]+\.\.[\d.]+ +fewer\n/);
    const j = JSON.parse(run(['compare', before, after, '--json', '--isolated', '4-79']).out);
    expect(j.summary.counting).toMatch(/IPIs sent to isolated CPUs \(76\)/);
    expect(j.summary.by).toBe('function');
    expect(j.rows.map((r: { function: string }) => r.function)).toContain('do_sync_core');
    expect(j.rows.map((r: { function: string }) => r.function)).not.toContain('generic_smp_call_function_single_interrupt');
    expect(run(['compare', before, after, '--per-minute', 'sometimes']).err).toMatch(/--per-minute: expected on, off or auto/);
  });

  it('compare warns when the two traces recorded different events', () => {
    const full = path.join(dir, 'full.dat');
    run(['record', '--duration', '10s', '-e', 'ipi', '-e', 'irq_vectors', '-o', full, '-q']);
    const t = run(['compare', before, full, '--isolated', '4-79', '--by', 'cpu']);
    expect(t.status).toBe(0);
    expect(t.out).toMatch(/warning: only the after trace has IPI handlers \(irq_vectors\)/);
  });

  it('interference: IPIs by function and sender, noise in us, n/a where not recorded', () => {
    const t = run(['interference', before, '--isolated', '4-79']);
    expect(t.status).toBe(0);
    expect(t.out).toMatch(/^isolated CPUs 4-79 over [\d.]+ s \(.*\):\n  IPIs sent to them \(no handlers recorded\): \d+;/);
    expect(t.out).toMatch(/\n  noise: n\/a in all;/);
    expect(t.out).toContain('IPIs to isolated CPUs by function');
    expect(t.out).toMatch(/\ndo_sync_core +\d+ +\d+ +0 +n\/a/);
    expect(t.out).toMatch(/\nper isolated CPU \(counts; durations in us\):\ncpu +total +ipi +tick +irq /);
    expect(t.out).toMatch(/\n  4 +\d+ +\d+ +n\/a +n\/a +n\/a/);
    expect(t.out).toMatch(/record -e irq_vectors/);
    expect(run(['interference', before, '--isolated', 'four']).err).toBe('tracelab: --isolated: expected a CPU list such as 4-79 or 2,4-6, not "four"\n');
  });

  it('noise and ipi: per CPU and per function, on a real trace', () => {
    const n = run(['noise', sample]);
    expect(n.status).toBe(0);
    expect(n.out).toMatch(/\ncpu +resident +interruptions +noise_us +available_pct +max_noise_us +longest_quiet_us/);
    expect(n.out).toMatch(/\n +0 +<idle>-0 +\d+ /);
    const i = run(['ipi', sample, '--isolated', '1']);
    expect(i.status).toBe(0);
    expect(i.out).toMatch(/\nsched_ttwu_pending +820 +695 +125 +695 +695 /);
    expect(run(['noise', sample, '--merge-gap', 'lots']).err).toBe('tracelab: --merge-gap: expected a number of nanoseconds, not "lots"\n');
  });

  it('--mail: ASCII under 72 columns, the table with its totals, and the command', () => {
    for (const args of [
      ['compare', before, after],
      ['compare', before, after, '--isolated', '4-79'],
      ['interference', before, '--isolated', '4-79'],
      ['hist', before],
      ['hist', sample, '--by', 'callsite'],
    ]) {
      const t = run([...args, '--mail']);
      expect(t.status, t.err).toBe(0);
      for (const line of t.out.split('\n')) {
        // only one unbreakable word (a long temporary path) may run past the width
        if (/\S\s+\S/.test(line.trim())) expect(line.length, line).toBeLessThanOrEqual(72);
        expect(/^[\x20-\x7e]*$/.test(line), line).toBe(true);
      }
      expect(t.out).toContain(`$ tracelab ${args[0]}`);
    }
    const c = run(['compare', before, after, '--mail']).out;
    // the seed's long symbol is cut to fit, the rest of the row kept
    expect(c).toMatch(/\ngeneric_smp_call_fun\S*~ +\d+ +\d+ +-\d+% +[\d.]+\.\.[\d.]+\n/);
    expect(c).toMatch(/\ntotal +\d+ +\d+ +-\d+% +[\d.]+\.\.[\d.]+\n/);
    expect(run(['interference', before, '--isolated', '4-79', '--mail']).out).toMatch(/\n  not recorded: tick, irq, softirq, thread, syscall, fault, nmi\n/);
  });

  it('convert: csv/json/arrow/parquet files', () => {
    for (const f of ['csv', 'json', 'arrow', 'parquet']) {
      const out = path.join(dir, `s.${f}`);
      const r = run(['convert', sample, '--to', f, '-o', out]);
      expect(r.status).toBe(0);
      expect(r.err).toBe(`tracelab: 34304 events -> ${out}\n`);
      expect(fs.statSync(out).size).toBeGreaterThan(1000);
    }
    expect(run(['convert', sample, '--to', 'xls', '-o', path.join(dir, 'x')]).err).toMatch(/--to: expected one of csv, json, ndjson, arrow, parquet/);
  });
});
