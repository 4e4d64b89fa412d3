import type { CommTable } from '../core/comms.ts';
import type { EventFormat } from '../core/event-format.ts';
import { UserError } from '../core/errors.ts';
import type { Trace } from '../core/trace.ts';
import type { ReportKeep } from '../io/text/report-printer.ts';
import { bindRecord, compileKernelFilter, emptyRecord, FilterError } from './kernel-filter.ts';
import { compileTepFilter, TepFilterError, type TepRecord, type TepTest } from './tep-filter.ts';
import { selectEvents, traceFilterContext, type EventFilterArg } from './trace-filter.ts';


/**
 * `trace-cmd report -F ... [-v -F ...]` as trace-cmd 3.1.6 selects records
 * (lib/trace-cmd/trace-filter.c, tracecmd_filter_match()): each -F is one
 * libtraceevent filter over the events its SYSTEM/EVENT list names
 * (tep_filter_add_filter_str()); a record is shown when some positive filter
 * matches it, or none exists, or it is a kernel/user stack and the last record
 * of its CPU that got that far was shown; and no negative filter matches it.
 * A filter using CPUS{} is tracelab's extension and takes the kernel's
 * language.
 */
export function buildReportSelection(trace: Trace, args: EventFilterArg[]): ReportKeep {
  const formats = trace.formats.headers();
  type PerEvent = Map<number, (r: TepRecord, comms: CommTable) => boolean>;
  const positive: PerEvent[] = [];
  const negative: PerEvent[] = [];
  for (const { arg, negative: neg } of args) {
    const colon = arg.indexOf(':');
    const spec = colon >= 0 ? arg.slice(0, colon) : arg;
    const text = colon >= 0 ? arg.slice(colon + 1) : null;
    let events: EventFormat[];
    try {
      events = selectEvents(formats, spec.replace(/\s+/g, ' ')).map((h) => trace.formats.get(h.id)!);
    } catch (e) {
      throw new UserError(`Failed to create event filter: ${arg} (${(e as Error).message})`);
    }
    const filter: PerEvent = new Map();
    for (const ev of events) {
      try {
        filter.set(ev.id, compileOne(trace, ev, text));
      } catch (e) {
        // one event the text does not parse for fails the whole -F, as in trace-cmd
        if (e instanceof TepFilterError || e instanceof FilterError) throw new UserError(`Failed to create event filter: ${arg} (${ev.system}:${ev.name}: ${e.message})`);
        throw e;
      }
    }
    (neg ? negative : positive).push(filter);
  }
  const r = emptyRecord();
  const lastPrinted = new Map<number, boolean>();
  const stackIds = new Set(trace.formats.find('kernel_stack', 'ftrace').concat(trace.formats.find('user_stack', 'ftrace')).map((f) => f.id));
  // tep_filter_match(): NONE (no event in the filter) and MATCH count as found
  const found = (list: PerEvent[], id: number, comms: CommTable) => {
    for (const f of list) {
      if (!f.size) return true;
      const t = f.get(id);
      if (t && t(r, comms)) return true;
    }
    return false;
  };
  return (batch, i, _ev, comms) => {
    const id = batch.type[i];
    const cpu = batch.cpu[i];
    bindRecord(r, batch, i);
    if (positive.length && !found(positive, id, comms)) {
      // a stack trace right after a shown event of its CPU stays
      if (!(stackIds.has(id) && lastPrinted.get(cpu))) return false;
    }
    const hidden = negative.length > 0 && found(negative, id, comms);
    lastPrinted.set(cpu, !hidden);
    return !hidden;
  };
}

/** One event's filter: libtraceevent's language, or the kernel's for a CPUS{} filter. */
function compileOne(trace: Trace, ev: EventFormat, text: string | null): (r: TepRecord, comms: CommTable) => boolean {
  if (text !== null && /\bCPUS\s*\{/.test(text)) {
    const f = compileKernelFilter(text.trim(), traceFilterContext(trace, ev)).test;
    return (r) => f(r);
  }
  let comms: CommTable = trace.comms;
  const t: TepTest = compileTepFilter(ev, text, { littleEndian: !trace.bigEndian, symbols: trace.symbols, comm: (pid) => comms.get(pid) });
  return (rec, c) => {
    comms = c;
    return t(rec);
  };
}
