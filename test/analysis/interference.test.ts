import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipiTargetReader } from '../../src/analysis/field-values.ts';
import { interference } from '../../src/analysis/interference.ts';
import { parseCpuList } from '../../src/core/cpulist.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, readText } from '../helpers.ts';
import { run } from '../emulator/record-helpers.ts';

const ISO = parseCpuList('4-11');
const isIso = (c: number) => c >= 4 && c <= 11;

describe('interference', () => {
  it('on an emulated full trace: per-CPU totals equal the events the emulator wrote for isolated CPUs', async () => {
    const r = await run('isolation-ipi', ['kernel.version=6.18', 'cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'sources.netdev_watchdogs=4', 'sources.watchdog_timeo_s=1'], { duration: '30s', events: [{ event: 'all', filters: [] }] });
    const res = interference(r.trace, { isolated: ISO });
    // expected, from the report text
    const want = new Map<number, Record<string, number>>(ISO.map((c) => [c, { ipi: 0, tick: 0, irq_work: 0, softirq: 0, switch: 0 }]));
    for (const line of r.report.split('\n')) {
      const m = /\[0*(\d+)\]\s+[\d.]+: (\S+):\s+(.*)$/.exec(line);
      if (!m) continue;
      const cpu = Number(m[1]);
      const ev = m[2];
      if (ev === 'ipi_send_cpu') {
        const t = Number(/cpu=(\d+)/.exec(m[3])![1]);
        if (isIso(t)) want.get(t)!.ipi++;
      } else if (ev === 'ipi_send_cpumask') {
        for (const t of parseCpuList(/cpumask=(\S+)/.exec(m[3])![1])) if (isIso(t)) want.get(t)!.ipi++;
      } else if (isIso(cpu)) {
        const k = { local_timer_entry: 'tick', irq_work_entry: 'irq_work', softirq_entry: 'softirq', sched_switch: 'switch' }[ev];
        if (k) want.get(cpu)![k]++;
      }
    }
    for (const x of res.summary.perCpu) {
      const w = want.get(x.cpu)!;
      expect({ ipi: x.counts.ipi, tick: x.counts.tick, irq_work: x.counts.irq_work, softirq: x.counts.softirq, switch: x.counts.switch }).toEqual(w);
      expect(x.kernelNs).toBeGreaterThan(0);
      expect(x.quietNs).toBeGreaterThan(0);
    }
    // IPIs received: the emulator's own count (each IPI interrupt, self-kicks included); on 6.18
    // each IPI is traced once, and its callback is the generic handler (the function is on csd_queue_cpu)
    expect(res.summary.totals.ipi).toBe(r.summary.isolated.ipisReceived);
    expect(res.summary.byCallback.map((x) => x[0])).toEqual(expect.arrayContaining(['generic_smp_call_function_single_interrupt+0x0', 'nohz_full_kick_func+0x0']));
    expect(res.table.numRows()).toBe(8);
  });

  it('on a seed-004 style trace (only IPI sends, filtered): masks exploded per target, chains from kernel_stack', async () => {
    const r = await run('isolation-ipi', ['sources.pcpu_reclaims=1'], { duration: '60s', stacks: true });
    const iso = parseCpuList('4-79');
    const res = interference(r.trace, { isolated: iso });
    let want = 0;
    for (const line of r.report.split('\n')) {
      if (line.includes(' ipi_send_cpu: ')) want += iso.includes(Number(/ cpu=(\d+)/.exec(line)![1])) ? 1 : 0;
      if (line.includes(' ipi_send_cpumask: ')) want += parseCpuList(/cpumask=(\S+)/.exec(line)![1]).filter((c) => c >= 4).length;
    }
    expect(res.summary.totals.ipi).toBe(want);
    expect(res.summary.total).toBe(want);
    const chain = res.summary.chains.find(([c]) => c.includes('pcpu_reclaim_populated'));
    expect(chain?.[0]).toBe('on_each_cpu_cond_mask <- pcpu_reclaim_populated <- pcpu_balance_workfn <- process_one_work <- worker_thread <- kthread');
    expect(res.summary.bySender.every(([c]) => c < 4 || iso.includes(c))).toBe(true);
  });

  it('explodes a cpumask like 0-1,3-79', async () => {
    const r = await run('isolation-ipi', [], { duration: '30s' });
    const ev = r.trace.formats.find('ipi_send_cpumask')[0];
    const read = ipiTargetReader(r.trace, ev)!;
    const lines = r.report.split('\n').filter((l) => l.includes(' ipi_send_cpumask: '));
    let k = 0;
    for (const b of r.trace.batches()) {
      for (let i = 0; i < b.length; i++) {
        if (b.type[i] !== ev.id) continue;
        const text = /cpumask=(\S+)/.exec(lines[k++])![1];
        expect(read(b, i)).toEqual(parseCpuList(text));
        expect(read(b, i).length).toBe(79);
      }
    }
    expect(k).toBe(lines.length);
  });

  it('on a real trace: IPIs to a CPU from ipi_send_cpu targets', async () => {
    const file = path.join(ROOT, 'samples/real-ipi.dat');
    const t = await openTrace(file);
    const res = interference(t, { isolated: [1] });
    const report = readText(`${file}.report.txt.gz`);
    const ipis = report.split('\n').filter((l) => l.includes(' ipi_send_cpu: ') && / cpu=1 /.test(l)).length;
    const ticks = report.split('\n').filter((l) => l.includes('[001]') && l.includes(' local_timer_entry: ')).length;
    expect(res.summary.totals.ipi).toBe(ipis);
    expect(res.summary.totals.tick).toBe(ticks);
    expect(res.summary.totals.switch).toBe(report.split('\n').filter((l) => l.includes('[001]') && l.includes(' sched_switch: ')).length);
  });
});
