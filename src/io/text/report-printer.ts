import { HARDIRQ, IRQS_NOSUPPORT, IRQS_OFF, NEED_RESCHED, SOFTIRQ } from '../../core/trace-flags.ts';
import type { EventBatch } from '../../core/batch.ts';
import type { EventFormat } from '../../core/event-format.ts';
import type { Trace } from '../../core/trace.ts';
import { printerFor, type Printer } from '../../printfmt/event-text.ts';
import { PluginState } from '../../printfmt/plugins.ts';
import type { PrintEnv, RecordRef } from '../../printfmt/record.ts';
import { ByteSink, latin1Bytes } from './byte-sink.ts';
import { TextCache, payloadOnly } from './text-cache.ts';
import { compiledPrint } from '../../printfmt/render.ts';
import { pluginFor } from '../../printfmt/plugins.ts';

/** `trace-cmd report` switches tracelab reproduces. */
export interface ReportOptions {
  /** -l: latency format (short comm, flags column). */
  latency?: boolean;
  /** -t: full nanosecond timestamps. */
  ns?: boolean;
  /** -R: raw fields instead of the print fmt. */
  raw?: boolean;
  /** --cpu: only these CPUs (the cpus= line is unchanged). */
  cpus?: ReadonlySet<number>;
  /** Keeps an event (after --cpu); from report -F. */
  keep?: (batch: EventBatch, i: number, ev: EventFormat | undefined) => boolean;
  /** -O ftrace:parent / ftrace:offset / ftrace:indent. */
  plugin?: Partial<Pick<PluginState, 'parent' | 'offset' | 'indent'>>;
  /** --ts-diff: the time since the previous event printed, after the time. */
  tsDiff?: boolean;
  /** --ts-offset: ns added to every time stamp. */
  tsOffsetNs?: number;
  /** -I / -S: leave out events with the hardirq / softirq flag set. */
  noHardirq?: boolean;
  noSoftirq?: boolean;
}

/** Clocks whose values are nanoseconds; others print as raw counters. */
const NS_CLOCKS = new Set(['local', 'global', 'uptime', 'perf', 'mono', 'mono_raw', 'tai', 'tsc2nsec']);

function isNsClock(trace: Trace, clock: string): boolean {
  return NS_CLOCKS.has(clock) || trace.options.tsc2nsec !== undefined;
}

const SPACES = ' '.repeat(64);
function lpad(s: string, w: number): string {
  return s.length >= w ? s : SPACES.slice(0, w - s.length) + s;
}
function rpad(s: string, w: number): string {
  return s.length >= w ? s : s + SPACES.slice(0, w - s.length);
}

