import * as fs from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { Trace } from '../core/trace.ts';
import { looksLikeDat, openDat } from './dat/reader.ts';

/**
 * Opens any trace tracelab reads, deciding by content, never by file name.
 */
export async function openTrace(path: string): Promise<Trace> {
  let head: Uint8Array;
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const b = Buffer.alloc(4096);
      const n = fs.readSync(fd, b, 0, b.length, 0);
      head = b.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`${path}: cannot open: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  if (looksLikeDat(head)) return openDat(path);
  throw new UserError(`${path}: not a trace.dat file (expected the magic bytes 17 08 44 "tracing" at byte 0)`);
}
