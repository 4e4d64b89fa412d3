/**
 * The emulated kernel's text: the functions its tracepoints name (callsites,
 * callbacks, stack frames), laid out from _stext like a real vmlinux, and the
 * tracepoint strings RCU prints. Both go into the trace.dat (kallsyms,
 * printk_formats), so %pS and %s resolve exactly as on a real machine.
 */
const FUNCTIONS: [name: string, size: number][] = [
  ['_stext', 0x40],
  ['asm_sysvec_apic_timer_interrupt', 0x20],
  ['asm_sysvec_call_function', 0x20],
  ['asm_sysvec_call_function_single', 0x20],
  ['asm_sysvec_reschedule_ipi', 0x20],
  ['asm_exc_page_fault', 0x30],
  ['entry_SYSCALL_64_after_hwframe', 0x80],
  ['do_syscall_64', 0xf0],
  ['syscall_exit_to_user_mode', 0x1a0],
  ['irqentry_enter_from_user_mode', 0x40],
  ['ct_kernel_enter', 0x80],
  ['ct_work_flush', 0xa0],
  ['sysvec_apic_timer_interrupt', 0x90],
  ['sysvec_call_function', 0x80],
  ['sysvec_call_function_single', 0x80],
  ['sysvec_reschedule_ipi', 0x70],
  ['__sysvec_apic_timer_interrupt', 0xe0],
  ['__irq_exit_rcu', 0x90],
  ['irq_exit_rcu', 0x20],
  ['__do_softirq', 0x2a0],
  ['handle_softirqs', 0x2d0],
  ['run_timer_softirq', 0x70],
  ['__run_timers', 0x260],
  ['call_timer_fn', 0x1a0],
  ['dev_watchdog', 0x2f0],
  ['__mod_timer', 0x400],
  ['add_timer_on', 0x120],
  ['tick_nohz_full_kick_cpu', 0x60],
  ['irq_work_queue_on', 0xa0],
  ['__irq_work_queue_local', 0x80],
  ['nohz_full_kick_func', 0x20],
  ['tick_sched_timer', 0xb0],
  ['tick_sched_handle', 0x70],
  ['update_process_times', 0xe0],
  ['rcu_sched_clock_irq', 0x3b0],
  ['rcu_core', 0x440],
  ['rcu_core_si', 0x20],
  ['rcu_do_batch', 0x4c0],
  ['rcu_tasks_kthread', 0x120],
  ['rcu_tasks_wait_gp', 0x3c0],
  ['synchronize_rcu_tasks', 0x40],
  ['synchronize_rcu_tasks_trace', 0x40],
  ['sched_tick', 0x180],
  ['scheduler_tick', 0x140],
  ['schedule', 0xb0],
  ['__schedule', 0x9e0],
  ['schedule_idle', 0x40],
  ['do_idle', 0x1f0],
  ['cpu_startup_entry', 0x30],
  ['try_to_wake_up', 0x3a0],
  ['wake_up_process', 0x20],
  ['ttwu_queue_wakelist', 0x130],
  ['sched_ttwu_pending', 0x110],
  ['resched_curr', 0xa0],
  ['wakeup_preempt', 0x90],
  ['__smp_call_single_queue', 0x80],
  ['generic_exec_single', 0xd0],
  ['smp_call_function_single', 0x1a0],
  ['smp_call_function_many_cond', 0x480],
  ['on_each_cpu_cond_mask', 0x40],
  ['smp_call_function', 0x50],
  ['generic_smp_call_function_single_interrupt', 0x20],
  ['__flush_smp_call_function_queue', 0x2d0],
  ['nohz_csd_func', 0x90],
  ['flush_tlb_func', 0x220],
  ['flush_tlb_mm_range', 0x1c0],
  ['flush_tlb_kernel_range', 0x110],
  ['do_flush_tlb_all', 0x30],
  ['flush_tlb_all', 0x30],
  ['__purge_vmap_area_lazy', 0x3f0],
  ['_vm_unmap_aliases', 0x1a0],
  ['vfree', 0xb0],
  ['free_thread_stack', 0x170],
  ['put_task_stack', 0x60],
  ['finish_task_switch', 0x260],
  ['change_page_attr_set_clr', 0x2b0],
  ['set_memory_ro', 0x30],
  ['pcpu_reclaim_populated', 0x230],
  ['pcpu_balance_workfn', 0x460],
  ['process_one_work', 0x1e0],
  ['worker_thread', 0x3a0],
  ['kthread', 0x110],
  ['ret_from_fork', 0x40],
  ['ret_from_fork_asm', 0x20],
  ['do_sync_core', 0x30],
  ['text_poke_bp_batch', 0x2b0],
  ['smp_text_poke_batch_finish', 0x40],
  ['text_poke_sync', 0x20],
  ['text_poke_finish', 0x30],
  ['arch_jump_label_transform_apply', 0x30],
  ['__jump_label_update', 0xe0],
  ['static_key_enable_cpuslocked', 0x90],
  ['bpf_int_jit_compile', 0x6a0],
  ['bpf_prog_select_runtime', 0x180],
  ['bpf_prepare_filter', 0x600],
  ['sk_attach_filter', 0x80],
  ['sock_setsockopt', 0xbe0],
  ['__sys_setsockopt', 0x1a0],
  ['__x64_sys_setsockopt', 0x30],
  ['arm_kprobe', 0x90],
  ['register_kprobe', 0x5e0],
  ['unregister_kprobes', 0x80],
  ['__unregister_trace_kprobe', 0x60],
  ['free_insn_page', 0x20],
  ['kprobe_optimizer', 0x2a0],
  ['uprobe_register', 0x80],
  ['uprobe_unregister', 0x70],
  ['uprobe_unregister_nosync', 0x90],
  ['uprobe_unregister_sync', 0x30],
  ['handle_swbp', 0x4a0],
  ['handle_mm_fault', 0x210],
  ['exc_page_fault', 0x80],
  ['do_user_addr_fault', 0x5e0],
  ['x64_sys_call', 0x1de0],
  ['__x64_sys_prctl', 0x40],
  ['__x64_sys_read', 0x20],
  ['__x64_sys_write', 0x20],
  ['__x64_sys_futex', 0x170],
  ['__x64_sys_clock_gettime', 0x90],
  ['ksys_read', 0xe0],
  ['ksys_write', 0xe0],
  ['unix_stream_sendmsg', 0x4a0],
  ['unix_stream_recvmsg', 0xa0],
  ['sock_def_readable', 0xd0],
  ['__wake_up_common', 0x90],
  ['pipe_read', 0x460],
  ['pipe_write', 0x5c0],
  ['do_exit', 0xbd0],
  ['do_group_exit', 0x90],
  ['get_signal', 0x8f0],
  ['send_sig_info', 0x30],
  ['do_send_sig_info', 0x90],
  ['__send_signal_locked', 0x330],
  ['task_isolation_syscall', 0x70],
  ['handle_irq_event', 0x50],
  ['handle_edge_irq', 0xa0],
  ['common_interrupt', 0x90],
  ['asm_common_interrupt', 0x20],
  ['vring_interrupt', 0x90],
  ['net_rx_action', 0x2f0],
  ['blk_done_softirq', 0x60],
  ['default_idle', 0x20],
  ['default_idle_call', 0x30],
  ['trace_event_raw_event_ipi_send_cpu', 0xb0],
  ['trace_event_raw_event_ipi_send_cpumask', 0x100],
  ['trace_buffer_unlock_commit_regs', 0xe0],
  ['kernel_clone', 0x220],
  ['copy_process', 0x1a60],
  ['do_wait', 0x160],
  ['update_curr', 0x1c0],
  ['do_sys_openat2', 0xd0],
  ['__x64_sys_openat', 0xa0],
  ['vfs_read', 0x2f0],
  ['vfs_write', 0x3c0],
  ['tcp_sendmsg', 0x40],
  ['inet_sendmsg', 0x50],
  ['sock_write_iter', 0x160],
  ['kprobe_ftrace_handler', 0x1b0],
  ['sysvec_irq_work', 0x80],
  ['asm_sysvec_irq_work', 0x20],
  ['irq_work_run', 0x70],
  ['irq_work_single', 0x60],
  ['irq_work_run_list', 0x50],
  ['delayed_put_task_struct', 0x90],
  ['file_free_rcu', 0x40],
  ['i_callback', 0x30],
  ['check_preempt_curr', 0x90],
  ['tick_nohz_handler', 0xc0],
  ['__x64_sys_getppid', 0x30],
  // frames of the -T stacks of every event (event-stacks.ts)
  ['__call_rcu_common', 0xe0],
  ['__common_interrupt', 0x70],
  ['__ct_user_enter', 0xa0],
  ['__ct_user_exit', 0xb0],
  ['__handle_irq_event_percpu', 0x70],
  ['__hrtimer_run_queues', 0x150],
  ['__napi_schedule', 0x70],
  ['__sysvec_call_function', 0x70],
  ['__sysvec_call_function_single', 0x70],
  ['__sysvec_irq_work', 0x60],
  ['__wake_up_sync_key', 0x60],
  ['arch_do_signal_or_restart', 0x60],
  ['autoremove_wake_function', 0x40],
  ['call_rcu', 0x40],
  ['common_startup_64', 0x160],
  ['context_tracking_user', 0x90],
  ['csd_function', 0x90],
  ['csd_queue_cpu', 0xb0],
  ['hrtimer_class', 0x90],
  ['hrtimer_expire_entry', 0xb0],
  ['hrtimer_interrupt', 0x120],
  ['ipi_send_cpu', 0xb0],
  ['irq_handler_entry', 0xc0],
  ['irq_handler_exit', 0xa0],
  ['irqentry_enter', 0x40],
  ['irqentry_exit', 0x40],
  ['irqentry_exit_to_user_mode', 0x140],
  ['kernel_wait4', 0xd0],
  ['native_smp_send_reschedule', 0x50],
  ['pv_native_safe_halt', 0x30],
  ['rcu_callback', 0xa0],
  ['rcu_gp_cleanup', 0x3d0],
  ['rcu_gp_init', 0xc0],
  ['rcu_gp_kthread', 0x210],
  ['rcu_grace_period', 0xa0],
  ['rcu_invoke_callback', 0xa0],
  ['rcu_note_context_switch', 0x60],
  ['rcu_utilization', 0x90],
  ['release_task', 0x300],
  ['run_local_timers', 0x60],
  ['sched_process_exit', 0xb0],
  ['sched_switch', 0x140],
  ['sched_wakeup_template', 0xb0],
  ['schedule_timeout', 0xc0],
  ['signal_deliver', 0xd0],
  ['skb_recv_done', 0x50],
  ['sock_read_iter', 0xe0],
  ['softirq', 0x90],
  ['start_secondary', 0x140],
  ['sys_enter', 0xd0],
  ['sys_exit', 0xb0],
  ['syscall_exit_work', 0x140],
  ['syscall_trace_enter', 0x170],
  ['timer_class', 0x80],
  ['timer_expire_entry', 0xb0],
  ['timer_start', 0xd0],
  ['trace_event_raw_event_context_tracking_user', 0x90],
  ['trace_event_raw_event_csd_function', 0x90],
  ['trace_event_raw_event_csd_queue_cpu', 0xb0],
  ['trace_event_raw_event_hrtimer_class', 0x90],
  ['trace_event_raw_event_hrtimer_expire_entry', 0xb0],
  ['trace_event_raw_event_irq_handler_entry', 0xc0],
  ['trace_event_raw_event_irq_handler_exit', 0xa0],
  ['trace_event_raw_event_preemptirq_template', 0xc0],
  ['trace_event_raw_event_rcu_callback', 0xa0],
  ['trace_event_raw_event_rcu_grace_period', 0xa0],
  ['trace_event_raw_event_rcu_invoke_callback', 0xa0],
  ['trace_event_raw_event_rcu_utilization', 0x90],
  ['trace_event_raw_event_sched_process_exit', 0xb0],
  ['trace_event_raw_event_sched_switch', 0x140],
  ['trace_event_raw_event_sched_wakeup_template', 0xb0],
  ['trace_event_raw_event_signal_deliver', 0xd0],
  ['trace_event_raw_event_softirq', 0x90],
  ['trace_event_raw_event_sys_enter', 0xd0],
  ['trace_event_raw_event_sys_exit', 0xb0],
  ['trace_event_raw_event_timer_class', 0x80],
  ['trace_event_raw_event_timer_expire_entry', 0xb0],
  ['trace_event_raw_event_timer_start', 0xd0],
  ['trace_event_raw_event_x86_irq_vector', 0xe0],
  ['trace_hardirqs_off', 0x60],
  ['trace_hardirqs_on', 0x60],
  ['ttwu_do_activate', 0xc0],
  ['unix_stream_read_generic', 0x2d0],
  ['wait_consider_task', 0x9d0],
  ['x86_irq_vector', 0xe0],
  // task isolation (seed 003) and the printk that reports a violation
  ['_task_isolation_quiet_exception', 0xb0],
  ['__x64_sys_exit_group', 0x20],
  ['trace_event_raw_event_signal_generate', 0x150],
  ['optimized_callback', 0xa0],
  ['kretprobe_trampoline_handler', 0x90],
  // uprobes (seed 002): the int3 trap path and the SRCU alternative
  ['uprobe_dispatcher', 0x90],
  ['handler_chain', 0x140],
  ['uprobe_notify_resume', 0x80],
  ['exc_int3', 0xd0],
  ['asm_exc_int3', 0x40],
  ['synchronize_srcu', 0x120],
  ['_raw_spin_lock_irqsave', 0x50],
  ['task_isolation_deliver_signal', 0x90],
  ['_printk', 0x60],
  ['vprintk_emit', 0x1b0],
  ['vprintk_store', 0x430],
  ['trace_event_raw_event_console', 0xe0],
  ['trace_event_raw_event_x86_exceptions', 0xc0],
  ['zz_etext', 0x10],
];

