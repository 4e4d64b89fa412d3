import { describe, expect, it } from 'vitest';
import type { EventSpec } from '../../src/emulator/tracing.ts';
import { run } from './record-helpers.ts';

/**
 * Tracing observes, it does not act: one seed recorded with different -e
 * sets must run the same kernel. Every event recorded in two runs has the
 * same count in both, and the isolated CPUs' kernel entries, kernel time,
 * IPIs received and deferred work are the same whatever was recorded.
 */
describe('causality: enabling events never changes what the kernel does', async () => {
  const sets: string[][] = [
    ['ipi:ipi_send_cpumask', 'ipi:ipi_send_cpu'],
    ['ipi', 'raw_syscalls'],
    ['context_tracking'],
    ['context_tracking', 'ipi', 'irq_vectors'],
    ['ipi', 'csd', 'irq_vectors', 'timer'],
    ['irq_vectors', 'sched', 'irq', 'rcu', 'preemptirq'],
    ['all'],
  ];
  const machine = ['cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'sources.netdev_watchdogs=4', 'sources.watchdog_timeo_s=1', 'sources.bpf_jit=4', 'sources.vunmap_purges=4', 'sources.pcpu_reclaims=2'];
  const runs: Awaited<ReturnType<typeof run>>[] = [];
  for (const version of ['6.4', '6.18']) {
    for (const set of sets) {
      const events: EventSpec[] = set.filter((e) => version !== '6.4' || e !== 'csd').map((event) => ({ event, filters: [] }));
      runs.push(await run('isolation-ipi-syscalls', [...machine, `kernel.version=${version}`, 'kernel.defer_ipis=on'], { duration: '2s', events }));
    }
  }

  it('isolated CPUs: the same kernel entries, kernel time, IPIs and deferred work under every -e set', () => {
    for (const v of [0, 1]) {
      const group = runs.slice(v * sets.length, (v + 1) * sets.length);
      const first = group[0].summary.isolated;
      expect(first.ipisReceived).toBeGreaterThan(20);
      expect(first.deferred).toBeGreaterThan(50);
      expect(first.sentInKernel).toBeGreaterThan(0);
      for (const r of group.slice(1)) expect(r.summary.isolated).toEqual(first);
    }
  });

  it('every event recorded in two runs has the same count in both', () => {
    let compared = 0;
    for (const v of [0, 1]) {
      const group = runs.slice(v * sets.length, (v + 1) * sets.length);
      for (let i = 0; i < group.length; i++) {
        for (let j = i + 1; j < group.length; j++) {
          const a = group[i].summary.counts;
          const b = group[j].summary.counts;
          for (const ev of Object.keys(a)) {
            if (!(ev in b) || ev === 'kernel_stack') continue;
            expect(b[ev], `${ev}: ${sets[i].join(',')} vs ${sets[j].join(',')} (v${v})`).toBe(a[ev]);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(40);
  });
});
