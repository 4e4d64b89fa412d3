import { describe, expect, it } from 'vitest';
import { rcuTasksGracePeriods } from '../../src/analysis/rcu-tasks.ts';
import { linesOf, run } from './record-helpers.ts';

/**
 * Seed 001: freeing kprobe trampolines waits for RCU Tasks, which a task
 * preempted in the kernel holds. The mechanism is checked on the trace, with
 * what a real kernel offers: a kprobe pair on synchronize_rcu_tasks(),
 * sched_switch and the console.
 */
describe('kprobe-trampolines (seed 001): RCU Tasks held by a preempted reader', () => {
  const gpOf = (r: Awaited<ReturnType<typeof run>>) => {
    const g = rcuTasksGracePeriods(r.trace).summary.gracePeriods;
    expect(g.length).toBe(1);
    return g[0];
  };

  it('the reader preempted by the RT hog holds the grace period until RT throttling runs it; the trampolines are freed after', async () => {
    const r = await run('kprobe-trampolines', [], { duration: '8s' });
    const gp = gpOf(r);
    expect(gp.func).toBe('synchronize_rcu_tasks');
    expect(gp.caller).toMatch(/^kworker\/0:2-\d+$/);
    expect(gp.holdout!.task).toMatch(/^stress-read-\d+$/);
    expect(gp.holdout!.preemptedBy).toMatch(/^rt-hog-\d+$/);
    expect(gp.holdout!.cpu).toBe(1);
    // preempted at 5.5 s, throttled 950 ms later: the reader runs again at 6.45 s
    expect(gp.holdout!.offCpuNs).toBeGreaterThan(949e6);
    expect(gp.holdout!.offCpuNs).toBeLessThan(951e6);
    // the grace period ends at the first holdout scan after that (scans are 100+ jiffies apart), plus synchronize_rcu()
    // the report's time back to ns from the trace's base second, as gp.end is
    const [sec, ns] = gp.holdout!.resumedAt!.split('.');
    const resumed = (Number(sec) - r.trace.tsBaseSec) * 1e9 + Number(ns);
    const end = gp.end!;
    expect(end).toBeGreaterThan(resumed);
    expect(end - resumed).toBeLessThan(130e6);
    expect(gp.messages.some((m) => m.endsWith('sched: RT throttling activated'))).toBe(true);
    // freed only after synchronize_rcu_tasks() returned
    expect(r.summary.probes!.unregisterEnd).toBeGreaterThan(end);
    expect(r.summary.probes!.gracePeriods).toBe(1);
  });

  it('without the RT hog the grace period drops to its base: synchronize_rcu(), one 100-jiffy scan, synchronize_rcu()', async () => {
    const r = await run('kprobe-trampolines', ['probes.rt_hog_at='], { duration: '8s' });
    const gp = gpOf(r);
    expect(gp.durationNs!).toBeGreaterThan(100e6);
    expect(gp.durationNs!).toBeLessThan(130e6);
    expect(gp.holdout).toBeNull();
    expect(gp.messages).toEqual([]);
  });

  it('without RT throttling the reader holds it as long as the hog spins: the informational message, then the stall warning', async () => {
    const sets = ['kernel.sched_rt_runtime_us=-1', 'probes.rt_hog_spin=30s', 'rcu.tasks_stall_timeout_s=20', 'rcu.tasks_stall_info_s=5'];
    const r = await run('kprobe-trampolines', sets, { duration: '40s' });
    const gp = gpOf(r);
    // the hog sleeps at 35.5 s; the grace period can only end after that
    expect(gp.end).not.toBeNull();
    expect(gp.end!).toBeGreaterThan(35.5e9);
    expect(gp.holdout!.task).toMatch(/^stress-read-\d+$/);
    expect(gp.holdout!.offCpuNs).toBeGreaterThan(29.9e9);
    const info = gp.messages.filter((m) => / rcu_tasks_wait_gp: rcu_tasks grace period number \d+ \(since boot\) is \d+ jiffies old\.$/.test(m));
    expect(info.length).toBeGreaterThan(0);
    const stall = gp.messages.findIndex((m) => m.endsWith('INFO: rcu_tasks detected stalls on tasks:'));
    expect(stall).toBeGreaterThan(-1);
    expect(gp.messages[stall + 1]).toMatch(/ [0-9a-f]{16}: \.\. nvcsw: (\d+)\/\1 holdout: 1 idle_cpu: -1\/1$/);
    expect(linesOf(r.report, 'console').some((l) => l.includes('RT throttling'))).toBe(false);
    expect(r.summary.probes!.tasksGracePeriods[0].stallWarnings).toBeGreaterThan(0);
  });

  it('one-by-one or in a batch, the optimizer waits for one RCU Tasks grace period; one-by-one pays a synchronize_rcu() per probe first', async () => {
    const one = await run('kprobe-trampolines', ['probes.rt_hog_at='], { duration: '8s' });
    const batch = await run('kprobe-trampolines', ['probes.rt_hog_at=', 'kernel.batch_unregister=on'], { duration: '8s' });
    expect(one.summary.probes!.gracePeriods).toBe(1);
    expect(batch.summary.probes!.gracePeriods).toBe(1);
    expect(gpOf(one).start).toBeGreaterThan(gpOf(batch).start + 5e6);
  });
});
