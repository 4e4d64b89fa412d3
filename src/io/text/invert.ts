import { parseCpuList, writeMask } from '../../core/cpulist.ts';
import type { EventFormat, FieldFormat } from '../../core/event-format.ts';
import type { FieldValue } from '../../core/record-encoder.ts';
import type { Arg } from '../../printfmt/ast.ts';
import { compiledPrint } from '../../printfmt/render.ts';
import { cStrtoull } from '../../printfmt/c-values.ts';
import type { SynthPrintk, SynthSymbols } from './synth-tables.ts';
import { SVM_EXIT_REASONS, VMX_EXIT_REASONS } from '../../printfmt/plugins/kvm.ts';
import { TLB_REASONS } from '../../printfmt/plugins/tlb.ts';
import { FUTEX_CLOCK_REALTIME, FUTEX_OPS, FUTEX_PRIVATE_FLAG } from '../../printfmt/plugins/futex.ts';

export interface InvertContext {
  syms: SynthSymbols;
  printk: SynthPrintk;
  /** Kernel vsprintf forms (%pS with /size, %p as 16 hex digits) rather than libtraceevent's. */
  kernel: boolean;
  /** Bytes of a cpumask (nr_cpu_ids rounded up to longs). */
  maskBytes: number;
}

/** Field values (in ev.fields order) from an event's printed text, or null when the text does not fit. */
export type Inverter = (text: string, ctx: InvertContext) => (FieldValue | undefined)[] | null;

type Setter = (m: string, vals: (FieldValue | undefined)[], ctx: InvertContext) => boolean;

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function strip(a: Arg | null): Arg | null {
  while (a && a.kind === 'type') a = a.item;
  return a;
}

/** The last conversion character of a printf spec ("%-5lu" -> "u"). */
function convOf(format: string): string {
  return format[format.length - 1];
}

function intPattern(format: string): string {
  const c = convOf(format);
  const alt = format.includes('#');
  if (c === 'x' || c === 'X') return alt ? ' *0x[0-9a-fA-F]+|0' : ' *[0-9a-fA-F]+';
  if (c === 'u') return ' *\\d+';
  if (c === 'c') return '[\\s\\S]';
  return ' *-?\\d+';
}

function intSetter(f: FieldFormat, idx: number, format: string): Setter {
  const c = convOf(format);
  return (m, vals) => {
    const t = m.trim();
    let v: bigint;
    if (c === 'c') v = BigInt(t.length ? m.charCodeAt(0) : 32);
    else if (c === 'x' || c === 'X') v = BigInt(t.startsWith('0x') ? t : '0x' + t);
    else v = BigInt(t);
    vals[idx] = f.size === 8 ? v : Number(BigInt.asIntN(Math.min(f.size * 8, 53), v));
    return true;
  };
}

/** "name+0x20", "name+0x20/0x40", "name" (%ps), "0x1234" -> an address in the synthetic kallsyms. */
export function symbolAddress(text: string, ctx: InvertContext, withOffset: boolean): bigint | null {
  if (/^0x[0-9a-f]+$/.test(text)) return BigInt(text);
  if (!withOffset) return /^[\w.$]+$/.test(text) ? ctx.syms.address(text, 0n) : null;
  const m = /^([\w.$]+)\+0x([0-9a-f]+)(?:\/0x([0-9a-f]+))?$/.exec(text);
  if (!m) return null;
  return ctx.syms.address(m[1], BigInt('0x' + m[2]), m[3] !== undefined ? BigInt('0x' + m[3]) : undefined);
}

/**
 * Inverts an event's print fmt: a regex from its segments (literal text,
 * numbers, strings, symbols, cpumasks, __print_symbolic/__print_flags) whose
 * groups fill the fields the arguments name. Arguments that are expressions
 * match anything and set nothing; the caller re-renders the record and keeps it
 * only if the text comes out the same, so an approximate match never passes.
 */
