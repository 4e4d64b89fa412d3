import * as fs from 'node:fs';
import { SpillFile } from '../../core/spill-file.ts';
import { writeAll } from '../../core/write-all.ts';
import type { ChunkCompressor } from './chunk-compressor.ts';

/**
 * One CPU's finished pages until the file is assembled. trace.dat stores each
 * CPU's data contiguously, but events arrive interleaved, so pages are kept per
 * CPU: compressed into chunks of 10 pages (as trace-cmd does) when the file is
 * compressed (the staging buffer is reused: the compressor copies what it keeps),
 * and spilled to a temporary file past a memory budget.
 */
export class CpuPages {
  private parts: Uint8Array[] = [];
  private memBytes = 0;
  private spill: SpillFile | null = null;
  private staging: Uint8Array | null = null;
  private staged = 0;
  pages = 0;
  chunks = 0;
  /** Bytes of data for the BUFFER option (compressed: excluding the chunk count). */
  size = 0;

  constructor(
    private pageSize: number,
    private compressor: ChunkCompressor | null,
    private le: boolean,
    private budget = 16 << 20,
  ) {}

  /** Stores a compressed chunk with its sizes (the compressor's callback, in chunk order). */
  private readonly chunkDone = (c: Uint8Array, plainSize: number): void => {
    const out = new Uint8Array(8 + c.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, c.length, this.le);
    dv.setUint32(4, plainSize, this.le);
    out.set(c, 8);
    this.chunks++;
    this.store(out);
  };

  addPage(page: Uint8Array): void {
    this.pages++;
    if (!this.compressor) {
      this.store(page.slice());
      return;
    }
    // pages go straight into the chunk being filled: one copy, no array per page
    this.staging ??= new Uint8Array(10 * this.pageSize);
    this.staging.set(page, this.staged * this.pageSize);
    if (++this.staged === 10) this.compressPending();
  }

  private compressPending(): void {
    if (!this.staged || !this.staging) return;
    const plain = this.staging.subarray(0, this.staged * this.pageSize);
    this.staged = 0;
    this.compressor!.submit(plain, this.chunkDone);
  }

  private store(b: Uint8Array): void {
    this.size += b.length;
    if (this.spill) {
      this.spill.append(b);
      return;
    }
    this.parts.push(b);
    this.memBytes += b.length;
    if (this.memBytes > this.budget) {
      this.spill = new SpillFile('cpu');
      for (const part of this.parts) this.spill.append(part);
      this.parts = [];
      this.memBytes = 0;
    }
  }

  /** Completes the last chunk (hands it to the compressor: wait for that before writeTo). */
  finish(): void {
    if (this.compressor) this.compressPending();
  }

  /** Writes everything (with the chunk count first when compressed) to `fd` at its current position. */
  writeTo(fd: number): void {
    if (this.compressor) {
      const n = new Uint8Array(4);
      new DataView(n.buffer).setUint32(0, this.chunks, this.le);
      fs.writeSync(fd, n);
    }
    if (this.spill) {
      const buf = new Uint8Array(1 << 20);
      for (let pos = 0; pos < this.spill.size; pos += buf.length) {
        const piece = buf.subarray(0, Math.min(buf.length, this.spill.size - pos));
        this.spill.readAt(pos, piece);
        writeAll(fd, piece);
      }
    }
    for (const part of this.parts) fs.writeSync(fd, part);
  }

  /** Bytes writeTo writes. */
  get writtenSize(): number {
    return this.size + (this.compressor ? 4 : 0);
  }

  dispose(): void {
    this.spill?.close();
    this.spill = null;
    this.parts = [];
  }
}
