/**
 * Ring-buffer pages, decoded as libtraceevent's kbuffer does: a u64 page time
 * stamp, a long `commit` word (low 27 bits = bytes used, bit 31 = events were
 * lost before this page, bit 30 = their count follows the data), then events
 * whose 32-bit header holds a 5-bit type_len and a 27-bit time delta.
 */
export interface PageLayout {
  pageSize: number;
  /** Size of the commit word: the kernel's long size (4 or 8). */
  commitSize: number;
  /** Where event data starts in a page (16 on 64-bit kernels, 12 on 32-bit). */
  dataOffset: number;
  le: boolean;
  /**
   * TSC2NSEC option: page and event times are TSC counts, turned into ns as
   * trace-cmd 3.1.6 does (timestamp_calc(): mul_u64_u32_shr(ts, mult, shift)
   * on the absolute count; the option's offset is not applied there).
   */
  tsc?: { mult: bigint; shift: bigint };
  /**
   * report --ts2secs HZ: every time stamp times 1e9/HZ, in double precision
   * and truncated, as timestamp_calc() computes `ts *= handle->ts2secs`.
   */
  ts2secs?: number;
  /** A guest's TIME_SHIFT: its CPU's raw stamp mapped onto the host clock, before anything else. */
  hostSync?: (raw: bigint) => bigint;
}

/** timestamp_calc()'s conversion of a raw stamp: the host sync, then TSC2NSEC's or --ts2secs' units (the latter wins). */
export function scaleRaw(raw: bigint, L: Pick<PageLayout, 'tsc' | 'ts2secs' | 'hostSync'>): bigint {
  if (L.hostSync) raw = L.hostSync(BigInt.asUintN(64, raw));
  if (L.ts2secs !== undefined) {
    const x = Number(BigInt.asUintN(64, raw)) * L.ts2secs;
    // a double of 2^64 or more converts to 0 on x86-64 (cvttsd2si's 2^63 marker, xored away)
    return x >= 2 ** 64 || !Number.isFinite(x) ? 0n : BigInt(Math.trunc(x));
  }
  return L.tsc ? tscToNs(raw, L.tsc) : raw;
}

/** mul_u64_u32_shr(): (a * mul) >> shift with the full product. */
export function tscToNs(raw: bigint, tsc: { mult: bigint; shift: bigint }): bigint {
  return (BigInt.asUintN(64, raw) * tsc.mult) >> tsc.shift;
}

/** Decoded records of a run of pages: columns indexed 0..n-1, payloads in `bytes`. */
export class PageRecords {
  n = 0;
  ts: Float64Array;
  off: Int32Array;
  len: Int32Array;
  /** Lost-event markers: record index -> count (-1 unknown). */
  lost: Map<number, number> | null = null;

  constructor(capacity: number) {
    this.ts = new Float64Array(capacity);
    this.off = new Int32Array(capacity);
    this.len = new Int32Array(capacity);
  }

  ensure(capacity: number): void {
    if (this.ts.length >= capacity) return;
    this.ts = new Float64Array(capacity);
    this.off = new Int32Array(capacity);
    this.len = new Int32Array(capacity);
  }
}

const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;
const COMMIT_MASK = (1 << 27) - 1;
const TS_MSB = 0xf8n << 56n;

/**
 * Decodes the whole pages in bytes[start, end) into `out` (appending).
 * Timestamps become ns relative to `baseNs` (plus `addNs` from OFFSET/DATE options).
 * Problems are reported through `warn` with the byte position inside `bytes`;
 * a damaged page yields the records before the damage and decoding goes on
 * with the next page.
 */
