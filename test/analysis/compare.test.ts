import { describe, expect, it } from 'vitest';
import { compare } from '../../src/analysis/compare.ts';
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

  it('--by noise, the bad case: from events alone, how much longer the isolated CPUs stay in their syscalls with deferral on', async () => {
    const sets = ['kernel.version=6.18', 'cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'sources.bpf_jit=20', 'sources.vunmap_purges=10'];
    const events = ['raw_syscalls', 'irq_vectors', 'ipi', 'irq'].map((event) => ({ event, filters: [] }));
    const before = await run('isolation-ipi-syscalls', sets, { duration: '1s', events });
    const after = await run('isolation-ipi-syscalls', [...sets, 'kernel.defer_ipis=on'], { duration: '1s', events });
    const iso = [4, 5, 6, 7, 8, 9, 10, 11];
    const r = compare(before.trace, after.trace, { isolated: iso, by: 'noise', perMinute: false });
    const row = (k: string) => (r.table.objects() as { noise: string; before: number; after: number; delta: number; change: string }[]).find((x) => x.noise === k)!;
    // the IPIs the series kept away, and the syscall time it added instead: the deferred work ran there
    expect(row('IPIs').after).toBeLessThan(row('IPIs').before * 0.1);
    expect(row('IPIs').change).toBe('fewer');
    const added = row('syscall us').delta * 1000;
    const cost = after.summary.isolated.deferralCostNs;
    expect(cost).toBeGreaterThan(0);
    // flushes that ran at an irq entry instead of a syscall are not in this figure
    expect(added).toBeGreaterThan(0.9 * cost);
    expect(added).toBeLessThanOrEqual(cost + 1);
    expect(row('syscalls').delta).toBe(0);
    expect(row('syscall us').change).toBe('none');
    // what was not recorded is no row: no sched_switch, no thread figure
    expect(r.table.array('noise')).not.toContain('thread us');
  });
});
