import type { Ipis } from './ipi.ts';
import type { Machine, Task } from './machine.ts';
import type { RcuTasks } from './rcu-tasks.ts';
import { NR } from '../core/x86-64-abi.ts';
import { argBytes } from './syscalls.ts';

/**
 * uprobes and uretprobes as 6.12+ kernel/events/uprobes.c runs them (seed
 * 002, Andrii Nakryiko's batched unregistration), with the read side the
 * thread argues about as a switch (kernel.uprobe_rcu):
 *
 * - tasks_trace (mainline since 6.12): handle_swbp() looks the uprobe up and
 *   runs handler_chain() under rcu_read_lock_trace(): a per-task nesting
 *   counter, no barrier (CONFIG_TASKS_TRACE_RCU_READ_MB off).
 * - srcu (Peter Zijlstra's proposal): srcu_read_lock(&uprobes_srcu):
 *   this_cpu_inc() and smp_mb(), and the same on unlock. On x86 smp_mb() is
 *   a locked instruction (hw.atomic_ns).
 * A uretprobe also hijacks the return address: prepare_uretprobe() keeps the
 * uprobe under srcu_read_lock(&uretprobes_srcu) until the function returns
 * through the trampoline, which enters the kernel with the uretprobe syscall
 * (x86, 6.11+) and runs handle_uretprobe_chain().
 *
 * Unregistering: uprobe_unregister_nosync() -> register_for_each_vma()
 * restores the original instruction in every mm that maps it: a page
 * replaced, and its TLB entry flushed on the CPUs running that mm
 * (flush_tlb_mm_range(): an IPI to an isolated CPU whose task maps the
 * library). The probe fires no more from then on. uprobe_unregister_sync()
 * waits for readers: synchronize_rcu_tasks_trace() (or
 * synchronize_srcu(&uprobes_srcu)), then synchronize_srcu(&uretprobes_srcu);
 * once per probe, or once for a batch.
 */

/** exc_int3() from user space to the return to it: the exception entry, notify_die(), iret. */
const INT3_TRAP_NS = 450;
/** find_active_uprobe_rcu(): the uprobes_tree lookup (a seqcount-protected rb-tree walk). */
const FIND_UPROBE_NS = 120;
/** handler_chain() with one consumer: uprobe_dispatcher() writing the trace event. */
const HANDLER_NS = 300;
/** Executing the displaced instruction: emulated (push/mov) or single-stepped out of line. */
const XOL_NS = 250;
/** prepare_uretprobe(): a return_instance allocated and the return address swapped. */
const PREPARE_RET_NS = 150;
/** The uretprobe syscall's entry and exit, and handle_trampoline()'s return-instance walk. */
const URETPROBE_SYSCALL_NS = 200;
const TRAMPOLINE_NS = 100;
/** A per-CPU counter increment (this_cpu_inc()) and a per-task one (rcu_read_lock_trace()). */
const PERCPU_INC_NS = 1;
/** The probed function's own run between a uretprobe's entry and its return. */
const PROBED_FUNCTION_NS = 2000;
/** __replace_page(): a new page with the original instruction, copied and mapped in place of the broken one. */
const REPLACE_PAGE_NS = 1200;
/** flush_tlb_func() on the receiving CPU: one INVLPG. */
const FLUSH_TLB_PAGE_NS = 200;
/** The uretprobe syscall (x86_64, 6.11+) takes no arguments. */
const NO_ARGS = argBytes([]);
/** uprobe_unregister_nosync()'s bookkeeping besides the mms: consumer_del(), put_uprobe(). */
const UNREGISTER_NS = 800;

export type UprobeRcu = 'tasks_trace' | 'srcu';

export interface UprobeSite {
  ret: boolean;
  ip: bigint;
  /** The probe's trace event fires at the hit (uprobe) or at the return (uretprobe). */
  fire(cpu: number, t: number, retIp: bigint): void;
  /** When uprobe_unregister_nosync() removed it from every mm (Infinity while armed). */
  disarmedAt: number;
}

export class Uprobes {
  private readonly reader: number;

