import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { applySets, compare, formatCpuList, openTrace, parseCpuList, preset, record } from '../src/index.ts';
import { compareText } from '../src/charts/index.ts';
import { progressBar } from './progress.ts';

/** The main job in one command: the seed-004 review, before and after the IPI deferral series. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('the seed-004 review: record isolation-ipi for 20 emulated minutes without and with IPI deferral, compare the callbacks')
    .option('--keep <dir>', 'keep before.dat and after.dat in this folder')
    .action(async (o: { keep?: string }) => {
      const dir = o.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-demo-'));
      fs.mkdirSync(dir, { recursive: true });
      const files: string[] = [];
      for (const sets of [[], ['kernel.defer_ipis=on']]) {
        const s = preset('isolation-ipi');
        applySets(s, sets);
        const out = path.join(dir, sets.length ? 'after.dat' : 'before.dat');
        const bar = progressBar(sets.length ? 'after ' : 'before', 'events');
        const r = await record({ scenario: s, output: out, progress: bar.update, origin: { scenario: 'isolation-ipi', sets } });
        bar.stop();
        process.stdout.write(`$ tracelab record --scenario isolation-ipi${sets.map((x) => ` --set ${x}`).join('')} -o ${out}\n  ${r.events} events (IPIs aimed at isolated CPUs) in ${(r.durationNs / 60e9).toFixed(0)} emulated minutes\n`);
        files.push(out);
      }
      const [b, a] = [await openTrace(files[0]), await openTrace(files[1])];
      const c = compare(b, a);
      process.stdout.write(`\n$ tracelab compare ${files[0]} ${files[1]}\n`);
      process.stdout.write(compareText(c.table, c.summary));
      // the same runs counted once per IPI, from request to handler (v6.4 traces each IPI twice)
      const isolated = parseCpuList(preset('isolation-ipi').isolated);
      const ci = compare(b, a, { isolated });
      process.stdout.write(`\n$ tracelab compare ${files[0]} ${files[1]} --isolated ${formatCpuList(isolated)}\n`);
      process.stdout.write(compareText(ci.table, ci.summary));
      process.stdout.write(`\nseed 004 (v6.4 vs the series): do_flush_tlb_all 236 -> 22, do_sync_core 576 -> 0, generic_smp_call_function_single_interrupt 814 -> 24, nohz_full_kick_func 309 -> 307\n`);
      if (!o.keep) {
        fs.rmSync(dir, { recursive: true, force: true });
        process.stdout.write(`(${dir} is deleted again; tracelab demo --keep DIR keeps both traces)\n`);
      }
    });
}
