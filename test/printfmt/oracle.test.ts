import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDat, type DatTrace } from '../../src/io/dat/reader.ts';
import { firstDiff, hasTraceCmd, reportOf, traceCmdReport } from '../helpers.ts';
import { writeOracleTrace } from './oracle-trace.ts';

/**
 * Every print-fmt feature against trace-cmd. The expected outputs beside this
 * file were produced by trace-cmd 3.1.6 from the same generated trace; with
 * trace-cmd installed the test also asks it live. Regenerate them with
 * UPDATE_ORACLE=1 after changing the generator.
 */
const here = path.dirname(new URL(import.meta.url).pathname);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-oracle-'));
const file = path.join(dir, 'oracle.dat');
let trace: DatTrace;

beforeAll(async () => {
  await writeOracleTrace(file);
  trace = await openDat(file);
});
afterAll(() => {
  trace?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('print fmt rendering, oracle: trace-cmd report', () => {
  for (const mode of ['', '-l', '-t', '-R']) {
    it(`report ${mode || '(default)'}`, () => {
      const opts = { latency: mode === '-l', ns: mode === '-t', raw: mode === '-R' };
      const ours = reportOf(trace, opts);
      const stored = path.join(here, `oracle.report${mode}.txt`);
      if (process.env.UPDATE_ORACLE && hasTraceCmd()) fs.writeFileSync(stored, traceCmdReport(file, mode ? [mode] : []).out, 'latin1');
      const want = fs.readFileSync(stored, 'latin1');
      if (ours !== want) expect.fail(firstDiff(want, ours));
      if (hasTraceCmd()) {
        const live = traceCmdReport(file, mode ? [mode] : []).out;
        if (live !== ours) expect.fail(`live trace-cmd: ${firstDiff(live, ours)}`);
      }
    });
  }

  it('covers the features it claims to', () => {
    const text = fs.readFileSync(path.join(here, 'oracle.report.txt'), 'latin1');
    for (const needle of ['flags=A|B|C|HUNDRED|0x', 'sym=0xfffffffe', 'cpus=0-1,3-5,64-65,79', 'mask=00000000,0000000b', 'hex=01 02 ab ff', 'p=(nil)', 'fn=do_other_thing+0x34', '[FAILED TO PARSE] x=5', 'ch=>c<', 'caller=do_one_thing+0x10', 'ret=-2', 'W ==> rcu_preempt', '=> schedule (ffffffff81001810)', 'a value: -12 and str', '[UNKNOWN EVENT]', 'two words-200', 'kmalloc:              (do_one_thing+0x10) call_site=', 'pages=512 reason=remote shootdown (1)', 'reason= (4294967295)', 'jbd2_run_stats:       dev 8,1 tid 4242 wait 5 ', 'op=FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME uaddr=0x7f0012345678 val=0x00000001', 'op 13(multicall) nargs 3', 'reason UNKNOWN-ISA rip 0xffffffffa0632f49 info 380 0', 'mac=ARG TYPE NOT FIELD BUT 11 ip=ARG TYPE NOT FIELD BUT 11 len=ARG TYPE NOT FIELD BUT 14']) {
      expect(text).toContain(needle);
    }
  });
});
