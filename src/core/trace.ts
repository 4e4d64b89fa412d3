import type { EventBatch } from './batch.ts';
import { CommTable } from './comms.ts';
import { FormatRegistry } from './formats.ts';
import { PrintkTable } from './printk.ts';
import { SymbolTable } from './symbols.ts';

/** One ring buffer of the trace: the top-level one ("") or an instance. */
export interface BufferInfo {
  name: string;
  clock: string;
  pageSize: number;
  /** CPU ids that have data in this buffer. */
  cpus: number[];
}

/** Options a trace.dat carries besides events. */
export interface TraceOptions {
  uname?: string;
  version?: string;
  traceId?: bigint;
  /** Per-CPU stats text (CPUSTAT options), in file order. */
  cpuStats: string[];
  /** TRACECLOCK option text, e.g. "[local] global counter ...\n". */
  traceClock?: string;
  /** DATE option: offset added to timestamps, in µs as text. */
  date?: string;
  /** OFFSET option: ns added to every timestamp. */
  offset?: bigint;
  tsc2nsec?: { mult: number; shift: number; offset: bigint };
  /** A guest's TIME_SHIFT option was applied: time stamps are on the host's clock. */
  timeShift?: boolean;
  /** The TIME_SHIFT option's samples (applied or not), for writing the trace again as it was. */
  timeShiftSamples?: { traceId: bigint; flags: number; cpus: { time: bigint[]; offset: bigint[]; scaling: bigint[]; fraction: bigint[] }[] };
  /** Opened with report --raw-ts: time stamps are the recorded counts. */
  rawTs?: boolean;
  /** Opened with report --ts2secs: the HZ the counts were converted from. */
  ts2secs?: number;
  procmaps?: string;
  /** How tracelab record made the trace (its own option; see core/provenance.ts). */
  provenance?: string;
  /** Option ids met but not understood (kept for warnings). */
  unknown: number[];
}

export type TraceKind = 'dat' | 'report-text' | 'ftrace-text' | 'emulator';

/**
 * A trace from any source: the header facts, the lookup tables and the events
 * as a stream of batches in global time order (ties: lower buffer, then lower CPU).
 */
export interface Trace {
  /** Where it came from (a file path, "-", or a description). */
  source: string;
  kind: TraceKind;
  /** trace.dat version (6 or 7); 0 for text sources. */
  version: number;
  bigEndian: boolean;
  /** Long size of the recording user space (the trace.dat header byte). */
  longSize: number;
  /** Long size of the kernel (header_page commit size). */
  kernelLongSize: number;
  pageSize: number;
  /** Number of CPUs the trace says it has (the `cpus=` line). */
  cpus: number;
  clock: string;
  compression: string;
  headerPage: string;
  headerEvent: string;
  formats: FormatRegistry;
  symbols: SymbolTable;
  printk: PrintkTable;
  comms: CommTable;
  buffers: BufferInfo[];
  options: TraceOptions;
  /** Whole seconds added to every batch timestamp (see EventBatch). */
  tsBaseSec: number;
  /** A trace.dat's first page time stamp, ns (tracecmd_get_first_ts(), for report --align-ts); text traces have none. */
  firstTsNs?: bigint;
  /** Report text read back: the header lines it had ("version = 6", "cpus=N", ...), printed again as they were. */
  reportHeader?: string;
  /** Problems met while reading; reading went on past them. */
  warnings: string[];
  /** Events in order. Each call starts again from the first event. */
  batches(opts?: BatchOptions): Iterable<EventBatch>;
  /** Releases the file the trace reads from (a trace.dat keeps it open); a text trace has none. */
  close(): void;
}

export interface BatchOptions {
  /** Only these CPUs. */
  cpus?: ReadonlySet<number>;
  /** Batch capacity in events. */
  batchSize?: number;
  /**
   * Hand out the same batch object every time, refilled. Faster for consumers
   * that finish with a batch before asking for the next (printing, counting).
   */
  reuse?: boolean;
}

export function emptyOptions(): TraceOptions {
  return { cpuStats: [], unknown: [] };
}

export function emptyTables() {
  return { formats: new FormatRegistry(), symbols: new SymbolTable(), printk: new PrintkTable(), comms: new CommTable() };
}
