import type { CommTable } from '../core/comms.ts';
import { parseEventFormat, type EventFormat } from '../core/event-format.ts';
import type { FormatHeader } from '../core/formats.ts';
import { UserError } from '../core/errors.ts';
import type { Trace } from '../core/trace.ts';
import type { ReportKeep } from '../io/text/report-printer.ts';
import { bindRecord, compileKernelFilter, emptyRecord, FilterError } from './kernel-filter.ts';
import { compileTepFilter, parseTepFilter, TepFilterError, tepFilterString, type TepRecord, type TepTest } from './tep-filter.ts';
import { eventList, selectEvents, traceFilterContext, type EventFilterArg } from './trace-filter.ts';


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
  const { headers: formats, format } = filterEvents(trace);
  type PerEvent = Map<number, (r: TepRecord, comms: CommTable) => boolean>;
  const positive: PerEvent[] = [];
  const negative: PerEvent[] = [];
  for (const { arg, negative: neg } of args) {
    const colon = arg.indexOf(':');
    const spec = colon >= 0 ? arg.slice(0, colon) : arg;
    const text = colon >= 0 ? arg.slice(colon + 1) : null;
    let events: EventFormat[];
    try {
      events = selectEvents(formats, spec.replace(/\s+/g, ' ')).map(format);
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

/**
 * report -T: each filter as libtraceevent reads it back
 * (tep_filter_make_string()), one " 'event: filter'" line per event of each -F
 * in its list order; a filter that does not parse is the same error as without -T.
 */
export function reportFilterStrings(trace: Trace, args: EventFilterArg[]): string {
  const { headers, format } = filterEvents(trace);
  let out = '';
  for (const { arg } of args) {
    const colon = arg.indexOf(':');
    const text = colon >= 0 ? arg.slice(colon + 1) : null;
    let events: EventFormat[];
    try {
      events = eventList(headers, (colon >= 0 ? arg.slice(0, colon) : arg).replace(/\s+/g, ' ')).map(format);
    } catch (e) {
      throw new UserError(`Failed to create event filter: ${arg} (${(e as Error).message})`);
    }
    for (const ev of events) {
      let s: string | null;
      try {
        s = tepFilterString(parseTepFilter(ev, text));
      } catch (e) {
        if (e instanceof TepFilterError) throw new UserError(`Failed to create event filter: ${arg} (${ev.system}:${ev.name}: ${e.message})`);
        throw e;
      }
      if (s !== null) out += ` '${ev.name}: ${s}'\n`;
    }
  }
  return out;
}

/**
 * The events a filter can name: the file's, plus the one trace-cmd makes up
 * when it opens a file (tracecmd_blk_hack(), lib/trace-cmd/trace-blk-hack.c):
 * ftrace's blktrace, which no events folder exports, with the id after
 * ftrace's power, kmem_free or user_stack event. tracelab keeps it out of
 * printing (no record has its id unless another event's, which then prints
 * as that one) and lets filters see it, so -T lists what trace-cmd lists.
 */
function filterEvents(trace: Trace): { headers: FormatHeader[]; format: (h: FormatHeader) => EventFormat } {
  const headers = trace.formats.headers();
  const blk = blkHack(trace, headers);
  if (!blk) return { headers, format: (h) => trace.formats.get(h.id)! };
  return { headers: [...headers, { id: blk.id, name: blk.name, system: blk.system, text: blk.text }], format: (h) => (h.id === blk.id && h.name === blk.name && h.system === 'ftrace' ? blk : trace.formats.get(h.id)!) };
}

const BLK_BODY = [
  '\tfield:u64 sector;\toffset:16;\tsize:8;',
  '\tfield:int bytes;\toffset:24;\tsize:4;',
  '\tfield:int action;\toffset:28;\tsize:4;',
  '\tfield:int pid;\toffset:32;\tsize:4;',
  '\tfield:int device;\toffset:36;\tsize:4;',
  '\tfield:int cpu;\toffset:40;\tsize:4;',
  '\tfield:short error;\toffset:44;\tsize:2;',
  '\tfield:short pdu_len;\toffset:46;\tsize:2;',
  '\tfield:void data;\toffset:48;\tsize:0;',
];

function blkHack(trace: Trace, headers: FormatHeader[]): EventFormat | null {
  const after = ['power', 'kmem_free', 'user_stack'].map((n) => headers.find((h) => h.system === 'ftrace' && h.name === n)).find((h) => h);
  if (!after) return null;
  const id = after.id + 1;
  if (headers.some((h) => h.id === id)) return null;
  const ev = trace.formats.get(after.id)!;
  const common = (name: string, offset: number, size: number) => ev.commonFields.some((f) => f.name === name && f.offset === offset && f.size === size);
  if (!common('common_type', 0, 2) || !common('common_flags', 2, 1) || !common('common_preempt_count', 3, 1) || !common('common_pid', 4, 4)) return null;
  const lock = ev.commonFields.find((f) => f.name === 'common_lock_depth');
  if (lock && (lock.offset !== 8 || lock.size !== 4)) return null;
  const text = [
    'name: blktrace',
    `ID: ${id}`,
    'format:',
    '\tfield:unsigned short common_type;\toffset:0;\tsize:2;',
    '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;',
    '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;',
    '\tfield:int common_pid;\toffset:4;\tsize:4;',
    ...(lock ? ['\tfield:int common_lock_depth;\toffset:8;\tsize:4;'] : []),
    '',
    ...BLK_BODY,
    '',
    'print fmt: "%d", REC->pid',
    '',
  ].join('\n');
  return parseEventFormat(text, 'ftrace', trace.longSize);
}

/**
 * report --pid / --comm (make_pid_filter()): one more -F,
 * ".*:(common_pid==P)||(pid==P)||(next_pid==P)||..." over every pid given and
 * every pid the comms have in the comm table, in trace-cmd's order (each pid
 * is put at the head of its list, so the last given comes first); a comm the
 * table lacks is a warning.
 */
export function pidFilter(trace: Trace, pidArgs: string[], commArgs: string[], warn: (msg: string) => void): string | null {
  const inserted: string[] = [];
  for (const a of pidArgs) inserted.push(...a.split(',').filter(Boolean));
  const comms: string[] = [];
  for (const a of commArgs) comms.unshift(...a.split(',').filter(Boolean).reverse());
  for (const c of comms) {
    const pids = trace.comms.pidsOf(c);
    if (!pids.length) warn(`comm: ${c} not in cmdline list`);
    for (const p of pids) inserted.push(String(p));
  }
  if (!inserted.length) return null;
  return '.*:' + inserted.reverse().map((p) => `(common_pid==${p})||(pid==${p})||(next_pid==${p})`).join('||');
}
