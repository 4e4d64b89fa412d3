import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FilterError } from '../../src/filter/kernel-filter.ts';
import { linesOf, run } from './record-helpers.ts';

describe('tracelab record: determinism', () => {
  it('the same seed gives the same bytes; another seed does not', async () => {
    const a = await run('isolation-ipi', [], { duration: '2s', events: [{ event: 'all', filters: [] }] });
    const b = await run('isolation-ipi', [], { duration: '2s', events: [{ event: 'all', filters: [] }] });
    const c = await run('isolation-ipi', [], { duration: '2s', events: [{ event: 'all', filters: [] }], seed: 2 });
    expect(a.summary.events).toBeGreaterThan(50000);
    expect(fs.readFileSync(a.file).equals(fs.readFileSync(b.file))).toBe(true);
    expect(fs.readFileSync(a.file).equals(fs.readFileSync(c.file))).toBe(false);
  });

  it('every CPU\'s events are in time order and every enabled kind shows up', async () => {
    const r = await run('isolation-ipi', ['kernel.version=6.18', 'sources.watchdog_timeo_s=1'], { duration: '2s', events: [{ event: 'all', filters: [] }] });
    const last = new Map<number, number>();
    for (const b of r.trace.batches()) {
      for (let i = 0; i < b.length; i++) {
        expect(b.ts[i]).toBeGreaterThanOrEqual(last.get(b.cpu[i]) ?? 0);
        last.set(b.cpu[i], b.ts[i]);
      }
    }
    for (const ev of ['ipi_send_cpu', 'ipi_send_cpumask', 'csd_queue_cpu', 'csd_function_entry', 'call_function_entry', 'call_function_single_entry', 'reschedule_entry', 'local_timer_entry', 'irq_handler_entry', 'softirq_raise', 'softirq_entry', 'sched_switch', 'sched_wakeup', 'rcu_utilization', 'rcu_grace_period', 'rcu_callback', 'rcu_invoke_callback', 'irq_disable', 'irq_enable', 'sys_enter', 'irq_work_entry', 'hrtimer_expire_entry', 'timer_expire_entry', 'timer_start']) {
      expect(r.summary.counts[ev], ev).toBeGreaterThan(0);
    }
    // receive side pairs up
    expect(r.summary.counts.call_function_single_entry).toBe(r.summary.counts.call_function_single_exit);
    expect(r.summary.counts.csd_function_entry).toBe(r.summary.counts.csd_function_exit);
  });

  it('nohz_full: no tick on an isolated CPU in user space, only the expiries of timers on its base', async () => {
    const ev = ['irq_vectors:local_timer_entry', 'timer:timer_expire_entry', 'timer:hrtimer_expire_entry'].map((event) => ({ event, filters: ['CPU & CPUS{4-79}'] }));
    const r = await run('isolation-ipi', [], { duration: '20s', events: ev });
    // one NIC watchdog timer (its CPU drawn at boot: an isolated one for seed 1), every 5 s
    expect(r.summary.counts.local_timer_entry).toBe(4);
    expect(r.summary.counts.timer_expire_entry).toBe(4);
    for (const l of linesOf(r.report, 'timer_expire_entry')) expect(l).toContain('function=dev_watchdog');
    // the tick's hrtimer, as trace-cmd's hrtimer plugin prints it (tick_sched_timer on 6.4, tick_nohz_handler from 6.10)
    const hr = linesOf(r.report, 'hrtimer_expire_entry');
    expect(hr.length).toBe(4);
    for (const l of hr) expect(l).toMatch(/ hrtimer_expire_entry: hrtimer=0xffff[0-9a-f]{12} now=\d+ function=tick_sched_timer\/0x0$/);
    const none = await run('isolation-ipi', ['sources.netdev_watchdogs=0'], { duration: '20s', events: ev });
    expect(none.summary.counts.local_timer_entry ?? 0).toBe(0);
  });
});