/** libtraceevent's latency column: irqs-off, need-resched, hardirq/softirq, preempt depth, migrate-disable. */
export function latencyFlags(flags: number, pc: number): string {
  const hard = flags & HARDIRQ;
  const soft = flags & SOFTIRQ;
  return (
    (flags & IRQS_OFF ? 'd' : flags & IRQS_NOSUPPORT ? 'X' : '.') +
    (flags & NEED_RESCHED ? 'N' : '.') +
    (hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.') +
    (pc & 0xf ? (pc & 0xf).toString(16) : '.') +
    (pc & 0xf0 ? (pc >> 4).toString(16) : '.')
  );
}

/**
 * Prints a trace exactly as `trace-cmd report` (3.1.6 with libtraceevent 1.7.1)
 * does, calling `out` with chunks of bytes (latin1). One printer serves every source.
 */
export function printReport(trace: Trace, out: (chunk: Uint8Array) => void, opts: ReportOptions = {}): { events: number } {
  const comms = trace.comms.clone();
  const env: PrintEnv = {
    littleEndian: !trace.bigEndian,
    longSize: trace.longSize,
    symbols: trace.symbols,
    printk: trace.printk,
    comms,
  };
  const state = new PluginState();
  Object.assign(state, opts.plugin ?? {});
  const sink = new ByteSink(out);
  // a report read from text prints its own header back (old versions: "version = 6", "CPU 3 is empty")
  sink.str(trace.reportHeader ?? `cpus=${trace.cpus}\n`);
  const latency = (trace as { latencyText?: string | null }).latencyText;
  if (typeof latency === 'string') {
    sink.str(latency + '\n');
    sink.flush();
    return { events: 0 };
  }
  const names = trace.buffers.map((b) => b.name);
  const instanced = names.some((n) => n !== '');
  const width = instanced ? Math.max(...names.map((n) => n.length)) : 0;
  const prefixes = names.map((n) => latin1Bytes(instanced ? (n === '' ? ' '.repeat(width) + '  ' : lpad(n, width) + ': ') : ''));
  const nsClock = trace.buffers.map((b) => isNsClock(trace, b.clock));
  const baseSec = trace.tsBaseSec;
  const r: RecordRef = { data: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), off: 0, size: 0, cpu: 0, sec: 0, nsec: 0 };
  const lat = !!opts.latency;
  const ns = !!opts.ns;
  const raw = !!opts.raw;
  const keep = opts.keep;
  // Repeated pieces, encoded once: "comm-pid [" per pid, "cpu]" per CPU, ": name: " per event
  const headCache = new Map<number, Uint8Array>();
  // per event id: its format (null: unknown id) and printer, looked up once
  // dense arrays: reading past the end of a JS array takes V8's slow path
  const formatById: (EventFormat | null | undefined)[] = new Array(65536).fill(undefined);
  const printerById: (Printer | undefined)[] = new Array(65536).fill(undefined);
  const cacheable = new Uint8Array(65536);
  const textCache = new TextCache();
  const cpuText: Uint8Array[] = [];
  const taskCache = new Map<number, Uint8Array>();
  let taskCacheVersion = comms.version;
  let lastSec = -1;
  let secText: Uint8Array = new Uint8Array(0);
  let events = 0;
  const tsDiff = !!opts.tsDiff;
  const tsOffset = opts.tsOffsetNs ?? 0;
  // test_filters(): -I and -S drop events by their flags before anything else
  const flagMask = (opts.noHardirq ? HARDIRQ : 0) | (opts.noSoftirq ? SOFTIRQ : 0);
  // --ts-diff rounds to µs when the file names its trace clock and -t is off (trace_show_data())
  const diffUs = !!trace.options.traceClock && !opts.ns;
  let lastDiffTs = 0;
  for (const batch of trace.batches({ cpus: opts.cpus, reuse: true })) {
    r.data = batch.data;
    r.dv = batch.dv;
    for (let i = 0; i < batch.length; i++) {
      const id = batch.type[i];
      let ev = formatById[id];
      if (ev === undefined) {
        ev = formatById[id] = trace.formats.get(id) ?? null;
        if (ev) {
          printerById[id] = printerFor(ev, env.longSize, raw);
          const fmt = compiledPrint(ev, env.longSize).fmt;
          // plugins keep state (comms learned, call depth); bprint is pure but rarely repeats
          cacheable[id] = !pluginFor(ev) && !(ev.system === 'ftrace' && ev.name === 'bprint') && payloadOnly(fmt.failed ? null : fmt) ? 1 : 0;
        }
      }
      if (flagMask && batch.flags[i] & flagMask) continue;
      if (keep && !keep(batch, i, ev ?? undefined)) continue;
      const cpu = batch.cpu[i];
      const bufIdx = batch.buffer[i];
      if (batch.lost !== null) {
        const lost = batch.lost.get(i);
        if (lost !== undefined) sink.str(lost > 0 ? `CPU:${cpu} [${lost} EVENTS DROPPED]\n` : `CPU:${cpu} [EVENTS DROPPED]\n`);
      }
      if (instanced) sink.bytes(prefixes[bufIdx]);
      if (!ev) {
        // each tep_print_event call trace-cmd makes prints this once; -l makes one more
        sink.str(lat ? '[UNKNOWN EVENT][UNKNOWN EVENT][UNKNOWN EVENT] (NULL):               [UNKNOWN EVENT]\n' : '[UNKNOWN EVENT][UNKNOWN EVENT] (NULL):               [UNKNOWN EVENT]\n');
        continue;
      }
      const pid = batch.pid[i];
      if (comms.version !== taskCacheVersion) {
        taskCache.clear();
        taskCacheVersion = comms.version;
      }
      let task = taskCache.get(pid);
      if (task === undefined) {
        const comm = comms.get(pid);
        task = latin1Bytes(lat ? (comm.length > 8 ? comm.slice(0, 8) : lpad(comm, 8)) + '-' + rpad(String(pid), 5) + ' ' : lpad(comm, 16) + '-' + rpad(String(pid), 5) + ' [');
        taskCache.set(pid, task);
      }
      sink.bytes(task);
      if (lat) sink.str(lpad(String(cpu), 3) + latencyFlags(batch.flags[i], batch.preempt[i]));
      else sink.bytes(cpuText[cpu] ?? (cpuText[cpu] = latin1Bytes((cpu < 10 ? '00' + cpu : cpu < 100 ? '0' + cpu : String(cpu)) + ']')));
      // time: exact ns from the whole-second base plus the batch offset
      const rel = batch.ts[i] + tsOffset;
      let q = Math.floor(rel / 1e9);
      let rem = rel - q * 1e9;
      if (rem < 0) {
        q--;
        rem += 1e9;
      } else if (rem >= 1e9) {
        q++;
        rem -= 1e9;
      }
      let sec = baseSec + q;
      r.sec = sec;
      r.nsec = rem;
      if (!nsClock[bufIdx]) {
        sink.str(lpad((BigInt(baseSec) * 1_000_000_000n + BigInt(rel)).toString(), 12));
      } else {
        let frac = rem;
        let digits = 9;
        if (!ns) {
          frac = Math.floor((rem + 500) / 1000);
          digits = 6;
          if (frac >= 1000000) {
            frac -= 1000000;
            sec++;
          }
        }
        if (sec !== lastSec) {
          lastSec = sec;
          secText = latin1Bytes(' ' + lpad(String(sec), 5) + '.');
        }
        sink.bytes(secText);
        sink.zeroPadded(frac, digits);
      }
      let head = headCache.get(id);
      if (head === undefined) {
        head = latin1Bytes(': ' + ev.name + ': ' + (ev.name.length < 20 ? SPACES.slice(0, 20 - ev.name.length) : ''));
        headCache.set(id, head);
      }
      if (tsDiff) {
        const abs = BigInt(baseSec) * 1_000_000_000n + BigInt(rel);
        const t = Number(diffUs ? (abs + 500n) / 1000n : abs);
        // " %-8s" of "(+diff)", empty for the first event
        const d = lastDiffTs ? `(+${t - lastDiffTs})` : '';
        lastDiffTs = t;
        sink.str(': ' + rpad(d, 8));
        sink.bytes(head.subarray(1));
      } else sink.bytes(head);
      const off = batch.off[i];
      const size = batch.size[i];
      const slot = cacheable[id] ? textCache.slot(id, batch.dv, off, size) : -1;
      let bytes = slot >= 0 ? textCache.get(slot, id, batch.dv, off, size) : null;
      if (bytes === null) {
        r.off = off;
        r.size = size;
        r.cpu = cpu;
        let text = printerById[id]!(r, env, state);
        // trace-cmd ends every event with one newline (a trailing one in the text counts)
        if (!text.length || text.charCodeAt(text.length - 1) !== 10) text += '\n';
        if (slot >= 0) {
          bytes = latin1Bytes(text);
          textCache.set(slot, id, batch.dv, off, size, bytes);
          sink.bytes(bytes);
        } else sink.str(text);
      } else sink.bytes(bytes);
      events++;
    }
  }
  sink.flush();
  return { events };
}
