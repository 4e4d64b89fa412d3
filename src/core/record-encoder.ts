import type { EventFormat } from './event-format.ts';

/** A field value to encode: numbers/bigints for scalars, strings for char arrays and __data_loc strings, byte arrays for masks. */
export type FieldValue = number | bigint | string | Uint8Array;

export interface CommonValues {
  flags?: number;
  preempt?: number;
  pid: number;
}

const INT = 0;
const STR = 1;
const BYTES = 2;
const DYN = 3;
const FLEX = 4;

/**
 * Encodes event records from an EventFormat: the common header, fixed fields at
 * their offsets, and dynamic (__data_loc / __rel_loc) data appended after the
 * fixed part as the kernel does. Field plans are compiled once per format into
 * typed arrays, so the emulator's per-event path reads no objects.
 */
export class RecordEncoder {
  private fixedSize: number;
  private kinds: Uint8Array;
  private offsets: Int32Array;
  private sizes: Int32Array;
  private relative: Uint8Array;
  /** Formats without dynamic or flexible fields have a fixed size: no sizing pass. */
  private fixedOnly: boolean;
  private buf = new Uint8Array(256);
  /** A view of the buffer the last encode() or write() filled (valid until the next call). */
  dv = new DataView(this.buf.buffer);

  constructor(
    readonly format: EventFormat,
    private le: boolean,
  ) {
    let end = 8;
    const n = format.fields.length;
    this.kinds = new Uint8Array(n);
    this.offsets = new Int32Array(n);
    this.sizes = new Int32Array(n);
    this.relative = new Uint8Array(n);
    format.fields.forEach((f, i) => {
      end = Math.max(end, f.offset + f.size);
      this.kinds[i] = f.isDynamic ? DYN : f.isArray && f.size === 0 ? FLEX : f.isArray ? (f.isString ? STR : BYTES) : INT;
      this.offsets[i] = f.offset;
      this.sizes[i] = f.size;
      this.relative[i] = f.isRelative ? 1 : 0;
    });
    this.fixedSize = (end + 3) & ~3;
    this.fixedOnly = this.kinds.every((k) => k !== DYN && k !== FLEX);
  }

  /**
   * Encodes one record; returns a view valid until the next call.
   * Values are given in field order (missing ones are zero).
   */
  encode(common: CommonValues, values: readonly (FieldValue | undefined)[]): Uint8Array {
    const n = this.write(common.pid, common.flags ?? 0, common.preempt ?? 0, values);
    return this.buf.subarray(0, n);
  }

  /** The record's length for these values: the fixed part, flexible arrays and the dynamic data. */
  size(values: readonly (FieldValue | undefined)[]): number {
    if (this.fixedOnly) return this.fixedSize;
    const kinds = this.kinds;
    let dynLen = 0;
    let flexEnd = 0;
    for (let i = 0; i < kinds.length; i++) {
      if (kinds[i] === DYN) dynLen += dynBytes(values[i]);
      // a flexible array (`char buf[]`) runs from its offset to the end of the record
      else if (kinds[i] === FLEX) flexEnd = Math.max(flexEnd, this.offsets[i] + dynBytes(values[i]));
    }
    return Math.max(this.fixedSize, flexEnd) + dynLen;
  }

  /**
   * The same into the encoder's own buffer (`bytes`, `dv`), returning the
   * record's length, with no object made per event. `total` is size(values)
   * when the caller has it already.
   */
  write(pid: number, flags: number, preempt: number, values: readonly (FieldValue | undefined)[], total = this.size(values)): number {
    if (this.buf.length < total) {
      this.buf = new Uint8Array(Math.max(total, this.buf.length * 2));
      this.dv = new DataView(this.buf.buffer);
    }
    this.buf.fill(0, 0, total);
    this.writeAt(this.buf, this.dv, 0, total, pid, flags, preempt, values);
    return total;
  }

