import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
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
    for (const needle of ['flags=A|B|C|HUNDRED|0x', 'sym=0xfffffffe', 'cpus=0-1,3-5,64-65,79', 'mask=00000000,0000000b', 'hex=01 02 ab ff', 'p=(nil)', 'fn=do_other_thing+0x34', '[FAILED TO PARSE] x=5', 'ch=>c<', 'caller=do_one_thing+0x10', 'ret=-2', 'W ==> rcu_preempt', '=> schedule (ffffffff81001810)', 'a value: -12 and str', '[UNKNOWN EVENT]', 'two words-200', 'kmalloc:              (do_one_thing+0x10) call_site=', 'pages=512 reason=remote shootdown (1)', 'reason= (4294967295)', 'jbd2_run_stats:       dev 8,1 tid 4242 wait 5 ', 'op=FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME uaddr=0x7f0012345678 val=0x00000001', 'op 13(multicall) nargs 3', 'reason UNKNOWN-ISA rip 0xffffffffa0632f49 info 380 0', 'mac=ARG TYPE NOT FIELD BUT 11 ip=ARG TYPE NOT FIELD BUT 11 len=ARG TYPE NOT FIELD BUT 14']) {
      expect(text).toContain(needle);
    }
  });
});