export function genericInverter(ev: EventFormat, longSize: number, kernel = false): Inverter | null {
  const cp = compiledPrint(ev, longSize, kernel);
  if (cp.fmt.failed) return null;
  const index = new Map(ev.fields.map((f, i) => [f.name, i]));
  const parts: string[] = [];
  const setters: (Setter | null)[] = [];
  for (const seg of cp.fmt.segments) {
    if (seg.kind === 'text') {
      parts.push(esc(seg.format));
      continue;
    }
    const a = strip(seg.arg);
    const fieldOf = (x: Arg | null) => (x && x.kind === 'field' && x.field && index.has(x.field.name) ? x.field : null);
    let pat = '.*?';
    let set: Setter | null = null;
    if (seg.kind === 'digit') {
      const f = fieldOf(a);
      const arr = a && a.kind === 'op' && a.op === '[' ? fieldOf(strip(a.left)) : null;
      const at = arr && a!.right?.kind === 'atom' && /^\d+$/.test(a!.right.atom) ? Number(a!.right.atom) : -1;
      if (f && !f.isArray) {
        pat = intPattern(seg.format);
        set = intSetter(f, index.get(f.name)!, seg.format);
      } else if (arr && arr.isArray && at >= 0 && arr.elementSize > 0 && (at + 1) * arr.elementSize <= arr.size) {
        // REC->args[3]: one element of an array field
        const i = index.get(arr.name)!;
        const es = arr.elementSize;
        const c = convOf(seg.format);
        pat = intPattern(seg.format);
        set = (m, vals) => {
          const t = m.trim();
          const v = c === 'x' || c === 'X' ? BigInt(t.startsWith('0x') ? t : '0x' + t) : BigInt(t);
          let buf = vals[i] as Uint8Array | undefined;
          if (!(buf instanceof Uint8Array)) vals[i] = buf = new Uint8Array(arr.size);
          const u = BigInt.asUintN(es * 8, v);
          for (let k = 0; k < es; k++) buf[at * es + k] = Number((u >> BigInt(8 * k)) & 0xffn);
          return true;
        };
      }
    } else if (seg.kind === 'pointer') {
      const f = fieldOf(a);
      const conv = seg.format[seg.format.indexOf('p') + 1];
      const rel = a && a.kind === 'op' && a.op === '+' ? symbolPlusField(a, fieldOf) : null;
      if (rel && (conv === 'S' || conv === 's')) {
        // (void *)((unsigned long)(_stext) + REC->caller_offs): an offset from a symbol
        const i = index.get(rel.field.name)!;
        const withOffset = conv === 'S';
        pat = '\\S+?';
        set = (m, vals, ctx) => {
          const addr = symbolAddress(m, ctx, withOffset);
          const base = ctx.syms.named(rel.symbol);
          if (addr === null || base === null) return false;
          const d = addr - base;
          if (d < -(1n << 31n) || d >= 1n << 31n) return false;
          vals[i] = Number(d);
          return true;
        };
      } else if (f && (conv === 'S' || conv === 's' || conv === 'F' || conv === 'f')) {
        const withOffset = conv === 'S' || conv === 'F';
        const i = index.get(f.name)!;
        pat = '\\S+?';
        set = (m, vals, ctx) => {
          const addr = symbolAddress(m, ctx, withOffset);
          if (addr === null) return false;
          vals[i] = addr;
          return true;
        };
      } else if (f && !/[A-Za-z0-9]/.test(conv ?? '')) {
        const i = index.get(f.name)!;
        pat = '\\(nil\\)|0x[0-9a-f]+|[0-9a-f]{16}';
        set = (m, vals, ctx) => {
          vals[i] = m === '(nil)' ? 0n : ctx.kernel || !m.startsWith('0x') ? BigInt('0x' + m.replace(/^0x/, '')) : BigInt(m);
          return true;
        };
      }
    } else if (seg.kind === 'string') {
      if (a && a.kind === 'cpumask') {
        const f = ev.field(a.name);
        if (f && index.has(f.name)) {
          const i = index.get(f.name)!;
          pat = '[0-9,-]*';
          set = (m, vals, ctx) => {
            let cpus: number[];
            try {
              cpus = parseCpuList(m);
            } catch {
              return false;
            }
            if (cpus.length && cpus[cpus.length - 1] >= ctx.maskBytes * 8) return false;
            vals[i] = writeMask(cpus, ctx.maskBytes, false);
            return true;
          };
        }
      } else if (a && a.kind === 'string') {
        const f = ev.field(a.name);
        if (f && index.has(f.name)) {
          const i = index.get(f.name)!;
          set = (m, vals) => {
            vals[i] = m;
            return true;
          };
        }
      } else if (a && a.kind === 'op' && a.op === '?' && a.right?.kind === 'op' && a.right.op === ':' && a.right.left?.kind === 'atom' && a.right.right?.kind === 'atom' && fieldOf(strip(a.left))) {
        // REC->ret ? "handled" : "unhandled"
        const f = fieldOf(strip(a.left))!;
        const i = index.get(f.name)!;
        const yes = a.right.left.atom;
        const no = a.right.right.atom;
        pat = [yes, no].sort((x, y) => y.length - x.length).map(esc).join('|');
        set = (m, vals) => {
          vals[i] = m === yes ? 1 : 0;
          return true;
        };
      } else if (a && a.kind === 'symbol') {
        const f = fieldOf(strip(a.flagField));
        if (f) {
          const i = index.get(f.name)!;
          const byText = new Map(a.list.map((x) => [x.str, x.value]));
          pat = [...byText.keys()].sort((x, y) => y.length - x.length).map(esc).join('|') || '.*?';
          set = (m, vals) => {
            const v = byText.get(m);
            if (v === undefined) return false;
            // libtraceevent compares with strtoull(value, NULL, 0): an enum name it cannot see is 0
            vals[i] = cStrtoull(v);
            return true;
          };
        }
      } else {
        const f = fieldOf(a);
        if (f && f.isArray && f.isString) {
          const i = index.get(f.name)!;
          set = (m, vals) => {
            vals[i] = m;
            return true;
          };
        } else if (f && f.isPointer && !f.isArray) {
          const i = index.get(f.name)!;
          set = (m, vals, ctx) => {
            vals[i] = ctx.printk.address(m);
            return true;
          };
        }
      }
    }
    parts.push(`(${pat})`);
    setters.push(set);
  }
  let re: RegExp;
  try {
    re = new RegExp(`^${parts.join('')}$`);
  } catch {
    // past what a regex can hold (a print fmt of 50,000 conversions): not inverted, like a failed parse
    return null;
  }
  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return null;
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    for (let k = 0; k < setters.length; k++) {
      const s = setters[k];
      if (s && !s(m[k + 1], vals, ctx)) return null;
    }
    return vals;
  };
}

