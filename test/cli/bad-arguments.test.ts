import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';

const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');

describe('bad arguments get one clear line and exit 1, never an internal error', () => {
  it.each([
    [['report', sample, '--cpu', '1-0'], /^tracelab: invalid CPU list "1-0": range 1-0 runs backwards\n$/],
    [['report', sample, '--cpu', '-1'], /^tracelab: invalid CPU list "-1": bad part "-1"\n$/],
    [['report', sample, '--cpu', '0-4294967295'], /^tracelab: invalid CPU list "0-4294967295": range too large\n$/],
    [['hist', sample, '--by', 'constructor'], /^tracelab: .*no events with a field "constructor"/],
    [['hist', sample, '--by', 'pid.sideways'], /^tracelab: --by pid\.sideways: the modifiers are/],
    [['noise', sample, '--measure', 'x'], /^tracelab: --measure: expected a CPU list/],
    [['compare', sample, sample, '--isolated', '1', '--by', 'vec'], /^tracelab: compare --isolated --by: expected function, cpu, callsite, sender, noise, not "vec"\n$/],
  ])('%j', (args, message) => {
    const r = spawnSync(process.execPath, [cli, ...args]);
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(message);
    expect(r.stderr.toString().split('\n').filter(Boolean).length).toBe(1);
  });
});
