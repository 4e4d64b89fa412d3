import * as aq from 'arquero';
import { Bool, Dictionary, Field, Schema, Float64, Int16, Int32, Int64, Int8, List, Table as ArrowTable, Uint16, Uint32, Uint64, Uint8, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { fieldReaders, type FieldReader } from './field-values.ts';
import { HARDIRQ, IRQS_OFF, NEED_RESCHED, SOFTIRQ } from '../core/trace-flags.ts';
import { eventMatcher } from './hist-counts.ts';
import { formatsSeen, scanBatches, type Selection } from './scan.ts';

export interface TableOptions extends Selection {
  /** Only this event (NAME or SYSTEM:NAME). */
  event?: string;
  /** Expand event fields into columns: 'all' (union of the selected events' fields), 'none'; default 'all' with --event, else 'none'. */
  fields?: 'all' | 'none';
}

/**
 * Base columns of every event table: the raw common_flags and
 * common_preempt_count, and the same decoded (as report -l's latency columns).
 */
export const BASE_COLUMNS = ['ts', 'cpu', 'pid', 'comm', 'system', 'event', 'flags', 'preempt', 'irqs_off', 'need_resched', 'hardirq', 'softirq', 'preempt_depth', 'migrate_disable'] as const;

/** Interns strings: a column holds codes, the dictionary holds each string once. */
class Dict {
  readonly values: string[] = [];
  private index = new Map<string, number>();
  code(s: string): number {
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(s);
      this.index.set(s, c);
    }
    return c;
  }
}

/** A column being built: room for rows, `per` elements a row, doubled as needed. */
class Grow<T extends Uint8Array | Uint16Array | Int32Array | Float64Array | Uint32Array | BigInt64Array> {
  a: T;
  constructor(
    private make: (n: number) => T,
    private readonly per = 1,
  ) {
    this.a = make(1024 * per);
  }
  /** Room for n rows. */
  ensure(n: number): void {
    if (n * this.per <= this.a.length) return;
    const b = this.make(Math.max(n * this.per, this.a.length * 2));
    b.set(this.a as never);
    this.a = b;
  }
  /**
   * The first n rows, handed over as they are (a copy would be fresh memory
   * again: a page fault per 4 KB); the builder goes on in a new array.
   */
  take(n: number): T {
    const out = this.a.subarray(0, n * this.per) as T;
    this.a = this.make(Math.min(this.a.length, (1 << 17) * this.per));
    return out;
  }
}

/**
 * One expanded field column: integers typed as the field is (its width and
 * sign; a name shared by events takes the widest), other numbers as Float64
 * (NaN: absent), 64-bit integers exact in a BigInt64Array, strings as
 * dictionary codes (-1: absent).
 */
interface FieldColumn {
  name: string;
  numeric: boolean;
  /** The integer type, or null for Float64 (numbers that are not one integer type). */
  int: { size: number; signed: boolean } | null;
  num: Grow<Float64Array>;
  /** 64-bit integers, and which rows hold one. */
  big: Grow<BigInt64Array> | null;
  present: Grow<Uint8Array> | null;
  codes: Grow<Int32Array>;
  dict: Dict;
  /** A list field (cpumask: CPU ids; kernel stack: frames): each row's list (undefined: absent). */
  list: { item: 'uint16' | 'utf8'; rows: (number[] | string[] | undefined)[] } | null;
}

/**
 * Builds event columns in typed arrays: ts as exact int64 ns (written as two
 * 32-bit halves, no BigInt per row), cpu, pid, flags, preempt, and comm/system/
 * event and string fields as dictionary codes. `take()` hands the rows so far
 * over as an Arrow table (one batch, one dictionary per column) and starts again,
 * so exports can work in chunks.
 */
