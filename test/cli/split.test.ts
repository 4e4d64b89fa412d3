import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTraceCmd, ROOT, tempDir } from '../helpers.ts';

/**
 * `tracelab split` against `trace-cmd split` (3.1.6): the same files, and
 * trace-cmd reports each the same. Without trace-cmd, the partition of the
 * sample's events is checked on its own.
 */
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const tmp = tempDir('tracelab-split-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tracelabSplit(input: string, out: string, args: string[]): { file: string; events: number }[] {
  const r = spawnSync(process.execPath, [cli, 'split', '-i', input, '-o', out, ...args], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr
    .trim()
    .split('\n')
    .map((l) => /^tracelab: (\d+) events -> (.*)$/.exec(l)!)
    .map((m) => ({ file: m[2], events: Number(m[1]) }));
}

function fresh(name: string): string {
  const d = path.join(tmp, name);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d);
  return d;
}

const reportOf = (file: string) => spawnSync('trace-cmd', ['report', file], { maxBuffer: 1 << 28 }).stdout.toString('latin1');

describe('split', () => {
  it('-e N -r cuts the sample into N-event files in order; -c -r per CPU; -C one CPU (counts, no oracle needed)', () => {
    const all = tracelabSplit(sample, path.join(fresh('e'), 'o'), ['-e', '10000', '-r']);
    expect(all.map((f) => f.events)).toEqual([10000, 10000, 10000, 4304]);
    expect(all.map((f) => path.basename(f.file))).toEqual(['o.0001', 'o.0002', 'o.0003', 'o.0004']);
    // per CPU: CPU 0 has 18681 events, CPU 1 15623: each file takes up to 3000 of each
    const per = tracelabSplit(sample, path.join(fresh('c'), 'o'), ['-c', '-e', '3000', '-r']);
    expect(per.map((f) => f.events)).toEqual([6000, 6000, 6000, 6000, 6000, 3623, 681]);
    const one = tracelabSplit(sample, path.join(fresh('C'), 'o'), ['-C', '1', '-e', '20000']);
    expect(one).toEqual([{ file: path.join(tmp, 'C', 'o.1'), events: 15623 }]);
  });

  it('-e 1 -r: an event read from a CPU that copied nothing into the file is lost, as in trace-cmd (parse_file() sets back only the CPUs it copied from)', () => {
    const small = path.join(fresh('small'), 's');
    tracelabSplit(sample, small, ['-e', '60']);
    const files = tracelabSplit(`${small}.1`, path.join(fresh('one'), 'o'), ['-e', '1', '-r']);
    expect(files).toHaveLength(47);
    expect(files.reduce((n, f) => n + f.events, 0)).toBe(46);
    expect(files[files.length - 1].events).toBe(0);
  });

  it.skipIf(!hasTraceCmd())('the same files as trace-cmd split, each reported identically: events, time windows, pages, per CPU, one CPU, start and end, v6 and v7 (needs trace-cmd)', () => {
    const small = path.join(fresh('small-tc'), 's');
    tracelabSplit(sample, small, ['-e', '24']);
    const v6 = path.join(tmp, 'small-tc', 'v6.dat');
    expect(spawnSync(process.execPath, [cli, 'convert', `${small}.1`, '-o', v6, '--file-version', '6']).status).toBe(0);
    const cases: [string, string[]][] = [
      [sample, ['-e', '10000', '-r']],
      [sample, ['-m', '500', '-r']],
      [sample, ['-c', '-e', '3000', '-r']],
      [sample, ['-C', '0', '-s', '1', '5169.5', '5170.2']],
      [sample, ['-r', '-e', '2000', '5169', '5169.5']],
      [sample, ['-c', '-e', '2000', '-r', '5170.5']],
      [`${small}.1`, ['-e', '1', '-r']],
      [`${small}.1`, ['-u', '50', '-r']],
      [v6, ['-e', '3', '-r']],
      [v6, ['-e', '5', '-c', '-r']],
      // pages: each CPU's records re-paged as parse_cpu() does (time extends, a page per lost-events mark)
      [sample, ['-p', '20', '-r']],
      [sample, ['-C', '1', '-p', '7', '-r']],
      [v6, ['-p', '1', '-r']],
    ];
    for (const [input, args] of cases) {
      const a = fresh('tc');
      const b = fresh('tl');
      const tc = spawnSync('trace-cmd', ['split', '-i', input, '-o', path.join(a, 'o'), ...args]);
      expect(tc.status, `${args}: ${tc.stderr}`).toBe(0);
      tracelabSplit(input, path.join(b, 'o'), args);
      const names = fs.readdirSync(a).sort();
      expect(fs.readdirSync(b).sort(), args.join(' ')).toEqual(names);
      for (const n of names) expect(reportOf(path.join(b, n)), `${args.join(' ')}: ${n}`).toBe(reportOf(path.join(a, n)));
    }
  }, 240_000);

  it('bad arguments: one line, exit 1, no file written', () => {
    const d = fresh('bad');
    for (const [args, re] of [
      [['-e', '0'], /units must be greater than 0/],
      [['-e', '5', '-s', '1'], /only one type of split/],
      [['-p', '0'], /units must be greater than 0/],
      [['-C', '7', '-e', '5'], /CPU 7: .* has CPUs 0-1/],
      [['-e', '5', '5170', '5169'], /end is before the start/],
      [['-e', '5', 'abc'], /start value not floating point: abc/],
      [['5169', '-e', '5'], /-e after the start\/end times/],
    ] as const) {
      const r = spawnSync(process.execPath, [cli, 'split', '-i', sample, '-o', path.join(d, 'o'), ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(fs.readdirSync(d)).toEqual([]);
  });
});