/** `symbol + field` (either order, through casts): the symbol's name and the field. */
function symbolPlusField(a: Arg, fieldOf: (x: Arg | null) => FieldFormat | null): { symbol: string; field: FieldFormat } | null {
  const l = strip(a.left);
  const r = strip(a.right);
  if (l?.kind === 'atom' && /^[A-Za-z_]\w*$/.test(l.atom) && fieldOf(r)) return { symbol: l.atom, field: fieldOf(r)! };
  if (r?.kind === 'atom' && /^[A-Za-z_]\w*$/.test(r.atom) && fieldOf(l)) return { symbol: r.atom, field: fieldOf(l)! };
  return null;
}

const STATE_BITS = 'SDTtZXxW';
const KERNEL_STATES: Record<string, number> = { S: 1, D: 2, T: 4, t: 8, X: 0x10, Z: 0x20, P: 0x40, I: 0x80 };

/** trace-cmd's sched_switch plugin form: `prev:pid [prio] S ==> next:pid [prio]`. */
function schedSwitchPlugin(ev: EventFormat): Inverter | null {
  const idx = (n: string) => ev.fields.findIndex((f) => f.name === n);
  const ix = ['prev_comm', 'prev_pid', 'prev_prio', 'prev_state', 'next_comm', 'next_pid', 'next_prio'].map(idx);
  if (ix.some((i) => i < 0)) return null;
  const re = /^(.*):(-?\d+) \[(-?\d+)\] (\S+) ==> (.*):(-?\d+) \[(-?\d+)\]$/;
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    let state = 0;
    if (m[4] !== 'R') {
      for (const s of m[4].split('|')) {
        const b = STATE_BITS.indexOf(s);
        if (b < 0 || s.length !== 1) return null;
        state |= 1 << b;
      }
    }
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    [m[1], Number(m[2]), Number(m[3]), state, m[5], Number(m[6]), Number(m[7])].forEach((v, k) => (vals[ix[k]] = v));
    return vals;
  };
}

