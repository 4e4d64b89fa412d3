import { describe, expect, it } from 'vitest';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { parsePrintFmt } from '../../src/printfmt/parse.ts';

/** One event with an int field `a` and this print fmt. */
const ev = (fmt: string) => parseEventFormat(`name: e\nID: 7\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n\tfield:int a;\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: ${fmt}\n`, 's', 8);

describe("libtraceevent 1.7.1's parser log (report --verbose), and where it fails", () => {
  it('sizeof(u64) fails without a word (1.7.1), but the kernel text reader evaluates it', () => {
    const e = ev('"a=%d", REC->a * sizeof(u64)');
    expect(parsePrintFmt(e, 8)).toMatchObject({ failed: 'sizeof(u64) not supported', log: [] });
    expect(parsePrintFmt(e, 8, true).failed).toBeNull();
    expect(parsePrintFmt(ev('"a=%d l=%d", REC->a * sizeof(int), sizeof(long long)'), 8).failed).toBeNull();
  });

  it("a callee's failure that the caller tests like a token: a second warning, 'but read 0 (ERROR)'", () => {
    // the empty { } of kvm_inj_exception: process_op() warns, then process_symbols() tests its ')'
    expect(parsePrintFmt(ev('"%s", __print_symbolic(REC->a, { })'), 8).log).toEqual([
      { warn: 'bad op token }', event: true },
      { warn: 'Error: expected type 5 (DELIM) but read 0 (ERROR)', event: false },
    ]);
  });

  it("alloc_and_process_delim() leaves errno EINVAL however it fails, a warning or not", () => {
    expect(parsePrintFmt(ev('"%s", __print_array(REC->a, 1 / sizeof(u32), 4)'), 8).log).toEqual([{ errno: 'EINVAL' }]);
    expect(parsePrintFmt(ev('"%s", __print_hex(REC->a 4)'), 8).log).toEqual([{ warn: 'Error: expected type 5 (DELIM) but read 6 (ITEM)', event: false }, { errno: 'EINVAL' }]);
  });

  it('an index into __get_dynamic_array() without its bracket warns and parses on (the test is the wrong way round)', () => {
    const e = parseEventFormat('name: e\nID: 7\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n\tfield:__data_loc u8[] buf;\toffset:8;\tsize:4;\tsigned:0;\n\nprint fmt: "%d", __get_dynamic_array(buf)[1 + 2\n', 's', 8);
    const p = parsePrintFmt(e, 8);
    // process_arg() stops before the '+' (no operators there), which is not the ']'
    expect(p.log).toEqual([{ warn: "Error: expected ']' but read '+'", event: false }]);
    expect(p.failed).toBeNull();
  });

  it('parse_args() warns for an event a plugin took too (args), the others name the event', () => {
    expect(parsePrintFmt(ev('"%d %d", REC->a'), 8).log).toEqual([{ warn: 'no argument match', event: true, args: true }]);
    expect(parsePrintFmt(ev('"%d", nosuch(REC->a)'), 8).log).toEqual([{ warn: 'function nosuch not defined', event: true }]);
  });
});
