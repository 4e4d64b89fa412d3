import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportSelection, pidFilter, reportFilterStrings } from '../../src/filter/report-filter.ts';
import { openDat, type DatTrace } from '../../src/io/dat/reader.ts';
import { ROOT, reportOf } from '../helpers.ts';

/**
 * report -F in libtraceevent's language on the real sample: how many events
 * trace-cmd 3.1.6 prints for each filter (counted from its output; the CLI
 * test compares whole outputs with it live).
 */
const TRACE_CMD_COUNTS: [filter: string, events: number][] = [
  ['sched_switch: prev_comm =~ "^py"', 1252],
  ['sched_switch: prev_comm !~ "^py"', 1243],
  ['sched_switch: prev_comm ~ "bash*"', 0],
  ['sched: COMM =~ "kworker"', 16],
  ['sched_switch: CPU == 1', 899],
  ['sched_switch: prev_pid > 1 && COMM == "python3"', 1266],
  ['sched_switch: nosuchfield == 1', 0],
  ['sched_switch: nosuch == 1 || prev_pid == 0', 742],
  ['sched_switch: prev_state & 1', 1342],
  ['sched_switch: !(prev_pid == 0)', 1753],
  ['sched_switch: prev_pid == 0 || next_pid == 0 && prev_prio < 120', 6],
  ["sched_switch: prev_state == 'a'", 0],
  ['ipi_send_cpu: callsite == "smp_call_function_single" || cpu >= 1', 1443],
  ['ipi_send_cpu: callsite =~ "single$"', 66],
  ['csd_queue_cpu: func =~ "tlb"', 679],
  ['.*: common_pid == 0', 14003],
  ['sched/sched_sw.*', 2495],
];

let trace: DatTrace;
beforeAll(async () => {
  trace = await openDat(path.join(ROOT, 'samples/real-ipi.dat'));
});
afterAll(() => trace?.close());

describe('report -F selects what trace-cmd selects', () => {
  for (const [filter, n] of TRACE_CMD_COUNTS) {
    it(filter, () => {
      const text = reportOf(trace, { keep: buildReportSelection(trace, [{ arg: filter, negative: false }]) });
      expect(text.split('\n').length - 2).toBe(n);
    });
  }
  it('a -v filter hides what it matches, a later positive one selects', () => {
    const both = reportOf(trace, { keep: buildReportSelection(trace, [{ arg: 'sched_switch', negative: false }, { arg: 'sched_switch: prev_pid == 0', negative: true }]) });
    expect(both.split('\n').length - 2).toBe(2495 - 742);
  });
});

describe('report -T prints the filters as libtraceevent reads them back (trace-cmd 3.1.6 output)', () => {
  const T = (...filters: string[]) => reportFilterStrings(trace, filters.map((arg) => ({ arg, negative: false })));
  it('folds what an event lacks, keeps the rest in its parenthesised form', () => {
    expect(T('sched_switch: prev_pid == 0 || (nosuch == 1 && next_pid > 5)', 'sched_switch: prev_comm =~ "^py" && !(CPU == 1)')).toBe(" 'sched_switch: prev_pid == 0'\n 'sched_switch: (prev_comm =~ \"^py\") && (!(CPU == 1))'\n");
  });
  it('a minus after a comparison starts an expression on its left field (libtraceevent keeps the item)', () => {
    expect(T('sched_switch: prev_pid == -1')).toBe(" 'sched_switch: prev_pid - 1'\n");
  });
  it('lists a pattern\'s events from the highest id down, with the blktrace event trace-cmd makes up', () => {
    const lines = T('irq').split('\n');
    expect(lines.slice(0, 2)).toEqual([" 'irq_handler_entry: TRUE'", " 'irq_handler_exit: TRUE'"]);
    expect(T('.*: common_pid == 0')).toContain(" 'bputs: common_pid == 0'\n 'blktrace: common_pid == 0'\n 'user_stack: common_pid == 0'\n");
  });
});

describe('report --pid / --comm', () => {
  it('builds trace-cmd\'s filter: every pid put at the head of the list (the comms\' last), a comm\'s pids in the comm list\'s order', () => {
    const warnings: string[] = [];
    expect(pidFilter(trace, ['4261,0'], ['python3', 'nosuch'], (w) => warnings.push(w))).toBe('.*:' + ['4261', '4302', '0', '4261'].map((p) => `(common_pid==${p})||(pid==${p})||(next_pid==${p})`).join('||'));
    expect(warnings).toEqual(['comm: nosuch not in cmdline list']);
    expect(pidFilter(trace, [], [], () => {})).toBeNull();
  });
});

