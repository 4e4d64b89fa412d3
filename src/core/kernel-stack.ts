import type { EventFormat } from './event-format.ts';

/**
 * The return addresses of a kernel_stack record as the kernel's stack printer
 * takes them: `size` entries of `caller` (longs), as many as the record holds.
 * (trace-cmd's plugin reads to the end of the record instead; see printfmt/plugins.)
 */
export function stackFrames(ev: EventFormat, dv: DataView, off: number, recSize: number, le: boolean, longSize: number): bigint[] {
  const size = ev.field('size');
  const caller = ev.field('caller');
  if (!caller) return [];
  const long = longSize === 4 ? 4 : 8;
  const n = size ? dv.getInt32(off + size.offset, le) : Math.floor((recSize - caller.offset) / long);
  const out: bigint[] = [];
  for (let k = 0; k < n && caller.offset + long * (k + 1) <= recSize; k++) {
    const at = off + caller.offset + long * k;
    out.push(long === 8 ? dv.getBigUint64(at, le) : BigInt(dv.getUint32(at, le)));
  }
  return out;
}