  /**
   * Writes a record of `total` bytes (from size()) at `off` in `b`, which must
   * be zero there: the emulator's hot path writes straight into a ring-buffer page.
   */
  writeAt(b: Uint8Array, dv: DataView, off: number, total: number, pid: number, flags: number, preempt: number, values: readonly (FieldValue | undefined)[]): void {
    const le = this.le;
    const kinds = this.kinds;
    const offsets = this.offsets;
    const sizes = this.sizes;
    dv.setUint16(off, this.format.id, le);
    b[off + 2] = flags;
    b[off + 3] = preempt;
    dv.setInt32(off + 4, pid, le);
    let dyn = off + total;
    if (!this.fixedOnly) for (let i = 0; i < kinds.length; i++) if (kinds[i] === DYN) dyn -= dynBytes(values[i]);
    for (let i = 0; i < kinds.length; i++) {
      const v = values[i];
      if (v === undefined) continue;
      const at = off + offsets[i];
      switch (kinds[i]) {
        case INT:
          // the common case inline: a 4-byte number (DataView wraps it modulo 2^32)
          if (sizes[i] === 4 && typeof v === 'number') dv.setUint32(at, v, le);
          else writeInt(dv, at, sizes[i], v as number | bigint, le);
          break;
        case STR:
          // a u8 array holds text or bytes (kvm_emulate_insn's insn read back as bytes)
          if (typeof v === 'string') writeStr(b, at, sizes[i], v);
          else copyBytes(b, at, v as Uint8Array, sizes[i]);
          break;
        case BYTES:
          copyBytes(b, at, v as Uint8Array, sizes[i]);
          break;
        case FLEX:
          if (typeof v === 'string') writeStr(b, at, v.length, v);
          else copyBytes(b, at, v as Uint8Array, (v as Uint8Array).length);
          break;
        default: {
          const len = dynBytes(v);
          if (typeof v === 'string') writeStr(b, dyn, v.length, v);
          else copyBytes(b, dyn, v as Uint8Array, len);
          const rel = this.relative[i] ? dyn - (at + sizes[i]) : dyn - off;
          dv.setUint32(at, ((len << 16) | rel) >>> 0, le);
          dyn += len;
        }
      }
    }
  }

  /** The buffer write() fills (valid until the next call). */
  get bytes(): Uint8Array {
    return this.buf;
  }
}

/** Bytes a dynamic value takes: strings get their NUL. */
function dynBytes(v: FieldValue | undefined): number {
  if (v === undefined) return 0;
  return typeof v === 'string' ? v.length + 1 : (v as Uint8Array).length;
}

/**
 * Two's complement into 1, 2, 4 or 8 bytes. Typed-array and DataView stores
 * already wrap modulo 2^size (ToUint8/ToUint32/ToBigUint64), so only an
 * 8-byte number needs splitting into halves.
 */
function writeInt(dv: DataView, off: number, size: number, v: number | bigint, le: boolean): void {
  if (typeof v === 'number') {
    switch (size) {
      case 1: dv.setUint8(off, v); return;
      case 2: dv.setUint16(off, v, le); return;
      case 4: dv.setUint32(off, v, le); return;
      case 8: {
        const hi = Math.floor(v / 4294967296);
        dv.setUint32(off + (le ? 0 : 4), v, le);
        dv.setUint32(off + (le ? 4 : 0), hi, le);
        return;
      }
    }
    v = BigInt(v);
  }
  switch (size) {
    case 1: dv.setUint8(off, Number(BigInt.asUintN(8, v))); break;
    case 2: dv.setUint16(off, Number(BigInt.asUintN(16, v)), le); break;
    case 4: dv.setUint32(off, Number(BigInt.asUintN(32, v)), le); break;
    case 8: dv.setBigUint64(off, v, le); break;
  }
}

/** Up to `size` bytes of `v` at `off` (set() of the whole array when it fits: a byte loop is slower even for 48 bytes). */
function copyBytes(b: Uint8Array, off: number, v: Uint8Array, size: number): void {
  if (v.length <= size) b.set(v, off);
  else b.set(v.subarray(0, size), off);
}

/** Latin-1 bytes of `s`, at most `size` of them (the NUL comes from the zeroed target). */
function writeStr(b: Uint8Array, off: number, size: number, s: string): void {
  const n = Math.min(s.length, size);
  for (let i = 0; i < n; i++) b[off + i] = s.charCodeAt(i) & 0xff;
}
