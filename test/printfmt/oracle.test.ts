import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { openDat } from '../../src/io/dat/reader.ts';
import { replicateDat } from '../../src/io/dat/replicate.ts';
import { writeOracleTrace } from './oracle-trace.ts';
import { BASIC_MODES, storedOracleTests } from './stored-oracle.ts';

/**
 * Every print-fmt feature against trace-cmd. The expected outputs beside this
 * file were produced by trace-cmd 3.1.6 from the same generated trace; with
 * trace-cmd installed the test also asks it live. Regenerate them with
 * UPDATE_ORACLE=1 after changing the generator.
 */
const here = path.dirname(new URL(import.meta.url).pathname);

describe('print fmt rendering, oracle: trace-cmd report', () => {
  const stored = storedOracleTests(here, 'oracle', writeOracleTrace, BASIC_MODES);

  it('covers the features it claims to', () => {
    const text = stored();
    for (const needle of ['flags=A|B|C|HUNDRED|0x', 'sym=0xfffffffe', 'cpus=0-1,3-5,64-65,79', 'mask=00000000,0000000b', 'hex=01 02 ab ff', 'p=(nil)', 'fn=do_other_thing+0x34', '[FAILED TO PARSE] x=5', 'ch=>c<', 'caller=do_one_thing+0x10', 'ret=-2', 'W ==> rcu_preempt', '=> schedule (ffffffff81001810)', 'a value: -12 and str', 'do_other_thing: a value: 7 and a longer one, long 1234', '[UNKNOWN EVENT]', 'two words-200', 'kmalloc:              (do_one_thing+0x10) call_site=', 'pages=512 reason=remote shootdown (1)', 'reason= (4294967295)', 'jbd2_run_stats:       dev 8,1 tid 4242 wait 5 ', 'op=FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME uaddr=0x7f0012345678 val=0x00000001', 'op 13(multicall) nargs 3', 'reason UNKNOWN-ISA rip 0xffffffffa0632f49 info 380 0', 'mac=ARG TYPE NOT FIELD BUT 11 ip=ARG TYPE NOT FIELD BUT 11 len=ARG TYPE NOT FIELD BUT 14']) {
      expect(text).toContain(needle);
    }
  });
});

describe("printing state libtraceevent keeps across events, oracle: trace-cmd report", () => {
  // the oracle trace three times over: after a bprint whose format runs out of arguments,
  // every later bprint prints [FAILED TO PARSE] (TEP_EVENT_FL_FAILED); before it, a bprint
  // whose format is not in printk_formats says "(NO FORMAT FOUND at ...)"
  const stored = storedOracleTests(here, 'oracle-x3', async (file) => {
    const one = `${file}.one.dat`;
    await writeOracleTrace(one);
    const t = await openDat(one);
    await replicateDat(t, file, 3, { version: 7, compression: 'zstd' });
    t.close();
    fs.rmSync(one);
  }, [BASIC_MODES[0]]);

  it('shows both', () => {
    const text = stored();
    expect(text).toContain('bprint:               do_one_thing: a value: -12 and str');
    expect(text).toContain('bprint:               do_one_thing: (NO FORMAT FOUND at ffffffff82000998)');
    expect(text).toContain('bprint:               [FAILED TO PARSE] ip=0xffffffff81001000 fmt=0xffffffff82000100');
  });
});
