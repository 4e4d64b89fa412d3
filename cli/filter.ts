import type { Command } from 'commander';
import { checkFilter } from '../src/index.ts';

export function register(program: Command): void {
  const filter = program.command('filter').description('the kernel event filter language');
  filter
    .command('check')
    .description('check a filter as the kernel would when it is written to an event\'s filter file')
    .requiredOption('-e, --event <event>', 'SYSTEM:EVENT, EVENT, or SYSTEM (a subsystem filter)')
    .argument('<expr>', "the filter, e.g. 'cpumask & CPUS{2-5}'")
    .argument('[file]', 'trace.dat whose formats and CPU count to use (default: the built-in 6.18 catalog)')
    .option('--cpus <n>', 'nr_cpu_ids for CPUS{} (default: the trace\'s CPU count, or 8192)')
    .action(async (expr: string, file: string | undefined, o: { event: string; cpus?: string }) => {
      const r = await checkFilter({ event: o.event, expr, file, cpus: o.cpus ? Number(o.cpus) : undefined });
      if (r.ok) process.stdout.write(`ok${r.note ? ` (${r.note})` : ''}\n`);
      else {
        process.stderr.write(r.text);
        process.exitCode = 1;
      }
    });
}
