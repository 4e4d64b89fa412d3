import * as os from 'node:os';
import type { Trace } from '../../core/trace.ts';
import { isNsClock } from './report-printer.ts';

/**
 * The `trace-cmd report` switches that print something about the file
 * instead of its events, as trace-cmd 3.1.6 (tracecmd/trace-read.c) and
 * libtraceevent 1.7 print them: each returns the whole text.
 */

/** -e: the file's byte order and the host's. */
export function endianText(trace: Trace): string {
  return `file is ${trace.bigEndian ? 'big' : 'little'} endian and host is ${os.endianness() === 'BE' ? 'big' : 'little'} endian\n`;
}

/** -f: tep_print_funcs(): the function map in lookup order, "%016llx %s" and " [module]". */
export function functionsText(trace: Trace): string {
  const s = trace.symbols;
  const out: string[] = [];
  for (let i = 0; i < s.size; i++) {
    const m = s.module(i);
    out.push(`${s.address(i).toString(16).padStart(16, '0')} ${s.name(i)}${m === null ? '' : ` [${m}]`}\n`);
  }
  return out.join('');
}

/** -P: tep_print_printk(): the printk formats by address, "%016llx %s". */
export function printkText(trace: Trace): string {
  const p = trace.printk;
  const out: string[] = [];
  for (let i = 0; i < p.size; i++) out.push(`${p.address(i).toString(16).padStart(16, '0')} ${p.string(i)}\n`);
  return out.join('');
}

/** -E: tep_list_events(TEP_EVENT_SORT_SYSTEM): by system, then name, then id (strcmp order); no format is parsed. */
export function eventsText(trace: Trace): string {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const all = trace.formats.headers().sort((a, b) => cmp(a.system, b.system) || cmp(a.name, b.name) || a.id - b.id);
  return all.map((e) => `${e.system ? `${e.system}:` : ''}${e.name}\n`).join('');
}

/**
 * --check-events: the exit status, 0, or EINVAL (22) when an event format
 * did not parse. tep_parse_event() fails on the format's header and fields
 * only: an event whose print fmt does not parse is still added (it prints
 * [FAILED TO PARSE]) and counts as parsed.
 */
export function checkEventsStatus(trace: Trace): number {
  return trace.formats.problems.length || trace.formats.all().some((f) => f.fieldError) ? 22 : 0;
}

/**
 * --cpus, --first-event, --last-event: the CPUs whose data holds an event,
 * with the time of their first and last one (show_event_ts(): the report's
 * time column without its padding and colon).
 */
export function cpusText(trace: Trace, file: string, o: { first?: boolean; last?: boolean; ns?: boolean }): string {
  const out = [`List of CPUs in ${file} with data:\n`];
  for (let cpu = 0; cpu < trace.cpus; cpu++) {
    let first: number | null = null;
    let last: number | null = null;
    for (const b of trace.batches({ cpus: new Set([cpu]), reuse: true })) {
      if (!b.length) continue;
      if (first === null) first = b.ts[0];
      last = b.ts[b.length - 1];
      if (!o.last) break;
    }
    if (first === null) continue;
    let line = `  ${cpu}`;
    if (o.first) line += `\tFirst event:${eventTime(trace, first, !!o.ns)}`;
    if (o.last && last !== null) line += `\tLast event:${eventTime(trace, last, !!o.ns)}`;
    out.push(line + '\n');
  }
  return out.join('');
}

/** A batch time stamp as libtraceevent prints TEP_PRINT_TIME: "%5lu.%06lu" (or %09lu with -t) for ns clocks, else "%12llu". */
function eventTime(trace: Trace, rel: number, ns: boolean): string {
  const total = BigInt(trace.tsBaseSec) * 1_000_000_000n + BigInt(rel);
  if (!isNsClock(trace, trace.clock)) return total.toString().padStart(12);
  let sec = total / 1_000_000_000n;
  const rem = total % 1_000_000_000n;
  if (ns) return `${sec.toString().padStart(5)}.${rem.toString().padStart(9, '0')}`;
  let us = (rem + 500n) / 1000n;
  if (us >= 1_000_000n) {
    us -= 1_000_000n;
    sec++;
  }
  return `${sec.toString().padStart(5)}.${us.toString().padStart(6, '0')}`;
}

/** --stat: the CPUSTAT options as recorded, then where each CPU's data is (show_cpu_stats()). */
export function statText(trace: Trace, cpuFiles: readonly { offset: number; size: number }[]): string {
  const head = `cpus=${trace.cpus}\n\nKernel buffer statistics:\n  Note: "entries" are the entries left in the kernel ring buffer and are not\n        recorded in the trace data. They should all be zero.\n\n`;
  // each payload's last byte (its NUL) becomes a newline, then printf("%s\n") of them all
  const joined = trace.options.cpuStats.map((x) => x + '\n').join('');
  const nul = joined.indexOf('\0');
  const stats = trace.options.cpuStats.length ? `${nul < 0 ? joined : joined.slice(0, nul)}\n` : ' No stats in this file\n';
  const files = cpuFiles.map((f, i) => `CPU${i} data recorded at offset=0x${f.offset.toString(16)}\n    ${f.size} bytes in size\n`).join('');
  return head + stats + files;
}

/** --uname (and the version after it, as trace-cmd falls through), --version. */
export function unameText(trace: Trace): string {
  return `cpus=${trace.cpus}\n${trace.options.uname ?? ' uname was not recorded in this file'}\n${versionLine(trace)}`;
}

export function versionText(trace: Trace): string {
  return `cpus=${trace.cpus}\n${versionLine(trace)}`;
}

function versionLine(trace: Trace): string {
  return `${trace.options.version ?? ' version was not recorded in this file'}\n`;
}
