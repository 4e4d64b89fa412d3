import { readUnsigned } from '../../core/int64.ts';
import type { PrintEnv } from '../record.ts';
import { type Family, fieldVal, type Plugin, type PluginState } from './plugin-api.ts';
import type { EventFormat } from '../../core/event-format.ts';
import { indexes, noValues, symbolAddress, type Inverter } from '../invert.ts';

/** plugin_function.c: ftrace's function events (with -O parent/offset/indent) and kernel_stack; raw_data. */
export function showFunction(name: string, addr: bigint, env: PrintEnv, state: PluginState): string {
  if (!state.offset) return name;
  const i = env.symbols.findBig(addr);
  const start = i >= 0 ? env.symbols.address(i) : 0n;
  return `${name}+0x${BigInt.asUintN(32, addr - start).toString(16)} `;
}

function indexFor(state: PluginState, parent: string, child: string | null, cpu: number): number {
  if (cpu < 0) return 0;
  const stacks = state.funcStacks;
  while (stacks.length <= cpu) stacks.push([]);
  const stack = stacks[cpu];
  const addChild = (c: string | null, pos: number) => {
    if (c === null) return;
    if (pos >= stack.length) for (let k = 0; k < 10; k++) stack.push(null);
    stack[pos] = c;
  };
  for (let i = 0; i < stack.length && stack[i] !== null; i++) {
    if (stack[i] === parent) {
      addChild(child, i + 1);
      return i;
    }
  }
  addChild(parent, 0);
  addChild(child, 1);
  return 0;
}

export const functionPlugin: Plugin = (ev, r, env, state) => {
  const ip = fieldVal(ev, r, env, 'ip', true);
  if ('e' in ip) return ip.e + '!';
  const fi = env.symbols.findBig(ip.v);
  const func = fi >= 0 ? env.symbols.name(fi) : null;
  const pip = fieldVal(ev, r, env, 'parent_ip', true);
  if ('e' in pip) return pip.e + '!';
  const pi = env.symbols.findBig(pip.v);
  const parent = pi >= 0 ? env.symbols.name(pi) : null;
  let index = 0;
  if (parent !== null && state.indent) index = indexFor(state, parent, func, r.cpu);
  let out = ' '.repeat(index * 3);
  out += func !== null ? showFunction(func, ip.v, env, state) : '0x' + ip.v.toString(16);
  if (state.parent) {
    out += ' <-- ';
    out += parent !== null ? showFunction(parent, pip.v, env, state) : '0x' + pip.v.toString(16);
  }
  return out;
};

export const kernelStack: Plugin = (ev, r, env, state) => {
  const f = ev.anyField('caller');
  if (!f) return '<CANT FIND FIELD caller>';
  let out = '<stack trace >\n';
  const ls = env.longSize;
  for (let p = f.offset; p < r.size; p += ls) {
    if (p + ls > r.size) break;
    const addr = readUnsigned(r.dv, r.off + p, ls, env.littleEndian);
    if ((ls === 8 && addr === 0xffffffffffffffffn) || (addr & 0xffffffffn) === 0xffffffffn) break;
    const i = env.symbols.findBig(addr);
    if (i >= 0) out += '=> ' + showFunction(env.symbols.name(i), addr, env, state) + ` (${addr.toString(16)})\n`;
    else out += `=> ${addr.toString(16)}\n`;
  }
  return out;
};

export const rawData: Plugin = (ev, r, env) => {
  const id = fieldVal(ev, r, env, 'id', true);
  if ('e' in id) return id.e + '!';
  let out = `# ${id.v.toString(16)}`;
  const f = ev.anyField('buf');
  if (!f) return out + '<CANT FIND FIELD buf>';
  for (let p = f.offset; p < r.size; p += env.longSize) {
    const n = Math.min(8, r.size - p);
    for (let i = 0; i < n; i++) out += ' ' + r.data[r.off + p + i].toString(16).padStart(2, '0');
  }
  return out;
};

