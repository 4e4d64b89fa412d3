import { describe, expect, it } from 'vitest';
import { rcuWatching } from '../../src/analysis/rcu-watching.ts';
import { run } from './record-helpers.ts';

/** Seed 000: what an irq on/off tracepoint's wrapper costs, read from the trace of a closed-loop message benchmark. */
describe('rcuidle-hackbench (seed 000): rcuidle tracepoint wrappers', () => {
  const bench = (mode: string, on: boolean, events?: { event: string; filters: string[] }[]) => run('rcuidle-hackbench', [`kernel.rcuidle=${mode}`, `kernel.irq_tracepoints=${on ? 'on' : 'off'}`], { duration: '20ms', ...(events ? { events } : {}) });

  /** One message's time, from the trace: the mean spacing of a benchmark CPU's write syscalls. */
  const perMessage = (r: Awaited<ReturnType<typeof bench>>) => {
    const starts: number[] = [];
    for (const b of r.trace.batches()) for (let i = 0; i < b.length; i++) if (b.cpu[i] === 0 && r.trace.formats.get(b.type[i])?.name === 'sys_enter' && b.dv.getInt32(b.off[i] + 8, true) === 1) starts.push(b.ts[i]);
    return (starts[starts.length - 1] - starts[0]) / (starts.length - 1);
  };

  it("the wrappers cost nothing with the tracepoints off; on, SRCU and rcu_irq_enter_irqson() cost each invocation their barriers and atomics", async () => {
    const off = await Promise.all(['srcu', 'watching_check', 'noinstr'].map((m) => bench(m, false)));
    expect(new Set(off.map((r) => r.summary.benchMessages)).size).toBe(1);
    const srcu = await bench('srcu', true);
    const check = await bench('watching_check', true);
    const noinstr = await bench('noinstr', true);
    expect(srcu.summary.benchMessages!).toBeLessThan(check.summary.benchMessages!);
    expect(check.summary.benchMessages!).toBeLessThanOrEqual(noinstr.summary.benchMessages!);
    // 4 sections a message, 2 invocations each, RCU watching: srcu pays 2 x (this_cpu_inc + smp_mb) and the
    // rcu_irq_enter/exit_irqson() nesting (10 ns); the check pays rcu_is_watching() (2 ns)
    const d = perMessage(srcu) - perMessage(check);
    expect(d).toBeGreaterThan(8 * (2 * 21 + 10 - 2) - 1);
    expect(d).toBeLessThan(8 * (2 * 21 + 10 - 2) + 1);
    // the thread's order of magnitude: ~10% of hackbench
    const drop = 1 - srcu.summary.benchMessages! / check.summary.benchMessages!;
    expect(drop).toBeGreaterThan(0.05);
    expect(drop).toBeLessThan(0.2);
  });

  it('in RCU idle, the rcuidle wrappers wake RCU for the idle loop\'s tracepoint; 6.3+ traces none there', async () => {
    for (const mode of ['srcu', 'watching_check']) {
      const w = rcuWatching((await bench(mode, true)).trace);
      const idle = w.perCpu.filter((c) => c.cpu >= 4);
      expect(idle.length).toBe(4);
      for (const c of idle) {
        expect(c.idleStays).toBeGreaterThan(0);
        expect(c.tracepointsNeedingRcu).toBe(c.idleStays);
        expect(c.unwatched).toBe(0);
      }
    }
    const w = rcuWatching((await bench('noinstr', true)).trace);
    for (const c of w.perCpu.filter((x) => x.cpu >= 4)) {
      expect(c.interrupts).toBeGreaterThan(0);
      expect(c.tracepointsNeedingRcu).toBe(0);
      expect(c.unwatched).toBe(0);
    }
  });

  it('recording the tracepoints or not leaves the benchmark as it was (tracelab observes)', async () => {
    const all = await bench('srcu', true);
    const few = await bench('srcu', true, [{ event: 'raw_syscalls', filters: [] }]);
    expect(few.summary.benchMessages).toBe(all.summary.benchMessages);
  });
});
