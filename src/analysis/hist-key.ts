import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { UserError } from '../core/errors.ts';
import type { PrintEnv } from '../printfmt/record.ts';
import { printedReader, readerCache } from './field-values.ts';

/**
 * A hist key as the kernel's hist triggers spell it (Documentation/trace/histogram.rst):
 * FIELD, or FIELD.MOD with .sym, .execname, .hex, .raw, .log2 or .buckets=N; common_pid,
 * common_flags and common_preempt_count as keys too. A flag or symbolic field (prev_state,
 * softirq vec) is shown as its print fmt prints it (S, SCHED) unless .raw.
 */
export interface HistKey {
  name: string;
  mod: 'sym' | 'execname' | 'hex' | 'raw' | 'log2' | 'buckets' | null;
  size: number;
  /** Numeric keys (log2, buckets) sort by value, not by count. */
  ordered: boolean;
}

const MODS = ['sym', 'execname', 'hex', 'raw', 'log2'];

export function parseHistKey(by: string): HistKey {
  const dot = by.indexOf('.');
  if (dot < 0) return { name: by, mod: null, size: 0, ordered: false };
  const name = by.slice(0, dot);
  const mod = by.slice(dot + 1);
  const b = /^buckets=(\d+)$/.exec(mod);
  if (b && Number(b[1]) > 0) return { name, mod: 'buckets', size: Number(b[1]), ordered: true };
  if (!MODS.includes(mod)) throw new UserError(`--by ${by}: the modifiers are .sym, .execname, .hex, .raw, .log2 and .buckets=N`);
  return { name, mod: mod as HistKey['mod'], size: 0, ordered: mod === 'log2' };
}

type KeyFn = (b: EventBatch, i: number) => string | null;

/** Per event format: how to read a key, or null when the format has no such field. */
export function histKeyReader(trace: Trace, key: HistKey): (ev: EventFormat) => KeyFn | null {
  const field = readerCache(trace)(key.name);
  const cache = new Map<number, KeyFn | null>();
  const env: PrintEnv = { littleEndian: !trace.bigEndian, longSize: trace.longSize, symbols: trace.symbols, printk: trace.printk, comms: trace.comms };
  return (ev) => {
    let k = cache.get(ev.id);
    if (k !== undefined) return k;
    k = null;
    const common = commonValue(key.name);
    const raw: ((b: EventBatch, i: number) => number | string | null) | null = common ?? field(ev)?.read ?? null;
    if (raw) {
      const printed = !common && key.mod === null ? printedReader(ev, key.name, trace.longSize, env) : null;
      k = printed ?? modified(trace, key, raw);
    }
    cache.set(ev.id, k);
    return k;
  };
}

function commonValue(name: string): ((b: EventBatch, i: number) => number) | null {
  if (name === 'common_pid') return (b, i) => b.pid[i];
  if (name === 'common_flags') return (b, i) => b.flags[i];
  if (name === 'common_preempt_count') return (b, i) => b.preempt[i];
  return null;
}

function modified(trace: Trace, key: HistKey, read: (b: EventBatch, i: number) => number | string | null): KeyFn {
  const num = (b: EventBatch, i: number): number | null => {
    const v = read(b, i);
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && /^(0x[0-9a-f]+|-?\d+)$/i.test(v)) return Number(v);
    return null;
  };
  switch (key.mod) {
    case 'execname':
      return (b, i) => {
        const v = num(b, i);
        return v === null ? null : trace.comms.get(v);
      };
    case 'hex':
      return (b, i) => {
        const v = num(b, i);
        return v === null ? null : '0x' + v.toString(16);
      };
    case 'sym':
      return (b, i) => {
        const v = read(b, i);
        if (typeof v === 'string' && !/^0x/i.test(v)) return v.replace(/\+0x[0-9a-f]+$/, '');
        const n = num(b, i);
        if (n === null) return null;
        const s = trace.symbols.findBig(BigInt(n));
        return s >= 0 ? trace.symbols.name(s) : '0x' + n.toString(16);
      };
    case 'log2':
      // the kernel's hist: ~ 2^k, the smallest power of two not below the value
      return (b, i) => {
        const v = num(b, i);
        return v === null ? null : `~ 2^${v <= 1 ? 0 : Math.ceil(Math.log2(v))}`;
      };
    case 'buckets':
      return (b, i) => {
        const v = num(b, i);
        return v === null ? null : `${Math.floor(v / key.size) * key.size} ~ ${Math.floor(v / key.size) * key.size + key.size - 1}`;
      };
    default:
      return (b, i) => {
        const v = read(b, i);
        return v === null ? null : String(v);
      };
  }
}

/** The fields an argument tree reads. */