export class EventColumns {
  rows = 0;
  private ts = new Grow((n) => new Uint32Array(n), 2);
  private cpu = new Grow((n) => new Uint16Array(n));
  private pid = new Grow((n) => new Int32Array(n));
  private flags = new Grow((n) => new Uint8Array(n));
  private preempt = new Grow((n) => new Uint8Array(n));
  private comm = new Grow((n) => new Int32Array(n));
  private system = new Grow((n) => new Int32Array(n));
  private event = new Grow((n) => new Int32Array(n));
  private comms = new Dict();
  private systems = new Dict();
  private events = new Dict();
  private commCode = new Map<number, number>();
  /** The last row's pid and its comm's code (NaN: none yet). */
  private lastPid = NaN;
  private lastComm = 0;
  /** Codes per event id + 1, looked up once (id -1: a record too short to hold its type). */
  private eventCode = new Int32Array(65537).fill(-1);
  private systemCode = new Int32Array(65537);
  private fieldCols: FieldColumn[] = [];
  private fieldIndex = new Map<string, FieldColumn>();
  private readers = new Map<number, { r: FieldReader; col: FieldColumn }[]>();
  private readonly baseHi: number;
  private readonly baseLo: number;
  /** Every format whose events (or prepared columns) the table has had: the schema's metadata names them. */
  private readonly seen = new Set<number>();

  constructor(
    private trace: Trace,
    private expand: boolean,
  ) {
    const base = BigInt(trace.tsBaseSec) * 1_000_000_000n;
    this.baseHi = Number(base >> 32n);
    this.baseLo = Number(base & 0xffffffffn);
  }

  /**
   * A batch's kept rows (see BatchFn): the base columns in one loop over them,
   * the fields (when expanded) row by row.
   */
  addRows(b: EventBatch, rows: Int32Array | null, count: number, formats: readonly (EventFormat | null | undefined)[]): void {
    const n0 = this.rows;
    if (n0 + count > this.cpu.a.length) this.grow(n0 + count);
    const ts = this.ts.a;
    const cpu = this.cpu.a;
    const pids = this.pid.a;
    const flags = this.flags.a;
    const preempt = this.preempt.a;
    const comm = this.comm.a;
    const event = this.event.a;
    const system = this.system.a;
    const eventCode = this.eventCode;
    const systemCode = this.systemCode;
    const baseLo = this.baseLo;
    const baseHi = this.baseHi;
    for (let k = 0; k < count; k++) {
      const i = rows === null ? k : rows[k];
      const n = n0 + k;
      const rel = b.ts[i];
      const rh = Math.floor(rel / 4294967296);
      let lo = baseLo + (rel - rh * 4294967296);
      let hi = baseHi + rh;
      if (lo >= 4294967296) {
        lo -= 4294967296;
        hi++;
      }
      // little-endian host: the low word first
      ts[2 * n] = lo;
      ts[2 * n + 1] = hi;
      cpu[n] = b.cpu[i];
      const pid = b.pid[i];
      pids[n] = pid;
      flags[n] = b.flags[i];
      preempt[n] = b.preempt[i];
      // a task's events come in runs: its comm's code is kept from the row before
      if (pid !== this.lastPid) {
        let cc = this.commCode.get(pid);
        if (cc === undefined) {
          cc = this.comms.code(this.trace.comms.get(pid));
          this.commCode.set(pid, cc);
        }
        this.lastPid = pid;
        this.lastComm = cc;
      }
      comm[n] = this.lastComm;
      const id = b.type[i];
      let ec = eventCode[id + 1];
      if (ec < 0) ec = this.codeEvent(id, formats[id] ?? undefined);
      event[n] = ec;
      system[n] = systemCode[id + 1];
    }
    if (this.expand) {
      for (let k = 0; k < count; k++) {
        const i = rows === null ? k : rows[k];
        // a column made at this row fills the rows before it as absent: rows counts up to here
        this.rows = n0 + k;
        this.addFields(b, i, n0 + k, formats[b.type[i]] ?? undefined);
      }
    }
    this.rows = n0 + count;
  }

  /** The event's and its system's codes, the first time its id is met. */
  private codeEvent(id: number, ev: EventFormat | undefined): number {
    const ec = (this.eventCode[id + 1] = this.events.code(ev ? ev.name : id < 0 ? 'unknown' : `unknown-${id}`));
    this.systemCode[id + 1] = this.systems.code(ev ? ev.system : '');
    this.seen.add(id);
    return ec;
  }

