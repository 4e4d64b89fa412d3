import * as aq from 'arquero';
import type { EventBatch } from '../core/batch.ts';
import type { Trace } from '../core/trace.ts';
import { ipiTargetReader, readerCache } from './field-values.ts';
import { scan } from './scan.ts';

const IRQS_OFF = 0x01;
const HARDIRQ = 0x08;
const SOFTIRQ = 0x10;
/** A queued csd is sent within this long after csd_queue_cpu (the real 6.18 traces: a few µs). */
const CSD_TO_IPI_NS = 50_000;
/** A handler runs within this long of its IPI being sent. */
const SEND_TO_HANDLER_NS = 10_000_000;

/** One kernel invariant, as measured on a trace. */
export interface CheckResult {
  name: string;
  /** What holds on a real kernel (and why). */
  rule: string;
  /** Events it looked at; 0: the trace has nothing it applies to. */
  checked: number;
  violations: number;
  /** Share of violations tolerated (0 for rules the kernel's code makes absolute). */
  tolerance: number;
  ok: boolean;
  /** The first violation: CPU, time stamp (ns from tsBaseSec), what was wrong. */
  example: string;
}

interface Rule {
  name: string;
  rule: string;
  tolerance: number;
  checked: number;
  violations: number;
  example: string;
}

const HANDLER_PAIRS: Record<string, string> = {
  call_function_exit: 'call_function_entry',
  call_function_single_exit: 'call_function_single_entry',
  reschedule_exit: 'reschedule_entry',
  local_timer_exit: 'local_timer_entry',
  irq_work_exit: 'irq_work_entry',
  irq_handler_exit: 'irq_handler_entry',
  csd_function_exit: 'csd_function_entry',
};
/** The csd IPI's callback as the field readers print it (symbol+offset), or as an address without kallsyms. */
const GENERIC = 'generic_smp_call_function_single_interrupt+0x0';
const RECEIVE = new Set(['call_function_entry', 'call_function_single_entry', 'reschedule_entry']);

/**
 * Kernel invariants that hold on every real trace (calibrated on the real
 * 6.18 and third-party traces in ../shared/data/real), checked on any trace:
 * what `tracelab check` prints, and what the emulator's output must pass.
 */
