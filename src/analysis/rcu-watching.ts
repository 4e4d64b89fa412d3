import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { readerCache, type FieldReader } from './field-values.ts';
import { scan, spanSeconds, type ScanInfo, type Selection } from './scan.ts';

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
  const c = new RcuWatchingCollector(trace);
  return c.finish(scan(trace, sel, (b, i, ev) => c.visit(b, i, ev)));
}

type Kind = 'watching' | 'handler' | 'stack' | 'other';

/** The one pass of rcuWatching(), also run inside rcuReport()'s. */
export class RcuWatchingCollector {
  private readonly pol: (ev: EventFormat) => FieldReader | undefined;
  private readonly kinds: (Kind | undefined)[] = [];
  private readonly cpus = new Map<number, State>();
  private recorded = false;

  constructor(trace: Trace) {
    this.pol = readerCache(trace)('polarity');
  }

  private kindOf(ev: EventFormat): Kind {
    let k = this.kinds[ev.id];
    if (k) return k;
    const { system: s, name: n } = ev;
    k = s === 'rcu' && (n === 'rcu_watching' || n === 'rcu_dyntick') ? 'watching' : (s === 'irq_vectors' && n.endsWith('_entry')) || (s === 'irq' && n === 'irq_handler_entry') ? 'handler' : s === 'ftrace' && n === 'kernel_stack' ? 'stack' : 'other';
    this.kinds[ev.id] = k;
    return k;
  }

  visit(b: EventBatch, i: number, ev: EventFormat | undefined): void {
    if (!ev) return;
    const k = this.kindOf(ev);
    // a kernel_stack belongs to the event before it
    if (k === 'stack') return;
    const cpu = b.cpu[i];
    let st = this.cpus.get(cpu);
    if (k === 'watching') {
      this.recorded = true;
      if (!st) this.cpus.set(cpu, (st = { out: { cpu, idleStays: 0, interrupts: 0, tracepointsNeedingRcu: 0, unwatched: 0 }, idle: false, inIrq: false, handler: false, events: 0 }));
      const p = String(this.pol(ev)?.read(b, i) ?? '');
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
    } else if (st.idle && k !== 'handler') st.out.unwatched++;
  }

  finish(info: ScanInfo): RcuWatchingSummary {
    return { seconds: spanSeconds(info), recorded: this.recorded, perCpu: [...this.cpus.values()].map((s) => s.out).sort((a, b) => a.cpu - b.cpu) };
  }
}
