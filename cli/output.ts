import { writeAll } from '../src/index.ts';

/**
 * Writes text to a file descriptor as bytes (latin1: one char per byte, so
 * trace content passes through unchanged). Synchronous, so output is never
 * buffered without bound; a closed pipe (`| head`) ends the program quietly.
 */
export class ByteWriter {
  constructor(private fd = 1) {}

  write = (s: string | Uint8Array): void => {
    try {
      writeAll(this.fd, typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
      throw e;
    }
  };
}

/** Warnings go to stderr, one line each. */
export function warn(msg: string): void {
  process.stderr.write(`tracelab: warning: ${msg}\n`);
}