/** The kernel's own sched_switch text: `prev_comm=.. prev_pid=.. prev_prio=.. prev_state=S ==> next_comm=..`. */
function schedSwitchKernel(ev: EventFormat): Inverter | null {
  const idx = (n: string) => ev.fields.findIndex((f) => f.name === n);
  const ix = ['prev_comm', 'prev_pid', 'prev_prio', 'prev_state', 'next_comm', 'next_pid', 'next_prio'].map(idx);
  if (ix.some((i) => i < 0)) return null;
  const re = /^prev_comm=(.*) prev_pid=(-?\d+) prev_prio=(-?\d+) prev_state=(\S+) ==> next_comm=(.*) next_pid=(-?\d+) next_prio=(-?\d+)$/;
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    let s = m[4];
    let state = 0;
    if (s.endsWith('+')) {
      state = 0x100;
      s = s.slice(0, -1);
    }
    if (s !== 'R') {
      for (const x of s.split('|')) {
        const b = Object.hasOwn(KERNEL_STATES, x) ? KERNEL_STATES[x] : 0;
        if (!b) return null;
        state |= b;
      }
    }
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    [m[1], Number(m[2]), Number(m[3]), state, m[5], Number(m[6]), Number(m[7])].forEach((v, k) => (vals[ix[k]] = v));
    return vals;
  };
}

/** trace-cmd's sched_wakeup plugin form: `comm:pid [prio] [success=1 ]CPU:003`. */
function schedWakeupPlugin(ev: EventFormat): Inverter | null {
  const idx = (n: string) => ev.fields.findIndex((f) => f.name === n);
  const [c, p, pr, s, t] = ['comm', 'pid', 'prio', 'success', 'target_cpu'].map(idx);
  if (c < 0 || p < 0 || pr < 0 || t < 0) return null;
  const re = s >= 0 ? /^(.*):(-?\d+) \[(-?\d+)\] success=(-?\d+) CPU:(\d+)$/ : /^(.*):(-?\d+) \[(-?\d+)\] CPU:(\d+)$/;
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    vals[c] = m[1];
    vals[p] = Number(m[2]);
    vals[pr] = Number(m[3]);
    if (s >= 0) vals[s] = Number(m[4]);
    vals[t] = Number(m[s >= 0 ? 5 : 4]);
    return vals;
  };
}

/**
 * trace-cmd's hrtimer plugin forms (plugin_hrtimer.c): hrtimer_expire_entry
 * `hrtimer=0x.. now=N function=name/0xOFF` and hrtimer_start `hrtimer=0x..
 * function=name/0xOFF expires=N softexpires=N`, where OFF is the symbol's
 * address minus the value (64-bit wrap). Fields the plugin leaves out (mode,
 * was_armed) stay unset; the caller keeps a record only if it prints back the same.
 */
