import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import type { Trace } from '../src/core/trace.ts';
import { printReport, type ReportOptions } from '../src/io/text/report-printer.ts';

import { SHARED } from './oracles.ts';

export { ROOT, SHARED, hasTraceCmd } from './oracles.ts';
export const hasShared = fs.existsSync(SHARED);

/** Reads a text file, gunzipping when it ends in .gz, as latin1 (bytes preserved). */
export function readText(p: string): string {
  const b = fs.readFileSync(p);
  return (p.endsWith('.gz') ? zlib.gunzipSync(b) : b).toString('latin1');
}

export function reportOf(trace: Trace, opts: ReportOptions = {}): string {
  const chunks: Uint8Array[] = [];
  printReport(trace, (c) => chunks.push(c), opts);
  return Buffer.concat(chunks).toString('latin1');
}

/** Every event as one line of its columns and record bytes: two traces with these equal hold the same events. */
export function rowsOf(trace: Trace): string[] {
  const out: string[] = [];
  for (const b of trace.batches()) {
    for (let i = 0; i < b.length; i++) {
      const rec = Buffer.from(b.data.buffer, b.data.byteOffset + b.off[i], b.size[i]).toString('hex');
      out.push(`${b.ts[i]} ${b.cpu[i]} ${b.pid[i]} ${b.flags[i]} ${b.preempt[i]} ${b.buffer[i]} ${b.lost?.get(i) ?? ''} ${rec}`);
    }
  }
  return out;
}

/** The real `trace-cmd report` output for a file, with its stderr (warnings) and exit status. */
export function traceCmdReport(file: string, args: string[] = []): { out: string; err: string; status: number } {
  const r = spawnSync('trace-cmd', ['report', ...args, file], { maxBuffer: 1 << 30 });
  return { out: r.stdout?.toString('latin1') ?? '', err: r.stderr?.toString('latin1') ?? '', status: r.status ?? -1 };
}

/** Every file under a folder whose name matches. */
export function findFiles(dir: string, re: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findFiles(p, re));
    else if (re.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** First lines where two texts differ, for readable failures. */
export function firstDiff(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n  expected: ${JSON.stringify(la[i])}\n  actual:   ${JSON.stringify(lb[i])}`;
  }
  return 'identical';
}

/**
 * A fresh temporary folder under the run's TMPDIR, removed with it when the
 * run ends (test/global-setup.ts; a worker's exit handlers never run).
 */
export function tempDir(prefix = 'tracelab-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The trace-cmd report output stored beside a trace (FILE.report[SUFFIX].txt or .txt.gz), or null. */
export function storedReport(file: string, suffix = ''): string | null {
  for (const ext of ['.txt', '.txt.gz']) {
    const p = `${file}.report${suffix}${ext}`;
    if (fs.existsSync(p)) return readText(p);
  }
  return null;
}