  /** Row n's field columns from event i of the batch (absent in every column it lacks). */
  private addFields(b: EventBatch, i: number, n: number, ev: EventFormat | undefined): void {
    for (const c of this.fieldCols) {
      c.num.a[n] = NaN;
      c.codes.a[n] = -1;
      if (c.present) c.present.a[n] = 0;
    }
    if (!ev) return;
    let rs = this.readers.get(ev.id);
    if (!rs) this.readers.set(ev.id, (rs = fieldReaders(this.trace, ev).map((r) => ({ r, col: this.column(r) }))));
    for (const { r, col } of rs) {
      if (col.list) {
        // a reader of another kind under a list column's name leaves its rows null
        const v = r.list?.item === col.list.item ? r.list.read(b, i) : null;
        if (v !== null) col.list.rows[n] = v;
        continue;
      }
      if (col.big) {
        const v = r.int?.read64 ? r.int.read64(b, i) : r.read(b, i);
        if (v === null) continue;
        col.big.a[n] = BigInt.asIntN(64, typeof v === 'bigint' ? v : BigInt(v));
        col.present!.a[n] = 1;
        continue;
      }
      const v = r.read(b, i);
      if (v === null) continue;
      if (col.numeric && typeof v === 'number') col.num.a[n] = v;
      else col.codes.a[n] = col.dict.code(String(v));
    }
  }

  /**
   * Makes the field columns of these formats now, at their final types (a name
   * two events share widens here), so every chunk take() hands over has the
   * same schema: what a stream of record batches needs.
   */
  prepare(formats: readonly EventFormat[]): void {
    for (const ev of formats) this.seen.add(ev.id);
    if (!this.expand) return;
    for (const ev of formats) if (!this.readers.has(ev.id)) this.readers.set(ev.id, fieldReaders(this.trace, ev).map((r) => ({ r, col: this.column(r) })));
  }

  private grow(n: number): void {
    for (const g of [this.cpu, this.pid, this.flags, this.preempt, this.comm, this.system, this.event] as Grow<never>[]) g.ensure(n);
    this.ts.ensure(n);
    for (const c of this.fieldCols) {
      c.num.ensure(n);
      c.codes.ensure(n);
      c.big?.ensure(n);
      c.present?.ensure(n);
    }
  }

  private column(r: FieldReader): FieldColumn {
    // a field name shared by events keeps one column (numeric only if every reader is)
    let c = this.fieldIndex.get(r.name);
    const numeric = r.kind === 'number';
    if (!c) {
      // base column names and Object's own (__proto__, constructor) are prefixed: plain data, never a prototype
      const name = (BASE_COLUMNS as readonly string[]).includes(r.name) || r.name in Object.prototype ? `field_${r.name}` : r.name;
      c = { name, numeric, int: numeric && r.int ? { size: r.int.size, signed: r.int.signed } : null, num: new Grow((n) => new Float64Array(n)), big: null, present: null, codes: new Grow((n) => new Int32Array(n)), dict: new Dict(), list: r.list ? { item: r.list.item, rows: [] } : null };
      c.num.ensure(this.cpu.a.length);
      c.codes.ensure(this.cpu.a.length);
      c.num.a.fill(NaN, 0, this.rows);
      c.codes.a.fill(-1, 0, this.rows);
      if (c.int?.size === 8) this.toBig(c);
      this.fieldIndex.set(r.name, c);
      this.fieldCols.push(c);
    } else if (c.list) {
      // a list column stays one (rows of other readers are null)
    } else if (!numeric && c.numeric) {
      // text now: earlier numbers become their decimal text
      if (c.big) {
        for (let k = 0; k < this.rows; k++) if (c.present!.a[k]) c.codes.a[k] = c.dict.code(String(c.int!.signed ? c.big.a[k] : BigInt.asUintN(64, c.big.a[k])));
        c.big = c.present = null;
      } else for (let k = 0; k < this.rows; k++) if (!Number.isNaN(c.num.a[k])) c.codes.a[k] = c.dict.code(String(c.num.a[k]));
      c.numeric = false;
      c.int = null;
    } else if (numeric && c.numeric && c.int) {
      if (!r.int) {
        // not an integer of one width: Float64 for all (exact below 2^53)
        if (c.big) {
          for (let k = 0; k < this.rows; k++) c.num.a[k] = c.present!.a[k] ? Number(c.big.a[k]) : NaN;
          c.big = c.present = null;
        }
        c.int = null;
      } else {
        // the widest of the events' types; signed if any is
        c.int = { size: Math.max(c.int.size, r.int.size), signed: c.int.signed || r.int.signed };
        if (c.int.size === 8 && !c.big) this.toBig(c);
      }
    }
    return c;
  }