export interface KernelSymbols {
  /** Address of a function by name. */
  addr(name: string): bigint;
  /** Address of name+offset (a return address inside the function). */
  at(name: string, offset: number): bigint;
  /** Size of a function (offsets into it stay below). */
  size(name: string): number;
  /** A frame as the tracepoints and stacks write it, "func+0x1a7" or "func", as an address (memoised). */
  frame(text: string): bigint;
  /** kallsyms text. */
  kallsyms: string;
  /** Address of a tracepoint string in printk_formats. */
  str(s: string): bigint;
  printk: string;
}

const TEXT_BASE = 0xffffffff81000000n;
const STRING_BASE = 0xffffffff8281a000n;

/** Tracepoint strings (tracepoint_string()) the emulated subsystems print with %s. */
const STRINGS = [
  'Start context switch',
  'End context switch',
  'Start scheduler-tick',
  'End scheduler-tick',
  'Start RCU core',
  'End RCU core',
  'rcu_preempt',
  'newreq',
  'start',
  'cpustart',
  'cpuqs',
  'cpuend',
  'end',
  'reqwait',
  'fqswait',
  // rcu_watching's polarities (context tracking: RCU idle entered and left, an interrupt in it)
  'Start',
  'End',
  'Endirq',
  'Startirq',
];

