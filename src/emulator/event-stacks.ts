import { HARDIRQ } from '../core/trace-flags.ts';
import { FROM_SYSCALL, type Stacks } from './stacks.ts';

/**
 * Where each tracepoint fires in 6.18 and what called it: the frames a
 * kernel_stack shows after it with -T (trace-cmd's stacktrace option), from
 * the event class's trace_event_raw_event_*() up to the entry of the context
 * it runs in, then what that context interrupted. Events that fire from one
 * place take their chain from here; a path that knows its own callers
 * (an IPI's sender, a probe) passes its chain to emit() instead.
 */

/** What a CPU runs when an event fires there: its stack's outer frames. */
export type StackContext = 'idle' | 'kworker' | 'task';

const APIC_TIMER = ['__sysvec_apic_timer_interrupt+0x5a', 'sysvec_apic_timer_interrupt+0x6f', 'asm_sysvec_apic_timer_interrupt+0x1a'];
const HRTIMER_IRQ = ['__hrtimer_run_queues+0x12f', 'hrtimer_interrupt+0xf9', ...APIC_TIMER];
/** tick_nohz_handler() -> tick_sched_handle() -> update_process_times(). */
const TICK = ['update_process_times+0x8d', 'tick_nohz_handler+0x6f', ...HRTIMER_IRQ];
const CALL_FUNCTION = ['__sysvec_call_function+0x4f', 'sysvec_call_function+0x6f', 'asm_sysvec_call_function+0x1a'];
const CALL_FUNCTION_SINGLE = ['__sysvec_call_function_single+0x4b', 'sysvec_call_function_single+0x6a', 'asm_sysvec_call_function_single+0x1a'];
const RESCHEDULE = ['sysvec_reschedule_ipi+0x57', 'asm_sysvec_reschedule_ipi+0x1a'];
const IRQ_WORK = ['__sysvec_irq_work+0x3f', 'sysvec_irq_work+0x6b', 'asm_sysvec_irq_work+0x1a'];
const DEVICE_IRQ = ['__handle_irq_event_percpu+0x4a', 'handle_irq_event+0x38', 'handle_edge_irq+0x8b', '__common_interrupt+0x44', 'common_interrupt+0x80', 'asm_common_interrupt+0x1e'];
/** Softirqs run on the way out of an interrupt: irq_exit_rcu() -> __irq_exit_rcu() -> handle_softirqs(). */
const SOFTIRQ_AFTER_TICK = ['handle_softirqs+0xd5', '__irq_exit_rcu+0x73', 'sysvec_apic_timer_interrupt+0x74', 'asm_sysvec_apic_timer_interrupt+0x1a'];
const SOFTIRQ_AFTER_DEVICE = ['handle_softirqs+0xd5', '__irq_exit_rcu+0x73', 'common_interrupt+0x85', 'asm_common_interrupt+0x1e'];
/** What an interrupt on an idle CPU interrupted: the halt in the idle loop. */
const IDLE_HALT = ['pv_native_safe_halt+0xf', 'default_idle+0x9', 'default_idle_call+0x2c', 'do_idle+0x1e3', 'cpu_startup_entry+0x29', 'start_secondary+0x11e', 'common_startup_64+0x13e'];
/** Where a task's __schedule() was called from, by context. */
const SCHEDULE_FROM: Record<StackContext, string[]> = {
  idle: ['schedule_idle+0x26', 'do_idle+0xfb', 'cpu_startup_entry+0x29', 'start_secondary+0x11e', 'common_startup_64+0x13e'],
  kworker: ['schedule+0x27', 'worker_thread+0x1bb', 'kthread+0xf6', 'ret_from_fork+0x31', 'ret_from_fork_asm+0x1a'],
  // hackbench and the compilers sleep reading a socket or a pipe
  task: ['schedule+0x27', 'schedule_timeout+0x9e', 'unix_stream_read_generic+0x2a8', 'unix_stream_recvmsg+0x8c', 'sock_read_iter+0xb6', 'vfs_read+0x2a5', 'ksys_read+0x6b', 'x64_sys_call+0x1d8e', ...FROM_SYSCALL],
};
/** A hackbench sender waking its reader: sock_def_readable() -> __wake_up_sync_key(). */
const SOCKET_WAKE = ['autoremove_wake_function+0x12', '__wake_up_common+0x78', '__wake_up_sync_key+0x3b', 'sock_def_readable+0x42', 'unix_stream_sendmsg+0x2b6', 'sock_write_iter+0x15a', 'vfs_write+0x3a1', 'ksys_write+0x6b', 'x64_sys_call+0x1d9f', ...FROM_SYSCALL];

