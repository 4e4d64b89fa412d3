/**
 * 64-bit values as C sees them. Event fields and print-fmt arithmetic are unsigned
 * 64-bit in libtraceevent; JS numbers lose precision above 2^53, so the general
 * path uses bigint and hot paths read 32-bit halves as numbers.
 */
export const MASK64 = (1n << 64n) - 1n;
export const TWO32 = 4294967296;

/** Reads an unsigned integer of 1, 2, 4 or 8 bytes as bigint (tep_read_number); other sizes give 0. */
export function readUnsigned(dv: DataView, off: number, size: number, le: boolean): bigint {
  // past the end of the buffer (a record shorter than its format says): C would read
  // whatever follows; there is nothing here, so 0
  if (off < 0 || off + size > dv.byteLength) return 0n;
  switch (size) {
    case 1: return BigInt(dv.getUint8(off));
    case 2: return BigInt(dv.getUint16(off, le));
    case 4: return BigInt(dv.getUint32(off, le));
    case 8: return dv.getBigUint64(off, le);
    default: return 0n;
  }
}

/** Reads an unsigned integer of up to 4 bytes as a number (the fast path). */
export function readSmall(dv: DataView, off: number, size: number, le: boolean): number {
  if (off < 0 || off + size > dv.byteLength) return 0;
  switch (size) {
    case 1: return dv.getUint8(off);
    case 2: return dv.getUint16(off, le);
    case 4: return dv.getUint32(off, le);
    default: return 0;
  }
}

/** High and low 32-bit words of a u64 field. */
export function readHi(dv: DataView, off: number, le: boolean): number {
  return dv.getUint32(le ? off + 4 : off, le);
}
export function readLo(dv: DataView, off: number, le: boolean): number {
  return dv.getUint32(le ? off : off + 4, le);
}

/** A u64 from its halves, as a number when exact, else bigint. */
export function u64Value(hi: number, lo: number): number | bigint {
  return hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

export function toBig(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Truncates to `bits` and reinterprets as signed or unsigned, as a C cast does. */
export function castInt(v: bigint, bits: number, signed: boolean): bigint {
  return signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
}