describe('tracelab record: events and filters as trace-cmd record takes them', () => {
  it('-f filters the -e before it, in the kernel language', async () => {
    const r = await run('isolation-ipi', ['sources.watchdog_timeo_s=1'], {
      duration: '3s',
      events: [
        { event: 'ipi_send_cpu', filters: ['cpu == 5 || callback.function == nohz_full_kick_func'] },
        { event: 'sched:sched_switch', filters: [] },
      ],
    });
    const ipis = linesOf(r.report, 'ipi_send_cpu');
    expect(ipis.length).toBeGreaterThan(0);
    for (const l of ipis) expect(/ cpu=5 |nohz_full_kick_func/.test(l)).toBe(true);
    expect(r.summary.counts.sched_switch).toBeGreaterThan(1000);
  });

  it('several -f are and-ed; subsystem -e with a filter applies where the field exists', async () => {
    const r = await run('isolation-ipi', [], { duration: '3s', events: [{ event: 'ipi', filters: ['callback != 0', 'common_pid > 4010'] }] });
    const lines = r.report.split('\n').slice(1, -1);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).not.toContain('callback=0x0');
      expect(Number(/-(\d+) +\[/.exec(l)![1])).toBeGreaterThan(4010);
    }
    // as on a kernel: a function name touching the parenthesis is not a function
    await expect(run('isolation-ipi', [], { duration: '1s', events: [{ event: 'ipi_send_cpu', filters: ['callsite.function == irq_work_queue_on', 'cpu > 3'] }] })).rejects.toThrow(/Function not found/);
  });

  it('a filter the kernel rejects fails before recording, with the kernel message', async () => {
    await expect(run('isolation-ipi', [], { duration: '1s', events: [{ event: 'ipi_send_cpumask', filters: ['cpumask & CPUS{4-90}'] }] })).rejects.toThrow(FilterError);
    await expect(run('isolation-ipi', [], { duration: '1s', events: [{ event: 'ipi_send_cpu', filters: ['cpux == 1'] }] })).rejects.toThrow(/Field not found/);
    await expect(run('isolation-ipi', [], { duration: '1s', events: [{ event: 'nosuch', filters: [] }] })).rejects.toThrow(/no event "nosuch"/);
  });

  it('-T puts the seed\'s call chains after the IPIs', async () => {
    const r = await run('isolation-ipi', ['sources.pcpu_reclaims=2', 'sources.watchdog_timeo_s=1'], { duration: '20s', stacks: true });
    const lines = r.report.split('\n');
    const i = lines.findIndex((l) => l.includes('callback=do_flush_tlb_all') && lines[lines.indexOf(l) + 5]?.includes('pcpu_reclaim_populated'));
    expect(i).toBeGreaterThan(0);
    expect(lines[i + 1]).toMatch(/kernel_stack: +<stack trace >/);
    expect(lines.slice(i + 2, i + 10).map((l) => l.split(' ')[1])).toEqual(['trace_event_raw_event_ipi_send_cpumask', 'smp_call_function_many_cond', 'on_each_cpu_cond_mask', 'pcpu_reclaim_populated', 'pcpu_balance_workfn', 'process_one_work', 'worker_thread', 'kthread']);
    const kick = lines.findIndex((l) => l.includes('callback=nohz_full_kick_func'));
    expect(lines.slice(kick + 2, kick + 7).map((l) => l.split(' ')[1])).toEqual(['trace_event_raw_event_ipi_send_cpu', '__irq_work_queue_local', 'irq_work_queue_on', '__mod_timer', 'dev_watchdog']);
  });

  it('-T: every event is followed by its kernel_stack on its CPU, stamped after unwinding and before the next event', async () => {
    const events = ['all'].map((event) => ({ event, filters: [] }));
    for (const version of ['6.18', '6.4']) {
      const r = await run('isolation-ipi-syscalls', ['cpus=6', 'housekeeping=0-1', 'isolated=2-5', `kernel.version=${version}`, 'kernel.defer_ipis=on', 'isolated_load.user_work_us=500', 'sources.bpf_jit=30', 'sources.netdev_watchdogs=4', 'sources.watchdog_timeo_s=1'], { duration: '1100ms', events, stacks: true });
      const b = [...r.trace.batches({})];
      // per CPU, in buffer order: event, kernel_stack, event, kernel_stack ...
      const perCpu = new Map<number, { name: string; ts: number; frames: number }[]>();
      for (const batch of b) {
        for (let i = 0; i < batch.length; i++) {
          const ev = r.trace.formats.get(batch.type[i])!;
          const list = perCpu.get(batch.cpu[i]) ?? perCpu.set(batch.cpu[i], []).get(batch.cpu[i])!;
          list.push({ name: ev.name, ts: batch.ts[i], frames: ev.name === 'kernel_stack' ? Math.floor((batch.size[i] - 16) / 8) : 0 });
        }
      }
      let unclamped = 0;
      const names = new Set<string>();
      for (const list of perCpu.values()) {
        for (let k = 0; k < list.length; k += 2) {
          const [e, st, next] = [list[k], list[k + 1], list[k + 2]];
          expect(e.name).not.toBe('kernel_stack');
          expect(st.name, `after ${e.name}`).toBe('kernel_stack');
          names.add(e.name);
          expect(st.frames).toBeGreaterThan(1);
          expect(st.ts).toBeGreaterThanOrEqual(e.ts);
          if (next) expect(st.ts).toBeLessThanOrEqual(next.ts);
          // unwinding takes 300 ns a frame (hw.unwind_frame_ns) unless the next event came sooner
          if (!next || next.ts > e.ts + 300 * st.frames) {
            expect(st.ts - e.ts).toBe(300 * st.frames);
            unclamped++;
          }
        }
      }
      expect(unclamped).toBeGreaterThan(100);
      for (const n of ['sched_switch', 'sys_enter', 'user_exit', 'local_timer_entry', 'softirq_entry', 'csd_queue_cpu', 'rcu_utilization', 'irq_disable', 'timer_start', 'hrtimer_expire_entry']) {
        if (n === 'csd_queue_cpu' && version === '6.4') continue;
        expect(names, `${n} on ${version}`).toContain(n);
      }
      const report = r.report;
      // the version's own names: the softirq loop and the wakeup preemption check
      expect(report).toContain(version === '6.4' ? '=> __do_softirq' : '=> handle_softirqs');
      expect(report).toContain(version === '6.4' ? '=> check_preempt_curr' : '=> wakeup_preempt');
    }
  });
});