/** Each site's frames after the class's raw-event function, before the context's outer frames. */
const SITES: Record<string, { raw: string; frames: string[]; interrupts?: boolean; schedules?: boolean }> = {
  local_timer: { raw: 'x86_irq_vector+0xb0', frames: APIC_TIMER, interrupts: true },
  call_function: { raw: 'x86_irq_vector+0xb0', frames: CALL_FUNCTION, interrupts: true },
  call_function_single: { raw: 'x86_irq_vector+0xb0', frames: CALL_FUNCTION_SINGLE, interrupts: true },
  reschedule: { raw: 'x86_irq_vector+0xb0', frames: RESCHEDULE, interrupts: true },
  irq_work: { raw: 'x86_irq_vector+0xb0', frames: IRQ_WORK, interrupts: true },
  irq_handler_entry: { raw: 'irq_handler_entry+0x9a', frames: DEVICE_IRQ, interrupts: true },
  irq_handler_exit: { raw: 'irq_handler_exit+0x72', frames: DEVICE_IRQ, interrupts: true },
  hrtimer_expire_entry: { raw: 'hrtimer_expire_entry+0x86', frames: HRTIMER_IRQ, interrupts: true },
  hrtimer_expire_exit: { raw: 'hrtimer_class+0x6d', frames: HRTIMER_IRQ, interrupts: true },
  // rcu_sched_clock_irq() traces the scheduler tick; rcu_note_context_switch() the switch
  rcu_tick: { raw: 'rcu_utilization+0x6d', frames: ['rcu_sched_clock_irq+0x2a', ...TICK], interrupts: true },
  rcu_switch: { raw: 'rcu_utilization+0x6d', frames: ['rcu_note_context_switch+0x37', '__schedule+0xb9'], schedules: true },
  raise_timer: { raw: 'softirq+0x61', frames: ['run_local_timers+0x3b', ...TICK], interrupts: true },
  raise_rcu: { raw: 'softirq+0x61', frames: ['rcu_sched_clock_irq+0x1f3', ...TICK], interrupts: true },
  raise_net: { raw: 'softirq+0x61', frames: ['__napi_schedule+0x4d', 'skb_recv_done+0x2c', 'vring_interrupt+0x6a', ...DEVICE_IRQ], interrupts: true },
  raise_other: { raw: 'softirq+0x61', frames: ['sched_tick+0x10e', ...TICK], interrupts: true },
  softirq_tick: { raw: 'softirq+0x61', frames: SOFTIRQ_AFTER_TICK, interrupts: true },
  softirq_device: { raw: 'softirq+0x61', frames: SOFTIRQ_AFTER_DEVICE, interrupts: true },
  timer_expire_entry: { raw: 'timer_expire_entry+0x86', frames: ['call_timer_fn+0x1a', '__run_timers+0x1fe', 'run_timer_softirq+0x66', ...SOFTIRQ_AFTER_TICK], interrupts: true },
  timer_expire_exit: { raw: 'timer_class+0x5d', frames: ['call_timer_fn+0x9b', '__run_timers+0x1fe', 'run_timer_softirq+0x66', ...SOFTIRQ_AFTER_TICK], interrupts: true },
  // dev_watchdog() re-arming itself: the only timer_start the emulator fires
  timer_start: { raw: 'timer_start+0xa1', frames: ['__mod_timer+0x2b1', 'dev_watchdog+0x230', 'call_timer_fn+0x24', '__run_timers+0x1fe', 'run_timer_softirq+0x66', ...SOFTIRQ_AFTER_TICK], interrupts: true },
  rcu_invoke_callback: { raw: 'rcu_invoke_callback+0x7a', frames: ['rcu_do_batch+0x1a2', 'rcu_core+0x1d0', ...SOFTIRQ_AFTER_TICK], interrupts: true },
  wakeup_irq: { raw: 'sched_wakeup_template+0x82', frames: ['ttwu_do_activate+0x96', 'sched_ttwu_pending+0xf4', '__flush_smp_call_function_queue+0x13b', ...CALL_FUNCTION_SINGLE], interrupts: true },
  wakeup_task: { raw: 'sched_wakeup_template+0x82', frames: ['ttwu_do_activate+0x96', 'try_to_wake_up+0x2c5', ...SOCKET_WAKE] },
  sched_switch: { raw: 'sched_switch+0x113', frames: ['__schedule+0x5d4'], schedules: true },
  sys_enter: { raw: 'sys_enter+0xa8', frames: ['syscall_trace_enter+0x14a', 'do_syscall_64+0x62', 'entry_SYSCALL_64_after_hwframe+0x76'] },
  sys_exit: { raw: 'sys_exit+0x88', frames: ['syscall_exit_work+0x113', 'syscall_exit_to_user_mode+0x19a', 'do_syscall_64+0x8e', 'entry_SYSCALL_64_after_hwframe+0x76'] },
  // user_exit_irqoff()/user_enter_irqoff() inline into the entry code that calls them
  user_exit_sys: { raw: 'context_tracking_user+0x61', frames: ['__ct_user_exit+0x8b', 'do_syscall_64+0x2e', 'entry_SYSCALL_64_after_hwframe+0x76'] },
  user_enter_sys: { raw: 'context_tracking_user+0x61', frames: ['__ct_user_enter+0x7a', 'syscall_exit_to_user_mode+0x152', 'do_syscall_64+0x8e', 'entry_SYSCALL_64_after_hwframe+0x76'] },
  user_exit_irq: { raw: 'context_tracking_user+0x61', frames: ['__ct_user_exit+0x8b', 'irqentry_enter_from_user_mode+0x2f', 'irqentry_enter+0x19'] },
  user_enter_irq: { raw: 'context_tracking_user+0x61', frames: ['__ct_user_enter+0x7a', 'irqentry_exit_to_user_mode+0x112', 'irqentry_exit+0x1d'] },
  rcu_callback: { raw: 'rcu_callback+0x7e', frames: ['__call_rcu_common+0xbd', 'call_rcu+0x12', 'release_task+0x2d4', 'wait_consider_task+0x9ab', 'do_wait+0x15f', 'kernel_wait4+0xaf', 'x64_sys_call+0x1b3c', ...FROM_SYSCALL] },
  rcu_gp_start: { raw: 'rcu_grace_period+0x7b', frames: ['rcu_gp_init+0x9c', 'rcu_gp_kthread+0x14b', 'kthread+0xf6', 'ret_from_fork+0x31', 'ret_from_fork_asm+0x1a'] },
  rcu_gp_end: { raw: 'rcu_grace_period+0x7b', frames: ['rcu_gp_cleanup+0x3a5', 'rcu_gp_kthread+0x1e0', 'kthread+0xf6', 'ret_from_fork+0x31', 'ret_from_fork_asm+0x1a'] },
  // __flush_smp_call_function_queue() running a queued function in the IPI handler
  csd_function_single: { raw: 'csd_function+0x6c', frames: ['__flush_smp_call_function_queue+0x9a', ...CALL_FUNCTION_SINGLE], interrupts: true },
  csd_function_multi: { raw: 'csd_function+0x6c', frames: ['__flush_smp_call_function_queue+0x9a', ...CALL_FUNCTION], interrupts: true },
  // a remote wakeup queued on the target's wakelist (ttwu_queue_wakelist()), and the IPI if the queue was empty
  wakelist_queue: { raw: 'csd_queue_cpu+0x8e', frames: ['__smp_call_single_queue+0x5b', 'ttwu_queue_wakelist+0x11d', 'try_to_wake_up+0x2a0', ...SOCKET_WAKE] },
  wakelist_ipi: { raw: 'ipi_send_cpu+0x88', frames: ['__smp_call_single_queue+0x6a', 'ttwu_queue_wakelist+0x11d', 'try_to_wake_up+0x2a0', ...SOCKET_WAKE] },
  resched_ipi: { raw: 'ipi_send_cpu+0x88', frames: ['native_smp_send_reschedule+0x2e', 'resched_curr+0x62', 'wakeup_preempt+0x55', 'ttwu_do_activate+0x6d', 'try_to_wake_up+0x2c5', ...SOCKET_WAKE] },
  // an irqs-off section: trace_hardirqs_off() after local_irq_disable(), trace_hardirqs_on() before enabling
  irq_disable: { raw: 'preemptirq_template+0x9a', frames: ['trace_hardirqs_off+0x3c'] },
  irq_enable: { raw: 'preemptirq_template+0x9a', frames: ['trace_hardirqs_on+0x3c'] },
  // the dataplane-strict kill: delivered on the way back to user space, then the exit
  signal_deliver: { raw: 'signal_deliver+0xa4', frames: ['get_signal+0x7ab', 'arch_do_signal_or_restart+0x3d', 'syscall_exit_to_user_mode+0x113', 'do_syscall_64+0x8e', 'entry_SYSCALL_64_after_hwframe+0x76'] },
  sched_process_exit: { raw: 'sched_process_exit+0x8c', frames: ['do_exit+0x2b5', 'do_group_exit+0x34', 'get_signal+0x88c', 'arch_do_signal_or_restart+0x3d', 'syscall_exit_to_user_mode+0x113', 'do_syscall_64+0x8e', 'entry_SYSCALL_64_after_hwframe+0x76'] },
};

