import * as fs from 'node:fs';
import { FormatError, TruncatedError } from '../../core/errors.ts';
import { latin1Text } from '../../core/latin1.ts';

/**
 * Positional, bounds-checked reads of a file (or of bytes already in memory),
 * so a multi-GB trace is never loaded whole and every short read becomes an
 * error naming the file and offset.
 */
export class FileSource {
  readonly size: number;
  private fd: number | null;
  private mem: Uint8Array | null;

  constructor(readonly path: string, bytes?: Uint8Array) {
    if (bytes) {
      this.mem = bytes;
      this.fd = null;
      this.size = bytes.length;
    } else {
      this.mem = null;
      this.fd = fs.openSync(path, 'r');
      this.size = fs.fstatSync(this.fd).size;
    }
  }

  /** Reads exactly `len` bytes at `offset`, or fails naming what was being read. */
  read(offset: number, len: number, what: string): Uint8Array {
    if (offset < 0 || len < 0 || offset + len > this.size) {
      throw new TruncatedError(this.path, offset, `${len} bytes of ${what}`, this.size);
    }
    return this.readAvailable(offset, len);
  }

  /** Reads up to `len` bytes at `offset` (fewer at the end of the file). */
  readAvailable(offset: number, len: number): Uint8Array {
    const n = Math.max(0, Math.min(len, this.size - offset));
    if (this.mem) return this.mem.subarray(offset, offset + n);
    const buf = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const got = fs.readSync(this.fd!, buf, done, n - done, offset + done);
      if (got <= 0) break;
      done += got;
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Raised when a cursor over a file prefix runs out: the caller retries with more bytes. */
export class NeedMore extends Error {}

/**
 * Sequential reader over a byte range: a decompressed section or a file region.
 * Over a prefix of a file (`fileSize` given), running off the prefix raises
 * NeedMore instead of an error, so metadata can be parsed without reading the
 * whole (possibly huge) file.
 */
export class Cursor {
  pos = 0;
  private dv: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly le: boolean,
    readonly file: string,
    /** File offset of bytes[0], or -1 when the bytes are decompressed. */
    readonly base: number,
    readonly label: string,
    readonly fileSize?: number,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Bytes left in the whole range (the file when reading a prefix of it). */
  get available(): number {
    if (this.fileSize !== undefined && this.base >= 0) return this.fileSize - (this.base + this.pos);
    return this.remaining;
  }

  fail(expected: string, found?: string): never {
    if (this.base >= 0) throw new FormatError(this.file, this.base + this.pos, expected, found);
    throw new FormatError(this.file, this.pos, `${expected} (in the decompressed ${this.label})`, found);
  }

  need(n: number, what: string): void {
    if (this.pos + n <= this.bytes.length) return;
    if (this.fileSize !== undefined && this.base >= 0 && this.base + this.pos + n <= this.fileSize) throw new NeedMore();
    this.fail(`${n} bytes of ${what}`, `only ${this.available} left in ${this.label}`);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.dv.getUint16(this.pos, this.le);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.pos, this.le);
    this.pos += 4;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.dv.getBigUint64(this.pos, this.le);
    this.pos += 8;
    return v;
  }
  /** A u64 size that must fit in what is left. */
  size64(what: string): number {
    const v = this.u64(what);
    if (v > BigInt(this.available)) this.fail(`${what} of at most ${this.available} bytes`, `${v}`);
    return Number(v);
  }
  size32(what: string): number {
    const v = this.u32(what);
    if (v > this.available) this.fail(`${what} of at most ${this.available} bytes`, `${v}`);
    return v;
  }
  bytesOf(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  text(n: number, what: string): string {
    return latin1Text(this.bytesOf(n, what));
  }
  cstring(what: string): string {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) {
      if (this.fileSize !== undefined && this.base >= 0 && this.base + this.bytes.length < this.fileSize) throw new NeedMore();
      this.fail(`a NUL-terminated ${what}`, 'no NUL before the end');
    }
    const s = latin1Text(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  /** The text up to a NUL, or all that is left when there is none (option payloads). */
  cstringOr(): string {
    let end = this.bytes.indexOf(0, this.pos);
    if (end < 0) end = this.bytes.length;
    const s = latin1Text(this.bytes.subarray(this.pos, end));
    this.pos = Math.min(end + 1, this.bytes.length);
    return s;
  }
}
