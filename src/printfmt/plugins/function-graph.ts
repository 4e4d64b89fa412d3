import type { EventFormat } from '../../core/event-format.ts';
import { indexes, noValues, symbolAddress, type InvertContext, type Inverter } from '../invert.ts';
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

/**
 * What reading function_graph report text back keeps between lines: each CPU's
 * open calls by depth (an exit line names no function: it is the one its entry
 * opened at that depth), and the last nested entry line read.
 */
interface GraphReading {
  open: bigint[][];
  last: { seq: number; pid: number; func: bigint } | null;
}

function reading(ctx: InvertContext): GraphReading | null {
  if (!ctx.state || ctx.cpu === undefined || ctx.pid === undefined || ctx.sec === undefined || ctx.seq === undefined) return null;
  let g = ctx.state.get('function_graph') as GraphReading | undefined;
  if (!g) ctx.state.set('function_graph', (g = { open: [], last: null }));
  while (g.open.length <= ctx.cpu) g.open.push([]);
  return g;
}

/**
 * A duration read back from print_graph_duration()'s text: exact while it
 * prints ".nnn"; from 7 digits of µs on the ns are not printed, so the least
 * one that gives the printed overhead marker (past 1 s, "$ " needs one more ns).
 */
function durationFrom(marker: string, usecs: string, frac: string | undefined): bigint | null {
  const d = BigInt(usecs) * 1000n + (frac === undefined ? 0n : BigInt(frac));
  if (overhead(d) === marker) return d;
  if (frac === undefined && overhead(d + 999n) === marker) return d + 999n;
  return null;
}

/** The depth a line gives: its " (N)" (-O fgraph:depth, which the printer then shows), else its indent over TRACE_GRAPH_INDENT. */
function depthFrom(indentText: string, shown: string | undefined, ctx: InvertContext): number | null {
  if (shown !== undefined) {
    if (ctx.printer) ctx.printer.depth = true;
    const n = Number(shown);
    // a shown depth with another indent is a line this printer did not make
    return indent(BigInt(n)) === indentText ? n : null;
  }
  return indentText.length / INDENT;
}

const MARKER = '([ +!#$] )';
const DURATION = '(\\d+)(?:\\.(\\d{3}))? us +\\|  ';
const ENTRY_LINE = new RegExp(`^${MARKER}(?:${DURATION}|( {11})\\|  )((?:  )*)([\\w.$]+)(\\(\\);|\\(\\) \\{)(?: \\((-?\\d+)\\))?$`);
const EXIT_LINE = new RegExp(`^${MARKER}${DURATION}((?:  )*)\\}(?: /\\* ([\\w.$]+) \\*/)?(?: \\((-?\\d+)\\))?$`);

/**
 * fgraph_ent_handler()'s text read back. A nested entry (`name() {`) is its
 * record; a leaf (`name();`) stands for the entry and the exit trace-cmd read
 * after it and merged in (get_return_for_leaf()), so it gives both: the exit
 * right after the entry (same CPU, pid and time stamp, so the printer peeks it
 * again), its calltime the entry's time stamp and its rettime that plus the
 * printed duration.
 */
function entryInverter(ev: EventFormat): Inverter | null {
  const [func, depth] = indexes(ev, ['func', 'depth']);
  if (func < 0 || depth < 0) return null;
  return (text, ctx) => {
    const g = reading(ctx);
    const exit = ctx.findEvent?.('ftrace', 'funcgraph_exit');
    if (!g || !exit) return null;
    const m = ENTRY_LINE.exec(text);
    if (!m) return null;
    const [, marker, usecs, frac, nested, ind, name, tail, shown] = m;
    const leaf = tail === '();';
    if (leaf === (nested !== undefined)) return null;
    const d = depthFrom(ind, shown, ctx);
    const addr = symbolAddress(name, ctx, false);
    if (d === null || addr === null) return null;
    const vals = noValues(ev);
    vals[func] = addr;
    vals[depth] = d;
    if (!leaf) {
      const open = g.open[ctx.cpu!];
      if (d >= 0) {
        open.length = Math.min(open.length, d);
        open[d] = addr;
      }
      g.last = { seq: ctx.seq!, pid: ctx.pid!, func: addr };
      return vals;
    }
    const dur = durationFrom(marker, usecs, frac);
    if (dur === null) return null;
    g.last = null;
    const ts = tsOf(ctx);
    const x = exitValues(exit)(addr, d, ts, (ts + dur) & U64);
    if (!x) return null;
    ctx.then = [{ ev: exit, vals: x }];
    return vals;
  };
}

