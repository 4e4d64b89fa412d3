import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProfileHook } from '../../src/analysis/trace-profile.ts';
import { ROOT, SHARED, hasTraceCmd, tempDir } from '../helpers.ts';
import { canon } from './profile-canon.ts';

/**
 * `report --profile` against trace-cmd 3.1.6's (trace-profile.c). trace-cmd's own output
 * changes from run to run in two places: a task's events that sort equal (compare_events():
 * same event and total time) come in the order of a hash of heap addresses, and --by-comm's
 * groups in the order of strcmp() over two pointers' bytes. Both texts are compared with those
 * runs and the groups sorted (canon()); everything else byte for byte.
 */
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const here = path.dirname(new URL(import.meta.url).pathname);
const dir = tempDir('tracelab-profile-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function profile(args: string[]): { stdout: string; stderr: string; status: number | null } {
  return spawnSync(process.execPath, [cli, 'report', '--profile', ...args], { encoding: 'latin1', maxBuffer: 1 << 28 });
}

describe('report --profile', () => {
  it("samples/real-ipi.dat: trace-cmd's profile as stored (plain, and -G --by-comm)", () => {
    for (const [suffix, args] of [['', []], ['-G-by-comm', ['-G', '--by-comm']]] as const) {
      const want = fs.readFileSync(path.join(here, `real-ipi.profile${suffix}.txt`), 'latin1');
      const r = profile([...args, sample]);
      expect(r.status, r.stderr).toBe(0);
      expect(canon(r.stdout)).toBe(canon(want));
      // the comparison is not blind: the same events in trace-cmd's other order still differ from a wrong count
      expect(canon(r.stdout.replace('(742)', '(741)'))).not.toBe(canon(want));
    }
  });

  it('canon() forgives only the orders trace-cmd leaves to chance', () => {
    const a = 'cpus=1\n\ntask: a-1\n  Event: x:0x1 (2)\n  Event: x:0x2 (3)\n  Event: y:0x1 (1) Total: 5 Avg: 5 Max: 5(ts:1.000000) Min:5(ts:1.000000)\n';
    expect(canon(a)).toBe(canon(a.replace('  Event: x:0x1 (2)\n  Event: x:0x2 (3)', '  Event: x:0x2 (3)\n  Event: x:0x1 (2)')));
    expect(canon(a)).not.toBe(canon(a.replace('x:0x1 (2)\n  Event: x:0x2 (3)\n  Event: y', 'x:0x1 (2)\n  Event: y').replace('(ts:1.000000)\n', '(ts:1.000000)\n  Event: x:0x2 (3)\n')));
  });

  describe.skipIf(!hasTraceCmd())('as trace-cmd report --profile prints it (needs trace-cmd)', () => {
    const rec = path.join(dir, 'dataplane.dat');
    const files = () => [sample, rec, path.join(SHARED, 'public/ARM-software-lisa/tests/trace.dat'), path.join(SHARED, 'public/ARM-software-lisa/ipynb/deprecated/tutorial/example_rtapp/trace.dat')].filter((f) => fs.existsSync(f));
    const cases: string[][] = [[], ['-G'], ['--by-comm'], ['-G', '--by-comm'], ['--cpu', '1'], ['-F', 'sched_switch'], ['-H', 'sched:sched_switch,prev_pid/sched:sched_switch,next_pid'], ['-H', 'irq_handler_entry,irq/irq_handler_exit,irq,PG']];
    it('real traces and an emulated one with kernel stacks after every event (-T): every option, every task, event, time and stack chain', () => {
      const r = spawnSync(process.execPath, [cli, 'record', '--scenario', 'dataplane-strict', '--duration', '500ms', '-T', '-q', '-o', rec]);
      expect(r.status, String(r.stderr)).toBe(0);
      let chains = 0;
      for (const f of files()) {
        // every option on the sample and the recording; the plain profile and the groups on the others
        for (const args of f === sample || f === rec ? cases : cases.slice(0, 3)) {
          const want = spawnSync('trace-cmd', ['report', '--profile', ...args, f], { encoding: 'latin1', maxBuffer: 1 << 28 });
          const got = profile([...args, f]);
          expect(got.status, got.stderr).toBe(0);
          expect(canon(got.stdout), `${path.basename(f)} ${args.join(' ')}`).toBe(canon(want.stdout));
          chains += got.stdout.split('\n').filter((l) => /^(?: {4}[ |] )+ {4}\+ /.test(l)).length;
        }
      }
      // the stacks were there to fold
      expect(chains).toBeGreaterThan(1000);
    });
  });

  it('a sched_switch without the fields the profile reads is a one-line error, as trace-cmd dies on it', async () => {
    const { testDat } = await import('../printfmt/test-dat.ts');
    const file = path.join(dir, 'no-prev-comm.dat');
    const sw = 'name: sched_switch\nID: 300\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n\tfield:pid_t prev_pid;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:long prev_state;\toffset:16;\tsize:8;\tsigned:1;\n\tfield:pid_t next_pid;\toffset:24;\tsize:4;\tsigned:1;\n\nprint fmt: "prev_pid=%d next_pid=%d", REC->prev_pid, REC->next_pid\n';
    const w = await testDat(file, { systems: [{ system: 'sched', texts: [sw] }], cpus: 1 }, 1_000_000_000n);
    await w.close();
    const r = profile([file]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`tracelab: ${file}: --profile: Event: sched_switch does not have field prev_comm`]);
  });

  it('-H: a hook is printed as trace-cmd reads it; a malformed one is a one-line error', () => {
    expect(parseProfileHook('sched:sched_switch,prev_pid/sched:sched_switch,next_pid').line).toBe('start sched:sched_switch:prev_pid ((null)) end sched:sched_switch:next_pid ((null))');
    expect(parseProfileHook('irq_handler_entry,irq,common_pid/irq_handler_exit,irq,PG')).toMatchObject({ line: 'start (null):irq_handler_entry:irq (common_pid) end (null):irq_handler_exit:irq (PG)', hook: { migrate: false, global: true, pid: 'common_pid' } });
    const r = profile(['-H', 'sched_switch', sample]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(["tracelab: -H: Invalid hook format 'sched_switch'"]);
  });
});
