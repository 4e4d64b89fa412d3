import * as fs from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `data` to a file descriptor, synchronously. A pipe (standard
 * output read by `less` or another program) may take part of a write, or
 * none for a moment (EAGAIN on a non-blocking descriptor): the rest is
 * written when it can be. Other errors (EPIPE: the reader went away) are
 * the caller's.
 */
export function writeAll(fd: number, data: Uint8Array | string): void {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < b.length) {
    try {
      off += fs.writeSync(fd, b, off, b.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
