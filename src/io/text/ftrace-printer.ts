import { BH_OFF, HARDIRQ, IRQS_OFF, NEED_RESCHED, NEED_RESCHED_LAZY, NMI, PREEMPT_RESCHED, SOFTIRQ } from '../../core/trace-flags.ts';
import type { EventFormat } from '../../core/event-format.ts';
import type { Trace } from '../../core/trace.ts';
import { stackFrames } from '../../core/kernel-stack.ts';
import { compiledPrint } from '../../printfmt/render.ts';
import { recordRef, type PrintEnv, type RecordRef } from '../../printfmt/record.ts';
import { ByteSink } from './byte-sink.ts';

/**
 * Prints a trace as the kernel's /sys/kernel/tracing/trace shows it (nop
 * tracer, irq-info on, record-tgid off): the kernel's header, its context
 * columns and flags, and event text as the kernel's vsprintf renders the print
 * fmt (%pS with /size, %p as 16 hex digits), kernel_stack and probe events in
 * their own printers' forms. Facts: ../shared/docs/FORMATS.md 3.2 and 3.4.
 */
export function printFtrace(trace: Trace, out: (chunk: Uint8Array) => void): { events: number } {
  let total = 0;
  for (const b of trace.batches({ reuse: true })) total += b.length;
  const env: PrintEnv = { littleEndian: !trace.bigEndian, longSize: trace.longSize, symbols: trace.symbols, printk: trace.printk, comms: trace.comms.clone(), kernel: true };
  const sink = new ByteSink(out);
  sink.str(HEADER(total, trace.cpus));
  const r: RecordRef = recordRef();
  const printers = new Map<number, ((r: RecordRef) => string) | null>();
  const tasks = new Map<number, string>();
  const baseSec = trace.tsBaseSec;
  let events = 0;
  for (const batch of trace.batches({ reuse: true })) {
    r.data = batch.data;
    r.dv = batch.dv;
    for (let i = 0; i < batch.length; i++) {
      const id = batch.type[i];
      let print = printers.get(id);
      if (print === undefined) {
        const ev = trace.formats.get(id);
        if (ev) {
          const prefix = kernelEventPrefix(ev);
          const body = kernelPrinter(ev, env);
          print = (r) => prefix + body(r);
        } else print = null;
        printers.set(id, print);
      }
      const pid = batch.pid[i];
      let task = tasks.get(pid);
      if (task === undefined) {
        const comm = pid === 0 ? '<idle>' : env.comms.has(pid) ? env.comms.get(pid) : '<...>';
        task = comm.padStart(16) + '-' + String(pid).padEnd(7) + ' ';
        tasks.set(pid, task);
      }
      const cpu = batch.cpu[i];
      // the kernel rounds to µs: (ns + 500) / 1000
      const us = Math.floor((batch.ts[i] + 500) / 1000);
      const sec = baseSec + Math.floor(us / 1e6);
      const frac = us - Math.floor(us / 1e6) * 1e6;
      sink.str(task + '[' + String(cpu).padStart(3, '0') + '] ' + kernelFlags(batch.flags[i], batch.preempt[i]) + ' ' + String(sec).padStart(5) + '.' + String(frac).padStart(6, '0') + ': ');
      r.off = batch.off[i];
      r.size = batch.size[i];
      r.cpu = cpu;
      sink.str(print ? print(r) : `Unknown type ${id}`);
      sink.str('\n');
      events++;
    }
  }
  sink.flush();
  return { events };
}

const HEADER = (entries: number, cpus: number) =>
  `# tracer: nop
#
# entries-in-buffer/entries-written: ${entries}/${entries}   #P:${cpus}
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
`;

/** trace_print_lat_fmt: the kernel's 5-character flags column. */
export function kernelFlags(flags: number, pc: number): string {
  const irqsOff = flags & IRQS_OFF;
  const bhOff = flags & BH_OFF;
  const nr = flags & NEED_RESCHED;
  const lazy = flags & NEED_RESCHED_LAZY;
  const pr = flags & PREEMPT_RESCHED;
  const hard = flags & HARDIRQ;
  const soft = flags & SOFTIRQ;
  const nmi = flags & NMI;
  const c1 = irqsOff && bhOff ? 'D' : irqsOff ? 'd' : bhOff ? 'b' : '.';
  const c2 = nr && lazy && pr ? 'B' : nr && pr ? 'N' : lazy && pr ? 'L' : nr && lazy ? 'b' : nr ? 'n' : pr ? 'p' : lazy ? 'l' : '.';
  const c3 = nmi && hard ? 'Z' : nmi ? 'z' : hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.';
  return c1 + c2 + c3 + (pc & 0xf ? (pc & 0xf).toString(16) : '.') + (pc & 0xf0 ? (pc >> 4).toString(16) : '.');
}

/** What the kernel puts before an event's text: "name: ", nothing for stack traces. */
export function kernelEventPrefix(ev: EventFormat): string {
  return ev.system === 'ftrace' && ev.name === 'kernel_stack' ? '' : ev.name + ': ';
}

/**
 * How the kernel prints an event's text (after "name: ", see kernelEventPrefix):
 * the print fmt, the stack tracer's lines, or the probe printers' forms. Symbols come from
 * env.symbols at print time (a text reader's table grows while it reads).
 */
export function kernelPrinter(ev: EventFormat, env: PrintEnv): (r: RecordRef) => string {
  const le = env.littleEndian;
  const u64 = (r: RecordRef, off: number) => r.dv.getBigUint64(r.off + off, le);
  if (ev.system === 'ftrace' && ev.name === 'kernel_stack') {
    return (r) => {
      let s = '<stack trace>';
      for (const a of stackFrames(ev, r.dv, r.off, r.size, le, env.longSize)) {
        const i = env.symbols.findBig(a);
        s += '\n => ' + (i >= 0 ? env.symbols.name(i) : a.toString(16));
      }
      return s;
    };
  }
  const cp = compiledPrint(ev, env.longSize, true);
  const render = cp.fmt.failed ? null : cp.render;
  const ip = ev.field('__probe_ip');
  const func = ev.field('__probe_func');
  const retIp = ev.field('__probe_ret_ip');
  if (render && (ev.system === 'kprobes' || ev.system === 'uprobes') && (ip || (func && retIp))) {
    // print_kprobe_event / print_uprobe_event: the probe point as the kernel names it, then the args
    const sym = (a: bigint, withOffset: boolean) => {
      const t = env.symbols;
      const i = t.findBig(a);
      if (i < 0) return '0x' + a.toString(16);
      return withOffset ? `${t.name(i)}+0x${(a - t.address(i)).toString(16)}/0x${t.sizeOf(i).toString(16)}` : t.name(i);
    };
    return (r) => {
      const text = render(r, env);
      const close = text.indexOf(')');
      const rest = close >= 0 ? text.slice(close + 1) : '';
      if (ev.system === 'uprobes') return `(0x${u64(r, (ip ?? func)!.offset).toString(16)})${rest}`;
      if (ip) return `(${sym(u64(r, ip.offset), true)})${rest}`;
      return `(${sym(u64(r, retIp!.offset), true)} <- ${sym(u64(r, func!.offset), false)})${rest}`;
    };
  }
  if (!render) return () => '[FAILED TO PARSE]';
  return (r) => render(r, env);
}
