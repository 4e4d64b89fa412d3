import { describe, expect, it } from 'vitest';
import { distribution, irqOffSpans, probeHits, rcuGracePeriods } from '../../src/analysis/spans.ts';
import { ipiCausality } from '../../src/analysis/arquero-reports.ts';
import { DurationSketch } from '../../src/analysis/quantiles.ts';
import { linesOf, run } from '../emulator/record-helpers.ts';

describe('spans and latencies', () => {
  it('irqs-off spans: one per disable/enable pair, with caller and parent', async () => {
    const r = await run('isolation-ipi', ['cpus=8', 'housekeeping=0-1', 'isolated=2-7'], { duration: '2s', events: [{ event: 'preemptirq', filters: [] }] });
    const s = irqOffSpans(r.trace);
    expect(s.summary.count).toBe(r.summary.counts.irq_disable);
    expect(s.summary.minNs).toBeGreaterThanOrEqual(300);
    expect(s.summary.maxNs).toBeGreaterThan(50_000);
    expect(s.summary.p50Ns).toBeLessThan(s.summary.p99Ns);
    const first = linesOf(r.report, 'irq_disable')[0];
    const row = s.table.object(0) as { caller: string; parent: string };
    expect(first).toContain(`caller=${row.caller} parent=${row.parent}`);
  });

  it('RCU grace periods per flavour, probe hits, IPI send -> entry latency', async () => {
    const r = await run('kprobe-trampolines', [], { duration: '8s', events: [{ event: 'all', filters: [] }, { event: 'kprobes', filters: [] }] });
    const gp = rcuGracePeriods(r.trace);
    const ends = (f: string) => r.report.split('\n').filter((l) => new RegExp(` ${f} \\d+ end$`).test(l)).length;
    expect(gp.summary.rcu_preempt.count).toBe(ends('rcu_preempt'));
    // RCU Tasks has no rcu_grace_period events (tasks.h traces none): its kprobe pair times it instead
    expect(gp.summary.rcu_tasks).toBeUndefined();
    expect(gp.summary.rcu_preempt.maxNs).toBeLessThan(100e6);
    const hits = probeHits(r.trace);
    const rows = hits.table.objects() as { probe: string; count: number }[];
    for (const { probe, count } of rows) expect(count).toBe(r.summary.counts[probe.split(':')[1]]);
    expect(rows.length).toBe(6);
    // send to handler entry, over every target
    const ipi = ipiCausality(r.trace).summary;
    const lat = new DurationSketch();
    for (const x of ipi.perTarget) lat.merge(x.latency);
    expect(lat.count).toBeGreaterThan(100);
    // delivery takes at least 0.6 µs; a shorter pairing is an IPI sent while a handler the load
    // delayed was about to take the queue anyway (the sender decides from the time, see ipi.ts)
    expect(lat.quantile(0.5)).toBeGreaterThanOrEqual(600);
    expect(lat.quantile(0.5)).toBeLessThan(3000);
    expect(ipi.perTarget.reduce((n, x) => n + x.unanswered, 0)).toBeLessThan(lat.count * 0.01);
  });

  it('distribution', () => {
    expect(distribution([5, 1, 3])).toEqual({ count: 3, minNs: 1, p50Ns: 3, p90Ns: 5, p99Ns: 5, maxNs: 5, meanNs: 3 });
    expect(distribution([]).count).toBe(0);
  });
});
