import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Spill files not yet closed, removed at exit by one listener: a listener per
 * file went past Node's 10 with a MaxListenersExceededWarning on stderr once 11
 * were open at once (a trace.dat writer keeps one per CPU that passes its budget).
 */
const openFiles = new Set<SpillFile>();
const closeAll = (): void => {
  for (const f of openFiles) f.close();
};

/**
 * A temporary file that holds what would not fit a memory budget (a CPU's
 * pages while a trace.dat is written, an analysis's noise pieces), created on
 * the first write and removed when closed, or at exit if the run ends first.
 */
export class SpillFile {
  private fd = -1;
  private file = '';
  /** Bytes appended so far. */
  size = 0;

  /** `kind` names the file (tracelab-KIND-PID-RANDOM.bin), so a leftover says what left it. */
  constructor(private readonly kind: string) {}

  private open(): number {
    if (this.fd < 0) {
      this.file = path.join(os.tmpdir(), `tracelab-${this.kind}-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
      this.fd = fs.openSync(this.file, 'w+');
      if (!openFiles.size) process.once('exit', closeAll);
      openFiles.add(this);
    }
    return this.fd;
  }

  /** Appends bytes; returns where they start. */
  append(b: ArrayBufferView): number {
    const at = this.size;
    this.writeAt(at, b);
    this.size += b.byteLength;
    return at;
  }

  /** Writes bytes at `at` (again, for a change to what was appended). */
  writeAt(at: number, b: ArrayBufferView): void {
    const fd = this.open();
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, at + done);
  }

  /** Fills `into` with the bytes at `at`. */
  readAt(at: number, into: ArrayBufferView): void {
    if (this.fd < 0) throw new Error(`tracelab-${this.kind}: read before anything was written`);
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    let done = 0;
    while (done < bytes.length) {
      const got = fs.readSync(this.fd, bytes, done, bytes.length - done, at + done);
      if (got <= 0) throw new Error(`${this.file}: short read at byte ${at + done} of ${this.size}`);
      done += got;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
    this.fd = -1;
    this.size = 0;
    openFiles.delete(this);
    if (!openFiles.size) process.removeListener('exit', closeAll);
  }
}
