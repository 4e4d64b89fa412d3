import * as path from 'node:path';
import { record, type RecordOptions, type RecordSummary } from '../../src/emulator/record.ts';
import { applySets, preset, parseDuration } from '../../src/emulator/scenario.ts';
import type { Trace } from '../../src/core/trace.ts';
import { openTrace } from '../../src/io/open.ts';
import { reportOf, tempDir } from '../helpers.ts';

const dir = tempDir('tracelab-emu-');
let n = 0;

export interface Run {
  summary: RecordSummary;
  file: string;
  trace: Trace;
  report: string;
}

/** Records a preset with --set changes into a temporary trace.dat and reads it back. */
export async function run(name: string, sets: string[] = [], o: Partial<RecordOptions> & { duration?: string } = {}): Promise<Run> {
  const scenario = preset(name);
  applySets(scenario, sets);
  const file = path.join(dir, `${name}-${n++}.dat`);
  const summary = await record({ scenario, output: file, durationNs: o.duration ? parseDuration(o.duration) : undefined, ...o });
  const trace = await openTrace(file);
  return { summary, file, trace, report: reportOf(trace) };
}

/** The seed's pipeline: grep callback | awk '{print $NF}' | sort | uniq -c. */
export function callbackCounts(report: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of report.split('\n')) {
    if (!line.includes('callback')) continue;
    const f = line.trim().split(/\s+/);
    const last = f[f.length - 1];
    out[last] = (out[last] ?? 0) + 1;
  }
  return out;
}

/** Lines of one event in a report. */
export function linesOf(report: string, event: string): string[] {
  return report.split('\n').filter((l) => l.includes(` ${event}: `));
}
