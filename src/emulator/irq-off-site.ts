import type { Machine } from './machine.ts';

/**
 * A place that disables and enables interrupts (local_irq_save/restore,
 * spin_lock_irqsave): the preemptirq events' caller_offs/parent_offs fields
 * (offsets from _stext, as trace_hardirqs_off() records them), and their -T
 * chains, made on first use.
 */
export class IrqOffSite {
  readonly offs: readonly [number, number];
  private chains: readonly [readonly bigint[], readonly bigint[]] | null = null;

  constructor(
    private readonly m: Machine,
    readonly caller: string,
    readonly parent: string,
  ) {
    const stext = m.sym.addr('_stext');
    this.offs = [Number(m.sym.frame(caller) - stext), Number(m.sym.frame(parent) - stext)];
  }

  /** irq_disable's and irq_enable's kernel_stack chains (-T), or null when stacks are off. */
  stacks(): readonly [readonly bigint[], readonly bigint[]] | null {
    if (!this.m.tracing.stacks) return null;
    return (this.chains ??= [this.m.eventStacks.irqOff('irq_disable', this.caller, this.parent), this.m.eventStacks.irqOff('irq_enable', this.caller, this.parent)]);
  }
}
