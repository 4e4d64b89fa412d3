/**
 * The bits of common_flags: enum trace_flag_type (include/linux/trace_events.h).
 * Bit 0x02 was TRACE_FLAG_IRQS_NOSUPPORT (printed X by libtraceevent) and is
 * TRACE_FLAG_NEED_RESCHED_LAZY in kernels with lazy preemption (6.13+).
 */
export const IRQS_OFF = 0x01;
export const IRQS_NOSUPPORT = 0x02;
export const NEED_RESCHED_LAZY = 0x02;
export const NEED_RESCHED = 0x04;
export const HARDIRQ = 0x08;
export const SOFTIRQ = 0x10;
export const PREEMPT_RESCHED = 0x20;
export const NMI = 0x40;
export const BH_OFF = 0x80;