/** The parent a function line's text cannot name (its call stack on that CPU was empty): a made-up symbol saying so. */
export const UNKNOWN_PARENT = '__tracelab_parent_not_in_text';

/**
 * plugin_function.c's text read back: `name` after 3 spaces per call depth,
 * the depth being where its parent sits in the CPU's stack of functions seen
 * (indexFor()). The parent is not printed, so it is the function the stack
 * holds at that depth (the one printed there before: what the plugin found),
 * at depth 0 the stack's root; on an empty stack a made-up symbol that says
 * it is unknown. Read in order with the printer's stacks (invertInOrder);
 * the -O parent/offset forms are not read.
 */
function functionInverter(ev: EventFormat): Inverter | null {
  const [ip, parentIp] = indexes(ev, ['ip', 'parent_ip']);
  if (ip < 0 || parentIp < 0) return null;
  return (text, ctx) => {
    if (ctx.cpu === undefined || !ctx.printer) return null;
    const m = /^((?: {3})*)(0x[0-9a-f]+|[\w.$]+)$/.exec(text);
    if (!m) return null;
    const depth = m[1].length / 3;
    const stack = ctx.printer.funcStacks[ctx.cpu] ?? [];
    const parent = depth > 0 ? stack[depth] : (stack[0] ?? UNKNOWN_PARENT);
    if (!parent) return null;
    const func = symbolAddress(m[2], ctx, false);
    const from = ctx.syms.address(parent, 0n);
    if (func === null || from === null) return null;
    const vals = noValues(ev);
    vals[ip] = func;
    vals[parentIp] = from;
    return vals;
  };
}

/**
 * bprint (trace_printk()) text read back: `func: text` becomes the ip of
 * func and a "%s" format whose one argument, in buf, is the text
 * (vbin_printf() keeps a %s string inline, NUL-terminated). The kernel's
 * format string is not in the text; this one prints the same. A line
 * libtraceevent could not format ([FAILED TO PARSE], NO FORMAT FOUND) says
 * nothing of its arguments and stays a text line.
 */
function bprintInverter(ev: EventFormat): Inverter | null {
  const [ip, fmt, buf] = indexes(ev, ['ip', 'fmt', 'buf']);
  if (ip < 0 || fmt < 0 || buf < 0) return null;
  return (text, ctx) => {
    const m = /^([\w.$]+): ([\s\S]*)$/.exec(text);
    if (!m || m[2].startsWith('(NO FORMAT FOUND at ') || m[2].includes('\0')) return null;
    const at = symbolAddress(m[1], ctx, false);
    if (at === null) return null;
    const vals = noValues(ev);
    vals[ip] = at;
    vals[fmt] = ctx.printk.address('%s');
    const bytes = new Uint8Array((m[2].length + 4) & ~3);
    for (let k = 0; k < m[2].length; k++) bytes[k] = m[2].charCodeAt(k) & 0xff;
    vals[buf] = bytes;
    return vals;
  };
}

/**
 * plugin_function.c (function, with its call-stack indentation per CPU: the
 * text depends on earlier events), kernel_stack and raw_data; bprint, whose
 * text libtraceevent itself makes (sticky: after one bprint fails to parse,
 * every later one prints [FAILED TO PARSE]).
 */
export const ftrace: Family = {
  events: {
    'ftrace/function': { print: functionPlugin, invert: functionInverter, invertInOrder: true },
    'ftrace/kernel_stack': { print: kernelStack, pure: true },
    'ftrace/raw_data': { print: rawData, pure: true },
    'ftrace/bprint': { pure: false, invert: bprintInverter, invertKernel: bprintInverter },
  },
  // plugin_function.c's plugin_options[], in its order
  options: [
    { plugin: 'ftrace', name: 'parent', key: 'parent', help: 'Print parent of functions for function events', default: false },
    { plugin: 'ftrace', name: 'indent', key: 'indent', help: 'Try to show function call indents, based on parents', default: true },
    { plugin: 'ftrace', name: 'offset', key: 'offset', help: 'Show function names as well as their offsets', default: false },
  ],
};
