/**
 * Packs events into ring-buffer pages the way the kernel does, so trace-cmd and
 * KernelShark read our files like theirs: the first event of a page has delta 0
 * and the page time stamp is its time; payloads are padded to 4 bytes; type_len
 * holds the length up to 112 bytes, longer ones use type_len 0 and a length word;
 * an 8-byte payload is stored as 12 (the kernel never writes 12-byte events);
 * deltas beyond 27 bits get a TIME_EXTEND first.
 */
export interface PageBuilderOptions {
  pageSize: number;
  /** Kernel long size: size of the commit word (4 or 8). */
  commitSize: number;
  le: boolean;
  /** Receives each finished page (the array is reused afterwards: copy it). */
  onPage: (page: Uint8Array) => void;
}

const MAX_DELTA = (1 << 27) - 1;

/** Payload bytes on the page: padded to 4, and 8 stored as 12 (the kernel never writes 8). */
function paddedLength(len: number): number {
  const plen = (len + 3) & ~3;
  return plen === 8 ? 12 : plen;
}

export class PageBuilder {
  private page: Uint8Array;
  private dv: DataView;
  private used = 0;
  private lastTs = 0;
  private pageStartNs = 0n;
  private hasPage = false;
  private pendingLost = 0;
  private readonly dataOffset: number;
  private readonly capacity: number;
  /** Events written so far. */
  count = 0;

  constructor(
    private o: PageBuilderOptions,
    /** Absolute ns corresponding to relative time 0. */
    private baseNs: bigint,
  ) {
    this.page = new Uint8Array(o.pageSize);
    this.dv = new DataView(this.page.buffer);
    this.dataOffset = 8 + o.commitSize;
    this.capacity = o.pageSize - this.dataOffset;
  }

  /** Marks events as lost before the next page (-1: count unknown). */
  markLost(count: number): void {
    if (this.hasPage && this.used > 0) this.flush();
    this.pendingLost = count;
  }

  /**
   * Adds an event. `ts` is ns relative to the base (an integer below 2^53);
   * the payload starts with the common header.
   */
  add(ts: number, payload: Uint8Array, off = 0, len = payload.length - off): void {
    const le = this.o.le;
    const plen = paddedLength(len);
    const big = plen > 112;
    const evSize = (big ? 8 : 4) + plen;
    if (evSize + 8 > this.capacity) throw new Error(`event of ${len} bytes does not fit a ${this.o.pageSize}-byte page`);
    if (!this.hasPage || this.used + evSize > this.capacity || ts < this.lastTs) this.newPage(ts);
    let delta = ts - this.lastTs;
    if (this.used === 0) delta = 0;
    if (delta > MAX_DELTA) {
      if (this.used + 8 + evSize > this.capacity) {
        this.newPage(ts);
        delta = 0;
      } else {
        const at = this.dataOffset + this.used;
        const hi = Math.floor(delta / 134217728);
        const lo = delta - hi * 134217728;
        this.header(at, 30, lo);
        this.dv.setUint32(at + 4, hi, le);
        this.used += 8;
        delta = 0;
      }
    }
    const at = this.dataOffset + this.used;
    if (big) {
      this.header(at, 0, delta);
      this.dv.setUint32(at + 4, plen + 4, le);
      this.page.set(payload.subarray(off, off + len), at + 8);
    } else {
      this.header(at, plen >> 2, delta);
      // small records: a loop beats allocating a subarray for set()
      const pg = this.page;
      const to = at + 4 - off;
      for (let k = off, e = off + len; k < e; k++) pg[to + k] = payload[k];
    }
    this.used += evSize;
    this.lastTs = ts;
    this.count++;
  }

  /**
   * Where a `len`-byte payload at `ts` would go in `page` if it fits the
   * current page with a plain delta (the common case), or -1 (then add() it).
   * The bytes there are zero; a writer fills them and calls commit(), or zeroes
   * what it wrote to drop the event (a filter said no), as the kernel discards.
   */
  reserve(ts: number, len: number): number {
    if (this.used === 0 || ts < this.lastTs || ts - this.lastTs > MAX_DELTA) return -1;
    const plen = paddedLength(len);
    const head = plen > 112 ? 8 : 4;
    if (this.used + head + plen > this.capacity) return -1;
    return this.dataOffset + this.used + head;
  }

  /** Commits the event reserve() placed: its header, and the page's use. */
  commit(ts: number, len: number): void {
    const plen = paddedLength(len);
    const at = this.dataOffset + this.used;
    if (plen > 112) {
      this.header(at, 0, ts - this.lastTs);
      this.dv.setUint32(at + 4, plen + 4, this.o.le);
      this.used += 8 + plen;
    } else {
      this.header(at, plen >> 2, ts - this.lastTs);
      this.used += 4 + plen;
    }
    this.lastTs = ts;
    this.count++;
  }

  /** The page being filled and a view of it (for reserve()). */
  get currentPage(): Uint8Array {
    return this.page;
  }

  get currentView(): DataView {
    return this.dv;
  }

  /**
   * Writes an absolute time stamp (type_len 31) for `ts`, as the kernel does
   * after an interrupted write; the next event's delta counts from it.
   */
  addAbsolute(ts: number): void {
    if (!this.hasPage || this.used + 8 + 16 > this.capacity) this.newPage(ts);
    const abs = this.baseNs + BigInt(ts);
    const at = this.dataOffset + this.used;
    this.header(at, 31, Number(abs & 0x7ffffffn));
    this.dv.setUint32(at + 4, Number((abs >> 27n) & 0xffffffffn), this.o.le);
    this.used += 8;
    this.lastTs = ts;
  }

  private header(at: number, typeLen: number, delta: number): void {
    const w = this.o.le ? ((delta << 5) | typeLen) >>> 0 : ((typeLen << 27) | delta) >>> 0;
    this.dv.setUint32(at, w, this.o.le);
  }

  private newPage(ts: number): void {
    if (this.hasPage) this.flush();
    this.page.fill(0);
    this.used = 0;
    this.hasPage = true;
    this.lastTs = ts;
    this.pageStartNs = this.baseNs + BigInt(ts);
    this.dv.setBigUint64(0, this.pageStartNs, this.o.le);
  }

  /** Writes out the current page (if any). */
  flush(): void {
    if (!this.hasPage) return;
    const le = this.o.le;
    let commit = this.used;
    if (this.pendingLost !== 0) {
      commit |= 0x80000000;
      if (this.pendingLost > 0 && this.used + this.o.commitSize <= this.capacity) {
        commit |= 0x40000000;
        const at = this.dataOffset + this.used;
        if (this.o.commitSize === 8) this.dv.setBigUint64(at, BigInt(this.pendingLost), le);
        else this.dv.setUint32(at, this.pendingLost, le);
      }
      this.pendingLost = 0;
    }
    if (this.o.commitSize === 8) this.dv.setBigUint64(8, BigInt(commit >>> 0), le);
    else this.dv.setUint32(8, commit >>> 0, le);
    this.o.onPage(this.page);
    this.hasPage = false;
    this.used = 0;
  }
}
