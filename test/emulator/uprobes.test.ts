import { describe, expect, it } from 'vitest';
import { uprobeCost } from '../../src/analysis/uprobe-cost.ts';
import { linesOf, run } from './record-helpers.ts';

/** Seed 002: SRCU or RCU Tasks Trace under uprobes, batched unregistration; mechanisms read back from the trace. */
describe('uprobe-batch (seed 002): reader cost per hit, grace periods per unregistration', () => {
  const costOf = async (sets: string[]) => {
    const r = await run('uprobe-batch', sets, { duration: '6s' });
    return { r, s: uprobeCost(r.trace).summary };
  };

  it("SRCU's read side costs every hit two full barriers more than Tasks Trace's", async () => {
    const trace = await costOf([]);
    const srcu = await costOf(['kernel.uprobe_rcu=srcu']);
    const mean = (x: typeof trace) => x.s.perHit!.find((h) => h.kind === 'uprobe')!.meanNs;
    expect(trace.s.perHit![0].count).toBeGreaterThan(5000);
    // srcu_read_lock()/unlock(): an smp_mb() each (a locked instruction on x86, hw.atomic_ns)
    expect(mean(srcu) - mean(trace)).toBeCloseTo(2 * 20, 6);
    // and the hit stays a microsecond-scale trap either way
    expect(mean(trace)).toBeGreaterThan(500);
    expect(mean(trace)).toBeLessThan(3000);
  });

  it('batching N unregistrations waits for one grace period of each kind; one by one waits N times', async () => {
    const one = await costOf([]);
    const batch = await costOf(['kernel.batch_unregister=on']);
    const calls = (x: typeof one, f: string) => x.s.syncCalls.find((c) => c.func === f)?.calls ?? 0;
    expect(calls(one, 'synchronize_rcu_tasks_trace')).toBe(32);
    expect(calls(batch, 'synchronize_rcu_tasks_trace')).toBe(1);
    // uprobe_unregister_sync() also waits for uretprobes_srcu
    expect(calls(one, 'synchronize_srcu')).toBe(32);
    expect(calls(batch, 'synchronize_srcu')).toBe(1);
    // Tasks Trace's kthread sleeps gp_sleep (HZ/200) between grace periods: one by one is 32 of them
    expect(one.s.unregisterNs!).toBeGreaterThan(32 * 5e6);
    expect(batch.s.unregisterNs!).toBeLessThan(one.s.unregisterNs! / 20);
    // removing each breakpoint flushes the page's TLB entry on every isolated CPU whose task maps it
    expect(one.s.tlbFlushRequests).toBe(32 * 6);
    expect(batch.s.tlbFlushRequests).toBe(32 * 6);
  });

  it('each probe stops firing when it is removed, not when the unregistration starts', async () => {
    const { r, s } = await costOf([]);
    const last = s.probes.map((p) => p.lastHit).sort();
    // one by one over ~300 ms: the last removed probe fires well after the first removed one stopped
    const sec = (x: string) => Number(x);
    expect(sec(last[last.length - 1]) - sec(last[0])).toBeGreaterThan(0.2);
    expect(linesOf(r.report, 'p_synchronize_rcu_tasks_trace_0').length).toBe(32);
  });

  it('uretprobes fire on the return, through the uretprobe syscall, with the return address', async () => {
    const r = await run('uprobe-batch', ['probes.uprobes=r:/usr/lib/libc.so.6:0x29d90,/usr/lib/libc.so.6:0x2a0d0'], { duration: '2s', events: [{ event: 'uprobes', filters: [] }, { event: 'raw_syscalls', filters: [] }, { event: 'context_tracking', filters: [] }] });
    const ret = linesOf(r.report, 'r_libc_0x29d90');
    expect(ret.length).toBeGreaterThan(500);
    expect(ret[0]).toMatch(/r_libc_0x29d90: +\(7f3a1c429d90 <- 7f3a1c429db5\)$/);
    expect(linesOf(r.report, 'sys_enter').some((l) => / NR 335 \(/.test(l))).toBe(true);
    const s = uprobeCost(r.trace).summary;
    expect(s.perHit!.map((h) => h.kind).sort()).toEqual(['uprobe', 'uretprobe']);
  });

  it('a hit is the int3 trap path: the event is raised from handle_swbp() on the way back to user space', async () => {
    const r = await run('uprobe-batch', [], { duration: '1s', stacks: true, events: [{ event: 'uprobes', filters: [] }] });
    const at = r.report.indexOf(' p_libc_0x');
    const stack = r.report.slice(at, at + 1200);
    expect(stack).toMatch(/=> handle_swbp \([0-9a-f]+\)\n=> uprobe_notify_resume[\s\S]*=> exc_int3 \([0-9a-f]+\)\n=> asm_exc_int3/);
  });
});
