import type { EventFormat } from '../../core/event-format.ts';
import type { PrintEnv, RecordRef } from '../record.ts';
import { commonVal, fieldVal, thenFmt, type Family, type Plugin, type PluginState } from './plugin-api.ts';

/**
 * trace-cmd's own function_graph printer (lib/trace-cmd/trace-ftrace.c,
 * 3.1.6: fgraph_ent_handler(), fgraph_ret_handler()), which replaces the
 * ftrace funcgraph_entry/funcgraph_exit print fmts:
 *
 *   funcgraph_entry:                   |  do_IRQ() {
 *   funcgraph_entry:        0.345 us   |    irq_enter();        (a leaf: the exit is merged in)
 *   funcgraph_exit:       # 3242.027 us |  }
 *
 * An entry is a leaf when the record trace-cmd reads next (in the order it
 * prints) is the funcgraph_exit of the same pid and function: that exit is
 * then consumed and never printed on its own.
 */

const INDENT = 2; // TRACE_GRAPH_INDENT
const NO_DURATION = -1n;
const U64 = (1n << 64n) - 1n;

/** print_graph_overhead(): the marker before a duration. */
function overhead(duration: bigint): string {
  if (duration === NO_DURATION) return '  ';
  if (duration > 1_000_000_000n) return '$ ';
  if (duration > 1_000_000n) return '# ';
  if (duration > 100_000n) return '! ';
  if (duration > 10_000n) return '+ ';
  return '  ';
}

/**
 * print_graph_duration(): µs, then ".nnn" while the µs have fewer than 7
 * digits (snprintf's size is MIN(5, 8 - s->len), and s already holds the line's
 * head, so it is always 5: all three digits), " us ", padding to 7, "|  ".
 */
function durationText(duration: bigint): string {
  const usecs = (duration / 1000n).toString();
  let t = usecs;
  if (usecs.length < 7) t += '.' + (duration % 1000n).toString().padStart(3, '0');
  return t + ' us ' + ' '.repeat(Math.max(0, 7 - t.length)) + '|  ';
}

/** rettime - calltime of an exit record, as the unsigned long long C computes it. */
function durationOf(exit: EventFormat, r: RecordRef, env: PrintEnv): { v: bigint } | { e: string } {
  const ret = fieldVal(exit, r, env, 'rettime', true);
  if ('e' in ret) return ret;
  const call = fieldVal(exit, r, env, 'calltime', true);
  if ('e' in call) return call;
  return { v: (ret.v - call.v) & U64 };
}

/** The "  " per depth level; a negative (int) depth indents nothing. */
function indent(depth: bigint): string {
  const n = Number(BigInt.asIntN(32, depth * BigInt(INDENT)));
  return n > 0 ? ' '.repeat(n) : '';
}

function funcName(env: PrintEnv, addr: bigint): string | null {
  const i = env.symbols.findBig(addr);
  return i >= 0 ? env.symbols.name(i) : null;
}

/** get_return_for_leaf(): the next record, when it is this call's own return. */
function leafReturn(state: PluginState, exit: EventFormat, pid: number, func: bigint, env: PrintEnv): RecordRef | null {
  const next = state.peekNext?.();
  if (!next || next.format !== exit) return null;
  // (int)cur_pid against the next record's common_pid: both are the kernel's 32-bit pid
  if (next.pid !== pid) return null;
  const f = fieldVal(exit, next.ref, env, 'func', true);
  if ('e' in f || f.v !== func) return null;
  state.consumedNext = true;
  return next.ref;
}

export const funcgraphEntry: Plugin = (ev, r, env, state) => {
  const exit = state.findEvent?.('ftrace', 'funcgraph_exit');
  // ret_event_check(): no exit format, the handler returns -1 and the print fmt prints
  if (!exit) return thenFmt(state, '');
  const pid = commonVal(ev, r, env, 'common_pid');
  if (pid === null) return '<CANT FIND FIELD common_pid>!';
  const func = fieldVal(ev, r, env, 'func', true);
  if ('e' in func) return func.e + '!';
  const ret = leafReturn(state, exit, Number(BigInt.asIntN(32, pid)), func.v, env);
  let out: string;
  if (ret) {
    // print_graph_entry_leaf()
    const d = durationOf(exit, ret, env);
    if ('e' in d) return d.e + '!';
    out = overhead(d.v) + durationText(d.v);
  } else {
    // print_graph_nested()
    out = overhead(NO_DURATION) + '           |  ';
  }
  const depth = fieldVal(ev, r, env, 'depth', true);
  if ('e' in depth) return out + depth.e + '!';
  out += indent(depth.v);
  const name = funcName(env, func.v);
  out += (name ?? func.v.toString(16)) + (ret ? '();' : '() {');
  if (state.depth) out += ` (${BigInt.asIntN(64, depth.v)})`;
  return out;
};

export const funcgraphExit: Plugin = (ev, r, env, state) => {
  if (!state.findEvent?.('ftrace', 'funcgraph_exit')) return thenFmt(state, '');
  const d = durationOf(ev, r, env);
  if ('e' in d) return d.e + '!';
  let out = overhead(d.v) + durationText(d.v);
  const depth = fieldVal(ev, r, env, 'depth', true);
  if ('e' in depth) return out + depth.e + '!';
  out += indent(depth.v) + '}';
  if (state.tailprint) {
    const func = fieldVal(ev, r, env, 'func', false);
    if ('e' in func) return out;
    const name = funcName(env, func.v);
    if (name === null) return out;
    out += ` /* ${name} */`;
  }
  if (state.depth) out += ` (${BigInt.asIntN(64, depth.v)})`;
  return out;
};

/** trace-cmd's function_graph printer: an entry reads the record after it (a leaf's exit is merged in). */
export const functionGraph: Family = {
  events: {
    'ftrace/funcgraph_entry': { print: funcgraphEntry, peeksNext: true },
    'ftrace/funcgraph_exit': { print: funcgraphExit },
  },
  // trace-ftrace.c's trace_ftrace_options[]
  options: [
    { plugin: 'fgraph', name: 'tailprint', key: 'tailprint', help: 'Print function name at function exit in function graph', default: false },
    { plugin: 'fgraph', name: 'depth', key: 'depth', help: 'Show the depth of each entry', default: false },
  ],
};
