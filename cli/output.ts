import * as fs from 'node:fs';

/**
 * Writes text to a file descriptor as bytes (latin1: one char per byte, so
 * trace content passes through unchanged). Synchronous, so output is never
 * buffered without bound; a closed pipe (`| head`) ends the program quietly.
 */
export class ByteWriter {
  constructor(private fd = 1) {}

  write = (s: string | Uint8Array): void => {
    this.writeBytes(typeof s === 'string' ? Buffer.from(s, 'latin1') : s, 0);
  };

  private writeBytes(b: Uint8Array, off: number): void {
    while (off < b.length) {
      try {
        off += fs.writeSync(this.fd, b, off, b.length - off);
      } catch (e) {
        off = this.onError(e, b, off);
      }
    }
  }

  private onError(e: unknown, b: Uint8Array, off: number): number {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EPIPE') process.exit(0);
    if (err.code !== 'EAGAIN') throw e;
    this.writeBytes(b, off);
    return b.length;
  }
}

/** Warnings go to stderr, one line each. */
export function warn(msg: string): void {
  process.stderr.write(`tracelab: warning: ${msg}\n`);
}
