import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Output files are written under a temporary name in their own folder and
 * renamed when complete: a failed or killed run never leaves a truncated file
 * where a good one was (rename within a folder is atomic on POSIX).
 */
export function tempPathFor(final: string): string {
  const dir = path.dirname(final);
  return path.join(dir, `.${path.basename(final)}.tracelab-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
}

/** Runs `write(tmp)`; renames tmp to `final` when it succeeds, removes it when it throws. */
export async function writeAtomically<T>(final: string, write: (tmp: string) => T | Promise<T>): Promise<T> {
  const tmp = tempPathFor(final);
  try {
    const r = await write(tmp);
    fs.renameSync(tmp, final);
    return r;
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** writeFileSync, atomically. */
export function writeFileAtomically(final: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(final);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, final);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
