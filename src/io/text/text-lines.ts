import * as F from '../../core/trace-flags.ts';

/**
 * Scanning the lines of trace-cmd report text and of the kernel's trace text
 * by hand (indexOf and char codes, no regex per line): one reused object per
 * line, fields as offsets into the line until they are needed.
 */
/** The columns of an event line every form has. */
export interface LineColumns {
  pid: number;
  cpu: number;
  /** latency columns when present (-l, kernel text); else -1 */
  flags: number;
  preempt: number;
  sec: number;
  /** nanoseconds within the second */
  nsec: number;
}

export interface EventLine extends LineColumns {
  comm: string;
  /** digits after the point: 6 (µs) or 9 (-t) */
  digits: number;
  name: string;
  text: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Strings of recent comms and event names, so repeated ones are not sliced again. */
const commByPid = new Map<number, string>();
const nameByLength: (string | undefined)[] = [];

/** A latency column's letters -> common_flags bits, by char code (-1: not one of its letters). */
function column(letters: [string, number][]): Int16Array {
  const t = new Int16Array(256).fill(-1);
  for (const [c, bits] of letters) t[c.charCodeAt(0)] = bits;
  return t;
}
/** need-resched and hardirq/softirq column letters -> common_flags bits (libtraceevent and kernel forms). */
const NEED_RESCHED_COL = column([['.', 0], ['N', F.NEED_RESCHED], ['n', F.NEED_RESCHED], ['p', F.PREEMPT_RESCHED], ['L', F.PREEMPT_RESCHED | F.NEED_RESCHED_LAZY], ['l', F.NEED_RESCHED_LAZY], ['B', F.PREEMPT_RESCHED | F.NEED_RESCHED | F.NEED_RESCHED_LAZY], ['b', F.NEED_RESCHED | F.NEED_RESCHED_LAZY]]);
const IRQ_CONTEXT = column([['.', 0], ['h', F.HARDIRQ], ['s', F.SOFTIRQ], ['H', F.HARDIRQ | F.SOFTIRQ], ['z', F.NMI], ['Z', F.NMI | F.HARDIRQ]]);
const IRQS_OFF_COL = column([['.', 0], ['d', F.IRQS_OFF], ['X', F.IRQS_NOSUPPORT], ['D', F.IRQS_OFF | F.BH_OFF], ['b', F.BH_OFF]]);

/** '.' or a hex digit (a preempt or migrate-disable count); -1 otherwise. */
function nibble(c: number): number {
  if (c === 46) return 0;
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * The latency columns by char code (irqs-off, need-resched, irq context,
 * preempt depth, migrate-disable: '.' when there are only four) as
 * common_flags | preempt << 8 (preempt: depth in the low nibble,
 * migrate-disable in the high), or -1.
 */
export function latencyColumns(a: number, b: number, c: number, p: number, m: number): number {
  const x = a < 256 ? IRQS_OFF_COL[a] : -1;
  const y = b < 256 ? NEED_RESCHED_COL[b] : -1;
  const z = c < 256 ? IRQ_CONTEXT[c] : -1;
  const pn = nibble(p);
  const mn = nibble(m);
  if ((x | y | z | pn | mn) < 0) return -1;
  return x | y | z | ((pn | (mn << 4)) << 8);
}

/** The latency flag columns (4 or 5 characters) as latencyColumns() gives them, or -1. */
export function parseFlags(s: string, at = 0, len = s.length - at): number {
  if (len < 4 || len > 5) return -1;
  return latencyColumns(s.charCodeAt(at), s.charCodeAt(at + 1), s.charCodeAt(at + 2), s.charCodeAt(at + 3), len === 5 ? s.charCodeAt(at + 4) : 46);
}

/** "  5168.583513" -> sec, nsec, digits; from `at` up to the colon. Returns the colon index or -1. */
function parseTime(line: string, at: number, out: EventLine): number {
  let i = at;
  while (line.charCodeAt(i) === 32) i++;
  let sec = 0;
  const s0 = i;
  while (isDigit(line.charCodeAt(i))) sec = sec * 10 + (line.charCodeAt(i++) - 48);
  if (i === s0 || line.charCodeAt(i) !== 46) return -1;
  i++;
  let frac = 0;
  const f0 = i;
  while (isDigit(line.charCodeAt(i))) frac = frac * 10 + (line.charCodeAt(i++) - 48);
  const digits = i - f0;
  if ((digits !== 6 && digits !== 9) || line.charCodeAt(i) !== 58) return -1;
  out.sec = sec;
  out.nsec = digits === 6 ? frac * 1000 : frac;
  out.digits = digits;
  return i;
}

/**
 * A trace-cmd report event line, default (`comm-pid [cpu] ts: name: text`) or
 * -l (`comm-pid cpuFLAGS ts: ...`), read in place from s[from, to) (no slice
 * per line). The event text starts after trace-cmd's padding of the name to 20
 * columns. False when the line is not an event.
 */
export function parseReportLine(s: string, out: EventLine, from = 0, to = s.length): boolean {
  // the first "-digits" followed by spaces and "[digits]" (default) or "digits" + flags (-l)
  let dash = s.indexOf('-', from);
  while (dash >= 0 && dash < to) {
    let i = dash + 1;
    let pid = 0;
    const p0 = i;
    while (i < to && isDigit(s.charCodeAt(i))) pid = pid * 10 + (s.charCodeAt(i++) - 48);
    if (i > p0 && s.charCodeAt(i) === 32) {
      while (s.charCodeAt(i) === 32) i++;
      let colon = -1;
      if (s.charCodeAt(i) === 91) {
        // [cpu]
        let cpu = 0;
        let j = i + 1;
        const c0 = j;
        while (isDigit(s.charCodeAt(j))) cpu = cpu * 10 + (s.charCodeAt(j++) - 48);
        if (j > c0 && s.charCodeAt(j) === 93) {
          colon = parseTime(s, j + 1, out);
          if (colon >= 0) {
            out.cpu = cpu;
            out.flags = -1;
            out.preempt = -1;
          }
        }
      } else if (isDigit(s.charCodeAt(i))) {
        let cpu = 0;
        let j = i;
        while (isDigit(s.charCodeAt(j))) cpu = cpu * 10 + (s.charCodeAt(j++) - 48);
        const fl = j + 5 <= to ? parseFlags(s, j, 5) : -1;
        if (fl >= 0) {
          colon = parseTime(s, j + 5, out);
          if (colon >= 0) {
            out.cpu = cpu;
            out.flags = fl & 0xff;
            out.preempt = fl >> 8;
          }
        }
      }
      if (colon >= 0 && colon < to) {
        out.pid = pid;
        // the same comm as the last line of this pid: reuse its string (no slice, no trim)
        let c0 = from;
        while (s.charCodeAt(c0) === 32) c0++;
        const known = commByPid.get(pid);
        if (known !== undefined && dash - c0 === known.length && s.startsWith(known, c0)) out.comm = known;
        else commByPid.set(pid, (out.comm = s.slice(c0, dash)));
        return nameAndText(s, colon, out, true, to);
      }
    }
    dash = s.indexOf('-', dash + 1);
  }
  return false;
}

function nameAndText(line: string, colon: number, out: EventLine, padded: boolean, to = line.length): boolean {
  if (line.charCodeAt(colon + 1) !== 32) return false;
  const n0 = colon + 2;
  const n1 = line.indexOf(':', n0);
  if (n1 <= n0 || n1 >= to) return false;
  // event names repeat: reuse the last string of that length when the text matches
  const len = n1 - n0;
  const cached = nameByLength[len];
  if (cached !== undefined && line.startsWith(cached, n0)) out.name = cached;
  else nameByLength[len] = out.name = line.slice(n0, n1);
  if (out.name.includes(' ')) return false;
  let t = n1 + 1;
  if (line.charCodeAt(t) === 32) t++;
  // trace-cmd pads "name: " to 20 columns of name
  if (padded) for (let k = out.name.length; k < 20 && line.charCodeAt(t) === 32 && t < to; k++) t++;
  out.text = line.slice(t, to);
  return true;
}

/**
 * A kernel trace line: `comm-pid [cpu] FLAGS ts: name: text`, with an optional
 * `(tgid)` column, 4 or 5 flag characters or none (irq-info off).
 */
export function parseFtraceLine(line: string, out: EventLine): boolean {
  const open = line.indexOf('[');
  if (open < 0) return false;
  // comm-pid before the bracket, maybe a (tgid) column between
  let head = line.slice(0, open).trimEnd();
  if (head.endsWith(')')) {
    const p = head.lastIndexOf('(');
    if (p < 0) return false;
    head = head.slice(0, p).trimEnd();
  }
  const dash = head.lastIndexOf('-');
  if (dash < 0) return false;
  const pidText = head.slice(dash + 1);
  if (!/^\d+$/.test(pidText)) return false;
  const close = line.indexOf(']', open);
  if (close < 0) return false;
  const cpuText = line.slice(open + 1, close);
  if (!/^\d+$/.test(cpuText)) return false;
  let i = close + 1;
  while (line.charCodeAt(i) === 32) i++;
  out.flags = -1;
  out.preempt = -1;
  if (!isDigit(line.charCodeAt(i))) {
    const sp = line.indexOf(' ', i);
    if (sp < 0) return false;
    const fl = parseFlags(line, i, sp - i);
    if (fl < 0) return false;
    out.flags = fl & 0xff;
    out.preempt = fl >> 8;
    i = sp;
  }
  const colon = parseTime(line, i, out);
  if (colon < 0) return false;
  out.comm = head.slice(0, dash).trimStart();
  out.pid = Number(pidText);
  out.cpu = Number(cpuText);
  // kernel lines: "name: text"; ftrace-internal ones (function, stacks) have no name
  const rest = line.slice(colon + 2);
  const m = /^([A-Za-z0-9_.]+): /.exec(rest);
  if (m && !rest.startsWith('<stack trace>')) {
    out.name = m[1];
    out.text = rest.slice(m[0].length);
  } else {
    out.name = '';
    out.text = rest;
  }
  return true;
}
