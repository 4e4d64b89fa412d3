#!/usr/bin/env -S node --v8-pool-size=1
// One V8 helper thread instead of Node's four. tracelab's JavaScript runs on one
// thread (record adds its compression worker, a thread of its own); V8's pool only
// compiles optimized code and helps the GC beside it, and every pool thread that
// allocates gets a glibc malloc arena and a stack of its own, which stay resident
// (MALLOC_ARENA_MAX=1 alone gives back 5 of the 6 MB below). Measured on
// 2 cores (five runs each): peak RSS of report 77 -> 71 MB on LISA's tests/trace.dat,
// 93 -> 88 MB on samples/real-ipi.dat, same times; hist and interference of the
// 2 M-event replica, record and noise of a 3.6 M-event emulated trace: times within
// noise, 0-6 MB less (three runs each). The bench
// runs this file as the executable users run (test/cli/v8-pool.test.ts checks the flag
// reaches Node).
import { Command, CommanderError } from 'commander';
import { FilterError, UserError } from '../src/index.ts';
import { COMMANDS, registerFromTable } from './commands.ts';
import { exitIfIdle } from './quick-exit.ts';
const program = new Command();
program
  .name('tracelab')
  .description('Linux kernel tracing for patch reviews: read trace.dat and report text, emulate kernels, analyse interference')
  .option('--debug', 'show stack traces for errors')
  .exitOverride();

// Each command's module graph (arquero for the analyses, the emulator for record, ...) is
// loaded only when that command runs: `tracelab report` starts as fast as Node and the
// reader allow. The command list of `tracelab --help` (and of an unknown command's
// suggestion) comes from the table the build wrote (scripts/bundle.mjs), so help
// loads no command at all; without the table every command is registered.
const args = process.argv.slice(2);
const first = args.find((a) => !a.startsWith('-'));
const named = first === 'help' ? args[args.indexOf('help') + 1] : first;
if (named !== undefined && Object.hasOwn(COMMANDS, named)) {
  (await COMMANDS[named]()).register(program);
} else if (!registerFromTable(program)) {
  const loaded = new Set<() => Promise<unknown>>();
  for (const load of Object.values(COMMANDS)) {
    // chart.ts registers both chart and review
    if (loaded.has(load)) continue;
    loaded.add(load);
    (await load()).register(program);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else if ((e as NodeJS.ErrnoException).code === 'EPIPE') {
    // the reader closed the pipe (`| head`): what it wanted was written
    process.exitCode = 0;
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
exitIfIdle();
