import { UserError } from '../core/errors.ts';

/** The kernel versions the emulator models, each with its own IPI tracing. */
export const KERNEL_VERSIONS = ['6.4', '6.18'] as const;
export type KernelVersion = (typeof KERNEL_VERSIONS)[number];

/**
 * What differs between the modelled kernels, as the code of each version
 * decides it. Every emulator path that depends on the version reads one of
 * these fields, never the version string.
 */
export interface KernelProfile {
  version: KernelVersion;
  /**
   * include/trace/events/csd.h exists: csd_queue_cpu in
   * smp_call_function_many_cond() and __smp_call_single_queue(), and
   * csd_function_entry/exit around each function run (csd_do_func()).
   * Added in v6.6 (Leonardo Bras, "trace,smp: Add tracepoints around
   * remotelly called functions"); v6.4 has none of them.
   */
  csdEvents: boolean;
  /**
   * v6.4/v6.5, commit 5c3124975e15 ("trace,smp: Trace all
   * smp_function_call*() invocations"): every queued call is traced as an
   * IPI with its function (smp_call_function_many_cond():
   * trace_ipi_send_cpumask(cfd->cpumask, _RET_IP_, func) once when
   * nr_queued; __smp_call_single_queue(): trace_ipi_send_cpu(cpu, _RET_IP_,
   * func)), and then the IPI actually sent is traced again by
   * send_call_function_{single_ipi,ipi_mask}() with
   * generic_smp_call_function_single_interrupt. v6.6 replaced the first
   * trace by csd_queue_cpu.
   */
  callTracedAsIpi: boolean;
  /**
   * The function resched_curr() is inlined into on a wakeup, which is the
   * callsite of the reschedule IPI: check_preempt_curr() up to v6.7,
   * wakeup_preempt() from v6.8 (the real 6.18 traces: wakeup_preempt+0x55).
   */
  wakeupPreempt: string;
  /**
   * The tick's hrtimer function: tick_sched_timer() up to v6.9,
   * tick_nohz_handler() from v6.10 (kernel/time/tick-sched.c).
   */
  tickHandler: string;
  /**
   * Functions of the 6.18 call chains (event-stacks.ts) that this version
   * names otherwise: the softirq loop is handle_softirqs() in 6.18 and
   * __do_softirq() in 6.4, and the two above.
   */
  stackNames: Readonly<Record<string, string>>;
  uname: string;
}

const PROFILES: Record<KernelVersion, KernelProfile> = {
  '6.4': {
    version: '6.4',
    csdEvents: false,
    callTracedAsIpi: true,
    wakeupPreempt: 'check_preempt_curr',
    tickHandler: 'tick_sched_timer',
    stackNames: { handle_softirqs: '__do_softirq', wakeup_preempt: 'check_preempt_curr', tick_nohz_handler: 'tick_sched_timer' },
    uname: 'Linux tracelab 6.4.0-tracelab #1 SMP PREEMPT_DYNAMIC x86_64',
  },
  '6.18': {
    version: '6.18',
    csdEvents: true,
    callTracedAsIpi: false,
    wakeupPreempt: 'wakeup_preempt',
    tickHandler: 'tick_nohz_handler',
    stackNames: {},
    uname: 'Linux tracelab 6.18.0-tracelab #1 SMP PREEMPT_DYNAMIC x86_64',
  },
};

export function isKernelVersion(v: string): v is KernelVersion {
  return (KERNEL_VERSIONS as readonly string[]).includes(v);
}

export function kernelProfile(version: string): KernelProfile {
  if (!isKernelVersion(version)) throw new UserError(`kernel.version: the emulator models ${KERNEL_VERSIONS.join(' and ')}, not "${version}"`);
  return PROFILES[version];
}

/** Event systems a version does not have, and why: their formats stay out of its trace.dat and -e cannot name them. */
export function missingSystems(p: KernelProfile): { system: string; why: string }[] {
  return p.csdEvents ? [] : [{ system: 'csd', why: `kernel ${p.version} has no csd events (include/trace/events/csd.h came in 6.6); record with --set kernel.version=6.18` }];
}
