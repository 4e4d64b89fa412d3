import { describe, expect, it } from 'vitest';
import { compare } from '../../src/analysis/compare.ts';
import { interference } from '../../src/analysis/arquero-reports.ts';
import { rateChange } from '../../src/analysis/poisson.ts';
import { callbackCounts, run } from '../emulator/record-helpers.ts';

describe('compare', () => {
  it('the seed-004 table: before, after, delta, ratio per callback', async () => {
    const before = await run('isolation-ipi', [], { duration: '300s' });
    const after = await run('isolation-ipi', ['kernel.defer_ipis=on'], { duration: '300s' });
    const r = compare(before.trace, after.trace, { perMinute: false });
    const rows = r.table.objects() as { callback: string; before: number; after: number; delta: number; ratio: number | null }[];
    const b = callbackCounts(before.report);
    const a = callbackCounts(after.report);
    for (const row of rows) {
      expect(row.before).toBe(b[`callback=${row.callback}`] ?? 0);
      expect(row.after).toBe(a[`callback=${row.callback}`] ?? 0);
      expect(row.delta).toBe(row.after - row.before);
      expect(row.ratio).toBeCloseTo(row.after / row.before, 12);
    }
    expect(rows.find((x) => x.callback === 'do_sync_core+0x0')!.after).toBe(0);
    expect(r.summary.perMinute).toBe(false);
    expect(r.table.columnNames()).toEqual(['callback', 'before', 'after', 'delta', 'ratio', 'ratio_95', 'change']);
    expect(r.summary.totalDelta).toBe(r.summary.after.total - r.summary.before.total);
    expect(r.summary.totalChange.verdict).toBe('fewer');
    expect(r.summary.warnings).toEqual([]);
  });

  it('normalises per minute when the traces cover different times; --isolated counts IPIs received', async () => {
    const before = await run('isolation-ipi', ['sources.netdev_watchdogs=3'], { duration: '60s' });
    const after = await run('isolation-ipi', ['sources.netdev_watchdogs=3'], { duration: '180s' });
    const r = compare(before.trace, after.trace);
    expect(r.summary.perMinute).toBe(true);
    const row = (r.table.objects() as Record<string, number | string>[]).find((x) => x.callback === 'nohz_full_kick_func+0x0')!;
    expect(row.before_per_min).toBeCloseTo(((row.before as number) / r.summary.before.seconds) * 60, 9);
    expect(row.ratio).toBeGreaterThan(0.7);
    expect(row.ratio).toBeLessThan(1.3);
    const iso = compare(before.trace, after.trace, { isolated: Array.from({ length: 76 }, (_, k) => k + 4) });
    const cpumaskRow = (iso.table.objects() as Record<string, number | string>[]).find((x) => x.function === 'do_sync_core')!;
    // a broadcast to 76 isolated CPUs counts 76 times, and once only (v6.4 traces it twice)
    expect((cpumaskRow.before as number) % 76).toBe(0);
    expect(iso.summary.counting).toMatch(/IPIs sent to isolated CPUs \(76\)/);
    expect(iso.table.array('function')).not.toContain('generic_smp_call_function_single_interrupt');
    const byCpu = compare(before.trace, after.trace, { isolated: [4, 5], by: 'cpu' });
    expect(byCpu.table.array('cpu')).toEqual(['4', '5']);
  });

  it('tells a change from Poisson noise: the exact 95% interval of the rate ratio', () => {
    // 10 -> 0 over equal spans: p = after/n has upper Clopper-Pearson bound 1 - 0.025^(1/10)
    const p = 1 - 0.025 ** (1 / 10);
    const c = rateChange(10, 1, 0, 1);
    expect(c.low).toBe(0);
    expect(c.high).toBeCloseTo(p / (1 - p), 6);
    expect(c.verdict).toBe('fewer');
    expect(rateChange(22, 1, 24, 1).verdict).toBe('within noise');
    expect(rateChange(236, 1, 22, 1).verdict).toBe('fewer');
    expect(rateChange(20, 1, 60, 1).verdict).toBe('more');
    // the same counts over three times the span are the same rate
    expect(rateChange(20, 1, 60, 3).verdict).toBe('within noise');
    expect(rateChange(0, 1, 0, 1)).toEqual({ low: null, high: null, verdict: 'none' });
    // large counts take the Wilson interval, which stays close to the exact one
    const big = rateChange(50000, 1, 50500, 1);
    expect(big.low!).toBeLessThan(1.01);
    expect(big.high!).toBeGreaterThan(1.01);
  });

  it('--by noise, the bad case: from events alone, the IPIs deferral keeps away and the untraced entry time it adds to the loop instead', async () => {
    const sets = ['kernel.version=6.18', 'cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'sources.bpf_jit=20', 'sources.vunmap_purges=10'];
    const events = ['raw_syscalls', 'irq_vectors', 'ipi', 'irq', 'context_tracking'].map((event) => ({ event, filters: [] }));
    const before = await run('isolation-ipi-syscalls', sets, { duration: '1s', events });
    const after = await run('isolation-ipi-syscalls', [...sets, 'kernel.defer_ipis=on'], { duration: '1s', events });
    const iso = [4, 5, 6, 7, 8, 9, 10, 11];
    const r = compare(before.trace, after.trace, { isolated: iso, by: 'noise', perMinute: false });
    const row = (k: string) => (r.table.objects() as { noise: string; before: number; after: number; delta: number; change: string }[]).find((x) => x.noise === k)!;
    expect(row('IPIs').after).toBeLessThan(row('IPIs').before * 0.1);
    expect(row('IPIs').change).toBe('fewer');
    // the deferred work runs in ct_kernel_enter(), before trace_user_exit() and trace_sys_enter(): no traced span holds it
    expect(row('syscall mean us').delta).toBeCloseTo(0, 6);
    // it lands in the loop's iterations: each takes, beyond the fastest, the entry and exit code
    // of the interrupts it took (ct_kernel_enter/exit: an atomic each) and the deferred work it ran
    const cost = after.summary.isolated.deferralCostNs;
    expect(cost).toBeGreaterThan(0);
    const hidden = (t: typeof before.trace) =>
      interference(t, { isolated: iso }).summary.perCpu.reduce((sum, x) => sum + x.userTime!.excessNs! - 2 * 20 * x.userTime!.irqEntriesInIterations, 0);
    expect(hidden(before.trace)).toBe(0);
    const h = hidden(after.trace);
    // work run in the partial first and last iteration of each CPU is not in a complete iteration
    expect(h).toBeGreaterThan(0.9 * cost);
    expect(h).toBeLessThanOrEqual(cost);
    expect(row('untraced entry us').after).toBeGreaterThan(row('untraced entry us').before);
    // 20 µs of work and a 300 ns getppid() per iteration, on 8 CPUs for a second, less what delayed them
    for (const side of ['before', 'after'] as const) {
      expect(row('loop iterations')[side]).toBeGreaterThan(0.98 * 8 * Math.floor(1e9 / 20_300));
      expect(row('loop iterations')[side]).toBeLessThanOrEqual(8 * Math.ceil(1e9 / 20_300));
    }
    // what was not recorded is no row: no sched_switch, no thread figure
    expect(r.table.array('noise')).not.toContain('thread us');
  });
});