function hrtimerPlugin(ev: EventFormat): Inverter | null {
  const idx = (n: string) => ev.fields.findIndex((f) => f.name === n);
  const timer = idx('hrtimer') >= 0 ? idx('hrtimer') : idx('timer');
  const fn = idx('function');
  if (timer < 0 || fn < 0) return null;
  const start = ev.name === 'hrtimer_start';
  const [a, b] = start ? [idx('expires'), idx('softexpires')] : [idx('now'), -1];
  if (a < 0 || (start && b < 0)) return null;
  const re = start ? /^hrtimer=0x([0-9a-f]+) function=(\S+) expires=(\d+) softexpires=(\d+)$/ : /^hrtimer=0x([0-9a-f]+) now=(\d+) function=(\S+)$/;
  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return null;
    const func = start ? m[2] : m[3];
    const f = /^([\w.$]+)\/0x([0-9a-f]+)$/.exec(func);
    const addr = f ? ctx.syms.address(f[1], BigInt.asUintN(64, -BigInt('0x' + f[2]))) : /^0x[0-9a-f]+$/.test(func) ? BigInt(func) : null;
    if (addr === null) return null;
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    vals[timer] = BigInt('0x' + m[1]);
    vals[fn] = addr;
    vals[a] = BigInt(start ? m[3] : m[2]);
    if (start) vals[b] = BigInt(m[4]);
    return vals;
  };
}

/** timer_start's flag letters (include/trace/events/timer.h: TIMER_MIGRATING, _DEFERRABLE, _PINNED, _IRQSAFE). */
const TIMER_FLAGS: Record<string, number> = { M: 0x40000, D: 0x80000, P: 0x100000, I: 0x200000 };

/**
 * timer_start (5.x-6.x): `timer=%p function=%ps expires=%lu [timeout=%ld]
 * bucket_expiry=%lu cpu=%u idx=%u flags=%s`, where timeout is expires - now
 * and cpu, idx and the flag letters are all parts of the one flags field:
 * each printed value is an expression the generic inverter cannot solve, so
 * the fields are rebuilt here (now = expires - timeout; flags = cpu | idx << 22
 * | letters). The caller keeps the record only if it prints back the same.
 */
function timerStart(ev: EventFormat, longSize: number, kernel: boolean): Inverter | null {
  const idx = (n: string) => ev.fields.findIndex((f) => f.name === n);
  const [timer, fn, expires, bucket, now, flags] = ['timer', 'function', 'expires', 'bucket_expiry', 'now', 'flags'].map(idx);
  if ([timer, fn, expires, bucket, now, flags].some((i) => i < 0)) return genericInverter(ev, longSize, kernel);
  const re = /^timer=(?:0x)?([0-9a-f]+) function=(\S+) expires=(\d+) \[timeout=(-?\d+)\] bucket_expiry=(\d+) cpu=(\d+) idx=(\d+) flags=([A-Z|]*)$/;
  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return null;
    const func = symbolAddress(m[2], ctx, false);
    if (func === null) return null;
    let bits = Number(m[6]) | (Number(m[7]) << 22);
    for (const l of m[8] ? m[8].split('|') : []) {
      if (!Object.hasOwn(TIMER_FLAGS, l)) return null;
      bits |= TIMER_FLAGS[l];
    }
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    vals[timer] = BigInt('0x' + m[1]);
    vals[fn] = func;
    vals[expires] = BigInt(m[3]);
    vals[now] = BigInt.asUintN(64, BigInt(m[3]) - BigInt(m[4]));
    vals[bucket] = BigInt(m[5]);
    vals[flags] = bits >>> 0;
    return vals;
  };
}

/**
 * kprobe/uprobe events in kernel text: `(func+0x0/0x20) args`, `(caller+0x5a/0x100
 * <- func) args`, `(0x7f...) args`. The probe point is turned back into the
 * hex form of the print fmt, which the generic inverter then reads.
 */
