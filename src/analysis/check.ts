import * as aq from 'arquero';
import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { HARDIRQ, IRQS_OFF, SOFTIRQ } from '../core/trace-flags.ts';
import { ipiTargetReader, readerCache, type FieldReader } from './field-values.ts';
import { scan, timestamp } from './scan.ts';

/** A queued csd is sent within this long after csd_queue_cpu (the real 6.18 traces: a few µs). */
const CSD_TO_IPI_NS = 50_000;
/** A handler runs within this long of its IPI being sent. */
const SEND_TO_HANDLER_NS = 10_000_000;
/**
 * The csd IPI's callback as the field readers print it (symbol+offset). A
 * trace without kallsyms prints an address instead: the rule is then n/a.
 */
const GENERIC = 'generic_smp_call_function_single_interrupt+0x0';

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
  /** The first violation: CPU, time stamp as the report prints it, what was wrong. */
  example: string;
}

/** Handler entries and the exits that close them; softirqs pair per vector. */
const PAIRS: [entry: string, exit: string][] = [
  ['call_function_entry', 'call_function_exit'],
  ['call_function_single_entry', 'call_function_single_exit'],
  ['reschedule_entry', 'reschedule_exit'],
  ['local_timer_entry', 'local_timer_exit'],
  ['irq_work_entry', 'irq_work_exit'],
  ['irq_handler_entry', 'irq_handler_exit'],
  ['csd_function_entry', 'csd_function_exit'],
  ['softirq_entry', 'softirq_exit'],
];
const SOFTIRQ_PAIR = PAIRS.length - 1;
const RECEIVE = new Set(['call_function_entry', 'call_function_single_entry', 'reschedule_entry']);

/** What an event format takes part in, decided once per format rather than per event. */
interface Role {
  hardirq: boolean;
  softirq: boolean;
  sched_switch: boolean;
  /** Index into PAIRS, or -1; whether this is the entry side. */
  pair: number;
  entry: boolean;
  irqDisable: boolean;
  irqEnable: boolean;
  receive: boolean;
  stack: boolean;
  /** context_tracking: 1 user_exit, 2 user_enter, 0 neither. */
  ct: number;
  /** csd_queue_cpu's target CPU. */
  queueTarget: FieldReader | undefined;
  /** ipi_send_cpu/ipi_send_cpumask: the targets, and the callback. */
  sendTargets: ((b: EventBatch, i: number) => number[]) | null;
  callback: FieldReader | undefined;
  vec: FieldReader | undefined;
}

function roleOf(trace: Trace, ev: EventFormat | undefined, fields: ReturnType<typeof readerCache>): Role {
  const name = ev?.name ?? '';
  const pair = PAIRS.findIndex(([a, b]) => a === name || b === name);
  const send = ev && (name === 'ipi_send_cpu' || name === 'ipi_send_cpumask');
  return {
    hardirq: !!ev && ((ev.system === 'irq_vectors' && /_(entry|exit)$/.test(name)) || name === 'irq_handler_entry' || name === 'irq_handler_exit'),
    softirq: name === 'softirq_entry' || name === 'softirq_exit',
    sched_switch: name === 'sched_switch',
    pair,
    entry: pair >= 0 && PAIRS[pair][0] === name,
    irqDisable: name === 'irq_disable',
    irqEnable: name === 'irq_enable',
    receive: RECEIVE.has(name),
    stack: name === 'kernel_stack',
    ct: ev?.system === 'context_tracking' ? (name === 'user_exit' ? 1 : name === 'user_enter' ? 2 : 0) : 0,
    queueTarget: ev && name === 'csd_queue_cpu' ? fields('cpu')(ev) : undefined,
    sendTargets: send ? ipiTargetReader(trace, ev) : null,
    callback: send ? fields('callback')(ev) : undefined,
    vec: ev && pair === SOFTIRQ_PAIR ? fields('vec')(ev) : undefined,
  };
}

/**
 * Kernel invariants that hold on every real trace (calibrated on the real
 * 6.18 and third-party traces in ../shared/data/real), checked on any trace:
 * what `tracelab check` prints, and what the emulator's output must pass.
 */