/** The site of an event that fires from one or a few places, told apart by its context and values. */
function siteOf(name: string, flags: number, values: readonly unknown[]): string | null {
  const hard = (flags & HARDIRQ) !== 0;
  switch (name) {
    case 'local_timer_entry':
    case 'local_timer_exit':
      return 'local_timer';
    case 'call_function_entry':
    case 'call_function_exit':
      return 'call_function';
    case 'call_function_single_entry':
    case 'call_function_single_exit':
      return 'call_function_single';
    case 'reschedule_entry':
    case 'reschedule_exit':
      return 'reschedule';
    case 'irq_work_entry':
    case 'irq_work_exit':
      return 'irq_work';
    case 'rcu_utilization':
      return hard ? 'rcu_tick' : 'rcu_switch';
    case 'softirq_raise': {
      const v = values[0];
      return v === SOFTIRQ_TIMER ? 'raise_timer' : v === SOFTIRQ_RCU ? 'raise_rcu' : v === SOFTIRQ_NET_RX ? 'raise_net' : 'raise_other';
    }
    case 'softirq_entry':
    case 'softirq_exit':
      return values[0] === SOFTIRQ_NET_RX ? 'softirq_device' : 'softirq_tick';
    case 'sched_wakeup':
      return hard ? 'wakeup_irq' : 'wakeup_task';
    default:
      return name in SITES ? name : null;
  }
}

