#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { UserError } from '../src/core/errors.ts';
import { FilterError } from '../src/filter/kernel-filter.ts';
import { register as registerChart } from './chart.ts';
import { register as registerCheck } from './check.ts';
import { register as registerCompare } from './compare.ts';
import { register as registerConvert } from './convert.ts';
import { register as registerDemo } from './demo.ts';
import { register as registerFilter } from './filter.ts';
import { register as registerHist } from './hist.ts';
import { register as registerInterference } from './interference.ts';
import { register as registerIpi } from './ipi.ts';
import { register as registerNoise } from './noise.ts';
import { register as registerRecord } from './record.ts';
import { register as registerReport } from './report.ts';
import { register as registerScenarios } from './scenarios.ts';

const program = new Command();
program
  .name('tracelab')
  .description('Linux kernel tracing for patch reviews: read trace.dat and report text, emulate kernels, analyse interference')
  .option('--debug', 'show stack traces for errors')
  .exitOverride();

registerReport(program);
registerFilter(program);
registerRecord(program);
registerScenarios(program);
registerHist(program);
registerInterference(program);
registerIpi(program);
registerNoise(program);
registerCompare(program);
registerConvert(program);
registerDemo(program);
registerChart(program);
registerCheck(program);

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