  constructor(
    private readonly m: Machine,
    private readonly ipis: Ipis,
    private readonly rcuTasks: RcuTasks,
  ) {
    const atomic = m.s.hw.atomic_ns;
    // read side, lock and unlock together
    this.reader = m.s.kernel.uprobe_rcu === 'srcu' ? 2 * (PERCPU_INC_NS + atomic) : 2 * PERCPU_INC_NS;
  }

  /** The read side of one hit, lock and unlock (what the flavour costs per hit). */
  readerNs(): number {
    return this.reader;
  }

  /** A hit of `site` by the task on `cpu` at t (a breakpoint in its user code). */
  hit(site: UprobeSite, cpu: number, t: number): void {
    const m = this.m;
    if (t >= site.disarmedAt) return;
    m.onCpu(cpu, t, (t0) => {
      if (t0 >= site.disarmedAt) return t0;
      // exc_int3() -> irqentry_enter(): from user space on a nohz_full CPU, context tracking's user_exit
      let now = m.kernelEntry(cpu, t0, 'irq') + INT3_TRAP_NS / 2;
      now += this.reader / 2 + FIND_UPROBE_NS;
      if (!site.ret) site.fire(cpu, now, 0n);
      now += HANDLER_NS + this.reader / 2;
      if (site.ret) now += PREPARE_RET_NS + PERCPU_INC_NS + m.s.hw.atomic_ns;
      now += XOL_NS + INT3_TRAP_NS / 2;
      const end = m.kernelExit(cpu, t0, now);
      if (site.ret) this.returnThrough(site, cpu, end + PROBED_FUNCTION_NS);
      return end;
    });
  }

  /** The probed function returns into the uretprobe trampoline: the uretprobe syscall, the handler, the real return. */
  private returnThrough(site: UprobeSite, cpu: number, t: number): void {
    const m = this.m;
    m.onCpu(cpu, t, (t0) => {
      const c = m.cpus[cpu];
      if (!c.alive) return t0;
      let now = m.kernelEntry(cpu, t0, 'sys') + URETPROBE_SYSCALL_NS / 2;
      m.emit(m.tp.sys_enter, cpu, now, 0, 0, [NR.uretprobe, NO_ARGS]);
      now += TRAMPOLINE_NS;
      site.fire(cpu, now, site.ip + 0x25n);
      // srcu_read_unlock(&uretprobes_srcu) once the return instance is consumed
      now += HANDLER_NS + m.s.hw.atomic_ns + PERCPU_INC_NS;
      m.emit(m.tp.sys_exit, cpu, now, 0, 0, [NR.uretprobe, 0]);
      return m.kernelExit(cpu, t0, now + URETPROBE_SYSCALL_NS / 2, 'sys');
    });
  }

  /**
   * uprobe_unregister_nosync() by `caller` on `cpu` from t: the breakpoint
   * removed from each mm that maps it (the isolated tasks' on their CPUs,
   * `mms` others on housekeeping CPUs, where no IPI is needed), the probe
   * disarmed when the last is done. Returns when it is.
   */
  unregisterNosync(site: UprobeSite, cpu: number, t: number, others: number): number {
    let now = t + UNREGISTER_NS;
    for (const target of this.m.iso) {
      now += REPLACE_PAGE_NS;
      // flush_tlb_mm_range() -> native_flush_tlb_multi(): the isolated task's mm runs there
      now = this.ipis.many(cpu, now, [target], { func: 'flush_tlb_func', callsite: 'on_each_cpu_cond_mask+0x20', kind: 0, cost: FLUSH_TLB_PAGE_NS }, false);
    }
    now += others * REPLACE_PAGE_NS;
    site.disarmedAt = now;
    return now;
  }

  /** uprobe_unregister_sync(): both grace periods; `then` runs in the caller after them. */
  unregisterSync(cpu: number, t: number, caller: Task, then: (t: number) => number): void {
    const r = this.rcuTasks;
    const site = 'uprobe_unregister_sync+0x1a';
    const uretprobes = (t1: number) => {
      r.synchronizeSrcu(cpu, t1, caller, 'uprobe_unregister_sync+0x25', then);
      return t1;
    };
    if (this.m.s.kernel.uprobe_rcu === 'srcu') r.synchronizeSrcu(cpu, t, caller, site, uretprobes);
    else r.synchronizeTrace(cpu, t, caller, site, uretprobes);
  }
}
