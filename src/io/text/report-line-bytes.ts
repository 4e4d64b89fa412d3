import { latencyColumns, type LineColumns } from './text-lines.ts';

/**
 * A trace-cmd report event line read where it lies in the input's bytes, no
 * string made: its columns, and where its comm, event name and text lie. A
 * report repeats the same event texts over and over (the same callbacks,
 * vectors, RCU states), so a line whose name and text were read before needs
 * no string at all (LineTable); the others are read as text (text-lines.ts).
 *
 * The same reading as parseReportLine() and nameAndText() in text-lines.ts:
 * the first "-pid" followed by " [cpu]" (default) or " cpuFLAGS" (-l) and a
 * time stamp decides, and the name ends at the first colon after it.
 */
export interface LineSpan extends LineColumns {
  /** the comm is [comm, dash) */
  comm: number;
  dash: number;
  /** the event's name is [name, nameEnd), its text [text, the line's end) */
  name: number;
  nameEnd: number;
  text: number;
}

export function lineSpan(): LineSpan {
  return { pid: 0, cpu: 0, flags: -1, preempt: -1, sec: 0, nsec: 0, comm: 0, dash: 0, name: 0, nameEnd: 0, text: 0 };
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The report event line b[from, to) into `out`; false when it is not one.
 * b[to] must be the byte that ended the line ('\n' or '\r'), as the scans
 * past a column stop there.
 */
export function readReportLine(b: Uint8Array, from: number, to: number, out: LineSpan): boolean {
  for (let dash = b.indexOf(45, from); dash >= 0 && dash < to; dash = b.indexOf(45, dash + 1)) {
    let i = dash + 1;
    let pid = 0;
    while (i < to && isDigit(b[i])) pid = pid * 10 + (b[i++] - 48);
    if (i === dash + 1 || b[i] !== 32) continue;
    while (b[i] === 32) i++;
    let colon = -1;
    let cpu = 0;
    if (b[i] === 91) {
      // [cpu]
      let j = i + 1;
      while (isDigit(b[j])) cpu = cpu * 10 + (b[j++] - 48);
      if (j === i + 1 || b[j] !== 93) continue;
      colon = timeStamp(b, j + 1, out);
      out.flags = out.preempt = -1;
    } else if (isDigit(b[i])) {
      // cpu and the latency columns
      let j = i;
      while (isDigit(b[j])) cpu = cpu * 10 + (b[j++] - 48);
      const fl = j + 5 <= to ? latencyColumns(b[j], b[j + 1], b[j + 2], b[j + 3], b[j + 4]) : -1;
      if (fl < 0) continue;
      colon = timeStamp(b, j + 5, out);
      out.flags = fl & 0xff;
      out.preempt = fl >> 8;
    }
    if (colon < 0 || colon >= to) continue;
    out.pid = pid;
    out.cpu = cpu;
    let c0 = from;
    while (b[c0] === 32) c0++;
    out.comm = c0;
    out.dash = dash;
    return nameAndText(b, colon, to, out);
  }
  return false;
}

/** "  5168.583513:" from `at`: sec and nsec into out; the colon's index, or -1. */
function timeStamp(b: Uint8Array, at: number, out: LineSpan): number {
  let i = at;
  while (b[i] === 32) i++;
  const s0 = i;
  let sec = 0;
  while (isDigit(b[i])) sec = sec * 10 + (b[i++] - 48);
  if (i === s0 || b[i] !== 46) return -1;
  const f0 = ++i;
  let frac = 0;
  while (isDigit(b[i])) frac = frac * 10 + (b[i++] - 48);
  const digits = i - f0;
  if ((digits !== 6 && digits !== 9) || b[i] !== 58) return -1;
  out.sec = sec;
  out.nsec = digits === 6 ? frac * 1000 : frac;
  return i;
}

/** ": name: text" after the time stamp, the text past trace-cmd's padding of the name to 20 columns. */
function nameAndText(b: Uint8Array, colon: number, to: number, out: LineSpan): boolean {
  if (b[colon + 1] !== 32) return false;
  const n0 = colon + 2;
  let n1 = n0;
  while (n1 < to && b[n1] !== 58) {
    if (b[n1] === 32) return false;
    n1++;
  }
  if (n1 === n0 || n1 >= to) return false;
  let t = n1 + 1;
  if (b[t] === 32) t++;
  for (let k = n1 - n0; k < 20 && b[t] === 32 && t < to; k++) t++;
  out.name = n0;
  out.nameEnd = n1;
  out.text = t;
  return true;
}