describe('tracelab record: the kernel switches', () => {
  it('the bad case: IPIs still reach isolated CPUs caught in the kernel; deferred work runs on their syscalls', async () => {
    const off = await run('isolation-ipi-syscalls', [], { duration: '5s' });
    const on = await run('isolation-ipi-syscalls', ['kernel.defer_ipis=on'], { duration: '5s' });
    // the loop: 20 µs of work, then getppid() (260 ns and the two context-tracking atomics)
    const expected = 76 * Math.floor(5e9 / (20_000 + 260 + 2 * 20));
    expect(Math.abs(on.summary.isolated.kernelEntries - expected)).toBeLessThan(expected * 0.01);
    const i = on.summary.isolated;
    // each run pays at least sync_core + the line fetched back, at most both kinds
    expect(i.deferredRuns).toBeGreaterThan(0);
    expect(i.deferralCostNs).toBeGreaterThanOrEqual(i.deferredRuns * (250 + 150));
    expect(i.deferralCostNs).toBeLessThanOrEqual(i.deferredRuns * (250 + 1200 + 150));
    expect(off.summary.isolated.deferralCostNs).toBe(0);
    expect(off.summary.isolated.sentInKernel).toBe(0);
    // a getppid every ~20 µs keeps each CPU ~1.5% in the kernel: a broadcast finds some there
    expect(i.sentInKernel).toBeGreaterThan(0);
    expect(on.summary.isolated.ipisReceived * 5).toBeLessThan(off.summary.isolated.ipisReceived);
    expect(on.summary.counts.ipi_send_cpumask).toBeGreaterThan(0);
  });

  it('traced syscalls of the bad case are real sys_enter/sys_exit events on isolated CPUs', async () => {
    const r = await run('isolation-ipi-syscalls', ['cpus=8', 'housekeeping=0-1', 'isolated=2-7'], { duration: '50ms', events: [{ event: 'raw_syscalls', filters: ['CPU & CPUS{2-7}'] }] });
    expect(Math.abs(r.summary.counts.sys_enter - 6 * Math.floor(50e6 / 20_300))).toBeLessThan(20);
    expect(linesOf(r.report, 'sys_enter')[0]).toMatch(/rt-syscaller-\d+ +\[00[2-7]\] .*NR 110 \(0, 0, 0, 0, 0, 0\)/);
  });

  it('uprobe-batch: one RCU-tasks-trace grace period per uprobe, or one for the batch', async () => {
    const one = await run('uprobe-batch', [], { duration: '7s' });
    const batch = await run('uprobe-batch', ['kernel.batch_unregister=on'], { duration: '7s' });
    expect(one.summary.probes!.gracePeriods).toBe(32);
    expect(batch.summary.probes!.gracePeriods).toBe(1);
    const span = (r: typeof one) => r.summary.probes!.unregisterEnd - r.summary.probes!.unregisterStart;
    expect(span(one)).toBeGreaterThan(10 * span(batch));
    // timed as on a real kernel: a kprobe/kretprobe pair on synchronize_rcu_tasks_trace()
    expect(linesOf(one.report, 'p_synchronize_rcu_tasks_trace_0').length).toBe(32);
    expect(linesOf(one.report, 'r_synchronize_rcu_tasks_trace_0').length).toBe(32);
    expect(linesOf(batch.report, 'r_synchronize_rcu_tasks_trace_0').length).toBe(1);
    // hits stop once the probes are gone
    const hits = one.report.split('\n').filter((l) => / p_libc_0x[0-9a-f]+: /.test(l));
    expect(hits.length).toBeGreaterThan(5000);
    expect(hits[0]).toMatch(/p_libc_0x[0-9a-f]+: +\(7f3a1c4[0-9a-f]+\)$/);
  });

});