export function checkTrace(trace: Trace): { table: aq.ColumnTable; summary: { ok: boolean; results: CheckResult[] } } {
  const mk = (name: string, rule: string, tolerance = 0): Rule => ({ name, rule, tolerance, checked: 0, violations: 0, example: '' });
  const order = mk('time-order', 'each CPU buffer is written in time order');
  const hard = mk('hardirq-flags', 'interrupt handler events (irq_vectors:*, irq_handler_*) run in hardirq with irqs off');
  const soft = mk('softirq-flags', 'softirq_entry/exit run in softirq context');
  const sw = mk('sched_switch-flags', '__schedule() traces sched_switch with irqs off and preemption disabled');
  const pairs = mk('entry-exit', 'every handler exit closes an entry of the same kind on its CPU (once the CPU has shown one)');
  const csd = mk('csd-before-ipi', 'a csd IPI (callback generic_smp_call_function_single_interrupt) follows csd_queue_cpu to each target on the sending CPU (6.6+)');
  const recv = mk('send-before-handler', 'an IPI handler runs after an IPI was sent to its CPU (checked where sends to it are recorded)', 0.01);
  const irqoff = mk('irqs-off-spans', 'between preemptirq irq_disable and irq_enable every event on the CPU has irqs off');
  const stack = mk('kernel_stack', 'a kernel_stack follows the event it belongs to, on its CPU, with its pid');
  const rules = [order, hard, soft, sw, pairs, csd, recv, irqoff, stack];
  const bad = (r: Rule, cpu: number, ts: number, what: string) => {
    r.violations++;
    if (!r.example) r.example = `CPU ${cpu} at ${(ts / 1e9).toFixed(9)}: ${what}`;
  };

  const fields = readerCache(trace);
  const callbackOf = fields('callback');
  const cpuOf = fields('cpu');
  const vecOf = fields('vec');
  const targets = new Map<number, ((b: EventBatch, i: number) => number[]) | null>();
  const generic = genericAddress(trace);
  const hasCsd = trace.formats.all().some((f) => f.name === 'csd_queue_cpu');
  const lastTs = new Map<number, number>();
  const lastPid = new Map<number, number>();
  const open = new Map<string, number>();
  const seenEntry = new Set<string>();
  const irqOff = new Set<number>();
  /** csd_queue_cpu per sender CPU: target -> last time. */
  const queued = new Map<number, Map<number, number>>();
  /** Last IPI sent to each CPU, and the CPUs any send was recorded for. */
  const lastSendTo = new Map<number, number>();

  scan(trace, {}, (b, i, ev) => {
    const cpu = b.cpu[i];
    const ts = b.ts[i];
    const f = b.flags[i];
    const name = ev?.name ?? '';
    const prev = lastTs.get(cpu);
    order.checked++;
    if (prev !== undefined && ts < prev) bad(order, cpu, ts, `${name} before the previous event (${(prev / 1e9).toFixed(9)})`);
    if (name === 'kernel_stack') {
      stack.checked++;
      if (prev === undefined || lastPid.get(cpu) !== b.pid[i]) bad(stack, cpu, ts, 'no event of its task before it');
    }
    lastTs.set(cpu, ts);
    lastPid.set(cpu, b.pid[i]);
    if (!ev) return;
    const sys = ev.system;
    if ((sys === 'irq_vectors' && /_(entry|exit)$/.test(name)) || name === 'irq_handler_entry' || name === 'irq_handler_exit') {
      hard.checked++;
      if ((f & (HARDIRQ | IRQS_OFF)) !== (HARDIRQ | IRQS_OFF)) bad(hard, cpu, ts, `${name} with flags 0x${f.toString(16)}`);
    }
    if (name === 'softirq_entry' || name === 'softirq_exit') {
      soft.checked++;
      if (!(f & SOFTIRQ)) bad(soft, cpu, ts, `${name} with flags 0x${f.toString(16)}`);
    }
    if (name === 'sched_switch') {
      sw.checked++;
      if (!(f & IRQS_OFF) || b.preempt[i] < 1) bad(sw, cpu, ts, `flags 0x${f.toString(16)}, preempt depth ${b.preempt[i]}`);
    }
    // entry/exit pairing, per CPU and kind (softirqs per vector)
    const entryOf = HANDLER_PAIRS[name] ?? (name === 'softirq_exit' ? 'softirq_entry' : undefined);
    const isEntry = name.endsWith('_entry') && (Object.values(HANDLER_PAIRS).includes(name) || name === 'softirq_entry');
    if (isEntry || entryOf) {
      const vec = name.startsWith('softirq') ? `:${vecOf(ev)?.read(b, i)}` : '';
      const key = `${cpu}:${isEntry ? name : entryOf}${vec}`;
      if (isEntry) {
        open.set(key, (open.get(key) ?? 0) + 1);
        seenEntry.add(key);
      } else if (seenEntry.has(key)) {
        pairs.checked++;
        const n = open.get(key) ?? 0;
        if (n <= 0) bad(pairs, cpu, ts, `${name} with no open ${entryOf}`);
        else open.set(key, n - 1);
      }
    }
    if (name === 'irq_disable') irqOff.add(cpu);
    if (irqOff.has(cpu)) {
      irqoff.checked++;
      if (!(f & IRQS_OFF)) bad(irqoff, cpu, ts, `${name} with irqs on inside an irqs-off span`);
    }
    if (name === 'irq_enable') irqOff.delete(cpu);
    if (name === 'csd_queue_cpu') {
      const t = cpuOf(ev)?.read(b, i);
      if (typeof t === 'number') {
        let m = queued.get(cpu);
        if (!m) queued.set(cpu, (m = new Map()));
        m.set(t, ts);
      }
    }
    if (name === 'ipi_send_cpu' || name === 'ipi_send_cpumask') {
      let tr = targets.get(ev.id);
      if (tr === undefined) targets.set(ev.id, (tr = ipiTargetReader(trace, ev)));
      const to = tr ? tr(b, i) : [];
      for (const t of to) lastSendTo.set(t, ts);
      const cb = callbackOf(ev)?.read(b, i);
      if (hasCsd && (cb === GENERIC || (generic && cb === generic))) {
        const m = queued.get(cpu);
        for (const t of to) {
          csd.checked++;
          const q = m?.get(t);
          if (q === undefined || ts - q > CSD_TO_IPI_NS) bad(csd, cpu, ts, `${name} to CPU ${t} with no csd_queue_cpu to it just before`);
        }
      }
    }
    if (RECEIVE.has(name) && lastSendTo.size) {
      const s = lastSendTo.get(cpu);
      if (s !== undefined) {
        recv.checked++;
        if (s === undefined || ts - s > SEND_TO_HANDLER_NS) bad(recv, cpu, ts, `${name} with no IPI sent to CPU ${cpu} in the 10 ms before`);
      }
    }
  });

  const results: CheckResult[] = rules.map((r) => ({
    name: r.name,
    rule: r.rule,
    checked: r.checked,
    violations: r.violations,
    tolerance: r.tolerance,
    ok: r.violations <= r.checked * r.tolerance,
    example: r.example,
  }));
  const table = aq.table({
    check: results.map((r) => r.name),
    checked: results.map((r) => r.checked),
    violations: results.map((r) => r.violations),
    status: results.map((r) => (!r.checked ? 'n/a' : r.ok ? 'ok' : 'FAIL')),
    example: results.map((r) => r.example),
  });
  return { table, summary: { ok: results.every((r) => r.ok), results } };
}

/** The address the trace's kallsyms gives generic_smp_call_function_single_interrupt, as the callback reader prints it. */
function genericAddress(trace: Trace): string | null {
  try {
    const a = trace.symbols.addressOf('generic_smp_call_function_single_interrupt');
    return a ? '0x' + a.toString(16) : null;
  } catch {
    return null;
  }
}
