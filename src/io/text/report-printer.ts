import type { EventBatch } from '../../core/batch.ts';
import type { EventFormat } from '../../core/event-format.ts';
import type { Trace } from '../../core/trace.ts';
import { eventText } from '../../printfmt/event-text.ts';
import { PluginState } from '../../printfmt/plugins.ts';
import type { PrintEnv, RecordRef } from '../../printfmt/record.ts';

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
const pad0 = (n: number, w: number) => {
  const s = String(n);
  return s.length >= w ? s : '000000000'.slice(0, w - s.length) + s;
};

/** libtraceevent's latency column: irqs-off, need-resched, hardirq/softirq, preempt depth, migrate-disable. */
export function latencyFlags(flags: number, pc: number): string {
  const hard = flags & 0x08;
  const soft = flags & 0x10;
  return (
    (flags & 0x01 ? 'd' : flags & 0x02 ? 'X' : '.') +
    (flags & 0x04 ? 'N' : '.') +
    (hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.') +
    (pc & 0xf ? (pc & 0xf).toString(16) : '.') +
    (pc & 0xf0 ? (pc >> 4).toString(16) : '.')
  );
}

/**
 * Prints a trace exactly as `trace-cmd report` (3.1.6 with libtraceevent 1.7.1)
 * does, calling `out` with chunks of text. One printer serves every source.
 */
export function printReport(trace: Trace, out: (chunk: string) => void, opts: ReportOptions = {}): { events: number } {
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
  out(`cpus=${trace.cpus}\n`);
  const latency = (trace as { latencyText?: string | null }).latencyText;
  if (typeof latency === 'string') {
    out(latency);
    out('\n');
    return { events: 0 };
  }
  const names = trace.buffers.map((b) => b.name);
  const instanced = names.some((n) => n !== '');
  const width = instanced ? Math.max(...names.map((n) => n.length)) : 0;
  const prefixes = names.map((n) => (instanced ? (n === '' ? ' '.repeat(width) + '  ' : lpad(n, width) + ': ') : ''));
  const nsClock = trace.buffers.map((b) => isNsClock(trace, b.clock));
  const baseSec = trace.tsBaseSec;
  const r: RecordRef = { data: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), off: 0, size: 0, cpu: 0, sec: 0, nsec: 0 };
  const lat = !!opts.latency;
  const ns = !!opts.ns;
  const raw = !!opts.raw;
  const keep = opts.keep;
  const headCache = new Map<number, string>();
  let buf = '';
  let events = 0;
  for (const batch of trace.batches({ cpus: opts.cpus, reuse: true })) {
    r.data = batch.data;
    r.dv = batch.dv;
    for (let i = 0; i < batch.length; i++) {
      const id = batch.type[i];
      const ev = trace.formats.get(id);
      if (keep && !keep(batch, i, ev)) continue;
      const cpu = batch.cpu[i];
      const bufIdx = batch.buffer[i];
      if (batch.lost !== null) {
        const lost = batch.lost.get(i);
        if (lost !== undefined) buf += lost > 0 ? `CPU:${cpu} [${lost} EVENTS DROPPED]\n` : `CPU:${cpu} [EVENTS DROPPED]\n`;
      }
      let line = prefixes[bufIdx] ?? '';
      if (!ev) {
        line += '[UNKNOWN EVENT][UNKNOWN EVENT] (NULL):               [UNKNOWN EVENT]\n';
        buf += line;
        continue;
      }
      const pid = batch.pid[i];
      const comm = env.comms.get(pid);
      if (lat) line += (comm.length > 8 ? comm.slice(0, 8) : lpad(comm, 8)) + '-' + rpad(String(pid), 5) + ' ' + lpad(String(cpu), 3) + latencyFlags(batch.flags[i], batch.preempt[i]);
      else line += lpad(comm, 16) + '-' + rpad(String(pid), 5) + ' [' + pad0(cpu, 3) + ']';
      // time
      const rel = batch.ts[i];
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
        line += lpad((BigInt(baseSec) * 1_000_000_000n + BigInt(rel)).toString(), 12) + ': ';
      } else if (ns) {
        line += ' ' + lpad(String(sec), 5) + '.' + pad0(rem, 9) + ': ';
      } else {
        let us = Math.floor((rem + 500) / 1000);
        if (us >= 1000000) {
          us -= 1000000;
          sec++;
        }
        line += ' ' + lpad(String(sec), 5) + '.' + pad0(us, 6) + ': ';
      }
      let head = headCache.get(id);
      if (head === undefined) {
        head = ev.name + ': ' + (ev.name.length < 20 ? SPACES.slice(0, 20 - ev.name.length) : '');
        headCache.set(id, head);
      }
      r.off = batch.off[i];
      r.size = batch.size[i];
      r.cpu = cpu;
      let text = eventText(ev, r, env, state, raw);
      if (text.length && text.charCodeAt(text.length - 1) === 10) text = text.slice(0, -1);
      buf += line + head + text + '\n';
      events++;
      if (buf.length > 1 << 16) {
        out(buf);
        buf = '';
      }
    }
  }
  if (buf) out(buf);
  return { events };
}
