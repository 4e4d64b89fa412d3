import type { Trace } from '../core/trace.ts';
import type { Selection } from './scan.ts';
import { TRACE_COLUMN, type SqlType } from './sql-tables.ts';

/**
 * The tables `tracelab sql` offers beside the events: the rows of an
 * analysis, one pass of it per trace, made only when a query names them.
 * `ipis` is ipiCausality's join of each IPI to the handler that answered it;
 * `noise_episodes` is each interruption noise() merges from the events.
 * The analyses (and arquero under them) are loaded by a query that uses them.
 */

export type DerivedValue = number | bigint | string | boolean | null;

export interface DerivedTable {
  name: string;
  doc: string;
  columns: { name: string; type: SqlType; doc: string }[];
  /** Runs the analysis over the trace, giving each row (values in column order) to `emit`. */
  fill: (o: Selection, emit: (row: DerivedValue[]) => void) => Promise<void>;
}

export function derivedTables(trace: Trace, traceName: string): DerivedTable[] {
  const base = BigInt(trace.tsBaseSec) * 1_000_000_000n;
  const abs = (t: number) => base + BigInt(t);
  // noise pieces may start at an NMI's ts - delta_ns: integers too, rounded against a float's last bit
  return [
    {
      name: 'ipis',
      doc: 'each IPI sent, joined to the handler entry on its target that answered it (the ipi-causality analysis)',
      columns: [
        TRACE_COLUMN,
        { name: 'send_ts', type: 'BIGINT', doc: 'ipi_send_cpu/ipi_send_cpumask/ipi_raise time stamp, ns' },
        { name: 'sender_cpu', type: 'INTEGER', doc: 'CPU that sent it' },
        { name: 'sender_pid', type: 'INTEGER', doc: 'task that sent it (common_pid)' },
        { name: 'sender_comm', type: 'VARCHAR', doc: "that task's comm" },
        { name: 'target_cpu', type: 'INTEGER', doc: 'CPU it was sent to (one row per target of a cpumask send)' },
        { name: 'kind', type: 'VARCHAR', doc: 'call, resched, irq_work or other: which handler answers it' },
        { name: 'function', type: 'VARCHAR', doc: 'what it was sent for: the csd request queued before it (csd_queue_cpu, or v6.4/v6.5\'s function trace), its callback, or the resched/reason name' },
        { name: 'callsite', type: 'VARCHAR', doc: 'the callsite of the request (or of the send)' },
        { name: 'handler_ts', type: 'BIGINT', doc: 'entry of the handler on the target that answered it, ns; null: none by the end of the trace, or handlers not recorded' },
        { name: 'latency_ns', type: 'BIGINT', doc: 'handler_ts - send_ts' },
        { name: 'coalesced', type: 'BOOLEAN', doc: 'answered by a handler an earlier send had already raised (the vector was pending)' },
      ],
      async fill(o, emit) {
        const [{ IpiCollector }, { scan }] = await Promise.all([import('./ipi-causality.ts'), import('./scan.ts')]);
        const c = new IpiCollector(trace, undefined, (r) =>
          emit([
            traceName,
            abs(r.sendTs),
            r.senderCpu,
            r.senderPid,
            trace.comms.get(r.senderPid),
            r.target,
            r.kind,
            r.function,
            r.callsite,
            r.handlerTs === null ? null : abs(r.handlerTs),
            r.handlerTs === null ? null : BigInt(r.handlerTs - r.sendTs),
            r.coalesced,
          ]),
        );
        c.finish(scan(trace, o, (b, i, ev) => c.visit(b, i, ev)));
      },
    },
    {
      name: 'noise_episodes',
      doc: "each interruption of a CPU's resident task (the noise analysis: irqs, softirqs, NMIs, other tasks, its own syscalls; pieces 2 us apart merged)",
      columns: [
        TRACE_COLUMN,
        { name: 'cpu', type: 'INTEGER', doc: 'CPU interrupted' },
        { name: 'resident', type: 'VARCHAR', doc: 'the task the CPU is there for (comm-pid: the one that ran longest there); null without sched_switch' },
        { name: 'ts', type: 'BIGINT', doc: 'start, ns' },
        { name: 'duration_ns', type: 'BIGINT', doc: 'length, ns (nested work included once)' },
        { name: 'classes', type: 'VARCHAR', doc: 'what it was made of: irq, softirq, syscall, nmi, thread, joined by +' },
      ],
      async fill(o, emit) {
        const { episodeClasses, noiseColumns } = await import('./noise.ts');
        for (const c of noiseColumns(trace, { ...o, episodes: true }).summary.perCpu) {
          const e = c.episodes!;
          for (let k = 0; k < e.start.length; k++) emit([traceName, c.cpu, c.resident, abs(Math.round(e.start[k])), BigInt(Math.round(e.durationNs[k])), episodeClasses(e.classes[k])]);
        }
      },
    },
  ];
}
