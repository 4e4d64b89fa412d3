import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { readerCache } from './field-values.ts';
import { scan, spanSeconds, type Selection } from './scan.ts';

/**
 * Where RCU was not watching, from rcu:rcu_watching (rcu_dyntick before
 * 6.12): "Start" enters RCU idle (an extended quiescent state), "End" leaves
 * it; "Endirq"/"Startirq" bracket an interrupt, or an rcuidle tracepoint's
 * rcu_irq_enter_irqson() dance, that made RCU watch for a while. Seed 000's
 * question, per CPU: how many tracepoints fired inside RCU idle, how many of
 * them needed RCU woken just for them (an Endirq window holding no
 * interrupt handler), and whether any fired with RCU not watching at all.
 */

export interface CpuWatching {
  cpu: number;
  /** RCU-idle stays (Start ... End). */
  idleStays: number;
  /** Interrupt windows inside them (Endirq ... Startirq) that ran a handler. */
  interrupts: number;
  /** Tracepoint events inside RCU idle whose Endirq window held nothing else: RCU woken for the tracepoint. */
  tracepointsNeedingRcu: number;
  /** Tracepoint events in RCU idle outside any Endirq window: fired while RCU was not watching. */
  unwatched: number;
}

export interface RcuWatchingSummary {
  seconds: number;
  recorded: boolean;
  perCpu: CpuWatching[];
}

interface State {
  out: CpuWatching;
  idle: boolean;
  /** In an Endirq window: whether a handler ran in it, and the tracepoint events it held. */
  inIrq: boolean;
  handler: boolean;
  events: number;
}

export function rcuWatching(trace: Trace, sel: Selection = {}): RcuWatchingSummary {
  const pol = readerCache(trace)('polarity');
  const kinds: (('watching' | 'handler' | 'other') | undefined)[] = [];
  const kindOf = (ev: EventFormat) => {
    let k = kinds[ev.id];
    if (k) return k;
    k = ev.system === 'rcu' && (ev.name === 'rcu_watching' || ev.name === 'rcu_dyntick') ? 'watching' : (ev.system === 'irq_vectors' && ev.name.endsWith('_entry')) || (ev.system === 'irq' && ev.name === 'irq_handler_entry') ? 'handler' : 'other';
    kinds[ev.id] = k;
    return k;
  };
  const cpus = new Map<number, State>();
  let recorded = false;
  const info = scan(trace, sel, (b, i, ev) => {
    if (!ev) return;
    const k = kindOf(ev);
    const cpu = b.cpu[i];
    let st = cpus.get(cpu);
    if (k === 'watching') {
      recorded = true;
      if (!st) cpus.set(cpu, (st = { out: { cpu, idleStays: 0, interrupts: 0, tracepointsNeedingRcu: 0, unwatched: 0 }, idle: false, inIrq: false, handler: false, events: 0 }));
      const p = String(pol(ev)?.read(b, i) ?? '');
      if (p === 'Start') {
        st.idle = true;
        st.out.idleStays++;
      } else if (p === 'End') st.idle = false;
      else if (p === 'Endirq') {
        st.inIrq = true;
        st.handler = false;
        st.events = 0;
      } else if (p === 'Startirq' && st.inIrq) {
        st.inIrq = false;
        if (st.handler) st.out.interrupts++;
        else if (st.idle) st.out.tracepointsNeedingRcu += st.events;
      }
      return;
    }
    if (!st) return;
    if (st.inIrq) {
      if (k === 'handler') st.handler = true;
      else st.events++;
    } else if (st.idle && k !== 'handler' && ev.name !== 'kernel_stack') st.out.unwatched++;
  });
  return { seconds: spanSeconds(info), recorded, perCpu: [...cpus.values()].map((s) => s.out).sort((a, b) => a.cpu - b.cpu) };
}