function probeKernel(ev: EventFormat, longSize: number): Inverter | null {
  const gen = genericInverter(ev, longSize, true);
  if (!gen) return null;
  const ret = ev.field('__probe_ret_ip') !== undefined;
  return (text, ctx) => {
    if (ev.system === 'uprobes') {
      const m = /^\(0x([0-9a-f]+)\)([\s\S]*)$/.exec(text);
      return m ? gen(`(${m[1]})${m[2]}`, ctx) : null;
    }
    if (ret) {
      const m = /^\((\S+?) <- (\S+?)\)([\s\S]*)$/.exec(text);
      if (!m) return null;
      const site = symbolAddress(m[1], ctx, true);
      const func = symbolAddress(m[2], ctx, false);
      return site === null || func === null ? null : gen(`(${func.toString(16)} <- ${site.toString(16)})${m[3]}`, ctx);
    }
    const m = /^\((\S+?)\)([\s\S]*)$/.exec(text);
    if (!m) return null;
    const ip = symbolAddress(m[1], ctx, true);
    return ip === null ? null : gen(`(${ip.toString(16)})${m[2]}`, ctx);
  };
}

/** Field indexes by name (-1: the event lacks it). */
function indexes(ev: EventFormat, names: string[]): number[] {
  return names.map((n) => ev.fields.findIndex((f) => f.name === n));
}

/**
 * trace-cmd's tlb plugin form (plugin_tlb.c): `pages=N reason=NAME (R)`; the
 * name is the table's for R, or empty past it. The caller keeps the record
 * only if it prints back the same.
 */
function tlbFlushPlugin(ev: EventFormat): Inverter | null {
  const [pages, reason] = indexes(ev, ['pages', 'reason']);
  if (pages < 0 || reason < 0) return null;
  return (text) => {
    const m = /^pages=(-?\d+) reason=(.*) \((-?\d+)\)$/.exec(text);
    if (!m) return null;
    const r = BigInt(m[3]);
    if ((TLB_REASONS[Number(r)] ?? '') !== m[2]) return null;
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    vals[pages] = BigInt(m[1]);
    vals[reason] = r;
    return vals;
  };
}

/** Exit reason names to their number and isa (VMX first, as plugin_kvm.c looks them up), made once. */
let exitReasons: Map<string, { code: bigint; isa: bigint }> | null = null;

/** A kvm exit reason's number and isa from plugin_kvm.c's text: "NAME" (VMX or SVM), "UNKNOWN (n)" (VMX), "UNKNOWN-ISA". */
function exitReasonValue(name: string): { code: bigint; isa: bigint } | null {
  const unknown = /^UNKNOWN \((\d+)\)$/.exec(name);
  if (unknown) return { code: BigInt(unknown[1]), isa: 1n };
  // an isa plugin_kvm.c has no table for: any but 1 and 2 prints the same
  if (name === 'UNKNOWN-ISA') return { code: 0n, isa: 0n };
  if (!exitReasons) {
    exitReasons = new Map();
    for (const [table, isa] of [[SVM_EXIT_REASONS, 2n], [VMX_EXIT_REASONS, 1n]] as const) {
      for (const [code, n] of Object.entries(table)) exitReasons.set(n, { code: BigInt(code), isa });
    }
  }
  return exitReasons.get(name) ?? null;
}

/**
 * trace-cmd's kvm plugin forms (plugin_kvm.c): kvm_exit `reason NAME rip 0x..
 * info X Y` and kvm_entry ` vcpu N rip 0x..`. Fields the plugin leaves out
 * stay unset (an isa it has no table for is any other value); the caller keeps
 * the record only if it prints back the same.
 */