type ExitValues = (func: bigint, depth: number, calltime: bigint, rettime: bigint) => ReturnType<Inverter>;
const exitMakers = new WeakMap<EventFormat, ExitValues>();

/** An exit record's values from its parts (the field indexes found once per format). */
function exitValues(exit: EventFormat): ExitValues {
  let make = exitMakers.get(exit);
  if (!make) {
    const [f, dp, over, call, ret] = indexes(exit, ['func', 'depth', 'overrun', 'calltime', 'rettime']);
    make = (func, depth, calltime, rettime) => {
      if (f < 0 || dp < 0 || call < 0 || ret < 0) return null;
      const vals = noValues(exit);
      vals[f] = func;
      vals[dp] = depth;
      if (over >= 0) vals[over] = 0;
      vals[call] = calltime;
      vals[ret] = rettime;
      return vals;
    };
    exitMakers.set(exit, make);
  }
  return make;
}

/** The line's time stamp in ns (only function_graph lines need it as one number). */
const tsOf = (ctx: InvertContext) => BigInt(ctx.sec!) * 1_000_000_000n + BigInt(ctx.nsec!);

/**
 * fgraph_ret_handler()'s text read back: the duration and depth it prints;
 * the function (unprinted but with -O fgraph:tailprint) is the call its CPU
 * opened at that depth, unless that call's entry is the line just before with
 * the same pid: trace-cmd would then have merged the two, so it was another.
 * rettime is the line's time stamp, calltime that less the duration.
 */
function exitInverter(ev: EventFormat): Inverter | null {
  if (indexes(ev, ['calltime', 'rettime']).some((i) => i < 0)) return null;
  const values = exitValues(ev);
  return (text, ctx) => {
    const g = reading(ctx);
    if (!g) return null;
    const m = EXIT_LINE.exec(text);
    if (!m) return null;
    const [, marker, usecs, frac, ind, tailName, shown] = m;
    const d = depthFrom(ind, shown, ctx);
    const dur = durationFrom(marker, usecs, frac);
    if (d === null || dur === null) return null;
    const open = g.open[ctx.cpu!];
    // -O fgraph:tailprint names the function after "}" unless no symbol holds it
    if (tailName !== undefined && ctx.printer) ctx.printer.tailprint = true;
    let addr = tailName !== undefined ? symbolAddress(tailName, ctx, false) : ctx.printer?.tailprint ? 0n : (open[d] ?? 0n);
    if (addr === null) return null;
    const last = g.last;
    if (tailName === undefined && last && last.seq === ctx.seq! - 1 && last.pid === ctx.pid && last.func === addr) addr = 0n;
    if (d >= 0) open.length = Math.min(open.length, d);
    g.last = null;
    const ts = tsOf(ctx);
    return values(addr, d, (ts - dur) & U64, ts);
  };
}

/** trace-cmd's function_graph printer: an entry reads the record after it (a leaf's exit is merged in). */
export const functionGraph: Family = {
  events: {
    // read back in order: an exit's function is the one its entry opened, a leaf line is two records
    'ftrace/funcgraph_entry': { print: funcgraphEntry, peeksNext: true, invert: entryInverter, invertInOrder: true },
    'ftrace/funcgraph_exit': { print: funcgraphExit, invert: exitInverter, invertInOrder: true },
  },
  // trace-ftrace.c's trace_ftrace_options[]
  options: [
    { plugin: 'fgraph', name: 'tailprint', key: 'tailprint', help: 'Print function name at function exit in function graph', default: false },
    { plugin: 'fgraph', name: 'depth', key: 'depth', help: 'Show the depth of each entry', default: false },
  ],
};
