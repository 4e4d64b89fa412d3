import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { applySets, type EventSpec, loadScenario, openTrace, parseDuration, printFtrace, printReport, record, type RecordSummary, tempDatPath, UserError, writeAtomically } from '../src/index.ts';
import { ByteWriter } from './output.ts';
import { progressBar } from './progress.ts';

const FORMATS = ['dat', 'dat-v6', 'ftrace', 'report'];

export function register(program: Command): void {
  // -f belongs to the -e before it, as in trace-cmd record: commander calls these in command-line order
  const events: EventSpec[] = [];
  program
    .command('record')
    .description('run the emulated kernel and record its tracepoints (as trace-cmd record would)')
    .option('--scenario <name|file>', 'a preset (see `tracelab scenarios`) or a scenario JSON file', 'isolation-ipi')
    .option('--set <key=value>', 'change a scenario setting, e.g. kernel.defer_ipis=on (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--duration <time>', 'simulated time, e.g. 10s, 20m (default: the scenario\'s)')
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', '1')
    .option('-e <event>', 'enable SYSTEM, SYSTEM:EVENT or EVENT (repeatable; default: the scenario\'s events)', (v: string) => {
      events.push({ event: v, filters: [] });
      return v;
    })
    .option('-f <filter>', 'filter for the -e before it (kernel filter language)', (v: string) => {
      if (!events.length) throw new UserError('-f must follow the -e it filters');
      events[events.length - 1].filters.push(v);
      return v;
    })
    .option('-T', 'a kernel_stack after each event (stacktrace)')
    .option('-o, --output <file>', 'output file (default: trace.dat; "-": standard output; text formats print to stdout without -o)')
    .option('--output-format <fmt>', `${FORMATS.join(', ')}`, 'dat')
    .option('-q, --quiet', 'no summary')
    .action(async (o: Record<string, unknown>) => {
      const fmt = String(o.outputFormat);
      if (!FORMATS.includes(fmt)) throw new UserError(`--output-format: expected one of ${FORMATS.join(', ')}, not "${fmt}"`);
      const scenario = loadScenario(String(o.scenario));
      applySets(scenario, o.set as string[]);
      const seed = Number(o.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed: expected a non-negative integer, not "${o.seed}"`);
      const text = fmt === 'report' || fmt === 'ftrace';
      // "-o -": standard output (a trace.dat is written whole first, then copied there)
      const toStdout = o.output === '-';
      if (toStdout) delete o.output;
      const output = text || toStdout ? tempDatPath() : String(o.output ?? 'trace.dat');
      const bar = progressBar('record', 'events');
      const t0 = Date.now();
      let summary: RecordSummary;
      try {
        summary = await record({
          scenario,
          seed,
          durationNs: o.duration ? parseDuration(String(o.duration), '--duration') : undefined,
          events: events.length ? events : undefined,
          stacks: !!o.T,
          output,
          format: fmt === 'dat-v6' ? 'dat-v6' : 'dat',
          origin: { scenario: String(o.scenario), sets: o.set as string[] },
          progress: bar.update,
        });
      } catch (e) {
        // a run that fails (a bad filter, a full disk) leaves no scratch folder behind
        if (text || toStdout) fs.rmSync(path.dirname(output), { recursive: true, force: true });
        throw e;
      } finally {
        bar.stop();
      }
      const wall = (Date.now() - t0) / 1000;
      if (text) {
        // text is printed from the trace.dat the run wrote: one writer, one printer per format;
        // a file output under a temporary name until whole, and the temporary trace always removed
        try {
          const trace = await openTrace(output);
          const print = (out: ByteWriter) => (fmt === 'report' ? printReport(trace, out.write, { reuseChunks: true }) : printFtrace(trace, out.write));
          if (o.output) {
            await writeAtomically(String(o.output), (tmp) => {
              const fd = fs.openSync(tmp, 'w');
              try {
                print(new ByteWriter(fd));
              } finally {
                fs.closeSync(fd);
              }
            });
          } else print(new ByteWriter());
        } finally {
          fs.rmSync(path.dirname(output), { recursive: true, force: true });
        }
      }
      if (toStdout && !text) {
        try {
          const out = new ByteWriter();
          const fd = fs.openSync(output, 'r');
          try {
            const buf = Buffer.allocUnsafe(1 << 20);
            for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) out.write(buf.subarray(0, n));
          } finally {
            fs.closeSync(fd);
          }
        } finally {
          fs.rmSync(path.dirname(output), { recursive: true, force: true });
        }
      }
      if (!o.quiet) process.stderr.write(summaryText(summary, wall, text || toStdout ? String(o.output ?? 'stdout') : output));
    });
}

function summaryText(s: RecordSummary, wall: number, where: string): string {
  const counts = Object.entries(s.counts).sort((a, b) => b[1] - a[1]);
  const lines = [`tracelab: ${s.scenario} (seed ${s.seed}, ${s.cpus} CPUs): ${(s.durationNs / 1e9).toFixed(1)} s simulated in ${wall.toFixed(1)} s, ${s.events} events -> ${where}`];
  if (counts.length) lines.push(`  ${counts.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const i = s.isolated;
  if (i.cpus) {
    const secs = s.durationNs / 1e9;
    lines.push(
      `  isolated CPUs (${i.cpus}): ${i.ipisReceived} interrupts received (${(i.ipisReceived / secs).toFixed(2)}/s), ${i.kernelEntries} kernel entries, ${(i.kernelNs / 1e6).toFixed(3)} ms in the kernel` +
        (i.deferred || i.sentInKernel ? `; deferral: ${i.deferred} IPIs deferred into ${i.deferredRuns} runs on kernel entry (${(i.deferralCostNs / 1e6).toFixed(3)} ms added there), ${i.sentInKernel} sent anyway to CPUs in the kernel` : '') +
        (i.killed ? `; ${i.killed} tasks killed (dataplane-strict)` : ''),
    );
  }
  if (s.benchMessages !== null) lines.push(`  bench: ${s.benchMessages} messages (${(s.benchMessages / (s.durationNs / 1e9)).toFixed(0)}/s)`);
  if (s.probes) {
    const p = s.probes;
    if (p.unregisterStart >= 0) lines.push(`  probes unregistered at ${(p.unregisterStart / 1e9).toFixed(3)} s: ${p.gracePeriods} grace periods, done ${p.unregisterEnd >= 0 ? `after ${((p.unregisterEnd - p.unregisterStart) / 1e6).toFixed(1)} ms` : 'not within the recording'}`);
  }
  return lines.join('\n') + '\n';
}
