import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import { UserError } from '../core/errors.ts';
import type { Trace } from '../core/trace.ts';
import { bindRecord, compileKernelFilter, emptyRecord, FilterError, type CompiledFilter, type FilterContext } from './kernel-filter.ts';

/** The filter context of an event in a recorded trace (nr_cpu_ids = the trace's CPU count). */
export function traceFilterContext(trace: Trace, event: EventFormat, nrCpus = trace.cpus): FilterContext {
  return {
    event,
    nrCpus,
    littleEndian: !trace.bigEndian,
    longSize: trace.kernelLongSize,
    symbols: trace.symbols,
    stringAt: (a) => trace.printk.findBig(a),
    // a trace knows the last comm of a pid, not the comm at event time; the idle
    // task's comm is swapper/N ("<idle>" is only how reports print pid 0)
    commOf: (r) => (r.pid === 0 ? `swapper/${r.cpu}` : trace.comms.get(r.pid)),
  };
}

/**
 * trace-cmd's event selection for -F: comma-separated SYSTEM/EVENT items or
 * single words matched against both system and event names; each a POSIX
 * basic regex, anchored, case-insensitive.
 */
export function selectEvents<F extends { name: string; system: string; id: number }>(formats: readonly F[], spec: string): F[] {
  return [...new Set(eventList(formats, spec))];
}

/**
 * The events of a SYSTEM/EVENT list in tep_filter_add_filter_str()'s order:
 * find_event() puts each match at the head of the list while it walks the
 * events by id, so the list runs from the last item's highest id down to the
 * first item's lowest, an event once per item that names it.
 */
export function eventList<F extends { name: string; system: string; id: number }>(formats: readonly F[], spec: string): F[] {
  const byId = [...formats].sort((a, b) => a.id - b.id);
  const out: F[] = [];
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const slash = item.indexOf('/');
    const sys = slash >= 0 ? bre(item.slice(0, slash)) : null;
    const ev = bre(slash >= 0 ? item.slice(slash + 1) : item);
    let any = false;
    for (const f of byId) {
      const hit = sys ? sys.test(f.system) && ev.test(f.name) : ev.test(f.system) || ev.test(f.name);
      if (hit) {
        out.push(f);
        any = true;
      }
    }
    if (!any) throw new UserError(`no event matches "${item}"`);
  }
  return out.reverse();
}

/** A POSIX basic regular expression as a JS RegExp (case-insensitive; anchored at both ends unless `anchored` is false, as regexec() searches). */
export function bre(pattern: string, anchored = true): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i];
      re += '(){}|'.includes(n) ? n : '\\' + n;
    } else if ('+?(){}|/'.includes(c)) re += '\\' + c;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new UserError(`bad event pattern "${clip(pattern)}": unclosed [`);
      re += pattern.slice(i, end + 1);
      i = end;
    } else re += c;
  }
  try {
    const r = new RegExp(anchored ? `^(?:${re})$` : re, 'i');
    // V8 compiles on first use: a pattern too large for it fails here, not in the middle of a report
    r.test('');
    return r;
  } catch (e) {
    throw new UserError(`bad event pattern "${clip(pattern)}": ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /s, '')}`);
  }
}

/** A pattern as an error message quotes it: at most 80 characters. */
function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}… (${s.length} characters)` : s;
}

export interface EventFilterArg {
  /** "EVENTS" or "EVENTS: FILTER" as trace-cmd -F takes it. */
  arg: string;
  /** After -v: matching records are hidden. */
  negative: boolean;
}

/**
 * Builds the record selection of `report -F ... [-v -F ...]`: shown when a
 * positive filter matches (or none exist) and no negative one does; kernel
 * stacks follow the record they belong to. The filter text is the kernel's
 * language; an event lacking a field the filter names simply does not match.
 */
export function buildEventSelection(trace: Trace, args: EventFilterArg[]): (batch: EventBatch, i: number, ev: EventFormat | undefined) => boolean {
  // names are matched on the formats' headers: only the selected formats are parsed
  const formats = trace.formats.headers();
  const positive = new Map<number, CompiledFilter[]>();
  const negative = new Map<number, CompiledFilter[]>();
  let anyPositive = false;
  for (const { arg, negative: neg } of args) {
    const colon = arg.indexOf(':');
    const events = selectEvents(formats, colon >= 0 ? arg.slice(0, colon) : arg).map((h) => trace.formats.get(h.id)!);
    const text = colon >= 0 ? arg.slice(colon + 1).trim() : '';
    let firstError: FilterError | null = null;
    let compiled = 0;
    for (const ev of events) {
      let f: CompiledFilter;
      try {
        f = text ? compileKernelFilter(text, traceFilterContext(trace, ev)) : { text: '', test: () => true };
        compiled++;
      } catch (e) {
        if (!(e instanceof FilterError)) throw e;
        // a pattern naming many events (".*"): one the filter cannot apply to (it lacks the field,
        // or it is the function tracer's, which takes only "ip" in the kernel) simply does not match
        if (events.length === 1) throw e;
        firstError ??= e;
        f = { text, test: () => false };
      }
      const map = neg ? negative : positive;
      const list = map.get(ev.id) ?? [];
      list.push(f);
      map.set(ev.id, list);
    }
    if (!compiled && firstError) throw firstError;
    if (!neg) anyPositive = true;
  }
  const r = emptyRecord();
  const lastShown = new Map<number, boolean>();
  return (batch, i, ev) => {
    const id = batch.type[i];
    const cpu = batch.cpu[i];
    if (ev && ev.system === 'ftrace' && (ev.name === 'kernel_stack' || ev.name === 'user_stack')) return lastShown.get(cpu) ?? !anyPositive;
    bindRecord(r, batch, i);
    let passed = !anyPositive;
    const pos = positive.get(id);
    if (pos) for (const f of pos) if (f.test(r)) passed = true;
    let show = passed;
    if (passed) {
      const negs = negative.get(id);
      if (negs) for (const f of negs) if (f.test(r)) show = false;
      // a stack follows the last record on its CPU that passed the positive filters
      lastShown.set(cpu, show);
    }
    return show;
  };
}