  /** A column becomes 64-bit: the rows so far move into a BigInt64Array. */
  private toBig(c: FieldColumn): void {
    c.big = new Grow((n) => new BigInt64Array(n));
    c.present = new Grow((n) => new Uint8Array(n));
    c.big.ensure(this.cpu.a.length);
    c.present.ensure(this.cpu.a.length);
    for (let k = 0; k < this.rows; k++) {
      if (Number.isNaN(c.num.a[k])) continue;
      c.big.a[k] = BigInt(c.num.a[k]);
      c.present.a[k] = 1;
    }
  }

  /**
   * The rows so far as an Arrow table; resets the builder. Dictionary columns
   * are made from the codes and the dictionary directly (apache-arrow's
   * makeData), not by re-encoding strings row by row.
   */
  take(): ArrowTable {
    const n = this.rows;
    const dict = (codes: Int32Array, d: Dict): Vector => {
      const nulls = codeNulls(codes, n);
      const type = new Dictionary(new Utf8(), new Int32());
      return makeVector(makeData({ type, length: n, nullCount: nulls.count, nullBitmap: nulls.bitmap, data: codes, dictionary: vectorFromArray(d.values, new Utf8()) }));
    };
    const preempt = this.preempt.take(n);
    const flags = this.flags.take(n);
    const depth = new Uint8Array(n);
    const migrate = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      depth[k] = preempt[k] & 0xf;
      migrate[k] = preempt[k] >> 4;
    }
    const bits = flagBits(flags, n, [IRQS_OFF, NEED_RESCHED, HARDIRQ, SOFTIRQ]);
    const cols: Record<string, Vector> = Object.assign(Object.create(null), {
      ts: makeVector(makeData({ type: new Int64(), length: n, data: new BigInt64Array(this.ts.take(n).buffer, 0, n) })),
      cpu: makeVector(makeData({ type: new Uint16(), length: n, data: this.cpu.take(n) })),
      pid: makeVector(makeData({ type: new Int32(), length: n, data: this.pid.take(n) })),
      comm: dict(this.comm.take(n), this.comms),
      system: dict(this.system.take(n), this.systems),
      event: dict(this.event.take(n), this.events),
      flags: makeVector(makeData({ type: new Uint8(), length: n, data: flags })),
      preempt: makeVector(makeData({ type: new Uint8(), length: n, data: preempt })),
      irqs_off: bits[0],
      need_resched: bits[1],
      hardirq: bits[2],
      softirq: bits[3],
      preempt_depth: makeVector(makeData({ type: new Uint8(), length: n, data: depth })),
      migrate_disable: makeVector(makeData({ type: new Uint8(), length: n, data: migrate })),
    });
    for (const c of this.fieldCols) {
      if (c.list) {
        cols[c.name] = listVector(c.list.item, c.list.rows, n);
        c.list.rows = [];
        continue;
      }
      if (c.big) {
        const present = c.present!.a;
        const nulls = nullBitmap(n, (k) => present[k] === 1);
        const v = c.big.take(n);
        const data = c.int!.signed ? v : new BigUint64Array(v.buffer, 0, n);
        cols[c.name] = makeVector(makeData({ type: c.int!.signed ? new Int64() : new Uint64(), length: n, nullCount: nulls.count, nullBitmap: nulls.bitmap, data }));
      } else if (c.numeric) {
        const v = c.num.take(n);
        const nulls = nullBitmap(n, (k) => !Number.isNaN(v[k]));
        const t = c.int ? intType(c.int.size, c.int.signed) : null;
        // absent rows hold 0 under the null bit
        const data = t ? t.array(n) : v;
        if (t) for (let k = 0; k < n; k++) data[k] = Number.isNaN(v[k]) ? 0 : v[k];
        cols[c.name] = makeVector(makeData({ type: (t ? t.type : new Float64()) as DataType, length: n, nullCount: nulls.count, nullBitmap: nulls.bitmap, data } as never));
      } else cols[c.name] = dict(c.codes.take(n), c.dict);
    }
    this.rows = 0;
    const t = new ArrowTable(cols);
    const out = new ArrowTable(new Schema(t.schema.fields, this.metadata()), t.batches);
    // each chunk its own dictionaries: carried over, they would grow with the trace (every
    // distinct csd address, say) and be written again with every chunk
    this.comms = new Dict();
    this.commCode.clear();
    this.lastPid = NaN;
    this.events = new Dict();
    this.systems = new Dict();
    this.eventCode.fill(-1);
    for (const c of this.fieldCols) c.dict = new Dict();
    return out;
  }

  /**
   * What a reader of the file needs to know of the trace it came from, in the
   * schema's metadata (Arrow and Parquet keep it): source, clock, CPUs, uname,
   * the time unit, and the format file of each event in the table.
   */
  private metadata(): Map<string, string> {
    const t = this.trace;
    const m = new Map<string, string>([
      ['tracelab.source', t.source],
      ['tracelab.clock', t.clock],
      ['tracelab.cpus', String(t.cpus)],
      ['tracelab.ts', 'int64 ns since the clock\'s epoch, exact (the report prints them as seconds)'],
    ]);
    if (t.options.uname) m.set('tracelab.uname', t.options.uname);
    for (const id of [...this.seen].sort((a, b) => a - b)) {
      const ev = t.formats.get(id);
      if (ev) m.set(`tracelab.format.${ev.system}:${ev.name}`, ev.text);
    }
    return m;
  }
}