export function buildKernelSymbols(): KernelSymbols {
  const addrs = new Map<string, bigint>();
  const sizes = new Map<string, number>();
  const frames = new Map<string, bigint>();
  let a = TEXT_BASE;
  const lines: string[] = [];
  for (const [name, size] of FUNCTIONS) {
    addrs.set(name, a);
    sizes.set(name, size);
    lines.push(`${a.toString(16)} ${name === '_stext' ? 'T' : name.startsWith('__') ? 't' : 'T'} ${name}`);
    a += BigInt(size);
    a = (a + 15n) & ~15n;
  }
  // _text aliases _stext, as in a real kallsyms
  lines.splice(1, 0, `${TEXT_BASE.toString(16)} T _text`);
  const strAddr = new Map<string, bigint>();
  const printk: string[] = [];
  let s = STRING_BASE;
  for (const str of STRINGS) {
    strAddr.set(str, s);
    printk.push(`0x${s.toString(16)} : "${str}"`);
    s += BigInt(((str.length + 8) & ~7) + 8);
  }
  return {
    addr(name) {
      const v = addrs.get(name);
      if (v === undefined) throw new Error(`emulated kernel has no function ${name}`);
      return v;
    },
    at(name, offset) {
      if (offset >= this.size(name)) throw new Error(`${name}+0x${offset.toString(16)} lies outside ${name}`);
      return this.addr(name) + BigInt(offset);
    },
    frame(text) {
      let v = frames.get(text);
      if (v === undefined) {
        const plus = text.indexOf('+');
        v = plus < 0 ? this.addr(text) : this.at(text.slice(0, plus), Number(text.slice(plus + 1)));
        frames.set(text, v);
      }
      return v;
    },
    size(name) {
      const v = sizes.get(name);
      if (v === undefined) throw new Error(`emulated kernel has no function ${name}`);
      return v;
    },
    kallsyms: lines.join('\n') + '\n',
    str(x) {
      const v = strAddr.get(x);
      if (v === undefined) throw new Error(`emulated kernel has no tracepoint string "${x}"`);
      return v;
    },
    printk: printk.join('\n') + '\n',
  };
}