export function decodePages(
  bytes: Uint8Array,
  start: number,
  end: number,
  L: PageLayout,
  baseNs: bigint,
  addNs: bigint,
  out: PageRecords,
  warn: (pos: number, msg: string) => void,
): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = L.le;
  const scaled = L.tsc !== undefined || L.ts2secs !== undefined || L.hostSync !== undefined;
  const ps = L.pageSize;
  out.ensure(out.n + Math.ceil((end - start) / 8) + 1);
  const ts = out.ts;
  const offs = out.off;
  const lens = out.len;
  let n = out.n;
  for (let page = start; page + L.dataOffset <= end; page += ps) {
    // the last page may be cut short by a truncated file: read what it holds
    const avail = Math.min(ps, end - page);
    const pageTs = dv.getBigUint64(page, le);
    const commitWord = L.commitSize === 8 ? dv.getUint32(le ? page + 8 : page + 12, le) : dv.getUint32(page + 8, le);
    let size = commitWord & COMMIT_MASK;
    const data = page + L.dataOffset;
    if (size > ps - L.dataOffset) {
      warn(page + 8, `page commit ${size} exceeds the page data size ${ps - L.dataOffset}; page skipped`);
      continue;
    }
    if (size > avail - L.dataOffset) {
      warn(page + avail, `page cut short after ${avail} of ${ps} bytes`);
      size = avail - L.dataOffset;
    }
    let lost = 0;
    if (commitWord & 0x80000000) {
      if (commitWord & 0x40000000) {
        const at = data + size;
        lost = at + L.commitSize <= page + avail ? (L.commitSize === 8 ? Number(dv.getBigInt64(at, le)) : dv.getInt32(at, le)) : -1;
      } else lost = -1;
    }
    let t = Number(pageTs + addNs - baseNs);
    let next = 0;
    let first = true;
    while (next < size) {
      const curr = next;
      const p = data + curr;
      if (curr + 4 > size) {
        warn(p, 'event header runs past the page commit');
        break;
      }
      const w = dv.getUint32(p, le);
      const typeLen = le ? w & 31 : w >>> 27;
      const delta = le ? w >>> 5 : w & 0x7ffffff;
      let index: number;
      let length: number;
      if (typeLen === TYPE_TIME_EXTEND || typeLen === TYPE_TIME_STAMP) {
        if (curr + 8 > size) {
          warn(p, 'time extend runs past the page commit');
          break;
        }
        const hi = dv.getUint32(p + 4, le);
        if (typeLen === TYPE_TIME_EXTEND) {
          if (hi < 0x400000) t += hi * 134217728 + delta;
          else t = Number(BigInt(t) + (BigInt(hi) << 27n) + BigInt(delta));
        } else {
          const raw = BigInt(t) + baseNs - addNs;
          const abs = ((BigInt(hi) << 27n) + BigInt(delta)) | (raw & TS_MSB);
          t = Number(abs + addNs - baseNs);
        }
        next = curr + 8;
        first = false;
        continue;
      }
      if (typeLen === TYPE_PADDING) {
        if (curr + 8 > size) {
          // a bare padding header at the end of the data: nothing follows
          t += delta;
          break;
        }
        t += delta;
        index = curr + 4;
        length = dv.getUint32(p + 4, le);
        next = index + length;
        first = false;
        continue;
      }
      if (typeLen === 0) {
        if (curr + 8 > size) {
          warn(p, 'event length word runs past the page commit');
          break;
        }
        const a0 = dv.getUint32(p + 4, le);
        length = ((a0 - 4) + 3) & ~3;
        index = curr + 8;
      } else {
        length = typeLen * 4;
        index = curr + 4;
      }
      t += delta;
      if (length < 0 || index + length > size) {
        warn(p, `event of ${length} bytes runs past the page commit (${size})`);
        break;
      }
      next = index + length;
      if (n >= ts.length) throw new Error('page record capacity exceeded');
      // t counts in the trace's units: TSC counts become ns from the absolute count
      ts[n] = scaled ? Number(scaleRaw(BigInt(t) - addNs + baseNs, L) + addNs - baseNs) : t;
      offs[n] = data + index;
      lens[n] = length;
      if (first && lost !== 0) (out.lost ??= new Map()).set(n, lost);
      first = false;
      n++;
    }
  }
  out.n = n;
}
