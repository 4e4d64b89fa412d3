import { plausibleExpansion, type Codec } from './codecs.ts';
import type { FileSource } from './file-source.ts';
import { decodePages, PageRecords, type PageLayout } from './pages.ts';

/** Where one CPU's ring-buffer pages are in the file. */
export interface CpuData {
  buffer: number;
  cpu: number;
  /** File offset of the pages (or of the chunk count when compressed). */
  offset: number;
  /** Bytes of page data (compressed: the chunks, excluding the 4-byte count). */
  size: number;
  compressed: boolean;
  /** The end the file claims (offset + size as read, exact: a lying size may pass 2^53). */
  claimedEnd?: bigint;
}

const WINDOW_PAGES = 64;
const MAX_CHUNK = 64 << 20;

/**
 * One CPU's records, decoded a window at a time (64 pages, or one compressed
 * chunk), so memory stays bounded whatever the file size.
 */
export class CpuStream {
  recs: PageRecords;
  bytes: Uint8Array = new Uint8Array(0);
  /** `bytes` as 32-bit words when they start 4-byte aligned (records do, and are whole words long), else null: merging copies words. */
  words: Int32Array | null = null;
  i = 0;
  private pos: number;
  private end: number;
  private chunksLeft = -1;
  done = false;

  constructor(
    readonly d: CpuData,
    /** Position in the tie-break order (buffers first, then CPUs). */
    readonly order: number,
    private src: FileSource,
    private layout: PageLayout,
    private codec: Codec,
    private baseNs: bigint,
    private addNs: bigint,
    private warn: (msg: string) => void,
  ) {
    // records of one window at most (8 bytes the smallest record), and no more than this CPU's
    // bytes hold: a file that claims many CPUs costs what their data is, not a window each
    const window = WINDOW_PAGES * layout.pageSize;
    this.recs = new PageRecords(((d.compressed ? window : Math.min(window, Math.max(0, d.size))) >> 3) + 1);
    this.pos = d.offset;
    this.end = d.offset + d.size;
  }

  /** True while a record is available at `i`; loads the next window when needed. */
  fill(): boolean {
    while (this.i >= this.recs.n) {
      if (this.done || !this.loadWindow()) {
        this.done = true;
        return false;
      }
    }
    return true;
  }

  private where(pos: number): string {
    return `${this.src.path}: CPU ${this.d.cpu}${this.d.buffer ? ` (buffer ${this.d.buffer})` : ''}`;
  }

  private loadWindow(): boolean {
    this.recs.n = 0;
    this.recs.lost = null;
    this.i = 0;
    const ps = this.layout.pageSize;
    if (!this.d.compressed) {
      if (this.pos >= this.end) return false;
      const want = Math.min(this.end - this.pos, WINDOW_PAGES * ps);
      const got = this.src.readAvailable(this.pos, want);
      const base = this.pos;
      this.pos += want;
      let whole = got.length - (got.length % ps);
      if (got.length < want) {
        this.warn(`${this.where(base)}: data truncated at byte ${base + got.length} (expected ${this.end - base} more bytes); events before it were read`);
        this.pos = this.end;
        if (got.length % ps >= this.layout.dataOffset) whole = got.length; // decode the complete events of the partial page
      } else if (this.pos >= this.end && got.length % ps >= this.layout.dataOffset) {
        // a block that ends inside a page (recovered from a cut v7 file, whose size is where the file
        // ends): the complete events of that last page, as for a v6 file cut at the same byte
        whole = got.length;
      }
      this.setBytes(got);
      this.decode(got, whole, base);
      return true;
    }
    // compressed: u32 chunk count, then (u32 csize, u32 usize, data) per chunk
    const le = this.layout.le;
    if (this.chunksLeft < 0) {
      const head = this.src.readAvailable(this.pos, 4);
      if (head.length < 4) {
        this.warn(`${this.where(this.pos)}: truncated before the chunk count at byte ${this.pos}`);
        return false;
      }
      this.chunksLeft = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, le);
      this.pos += 4;
      this.end += 4;
      if (this.chunksLeft > this.d.size / 8 + 1) {
        this.warn(`${this.where(this.pos)}: chunk count ${this.chunksLeft} at byte ${this.pos - 4} is more than ${this.d.size} bytes can hold`);
        this.chunksLeft = Math.floor(this.d.size / 8);
      }
    }
    while (this.chunksLeft > 0) {
      this.chunksLeft--;
      const at = this.pos;
      const h = this.src.readAvailable(at, 8);
      if (h.length < 8) {
        this.warn(`${this.where(at)}: truncated inside a chunk header at byte ${at}; events before it were read`);
        this.chunksLeft = 0;
        return false;
      }
      const hv = new DataView(h.buffer, h.byteOffset, 8);
      const csize = hv.getUint32(0, le);
      const usize = hv.getUint32(4, le);
      if (usize > MAX_CHUNK || usize > plausibleExpansion(this.codec, csize) || csize > this.src.size - at - 8) {
        const truncated = csize > this.src.size - at - 8;
        this.warn(`${this.where(at)}: ${truncated ? `chunk at byte ${at} needs ${csize} bytes but the file ends at ${this.src.size}` : `chunk at byte ${at} claims ${usize} uncompressed bytes`}; events before it were read`);
        this.chunksLeft = 0;
        return false;
      }
      const cdata = this.src.read(at + 8, csize, 'compressed chunk');
      this.pos = at + 8 + csize;
      let plain: Uint8Array;
      try {
        plain = this.codec.decompress(cdata, usize);
      } catch (e) {
        this.warn(`${this.where(at)}: chunk at byte ${at} does not decompress (${(e as Error).message}); skipped`);
        continue;
      }
      if (plain.length !== usize) this.warn(`${this.where(at)}: chunk at byte ${at} gave ${plain.length} bytes, header says ${usize}`);
      this.setBytes(plain);
      this.decode(plain, plain.length - (plain.length % ps), -1, at);
      if (this.recs.n > 0) return true;
    }
    return false;
  }

  private setBytes(b: Uint8Array): void {
    this.bytes = b;
    this.words = b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length >> 2) : null;
  }

  private decode(bytes: Uint8Array, end: number, fileBase: number, chunkAt = -1): void {
    decodePages(bytes, 0, end, this.layout, this.baseNs, this.addNs, this.recs, (pos, msg) => {
      const place = fileBase >= 0 ? `byte ${fileBase + pos}` : `byte ${pos} of the chunk at file byte ${chunkAt}`;
      this.warn(`${this.where(0)}: ${msg} at ${place}`);
    });
  }
}