/** The Arrow type of an integer field of this width and sign, and its typed array. */
function intType(size: number, signed: boolean): { type: DataType; array: (n: number) => Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array } {
  if (size === 1) return signed ? { type: new Int8(), array: (n) => new Int8Array(n) } : { type: new Uint8(), array: (n) => new Uint8Array(n) };
  if (size === 2) return signed ? { type: new Int16(), array: (n) => new Int16Array(n) } : { type: new Uint16(), array: (n) => new Uint16Array(n) };
  return signed ? { type: new Int32(), array: (n) => new Int32Array(n) } : { type: new Uint32(), array: (n) => new Uint32Array(n) };
}

/** common_flags bits as boolean columns, one per mask, each built eight rows a byte. */
function flagBits(flags: Uint8Array, n: number, masks: readonly number[]): Vector[] {
  return masks.map((mask) => {
    const data = new Uint8Array((n + 7) >> 3);
    const whole = n >> 3;
    for (let j = 0; j < whole; j++) {
      const k = j << 3;
      data[j] =
        (flags[k] & mask ? 1 : 0) |
        (flags[k + 1] & mask ? 2 : 0) |
        (flags[k + 2] & mask ? 4 : 0) |
        (flags[k + 3] & mask ? 8 : 0) |
        (flags[k + 4] & mask ? 16 : 0) |
        (flags[k + 5] & mask ? 32 : 0) |
        (flags[k + 6] & mask ? 64 : 0) |
        (flags[k + 7] & mask ? 128 : 0);
    }
    for (let k = whole << 3; k < n; k++) if (flags[k] & mask) data[k >> 3] |= 1 << (k & 7);
    return makeVector(makeData({ type: new Bool(), length: n, data }));
  });
}

/** The validity bitmap of dictionary codes (-1: null); none when every row has a value. */
function codeNulls(codes: Int32Array, n: number): { bitmap: Uint8Array | undefined; count: number } {
  let k = 0;
  while (k < n && codes[k] >= 0) k++;
  return k === n ? { bitmap: undefined, count: 0 } : nullBitmap(n, (r) => codes[r] >= 0);
}

