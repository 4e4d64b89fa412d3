import type { EventFormat } from '../../core/event-format.ts';
import { readUnsigned } from '../../core/int64.ts';
import { cString } from '../evaluate.ts';
import type { PrintEnv, RecordRef } from '../record.ts';
import type { Inverter } from '../invert.ts';

/**
 * What every event-family printer (libtraceevent's plugins, trace-cmd's own
 * function_graph printer) shares: the handler type, the per-report state, and
 * tep_get_field_val()/tep_print_num_field()/tep_print_func_field().
 */
export type Plugin = (ev: EventFormat, r: RecordRef, env: PrintEnv, state: PluginState) => string;

/** Makes an event's inverter once per format (null: its text cannot be read back that way). */
export type InverterMaker = (ev: EventFormat, longSize: number) => Inverter | null;

/**
 * What is special about one event, owned by its family's module (as
 * libtraceevent's plugins/ and trace-cmd's trace-ftrace.c own theirs): how
 * trace-cmd prints it and how that text reads back. An event without a
 * handler prints its print fmt and reads back by the fmt's inverse.
 */
export interface EventHandler {
  /** trace-cmd's printer in place of the print fmt (absent: the print fmt) */
  print?: Plugin;
  /** its text depends on the record alone (no comms learned, no call stacks kept): report may cache it */
  pure?: boolean;
  /** reads the record after its own (tracecmd_peek_next_data()): report defers it by one record */
  peeksNext?: boolean;
  /** reads back what trace-cmd report prints for it (absent: the print fmt's inverse) */
  invert?: InverterMaker;
  /** reads back the kernel's own text of it (absent: the print fmt's inverse) */
  invertKernel?: InverterMaker;
  /**
   * its report text depends on the events printed before it (the function plugin's call
   * stacks): the reader inverts every such event in order, with the printer's state, instead
   * of once per distinct text
   */
  invertInOrder?: boolean;
}

/** The per-report settings `-O` sets (PluginState's booleans). */
export type OptionKey = 'parent' | 'offset' | 'indent' | 'tailprint' | 'depth';

/** One `-O plugin:name[=0|1]` option a family takes, as libtraceevent's tep_plugin_option lists it. */
export interface PluginOption {
  plugin: string;
  name: string;
  key: OptionKey;
  /** its description (trace-cmd list -O prints it) */
  help: string;
  /** its value before any -O */
  default: boolean;
}

/**
 * One event family: its handlers by "system/name" ("system/*": every event
 * of the system) and its -O options.
 */
export interface Family {
  events: Record<string, EventHandler>;
  options?: PluginOption[];
}

/** Per-report state of the plugins (the function plugin's call stacks per CPU). */
export class PluginState {
  funcStacks: (string | null)[][] = [];
  /**
   * Set by a plugin whose libtraceevent handler returned non-zero: the event's
   * print fmt follows its text (print_event_info() calls pretty_print()).
   * The printer clears it.
   */
  thenFmt = false;
  /** -O ftrace:parent, ftrace:offset, ftrace:indent */
  parent = false;
  offset = false;
  indent = true;
  /** -O fgraph:tailprint, fgraph:depth (trace-cmd's function_graph printer) */
  tailprint = false;
  depth = false;
  /**
   * tracecmd_peek_next_data(): the record after the one being printed, in the
   * order report prints them (null at the end); set by the report printer.
   */
  peekNext: (() => NextRecord | null) | null = null;
  /** Set by a printer that took the peeked record (tracecmd_read_data()): report skips it. */
  consumedNext = false;
  /** tep_find_event_by_name(), for handlers that look for a sibling event. */
  findEvent: ((system: string, name: string) => EventFormat | undefined) | null = null;
}

/** The next record of the same trace: its payload, format (null: unknown id) and common_pid. */
export interface NextRecord {
  ref: RecordRef;
  format: EventFormat | null;
  pid: number;
}

/** A handler's text that the print fmt follows (it returned non-zero). */
export function thenFmt(state: PluginState, text: string): string {
  state.thenFmt = true;
  return text;
}

/** tep_get_field_val: value of an event field, or the error text libtraceevent prints. */
export function fieldVal(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string, err: boolean): { v: bigint } | { e: string } {
  const f = ev.field(name);
  if (!f) return { e: err ? `<CANT FIND FIELD ${name}>` : '' };
  if (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8) return { e: err ? ` ${name}=INVALID` : '' };
  if (f.offset + f.size > r.size) return { v: 0n };
  return { v: readUnsigned(r.dv, r.off + f.offset, f.size, env.littleEndian) };
}

/** tep_get_common_field_val(): a common field's unsigned value, or null when the event has no such field. */
export function commonVal(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string): bigint | null {
  const f = ev.commonFields.find((c) => c.name === name);
  if (!f || f.offset + f.size > r.size || (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8)) return null;
  return readUnsigned(r.dv, r.off + f.offset, f.size, env.littleEndian);
}

export function commText(ev: EventFormat, r: RecordRef, name: string): string | null {
  const f = ev.anyField(name);
  if (!f) return null;
  return cString(r, f.offset, f.size);
}

/**
 * tep_print_num_field(): a field printed with `fmt` (an unsigned value), or
 * nothing and null when the event lacks it (with `err`, libtraceevent's
 * "CAN'T FIND FIELD" text instead).
 */
export function numField(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string, fmt: 'hex' | 'dec', err: boolean): string | null {
  const v = fieldVal(ev, r, env, name, false);
  if ('e' in v) return err ? `CAN'T FIND FIELD "${name}"` : null;
  return fmt === 'hex' ? '0x' + v.v.toString(16) : v.v.toString();
}

/**
 * tep_print_func_field(): the function containing the address as
 * "name/0x<func->addr - val>" (libtraceevent subtracts the other way round,
 * so an address inside the function prints a wrapped 64-bit offset), or the
 * address as 0x%08llx when no symbol holds it.
 */
export function funcField(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string, err: boolean): string | null {
  const v = fieldVal(ev, r, env, name, false);
  if ('e' in v) return err ? `CAN'T FIND FIELD "${name}"` : null;
  const i = env.symbols.findBig(v.v);
  if (i < 0) return '0x' + v.v.toString(16).padStart(8, '0');
  return `${env.symbols.name(i)}/0x${BigInt.asUintN(64, env.symbols.address(i) - v.v).toString(16)}`;
}


export const int32 = (v: bigint) => Number(BigInt.asIntN(32, v));
