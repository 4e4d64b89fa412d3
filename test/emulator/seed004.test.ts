import { describe, expect, it } from 'vitest';
import { parseCpuList } from '../../src/core/cpulist.ts';
import { callbackCounts, linesOf, run } from './record-helpers.ts';

/**
 * The headline experiment (seeds/004): 20 emulated minutes of isolation-ipi
 * with the seed's filters, deferral off and on. Seed table, v6.4 vs patched:
 * do_flush_tlb_all 236 -> 22, do_sync_core 576 -> 0,
 * generic_smp_call_function_single_interrupt 814 -> 24, nohz_full_kick_func 309 -> 307.
 */
describe('seed 004: IPI deferral on isolation-ipi, 20 minutes', async () => {
  const before = await run('isolation-ipi');
  const after = await run('isolation-ipi', ['kernel.defer_ipis=on']);
  const b = callbackCounts(before.report);
  const a = callbackCounts(after.report);

  it('records only IPIs aimed at isolated CPUs (the seed filters)', () => {
    const iso = new Set(parseCpuList('4-79'));
    for (const l of linesOf(before.report, 'ipi_send_cpu')) expect(iso.has(Number(/ cpu=(\d+)/.exec(l)![1]))).toBe(true);
    for (const l of linesOf(before.report, 'ipi_send_cpumask')) expect(parseCpuList(/cpumask=(\S+)/.exec(l)![1]).some((c) => iso.has(c))).toBe(true);
    expect(before.summary.durationNs).toBe(1200e9);
  });

  it('without deferral: the four callbacks of the seed, same order of magnitude', () => {
    const seed: Record<string, number> = {
      'callback=do_flush_tlb_all+0x0': 236,
      'callback=do_sync_core+0x0': 576,
      'callback=generic_smp_call_function_single_interrupt+0x0': 814,
      'callback=nohz_full_kick_func+0x0': 309,
    };
    expect(Object.keys(b).sort()).toEqual(Object.keys(seed).sort());
    for (const [k, v] of Object.entries(seed)) {
      expect(b[k]).toBeGreaterThan(v * 0.7);
      expect(b[k]).toBeLessThan(v * 1.3);
    }
  });

  it('with deferral: do_sync_core gone, TLB and single-CPU syncs down 5x or more, kicks within 10%', () => {
    expect(a['callback=do_sync_core+0x0']).toBeUndefined();
    expect(a['callback=do_flush_tlb_all+0x0'] * 5).toBeLessThanOrEqual(b['callback=do_flush_tlb_all+0x0']);
    const g = 'callback=generic_smp_call_function_single_interrupt+0x0';
    expect(a[g] * 5).toBeLessThanOrEqual(b[g]);
    const k = 'callback=nohz_full_kick_func+0x0';
    expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(b[k] * 0.1);
  });

  it('the deferred IPIs are accounted: deferred, coalesced into fewer runs, each entry paying the atomic', () => {
    const i = after.summary.isolated;
    expect(before.summary.isolated.deferred).toBe(0);
    expect(i.deferred).toBeGreaterThan(10000);
    expect(i.deferredRuns).toBeGreaterThan(0);
    expect(i.deferredRuns).toBeLessThan(i.deferred);
    expect(i.deferralCostNs).toBe(i.kernelEntries * 40);
    expect(i.ipisReceived).toBeLessThan(before.summary.isolated.ipisReceived / 5);
  });

  it('summary counts equal the events in the file', () => {
    for (const r of [before, after]) {
      expect(linesOf(r.report, 'ipi_send_cpu').length).toBe(r.summary.counts.ipi_send_cpu ?? 0);
      expect(linesOf(r.report, 'ipi_send_cpumask').length).toBe(r.summary.counts.ipi_send_cpumask ?? 0);
    }
  });
});