/** A list column (list<uint16> or list<utf8>) from each row's list (undefined: null). */
function listVector(item: 'uint16' | 'utf8', rows: (number[] | string[] | undefined)[], n: number): Vector {
  const offsets = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) offsets[k + 1] = offsets[k] + (rows[k]?.length ?? 0);
  const nulls = nullBitmap(n, (k) => rows[k] !== undefined);
  const flat: (number | string)[] = [];
  for (let k = 0; k < n; k++) for (const v of rows[k] ?? []) flat.push(v);
  let child;
  if (item === 'uint16') child = makeData({ type: new Uint16(), length: flat.length, data: Uint16Array.from(flat as number[]) });
  else {
    const enc = new TextEncoder();
    const parts = (flat as string[]).map((x) => enc.encode(x));
    const valueOffsets = new Int32Array(parts.length + 1);
    parts.forEach((p, k) => (valueOffsets[k + 1] = valueOffsets[k] + p.length));
    const data = new Uint8Array(valueOffsets[parts.length]);
    parts.forEach((p, k) => data.set(p, valueOffsets[k]));
    child = makeData({ type: new Utf8(), length: parts.length, valueOffsets, data });
  }
  const type = new List(new Field('item', item === 'uint16' ? new Uint16() : new Utf8(), false));
  return makeVector(makeData({ type, length: n, nullCount: nulls.count, nullBitmap: nulls.bitmap, valueOffsets: offsets, child } as never));
}

/** An Arrow validity bitmap (null when every value is present). */
function nullBitmap(n: number, valid: (k: number) => boolean): { bitmap: Uint8Array | undefined; count: number } {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let count = 0;
  for (let k = 0; k < n; k++) {
    if (valid(k)) bitmap[k >> 3] |= 1 << (k & 7);
    else count++;
  }
  return { bitmap: count ? bitmap : undefined, count };
}

/** Whether fields are expanded for these options. */
export function expandsFields(o: TableOptions): boolean {
  return o.fields ? o.fields === 'all' : !!o.event;
}

/**
 * Any trace as an Arrow table of its events (one row each; see EventColumns),
 * and the same as an arquero table for analysis.
 */
export function eventArrow(trace: Trace, o: TableOptions = {}): ArrowTable {
  return fillColumns(trace, o).take();
}

/** The selected events into columns; `afterRows` (called after each batch's rows) may take chunks out as they fill (exports). */
export function fillColumns(trace: Trace, o: TableOptions, afterRows?: (cols: EventColumns) => void): EventColumns {
  const { cols, chunks } = columnChunks(trace, o, afterRows);
  for (let r = chunks.next(); !r.done; r = chunks.next());
  return cols;
}

/** fillColumns() a batch at a time (see scanBatches), for a consumer that pulls chunks. */
export function columnChunks(trace: Trace, o: TableOptions, afterRows?: (cols: EventColumns) => void): { cols: EventColumns; chunks: Generator<void, unknown, void> } {
  const cols = new EventColumns(trace, expandsFields(o));
  const matches = eventMatcher(o.event);
  let mine = new Int32Array(0);
  const chunks = scanBatches(trace, o, (b, rows, count, formats) => {
    if (o.event) {
      // only the named event's rows
      if (mine.length < count) mine = new Int32Array(b.capacity > count ? b.capacity : count);
      let m = 0;
      for (let k = 0; k < count; k++) {
        const i = rows === null ? k : rows[k];
        const ev = formats[b.type[i]];
        if (ev && matches(ev)) mine[m++] = i;
      }
      cols.addRows(b, mine, m, formats);
    } else cols.addRows(b, rows, count, formats);
    afterRows?.(cols);
  });
  return { cols, chunks };
}

/** The formats of the events a table over these options holds (one pass, nothing kept). */
export function formatsPresent(trace: Trace, o: TableOptions): EventFormat[] {
  const matches = eventMatcher(o.event);
  // in the order they first appear: the columns come in the order fillColumns makes them
  return formatsSeen(trace, o).filter((ev) => !o.event || matches(ev));
}

export function eventTable(trace: Trace, o: TableOptions = {}): aq.ColumnTable {
  // arquero decodes the IPC bytes with flechette, keeping the dictionary columns
  return aq.fromArrow(tableToIPC(eventArrow(trace, o), 'stream'));
}