function kvmPlugin(ev: EventFormat): Inverter | null {
  if (ev.name === 'kvm_entry') {
    const [vcpu, rip] = indexes(ev, ['vcpu_id', 'rip']);
    if (vcpu < 0 || rip < 0) return null;
    return (text) => {
      const m = /^ vcpu (\d+) rip 0x([0-9a-f]+)$/.exec(text);
      if (!m) return null;
      const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
      vals[vcpu] = BigInt(m[1]);
      vals[rip] = BigInt('0x' + m[2]);
      return vals;
    };
  }
  const [reason, rip, isa, info1, info2] = indexes(ev, ['exit_reason', 'guest_rip', 'isa', 'info1', 'info2']);
  if (reason < 0 || rip < 0) return null;
  return (text) => {
    const m = /^reason (UNKNOWN \(\d+\)|\S+) rip 0x([0-9a-f]+)(?: info ([0-9a-f]+) ([0-9a-f]+))?$/.exec(text);
    if (!m) return null;
    const r = exitReasonValue(m[1]);
    if (!r || (isa < 0 && r.isa !== 1n) || (m[3] !== undefined && (info1 < 0 || info2 < 0))) return null;
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    vals[reason] = r.code;
    if (isa >= 0) vals[isa] = r.isa === 0n ? 3n : r.isa;
    vals[rip] = BigInt('0x' + m[2]);
    if (m[3] !== undefined) {
      vals[info1] = BigInt('0x' + m[3]);
      vals[info2] = BigInt('0x' + m[4]);
    }
    return vals;
  };
}

/**
 * trace-cmd's kmem plugin form (plugin_kmem.c): `(func+0xoff) ` before the
 * print fmt when call_site is a kernel symbol, nothing before it when not;
 * the print fmt's own text is read by the generic inverter. The caller keeps
 * the record only if it prints back the same (the prefix included).
 */
function kmemPlugin(ev: EventFormat, longSize: number): Inverter | null {
  const gen = genericInverter(ev, longSize, false);
  if (!gen) return null;
  return (text, ctx) => {
    const m = /^\(\S+\) ([\s\S]*)$/.exec(text);
    return gen(m ? m[1] : text, ctx);
  };
}

/** The events plugin_kmem.c registers its call-site handler for. */
const KMEM_PLUGIN_EVENTS = new Set(['kfree', 'kmalloc', 'kmalloc_node', 'kmem_cache_alloc', 'kmem_cache_alloc_node', 'kmem_cache_free']);

/** futex command names to their numbers (plugin_futex.c's table order). */
const FUTEX_CMDS = new Map(FUTEX_OPS.map(([name], k) => [name, k]));

/**
 * trace-cmd's futex plugin form (plugin_futex.c) of sys_enter_futex:
 * `op=CMD[|FUTEX_PRIVATE_FLAG][|FUTEX_CLOCK_REALTIME] uaddr=0x.. [val=..]
 * [utime=0x..|val2=N] [uaddr2=0x..] [val3=0x..]`, the arguments the command
 * uses; the others stay unset. Without the plugin's form (an unknown
 * command) the print fmt is read. The caller keeps the record only if it
 * prints back the same.
 */
function futexPlugin(ev: EventFormat, longSize: number): Inverter | null {
  const gen = genericInverter(ev, longSize, false);
  const at = indexes(ev, ['uaddr', 'op', 'val', 'utime', 'uaddr2', 'val3']);
  if (at.some((i) => i < 0)) return gen;
  const [uaddr, op, val, utime, uaddr2, val3] = at;
  const re = /^op=(FUTEX_[A-Z_]+?)(\|FUTEX_PRIVATE_FLAG)?(\|FUTEX_CLOCK_REALTIME)? uaddr=0x([0-9a-f]+)(?: val=(0x[0-9a-f]+|\d+))?(?: utime=0x([0-9a-f]+)| val2=(\d+))?(?: uaddr2=0x([0-9a-f]+))?(?: val3=0x([0-9a-f]+))?$/;
  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return gen ? gen(text, ctx) : null;
    const cmd = FUTEX_CMDS.get(m[1]);
    if (cmd === undefined) return null;
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    vals[op] = BigInt(cmd) | (m[2] ? FUTEX_PRIVATE_FLAG : 0n) | (m[3] ? FUTEX_CLOCK_REALTIME : 0n);
    vals[uaddr] = BigInt('0x' + m[4]);
    if (m[5] !== undefined) vals[val] = BigInt(m[5]);
    if (m[6] !== undefined) vals[utime] = BigInt('0x' + m[6]);
    if (m[7] !== undefined) vals[utime] = BigInt(m[7]);
    if (m[8] !== undefined) vals[uaddr2] = BigInt('0x' + m[8]);
    if (m[9] !== undefined) vals[val3] = BigInt('0x' + m[9]);
    return vals;
  };
}

