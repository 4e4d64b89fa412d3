import type { CommTable } from '../core/comms.ts';
import type { PrintkTable } from '../core/printk.ts';
import type { SymbolTable } from '../core/symbols.ts';

/** A record being printed: its payload is bytes [off, off+size) of `data`. */
export interface RecordRef {
  data: Uint8Array;
  dv: DataView;
  off: number;
  size: number;
  cpu: number;
  /** Timestamp in ns as (whole seconds, ns within the second), for plugins that print times. */
  sec: number;
  nsec: number;
}

/** A record reference to fill in place per event (one object per printer, not one per event). */
export function recordRef(): RecordRef {
  return { data: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), off: 0, size: 0, cpu: 0, sec: 0, nsec: 0 };
}

/** What printing needs from the trace: byte order, long size, and the lookup tables. */
export interface PrintEnv {
  littleEndian: boolean;
  /** The long size libtraceevent uses for pointers (the header byte of a trace.dat). */
  longSize: number;
  symbols: SymbolTable;
  printk: PrintkTable;
  comms: CommTable;
  /**
   * Print as the kernel's vsprintf does (the /sys/kernel/tracing/trace text)
   * rather than libtraceevent: %pS with /size, plain %p as 16 hex digits.
   */
  kernel?: boolean;
  /** report --verbose: a warning libtraceevent prints while it prints an event, as it prints it. */
  warn?: (line: string) => void;
}
