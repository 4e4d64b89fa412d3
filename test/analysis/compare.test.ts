import { describe, expect, it } from 'vitest';
import { compare } from '../../src/analysis/compare.ts';
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
    expect(r.table.columnNames()).toEqual(['callback', 'before', 'after', 'delta', 'ratio']);
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
    const cpumaskRow = (iso.table.objects() as Record<string, number | string>[]).find((x) => x.callback === 'do_sync_core+0x0')!;
    // a broadcast to 76 isolated CPUs counts 76 times
    expect((cpumaskRow.before as number) % 76).toBe(0);
    expect(iso.summary.counting).toMatch(/IPIs received/);
  });
});
