import * as fs from 'node:fs';

/**
 * Writes text to a file descriptor as bytes (latin1: one char per byte, so
 * trace content passes through unchanged). Synchronous, so output is never
 * buffered without bound; a closed pipe (`| head`) ends the program quietly.
 */
export class ByteWriter {
  constructor(private fd = 1) {}

  write = (s: string): void => {
    const b = Buffer.from(s, 'latin1');
    let off = 0;
    while (off < b.length) {
      try {
        off += fs.writeSync(this.fd, b, off, b.length - off);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EAGAIN') continue;
        if (err.code === 'EPIPE') process.exit(0);
        throw e;
      }
    }
  };
}

/** Warnings go to stderr, one line each. */
export function warn(msg: string): void {
  process.stderr.write(`tracelab: warning: ${msg}\n`);
}
