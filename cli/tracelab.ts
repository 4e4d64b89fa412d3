#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { UserError } from '../src/core/errors.ts';
import { FilterError } from '../src/filter/kernel-filter.ts';
const program = new Command();
program
  .name('tracelab')
  .description('Linux kernel tracing for patch reviews: read trace.dat and report text, emulate kernels, analyse interference')
  .option('--debug', 'show stack traces for errors')
  .exitOverride();

// Each command's module graph (arquero for the analyses, the emulator for record, ...) is
// loaded only when that command runs: `tracelab report` starts as fast as Node and the
// reader allow. Help and unknown commands register them all.
const chart = () => import('./chart.ts');
const COMMANDS: Record<string, () => Promise<{ register(p: Command): void }>> = {
  report: () => import('./report.ts'),
  dump: () => import('./dump.ts'),
  split: () => import('./split.ts'),
  filter: () => import('./filter.ts'),
  record: () => import('./record.ts'),
  scenarios: () => import('./scenarios.ts'),
  hist: () => import('./hist.ts'),
  interference: () => import('./interference.ts'),
  ipi: () => import('./ipi.ts'),
  noise: () => import('./noise.ts'),
  compare: () => import('./compare.ts'),
  convert: () => import('./convert.ts'),
  demo: () => import('./demo.ts'),
  chart,
  review: chart,
  check: () => import('./check.ts'),
  violations: () => import('./violations.ts'),
  rcu: () => import('./rcu.ts'),
  uprobes: () => import('./uprobes.ts'),
  sql: () => import('./sql.ts'),
  view: () => import('./view.ts'),
};
const named = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) && named !== 'help' ? [named] : Object.keys(COMMANDS);
const loaded = new Set<() => Promise<unknown>>();
for (const name of wanted) {
  const load = COMMANDS[name];
  // chart.ts registers both chart and review
  if (loaded.has(load)) continue;
  loaded.add(load);
  (await load()).register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else if (e instanceof FilterError && !program.opts().debug) {
    // the kernel's own report: the filter, a caret, the message
    process.stderr.write(e.kernelText);
    process.exitCode = 1;
  } else if (e instanceof UserError && !program.opts().debug) {
    process.stderr.write(`tracelab: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    const err = e as Error;
    process.stderr.write(program.opts().debug ? `${err.stack}\n` : `tracelab: internal error: ${err.message} (run with --debug for details)\n`);
    process.exitCode = 2;
  }
}
