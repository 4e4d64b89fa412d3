import type { EventFormat, FieldFormat } from './event-format.ts';

/** A field value to encode: numbers/bigints for scalars, strings for char arrays and __data_loc strings, byte arrays for masks. */
export type FieldValue = number | bigint | string | Uint8Array;

export interface CommonValues {
  flags?: number;
  preempt?: number;
  pid: number;
}

/**
 * Encodes event records from an EventFormat: the common header, fixed fields at
 * their offsets, and dynamic (__data_loc / __rel_loc) data appended after the
 * fixed part as the kernel does. Field plans are compiled once per format.
 */
export class RecordEncoder {
  private fixedSize: number;
  private plan: { f: FieldFormat; kind: 'int' | 'str' | 'bytes' | 'dyn' | 'flex' }[];
  /** Formats without dynamic or flexible fields have a fixed size: no sizing pass. */
  private fixedOnly: boolean;
  private buf = new Uint8Array(256);
  /** A view of the buffer the last encode() wrote (valid until the next call). */
  dv = new DataView(this.buf.buffer);

  constructor(
    readonly format: EventFormat,
    private le: boolean,
  ) {
    let end = 8;
    this.plan = format.fields.map((f) => {
      end = Math.max(end, f.offset + f.size);
      const kind = f.isDynamic ? 'dyn' : f.isArray && f.size === 0 ? 'flex' : f.isArray ? (f.isString ? 'str' : 'bytes') : 'int';
      return { f, kind };
    });
    this.fixedSize = (end + 3) & ~3;
    this.fixedOnly = this.plan.every((p) => p.kind !== 'dyn' && p.kind !== 'flex');
  }

  /**
   * Encodes one record; returns a view valid until the next call.
   * Values are given in field order (missing ones are zero).
   */
  encode(common: CommonValues, values: readonly (FieldValue | undefined)[]): Uint8Array {
    const n = this.write(common.pid, common.flags ?? 0, common.preempt ?? 0, values);
    return this.buf.subarray(0, n);
  }

  /**
   * The same into the encoder's own buffer (`bytes`, `dv`), returning the
   * record's length: the emulator's hot path, with no object made per event.
   */
  write(pid: number, flags: number, preempt: number, values: readonly (FieldValue | undefined)[]): number {
    const plan = this.plan;
    let dynLen = 0;
    let flexEnd = 0;
    if (!this.fixedOnly) for (let i = 0; i < plan.length; i++) {
      const { f, kind } = plan[i];
      if (kind === 'dyn') dynLen += dynBytes(values[i]);
      // a flexible array (`char buf[]`) runs from its offset to the end of the record
      else if (kind === 'flex') flexEnd = Math.max(flexEnd, f.offset + dynBytes(values[i]));
    }
    const total = Math.max(this.fixedSize, flexEnd) + dynLen;
    if (this.buf.length < total) {
      this.buf = new Uint8Array(Math.max(total, this.buf.length * 2));
      this.dv = new DataView(this.buf.buffer);
    }
    const b = this.buf;
    const dv = this.dv;
    const le = this.le;
    b.fill(0, 0, total);
    dv.setUint16(0, this.format.id, le);
    b[2] = flags;
    b[3] = preempt;
    dv.setInt32(4, pid, le);
    let dyn = Math.max(this.fixedSize, flexEnd);
    for (let i = 0; i < plan.length; i++) {
      const v = values[i];
      if (v === undefined) continue;
      const { f, kind } = plan[i];
      if (kind === 'int') writeInt(dv, f.offset, f.size, v as number | bigint, le);
      else if (kind === 'str') writeStr(b, f.offset, f.size, v as string);
      else if (kind === 'bytes') b.set((v as Uint8Array).subarray(0, f.size), f.offset);
      else if (kind === 'flex') b.set(typeof v === 'string' ? Buffer.from(v + '\0', 'latin1') : (v as Uint8Array), f.offset);
      else {
        const bytes = typeof v === 'string' ? Buffer.from(v + '\0', 'latin1') : (v as Uint8Array);
        b.set(bytes, dyn);
        const rel = f.isRelative ? dyn - (f.offset + f.size) : dyn;
        dv.setUint32(f.offset, ((bytes.length << 16) | rel) >>> 0, le);
        dyn += bytes.length;
      }
    }
    return total;
  }

  /** The buffer write() fills (valid until the next call). */
  get bytes(): Uint8Array {
    return this.buf;
  }
}

function dynBytes(v: FieldValue | undefined): number {
  if (v === undefined) return 0;
  return typeof v === 'string' ? v.length + 1 : (v as Uint8Array).length;
}

function writeInt(dv: DataView, off: number, size: number, v: number | bigint, le: boolean): void {
  if (typeof v === 'number' && Number.isSafeInteger(v)) {
    // the common case without BigInt: two's complement split into 32-bit halves
    switch (size) {
      case 1: dv.setUint8(off, v & 0xff); return;
      case 2: dv.setUint16(off, v & 0xffff, le); return;
      case 4: dv.setUint32(off, v >>> 0, le); return;
      case 8: {
        const lo = v >>> 0;
        const hi = Math.floor(v / 4294967296) >>> 0;
        dv.setUint32(off + (le ? 0 : 4), lo, le);
        dv.setUint32(off + (le ? 4 : 0), hi, le);
        return;
      }
    }
  }
  if (typeof v === 'bigint' && size === 8) {
    dv.setBigUint64(off, v >= 0n && v <= 0xffffffffffffffffn ? v : BigInt.asUintN(64, v), le);
    return;
  }
  switch (size) {
    case 1: dv.setUint8(off, Number(BigInt.asUintN(8, BigInt(v)))); break;
    case 2: dv.setUint16(off, Number(BigInt.asUintN(16, BigInt(v))), le); break;
    case 4: dv.setUint32(off, typeof v === 'number' && v >= -0x80000000 && v <= 0xffffffff ? v >>> 0 : Number(BigInt.asUintN(32, BigInt(v))), le); break;
    case 8: dv.setBigUint64(off, BigInt.asUintN(64, BigInt(v)), le); break;
  }
}

function writeStr(b: Uint8Array, off: number, size: number, s: string): void {
  const n = Math.min(s.length, size);
  for (let i = 0; i < n; i++) b[off + i] = s.charCodeAt(i) & 0xff;
}