export function checkTrace(trace: Trace): { table: aq.ColumnTable; summary: { ok: boolean; results: CheckResult[] } } {
  const mk = (name: string, rule: string, tolerance = 0): CheckResult => ({ name, rule, tolerance, checked: 0, violations: 0, ok: true, example: '' });
  const order = mk('time-order', 'each CPU buffer is written in time order');
  const hard = mk('hardirq-flags', 'interrupt handler events (irq_vectors:*, irq_handler_*) run in hardirq with irqs off');
  const soft = mk('softirq-flags', 'softirq_entry/exit run in softirq context');
  const sw = mk('sched_switch-flags', '__schedule() traces sched_switch with irqs off and preemption disabled');
  const pairs = mk('entry-exit', 'every handler exit closes an entry of the same kind on its CPU (once the CPU has shown one)');
  const csd = mk('csd-before-ipi', 'a csd IPI (callback generic_smp_call_function_single_interrupt) follows csd_queue_cpu to each target on the sending CPU (6.6+)');
  const recv = mk('send-before-handler', 'an IPI handler runs after an IPI was sent to its CPU (checked where sends to it are recorded)', 0.01);
  const irqoff = mk('irqs-off-spans', 'between preemptirq irq_disable and irq_enable every event on the CPU has irqs off');
  const stack = mk('kernel_stack', 'a kernel_stack follows the event it belongs to, on its CPU, with its pid');
  // __ct_user_exit()/__ct_user_enter() run with irqs off, before irq_enter() and after irq_exit()
  const ct = mk('context-tracking', 'user_exit and user_enter alternate on each CPU, with irqs off, outside hardirq and softirq');
  const results = [order, hard, soft, sw, pairs, csd, recv, irqoff, stack, ct];
  const bad = (r: CheckResult, cpu: number, ts: number, what: string) => {
    r.violations++;
    if (!r.example) r.example = `CPU ${cpu} at ${timestamp(trace, ts)}: ${what}`;
  };

  const fields = readerCache(trace);
  const roles: (Role | undefined)[] = [];
  // every trace.dat carries every format of its kernel: csd counts once csd_queue_cpu shows it was recorded
  let hasCsd = false;
  // per CPU, indexed by CPU number
  const lastTs: number[] = [];
  const lastPid: number[] = [];
  const inIrqOff: boolean[] = [];
  const lastSendTo: number[] = [];
  const lastCt: number[] = [];
  /** Open entries per (CPU, pair, softirq vector), and the keys that have shown an entry. */
  const open = new Map<number, number>();
  const seen = new Set<number>();
  /** csd_queue_cpu per sender CPU: target -> last time. */
  const queued = new Map<number, Map<number, number>>();

  scan(trace, {}, (b, i, ev) => {
    const cpu = b.cpu[i];
    const ts = b.ts[i];
    const f = b.flags[i];
    const id = b.type[i];
    const role = (roles[id] ??= roleOf(trace, ev, fields));
    const name = ev?.name ?? '';
    const prev = lastTs[cpu];
    order.checked++;
    if (prev !== undefined && ts < prev) bad(order, cpu, ts, `${name} before the previous event (${timestamp(trace, prev)})`);
    if (role.stack) {
      stack.checked++;
      if (prev === undefined || lastPid[cpu] !== b.pid[i]) bad(stack, cpu, ts, 'no event of its task before it');
    }
    lastTs[cpu] = ts;
    lastPid[cpu] = b.pid[i];
    if (role.hardirq) {
      hard.checked++;
      if ((f & (HARDIRQ | IRQS_OFF)) !== (HARDIRQ | IRQS_OFF)) bad(hard, cpu, ts, `${name} with flags 0x${f.toString(16)}`);
    }
    if (role.softirq) {
      soft.checked++;
      if (!(f & SOFTIRQ)) bad(soft, cpu, ts, `${name} with flags 0x${f.toString(16)}`);
    }
    if (role.sched_switch) {
      sw.checked++;
      if (!(f & IRQS_OFF) || b.preempt[i] < 1) bad(sw, cpu, ts, `flags 0x${f.toString(16)}, preempt depth ${b.preempt[i]}`);
    }
    if (role.pair >= 0) {
      const vec = role.vec ? Number(role.vec.read(b, i)) & 0xff : 0;
      const key = (cpu * PAIRS.length + role.pair) * 256 + vec;
      if (role.entry) {
        open.set(key, (open.get(key) ?? 0) + 1);
        seen.add(key);
      } else if (seen.has(key)) {
        pairs.checked++;
        const n = open.get(key) ?? 0;
        if (n <= 0) bad(pairs, cpu, ts, `${name} with no open ${PAIRS[role.pair][0]}`);
        else open.set(key, n - 1);
      }
    }
    if (role.ct) {
      ct.checked++;
      if (lastCt[cpu] === role.ct) bad(ct, cpu, ts, `${name} twice in a row`);
      else if (!(f & IRQS_OFF) || f & (HARDIRQ | SOFTIRQ)) bad(ct, cpu, ts, `${name} with flags 0x${f.toString(16)}`);
      lastCt[cpu] = role.ct;
    }
    if (role.irqDisable) inIrqOff[cpu] = true;
    if (inIrqOff[cpu]) {
      irqoff.checked++;
      if (!(f & IRQS_OFF)) bad(irqoff, cpu, ts, `${name} with irqs on inside an irqs-off span`);
    }
    if (role.irqEnable) inIrqOff[cpu] = false;
    if (role.queueTarget) {
      const t = role.queueTarget.read(b, i);
      hasCsd = true;
      if (typeof t === 'number') {
        let m = queued.get(cpu);
        if (!m) queued.set(cpu, (m = new Map()));
        m.set(t, ts);
      }
    }
    if (role.sendTargets) {
      const to = role.sendTargets(b, i);
      for (const t of to) lastSendTo[t] = ts;
      if (hasCsd && role.callback?.read(b, i) === GENERIC) {
        const m = queued.get(cpu);
        for (const t of to) {
          csd.checked++;
          const q = m?.get(t);
          if (q === undefined || ts - q > CSD_TO_IPI_NS) bad(csd, cpu, ts, `${name} to CPU ${t} with no csd_queue_cpu to it just before`);
        }
      }
    }
    // from the first send recorded to this CPU on, every handler there has one shortly before
    const s = role.receive ? lastSendTo[cpu] : undefined;
    if (s !== undefined) {
      recv.checked++;
      if (ts - s > SEND_TO_HANDLER_NS) bad(recv, cpu, ts, `${name} with no IPI sent to CPU ${cpu} in the 10 ms before`);
    }
  });

  for (const r of results) r.ok = r.violations <= r.checked * r.tolerance;
  const table = aq.table({
    check: results.map((r) => r.name),
    checked: results.map((r) => r.checked),
    violations: results.map((r) => r.violations),
    status: results.map((r) => (!r.checked ? 'n/a' : r.ok ? 'ok' : 'FAIL')),
    example: results.map((r) => r.example),
  });
  return { table, summary: { ok: results.every((r) => r.ok), results } };
}