const SOFTIRQ_TIMER = 1;
const SOFTIRQ_NET_RX = 3;
const SOFTIRQ_RCU = 9;

/** A context's slot in the per-site chains. */
const CONTEXTS: Record<StackContext, number> = { idle: 0, kworker: 1, task: 2 };

/**
 * Chains are built once and found again without building a key per event:
 * per site by context slot, and per send chain (by identity) by raw-event name.
 */
export class EventStacks {
  private readonly bySite = new Map<string, (readonly bigint[] | undefined)[]>();
  private readonly bySend = new WeakMap<readonly bigint[], Map<string, readonly bigint[]>>();

  constructor(
    private readonly stacks: Stacks,
    /** The kernel version's names for functions of these 6.18 chains. */
    private readonly names: Readonly<Record<string, string>> = {},
  ) {}

  private chain(frames: readonly string[]): readonly bigint[] {
    return this.stacks.chain(...frames.map((f) => {
      const plus = f.indexOf('+');
      const name = plus < 0 ? f : f.slice(0, plus);
      const other = this.names[name];
      return other === undefined ? f : other + (plus < 0 ? '' : f.slice(plus));
    }));
  }

  /** The chain of an event at a known site (a name in SITES) in a context. */
  site(site: string, ctx: StackContext): readonly bigint[] {
    let per = this.bySite.get(site);
    if (!per) this.bySite.set(site, (per = [undefined, undefined, undefined]));
    const k = CONTEXTS[ctx];
    let c = per[k];
    if (!c) {
      const s = SITES[site];
      const tail = s.interrupts ? (ctx === 'idle' ? IDLE_HALT : []) : s.schedules ? SCHEDULE_FROM[ctx] : [];
      c = per[k] = this.chain([`trace_event_raw_event_${s.raw}`, ...s.frames, ...tail]);
    }
    return c;
  }

  /** The chain of an event that fires from one place (by its name, context and values), or undefined. */
  of(name: string, flags: number, values: readonly unknown[], ctx: StackContext): readonly bigint[] | undefined {
    const s = siteOf(name, flags, values);
    return s === null ? undefined : this.site(s, ctx);
  }

  /** An irqs-off section's event: the site's frames, then the section's caller and its parent (the caller keeps it). */
  irqOff(site: 'irq_disable' | 'irq_enable', caller: string, parent: string): readonly bigint[] {
    const s = SITES[site];
    return this.chain([`trace_event_raw_event_${s.raw}`, ...s.frames, caller, parent]);
  }

  /** A sender-side event beside a send whose chain is known: the same callers under this event's raw-event function. */
  beside(raw: string, send: readonly bigint[]): readonly bigint[] {
    let m = this.bySend.get(send);
    if (!m) this.bySend.set(send, (m = new Map()));
    let c = m.get(raw);
    if (!c) m.set(raw, (c = [this.chain([`trace_event_raw_event_${raw}`])[0], ...send.slice(1)]));
    return c;
  }
}