/** The inverter for an event as report text (plugins) or kernel text shows it. */
export function inverterFor(ev: EventFormat, longSize: number, kernel: boolean): Inverter | null {
  if (kernel && (ev.system === 'kprobes' || ev.system === 'uprobes') && (ev.field('__probe_ip') || ev.field('__probe_func'))) return probeKernel(ev, longSize);
  if (ev.system === 'sched' && ev.name === 'sched_switch') return kernel ? schedSwitchKernel(ev) : schedSwitchPlugin(ev);
  if (!kernel && ev.system === 'sched' && (ev.name === 'sched_wakeup' || ev.name === 'sched_wakeup_new' || ev.name === 'sched_waking')) return schedWakeupPlugin(ev);
  if (!kernel && ev.system === 'timer' && (ev.name === 'hrtimer_expire_entry' || ev.name === 'hrtimer_start')) return hrtimerPlugin(ev);
  if (!kernel && ev.system === 'kmem' && KMEM_PLUGIN_EVENTS.has(ev.name)) return kmemPlugin(ev, longSize);
  if (!kernel && ev.system === 'syscalls' && ev.name === 'sys_enter_futex') return futexPlugin(ev, longSize);
  if (!kernel && ev.system === 'tlb' && ev.name === 'tlb_flush') return tlbFlushPlugin(ev) ?? genericInverter(ev, longSize, kernel);
  if (!kernel && ev.system === 'kvm' && (ev.name === 'kvm_exit' || ev.name === 'kvm_entry')) return kvmPlugin(ev) ?? genericInverter(ev, longSize, kernel);
  if (ev.system === 'timer' && ev.name === 'timer_start') return timerStart(ev, longSize, kernel);
  return genericInverter(ev, longSize, kernel);
}

/**
 * `report -R` text: " name=value" for every field in order. Values are read by
 * the field's type (strings, ARRAY[..] bytes, hex, decimal, symbols with their
 * offset, printk strings); the caller keeps the record only if the raw printer
 * gives the same text back.
 */
export function rawInverter(ev: EventFormat): Inverter | null {
  const fields = ev.fields;
  if (!fields.length) return null;
  const markers = fields.map((f) => ` ${f.name}=`);
  return (text, ctx) => {
    const vals: (FieldValue | undefined)[] = new Array(fields.length);
    let pos = 0;
    for (let k = 0; k < fields.length; k++) {
      if (!text.startsWith(markers[k], pos)) return null;
      const start = pos + markers[k].length;
      const next = k + 1 < fields.length ? text.indexOf(markers[k + 1], start) : text.length;
      if (next < 0) return null;
      const v = text.slice(start, next);
      pos = next;
      const f = fields[k];
      if (v.startsWith('ARRAY[') && v.endsWith(']')) {
        const bytes = v.slice(6, -1).split(', ').filter((x) => x).map((x) => parseInt(x, 16));
        if (bytes.some((x) => !(x >= 0 && x < 256))) return null;
        vals[k] = Uint8Array.from(bytes);
      } else if (f.isArray || f.isDynamic) vals[k] = v;
      else if (/^-?\d+$/.test(v.trim())) vals[k] = f.size === 8 ? BigInt(v.trim()) : Number(v.trim());
      else if (/^0x[0-9a-f]+$/.test(v)) vals[k] = f.size === 8 ? BigInt(v) : Number(BigInt(v));
      else if (v === '(nil)') vals[k] = 0n;
      else if (f.isPointer || f.size === 8) {
        const sym = symbolAddress(v, ctx, v.includes('+0x')) ;
        vals[k] = sym ?? ctx.printk.address(v);
      } else return null;
    }
    return pos === text.length ? vals : null;
  };
}
