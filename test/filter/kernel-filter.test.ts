import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileKernelFilter, FilterError, type FilterRecord } from '../../src/filter/kernel-filter.ts';
import { traceFilterContext } from '../../src/filter/trace-filter.ts';
import type { EventFormat } from '../../src/core/event-format.ts';
import { openDat, type DatTrace } from '../../src/io/dat/reader.ts';
import { ROOT, readText } from '../helpers.ts';

/**
 * The kernel filter language on the real trace. Expected matches come from an
 * independent oracle: predicates over trace-cmd's own text output of the same
 * events (so a decoding bug and a filter bug cannot hide each other).
 */
interface Line {
  comm: string;
  pid: number;
  cpu: number;
  event: string;
  text: string;
  kv: Record<string, string>;
  /** the latency column of trace-cmd report -l: irqs-off, need-resched, irq context, preempt depth */
  lat: string;
}

const sample = path.join(ROOT, 'samples/real-ipi.dat');
let trace: DatTrace;
const events: { ev: EventFormat; rec: FilterRecord; line: Line }[] = [];

function parseLine(l: string): Line {
  const m = /^\s*(.+)-(\d+)\s+\[(\d+)\]\s+\d+\.\d+: (\w+):\s+(.*)$/.exec(l)!;
  const kv: Record<string, string> = {};
  for (const p of m[5].matchAll(/(\w+)=(\S*)/g)) kv[p[1]] = p[2].replace(/,$/, '');
  const sw = /^(.+):(\d+) \[(\d+)\] (\S+) ==> (.+):(\d+) \[(\d+)\]$/.exec(m[5]);
  if (sw) Object.assign(kv, { prev_comm: sw[1], prev_pid: sw[2], prev_prio: sw[3], prev_state: sw[4], next_comm: sw[5], next_pid: sw[6], next_prio: sw[7] });
  const wk = /^(.+):(\d+) \[(\d+)\] CPU:(\d+)$/.exec(m[5]);
  if (wk) Object.assign(kv, { comm: wk[1], pid: wk[2], prio: wk[3], target_cpu: String(Number(wk[4])) });
  return { comm: m[1].trim(), pid: Number(m[2]), cpu: Number(m[3]), event: m[4], text: m[5], kv, lat: '' };
}

beforeAll(async () => {
  trace = await openDat(sample);
  const lines = readText(`${sample}.report.txt.gz`).split('\n').slice(1, -1);
  const latLines = readText(`${sample}.report-l.txt.gz`).split('\n').slice(1, -1);
  let k = 0;
  for (const b of trace.batches()) {
    for (let i = 0; i < b.length; i++) {
      const ev = trace.formats.get(b.type[i])!;
      const line = parseLine(lines[k]);
      line.lat = /^.{8}-\d+\s+\d+(\S{5})/.exec(latLines[k++])![1];
      events.push({ ev, rec: { data: b.data, dv: b.dv, off: b.off[i], size: b.size[i], cpu: b.cpu[i], pid: b.pid[i] }, line });
    }
  }
});

const num = (s: string | undefined) => Number(s);
const sym = (s: string | undefined) => (s ?? '').replace(/\+0x[0-9a-f]+$/, '');
type Case = [event: string, expr: string, oracle: (l: Line) => boolean];

// 120 accepted expressions with their oracle over trace-cmd's text
const accepted: Case[] = [
  // numeric fields, every operator, decimal / hex / octal values
  ['ipi_send_cpu', 'cpu == 1', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu == 0', (l) => num(l.kv.cpu) === 0],
  ['ipi_send_cpu', 'cpu != 1', (l) => num(l.kv.cpu) !== 1],
  ['ipi_send_cpu', 'cpu < 1', (l) => num(l.kv.cpu) < 1],
  ['ipi_send_cpu', 'cpu <= 1', (l) => num(l.kv.cpu) <= 1],
  ['ipi_send_cpu', 'cpu > 0', (l) => num(l.kv.cpu) > 0],
  ['ipi_send_cpu', 'cpu >= 1', (l) => num(l.kv.cpu) >= 1],
  ['ipi_send_cpu', 'cpu & 1', (l) => (num(l.kv.cpu) & 1) !== 0],
  ['ipi_send_cpu', 'cpu & 2', (l) => (num(l.kv.cpu) & 2) !== 0],
  ['ipi_send_cpu', 'cpu == 0x1', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu == 01', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu==1', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', '  cpu   ==   1  ', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu == 4294967297', (l) => num(l.kv.cpu) === 1], // truncated to the field's 32 bits
  ['ipi_send_cpu', 'cpu == 1 && CPU == 0', (l) => num(l.kv.cpu) === 1 && l.cpu === 0],
  ['ipi_send_cpu', 'cpu == 1 || CPU == 1', (l) => num(l.kv.cpu) === 1 || l.cpu === 1],
  ['ipi_send_cpu', '!(cpu == 1)', (l) => num(l.kv.cpu) !== 1],
  ['ipi_send_cpu', '!cpu == 1', (l) => num(l.kv.cpu) !== 1],
  ['ipi_send_cpu', '!!(cpu == 1)', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', '((cpu == 1))', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu == 0 || cpu == 1 && CPU == 0', (l) => num(l.kv.cpu) === 0 || (num(l.kv.cpu) === 1 && l.cpu === 0)],
  ['ipi_send_cpu', '(cpu == 0 || cpu == 1) && CPU == 0', (l) => (num(l.kv.cpu) === 0 || num(l.kv.cpu) === 1) && l.cpu === 0],
  ['ipi_send_cpu', 'cpu == 1 && !(CPU == 1 || common_pid == 0)', (l) => num(l.kv.cpu) === 1 && !(l.cpu === 1 || l.pid === 0)],
  ['ipi_send_cpu', '!(cpu == 0 && CPU == 1)', (l) => !(num(l.kv.cpu) === 0 && l.cpu === 1)],
  ['ipi_send_cpu', 'cpu == 1 &&', (l) => num(l.kv.cpu) === 1], // the kernel accepts a trailing &&
  ['ipi_send_cpu', 'cpu == 1 ||', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'common_pid == 0', (l) => l.pid === 0],
  ['ipi_send_cpu', 'common_pid != 0', (l) => l.pid !== 0],
  ['ipi_send_cpu', 'common_pid > 4000', (l) => l.pid > 4000],
  ['ipi_send_cpu', 'common_pid >= 4261 && common_pid <= 4302', (l) => l.pid >= 4261 && l.pid <= 4302],
  ['ipi_send_cpu', 'common_pid == -1', () => false],
  ['ipi_send_cpu', 'common_pid > -1', () => true],
  ['ipi_send_cpu', 'common_type == 354', () => true],
  ['ipi_send_cpu', 'common_flags & 1', (l) => l.lat[0] === 'd'],
  ['ipi_send_cpu', 'common_flags & 4', (l) => l.lat[1] === 'N'],
  ['ipi_send_cpu', 'common_preempt_count == 2', (l) => l.lat[3] === '2'],
  ['ipi_send_cpu', 'common_preempt_count & 0xf0', () => false],
  ['ipi_send_cpu', 'callback == 0', (l) => l.kv.callback === '0x0'],
  ['ipi_send_cpu', 'callback != 0', (l) => l.kv.callback !== '0x0'],
  ['ipi_send_cpu', 'callback > 0', (l) => l.kv.callback !== '0x0'],
  // CPU (the recording CPU), cpu as a CPU-number field, cpumask sets
  ['ipi_send_cpu', 'CPU == 0', (l) => l.cpu === 0],
  ['ipi_send_cpu', 'CPU != 0', (l) => l.cpu !== 0],
  ['ipi_send_cpu', 'CPU < 1', (l) => l.cpu < 1],
  ['ipi_send_cpu', 'CPU >= 1', (l) => l.cpu >= 1],
  ['ipi_send_cpu', 'CPU & 1', () => false], // '&' on CPU with a number is always false
  ['ipi_send_cpu', 'common_cpu == 1', (l) => l.cpu === 1],
  ['ipi_send_cpu', 'CPU & CPUS{0}', (l) => l.cpu === 0],
  ['ipi_send_cpu', 'CPU & CPUS{1}', (l) => l.cpu === 1],
  ['ipi_send_cpu', 'CPU & CPUS{0-1}', () => true],
  ['ipi_send_cpu', 'CPU == CPUS{0-1}', () => false],
  ['ipi_send_cpu', 'CPU != CPUS{0-1}', () => true],
  ['ipi_send_cpu', 'CPU == CPUS{1}', (l) => l.cpu === 1],
  ['ipi_send_cpu', 'CPU != CPUS{1}', (l) => l.cpu !== 1],
  ['ipi_send_cpu', 'cpu & CPUS{1}', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu & CPUS{0}', (l) => num(l.kv.cpu) === 0],
  ['ipi_send_cpu', 'cpu & CPUS{0,1}', () => true],
  ['ipi_send_cpu', 'cpu & CPUS{0-1}', () => true],
  ['ipi_send_cpu', 'cpu & CPUS{ 1 }', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu & CPUS{all}', () => true],
  ['ipi_send_cpu', 'cpu & CPUS{N}', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu & CPUS{0-N}', () => true],
  ['ipi_send_cpu', 'cpu & CPUS{0-1:1/2}', (l) => num(l.kv.cpu) === 0],
  ['ipi_send_cpu', 'cpu == CPUS{1}', (l) => num(l.kv.cpu) === 1],
  ['ipi_send_cpu', 'cpu != CPUS{1}', (l) => num(l.kv.cpu) !== 1],
  ['ipi_send_cpu', 'cpu == CPUS{0-1}', () => false],
  ['ipi_send_cpu', 'cpu != CPUS{0-1}', () => true],
  ['ipi_send_cpu', 'cpu & CPUS{1} && CPU & CPUS{0}', (l) => num(l.kv.cpu) === 1 && l.cpu === 0],
  ['csd_queue_cpu', 'cpu & CPUS{0}', (l) => num(l.kv.cpu) === 0],
  ['csd_queue_cpu', 'cpu == 1 && CPU == 0', (l) => num(l.kv.cpu) === 1 && l.cpu === 0],
  ['csd_queue_cpu', 'cpu & CPUS{0-1} && CPU & CPUS{1}', (l) => l.cpu === 1],
  ['sched_wakeup', 'target_cpu & CPUS{1}', (l) => num(l.kv.target_cpu) === 1],
  ['sched_wakeup', 'target_cpu == 0', (l) => num(l.kv.target_cpu) === 0],
  ['sched_wakeup', 'target_cpu != CPUS{0-1}', () => true],
  // .function on pointer fields, by name or address
  ['ipi_send_cpu', 'callback.function == generic_smp_call_function_single_interrupt', (l) => sym(l.kv.callback) === 'generic_smp_call_function_single_interrupt'],
  ['ipi_send_cpu', 'callback.function != generic_smp_call_function_single_interrupt', (l) => sym(l.kv.callback) !== 'generic_smp_call_function_single_interrupt'],
  ['ipi_send_cpu', 'callsite.function == wakeup_preempt', (l) => sym(l.kv.callsite) === 'wakeup_preempt'],
  ['ipi_send_cpu', 'callsite.function == __smp_call_single_queue', (l) => sym(l.kv.callsite) === '__smp_call_single_queue'],
  ['ipi_send_cpu', 'callsite.function != wakeup_preempt && cpu == 0', (l) => sym(l.kv.callsite) !== 'wakeup_preempt' && num(l.kv.cpu) === 0],
  ['csd_queue_cpu', 'func.function == sched_ttwu_pending', (l) => l.kv.func === 'sched_ttwu_pending'],
  ['csd_queue_cpu', 'func.function == flush_tlb_func', (l) => l.kv.func === 'flush_tlb_func'],
  ['csd_queue_cpu', 'func.function != nohz_csd_func', (l) => l.kv.func !== 'nohz_csd_func'],
  ['csd_function_entry', 'func.function == nohz_csd_func', (l) => l.kv.func === 'nohz_csd_func'],
  ['csd_function_entry', 'func.function == sched_ttwu_pending || func.function == flush_tlb_func', (l) => l.kv.func === 'sched_ttwu_pending' || l.kv.func === 'flush_tlb_func'],
  // string fields: static char arrays (sched), __data_loc strings (irq), COMM, pointer strings
  ['sched_switch', 'prev_comm == "bash"', (l) => l.kv.prev_comm === 'bash'],
  ['sched_switch', "prev_comm == 'bash'", (l) => l.kv.prev_comm === 'bash'],
  ['sched_switch', 'prev_comm != "bash"', (l) => l.kv.prev_comm !== 'bash'],
  ['sched_switch', 'prev_comm ~ "ba*"', (l) => l.kv.prev_comm.startsWith('ba')],
  ['sched_switch', 'prev_comm ~ "*thon*"', (l) => l.kv.prev_comm.includes('thon')],
  ['sched_switch', 'prev_comm ~ "*sh"', () => false], // an end match on a char[16] compares the array's end
  ['sched_switch', 'prev_comm ~ "!ba*"', (l) => !l.kv.prev_comm.startsWith('ba')],
  ['sched_switch', 'prev_comm ~ "b?sh"', (l) => /^b.sh$/.test(l.kv.prev_comm)],
  ['sched_switch', 'prev_comm ~ "[bp]*"', (l) => /^[bp]/.test(l.kv.prev_comm)],
  ['sched_switch', 'prev_comm ~ "*[0-9]"', (l) => /[0-9]$/.test(l.kv.prev_comm)],
  ['sched_switch', 'prev_comm ~ "kworker/*"', (l) => l.kv.prev_comm.startsWith('kworker/')],
  ['sched_switch', 'prev_comm ~ "swapper/[!1]"', (l) => l.kv.prev_comm === 'swapper/0'],
  ['sched_switch', 'next_comm == "rcu_preempt" && prev_pid == 0', (l) => l.kv.next_comm === 'rcu_preempt' && l.kv.prev_pid === '0'],
  ['sched_switch', 'prev_pid == 0', (l) => l.kv.prev_pid === '0'],
  ['sched_switch', 'next_pid == 0', (l) => l.kv.next_pid === '0'],
  ['sched_switch', 'prev_state & 0xff', (l) => l.kv.prev_state !== 'R'],
  ['sched_switch', 'prev_state == 1', (l) => l.kv.prev_state === 'S'],
  ['sched_switch', 'prev_state & 1', (l) => l.kv.prev_state.includes('S')],
  ['sched_switch', 'prev_state & 0x80', (l) => l.kv.prev_state === 'W'],
  ['sched_switch', 'prev_prio < 120', (l) => num(l.kv.prev_prio) < 120],
  ['sched_switch', 'prev_prio != 120 || next_prio != 120', (l) => l.kv.prev_prio !== '120' || l.kv.next_prio !== '120'],
  ['sched_wakeup', 'comm == "python3"', (l) => l.kv.comm === 'python3'],
  ['sched_wakeup', 'comm ~ "kworker*"', (l) => l.kv.comm.startsWith('kworker')],
  ['sched_wakeup', 'pid > 4000 && prio == 120', (l) => num(l.kv.pid) > 4000 && l.kv.prio === '120'],
  ['irq_handler_entry', 'name == "virtio0-input.0"', (l) => l.kv.name === 'virtio0-input.0'],
  ['irq_handler_entry', 'name ~ "virtio*"', (l) => l.kv.name.startsWith('virtio')],
  ['irq_handler_entry', 'name ~ "*input.0"', (l) => l.kv.name.endsWith('input.0')], // dynamic strings end-match correctly
  ['irq_handler_entry', 'name ~ "*put*"', (l) => l.kv.name.includes('put')],
  ['irq_handler_entry', 'name != "virtio0-input.0"', (l) => l.kv.name !== 'virtio0-input.0'],
  ['irq_handler_entry', 'irq == 36', (l) => l.kv.irq === '36'],
  ['softirq_entry', 'vec == 7', (l) => l.kv.vec === '7'],
  ['softirq_entry', 'vec != 7 && vec != 9', (l) => l.kv.vec !== '7' && l.kv.vec !== '9'],
  ['softirq_entry', 'vec < 4', (l) => num(l.kv.vec) < 4],
  ['rcu_utilization', 's == "Start context switch"', (l) => l.text === 'Start context switch'],
  ['rcu_utilization', 's ~ "End*"', (l) => l.text.startsWith('End')],
  ['rcu_utilization', 's ~ "*tick"', (l) => l.text.endsWith('tick')],
  ['local_timer_entry', 'vector == 236', () => true],
  ['local_timer_entry', 'COMM == "python3"', (l) => l.comm === 'python3'],
  ['local_timer_entry', 'comm != "python3"', (l) => l.comm !== 'python3'],
  ['local_timer_entry', 'COMM ~ "py*"', (l) => l.comm.startsWith('py')],
  ['local_timer_entry', 'COMM == "<idle>"', () => false], // "<idle>" is how reports print pid 0; its comm is swapper/N
  ['local_timer_entry', 'COMM == "swapper/1"', (l) => l.pid === 0 && l.cpu === 1],
  ['softirq_raise', 'comm ~ "swapper*" && vec == 9', (l) => l.pid === 0 && l.kv.vec === '9'],
  ['softirq_entry', 'common_flags & 0x10', (l) => l.lat[2] === 's' || l.lat[2] === 'H'],
  ['irq_handler_entry', 'common_flags & 0x08', (l) => l.lat[2] === 'h' || l.lat[2] === 'H'],
  ['call_function_single_entry', 'vector == 251 && CPU == 1', (l) => l.cpu === 1],
];

// 45 rejected expressions, with the kernel's message (and the caret for some)
const rejected: [event: string, expr: string, message: string, caret?: number][] = [
  ['ipi_send_cpu', 'cpu = 1', 'Invalid operator', 5],
  ['ipi_send_cpu', 'cpu =~ 1', 'Invalid operator'],
  ['ipi_send_cpu', 'cpu !~ 1', 'Invalid operator'],
  ['ipi_send_cpu', 'cpu 1', 'Invalid operator'],
  ['ipi_send_cpu', 'cpu', 'Invalid operator'],
  ['ipi_send_cpu', 'nosuch == 1', 'Field not found', 7],
  ['ipi_send_cpu', 'cpu == 1 && nosuch == 1', 'Field not found', 19],
  ['ipi_send_cpu', 'prev_pid == 0', 'Field not found'],
  // names of Object.prototype are no fields (the kernel has no such generic field either)
  ['ipi_send_cpu', 'constructor != 0', 'Field not found', 12],
  ['ipi_send_cpu', '__proto__ != 0', 'Field not found', 10],
  ['ipi_send_cpu', 'toString != 0', 'Field not found', 9],
  ['ipi_send_cpu', '(cpu == 1', "Too many '('", 0],
  ['ipi_send_cpu', '((cpu == 1)', "Too many '('", 0],
  ['ipi_send_cpu', 'cpu == 1 && (CPU == 0', "Too many '('", 12],
  ['ipi_send_cpu', 'cpu == 1)', "Too few '('", 8],
  ['ipi_send_cpu', '(cpu == 1))', "Too few '('", 10],
  ['ipi_send_cpu', 'cpu == 1 cpu == 2', 'Too many terms in predicate expression', 9],
  ['ipi_send_cpu', 'cpu == 1 & CPU == 0', 'Too many terms in predicate expression'],
  ['ipi_send_cpu', 'cpu == 1 | CPU == 0', 'Too many terms in predicate expression'],
  ['ipi_send_cpu', 'cpu == -1', 'Illegal integer value'],
  ['ipi_send_cpu', 'cpu == 1abc', 'Illegal integer value'],
  ['ipi_send_cpu', 'cpu == 0x', 'Illegal integer value'],
  ['ipi_send_cpu', 'cpu == 08', 'Illegal integer value'],
  ['ipi_send_cpu', 'cpu == 99999999999999999999', 'Illegal integer value'],
  ['ipi_send_cpu', 'cpu == 0x11111111111111111111111', 'Operand too long'],
  ['ipi_send_cpu', 'cpu == abc', 'Invalid value (did you forget quotes)?'],
  ['ipi_send_cpu', 'cpu == "1"', 'Expecting numeric field'],
  ['ipi_send_cpu', 'cpu ~ "1*"', 'Expecting numeric field'],
  ['ipi_send_cpu', 'cpu ~ 1', 'Illegal operation for field type'],
  ['ipi_send_cpu', 'cpu < CPUS{1}', 'Illegal operation for field type'],
  ['ipi_send_cpu', 'cpu & CPUS{2-5}', 'Invalid cpulist'], // CPUs beyond this 2-CPU machine
  ['ipi_send_cpu', 'cpu & CPUS{}', 'Invalid cpulist'],
  ['ipi_send_cpu', 'cpu & CPUS{1-0}', 'Invalid cpulist'],
  ['ipi_send_cpu', 'cpu & CPUS{x}', 'Invalid cpulist'],
  ['ipi_send_cpu', 'cpu & CPUS{0-1:0/0}', 'Invalid cpulist'],
  ['ipi_send_cpu', 'cpu & CPUS{0-1:3/2}', 'Invalid cpulist'],
  ['ipi_send_cpu', 'cpu & CPUS 1', "Missing '{'"],
  ['ipi_send_cpu', 'cpu & CPUS{1', "Missing '}'"],
  ['ipi_send_cpu', 'CPU == "0"', 'Expecting numeric field'],
  ['ipi_send_cpu', 'COMM == 1', 'Expecting string field'],
  ['ipi_send_cpu', 'COMM < "a"', 'Illegal operation for field type'],
  ['ipi_send_cpu', 'COMM & CPUS{1}', 'Illegal operation for field type'],
  ['ipi_send_cpu', 'comm == bash', 'Invalid value (did you forget quotes)?', 9],
  ['ipi_send_cpu', 'COMM == "x', 'Missing matching quote', 8],
  ['ipi_send_cpu', 'callback.function == no_such_function', 'Function not found'],
  ['ipi_send_cpu', 'callback.function < wakeup_preempt', 'Invalid operator'],
  ['ipi_send_cpu', 'cpu.function == wakeup_preempt', 'Illegal operation for field type'],
  ['sched_switch', 'prev_comm < "a"', 'Illegal operation for field type'],
  ['sched_switch', 'prev_comm == 1', 'Expecting string field'],
  ['sched_switch', 'prev_comm & CPUS{1}', 'Illegal operation for field type'],
  ['sched_switch', `prev_comm == "${'x'.repeat(256)}"`, 'Operand too long'],
  ['irq_handler_entry', 'name > "a"', 'Illegal operation for field type'],
  ['ipi_send_cpu', '!', 'No filter found'],
  ['ipi_send_cpu', 'cpu == +1', 'Invalid value (did you forget quotes)?'],
  ['sched_switch', 'prev_pid == next_pid', 'Invalid value (did you forget quotes)?'],
];

describe('kernel event filters on real events', () => {
  it('has a table of at least 150 expressions', () => {
    expect(accepted.length + rejected.length).toBeGreaterThanOrEqual(150);
  });

  for (const [event, expr, oracle] of accepted) {
    it(`${event}: ${expr}`, () => {
      const ev = trace.formats.find(event)[0];
      const f = compileKernelFilter(expr, traceFilterContext(trace, ev));
      const mine = events.filter((e) => e.ev === ev);
      expect(mine.length).toBeGreaterThan(0);
      const got = mine.map((e) => f.test(e.rec));
      const want = mine.map((e) => oracle(e.line));
      const diff = got.findIndex((g, k) => g !== want[k]);
      if (diff >= 0) expect.fail(`event ${diff}: filter says ${got[diff]}, trace-cmd's text says ${want[diff]}: ${mine[diff].line.text}`);
    });
  }

  for (const [event, expr, message, caret] of rejected) {
    it(`${event}: rejects ${expr.length > 40 ? expr.slice(0, 40) + '…' : expr} (${message})`, () => {
      const ev = trace.formats.find(event)[0];
      let err: unknown = null;
      try {
        compileKernelFilter(expr, traceFilterContext(trace, ev));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FilterError);
      const fe = err as FilterError;
      expect(fe.message).toBe(message);
      if (caret !== undefined) expect(fe.kernelText.split('\n')[1]).toBe(' '.repeat(caret) + '^');
      expect(fe.kernelText).toBe(`${expr}\n${' '.repeat(Math.min(fe.pos, expr.length))}^\nparse_error: ${message}\n`);
    });
  }
});

describe('filters of any length', () => {
  // 8,000 terms: the kernel's program is a loop (filter_match_preds()); ours must not recurse per term
  const cpus = (n: number, last: number) => [...Array.from({ length: n - 1 }, () => 'cpu == 4095'), `cpu == ${last}`].join(' || ');
  it('runs an 8,000-term program read from a trace (report -F) as the short one it equals', () => {
    const ev = trace.formats.find('ipi_send_cpu')[0];
    const mine = events.filter((e) => e.ev === ev);
    const long = compileKernelFilter(cpus(8000, 1), traceFilterContext(trace, ev));
    const short = compileKernelFilter('cpu == 4095 || cpu == 1', traceFilterContext(trace, ev));
    const got = mine.map((e) => long.test(e.rec));
    expect(got).toEqual(mine.map((e) => short.test(e.rec)));
    expect(got.some((x) => x)).toBe(true);
    expect(got.some((x) => !x)).toBe(true);
  });

  it('refuses, as the kernel does, a filter of 4096 bytes or more written to it (record -f, filter check)', () => {
    const ev = trace.formats.find('ipi_send_cpu')[0];
    const ctx = { ...traceFilterContext(trace, ev), written: true };
    const pad = (n: number) => `cpu == 1${' '.repeat(n - 8)}`;
    expect(() => compileKernelFilter(pad(4095), ctx)).not.toThrow();
    expect(() => compileKernelFilter(pad(4096), ctx)).toThrow(/a filter of 4096 bytes: the kernel refuses a filter of 4096 bytes or more/);
    expect(() => compileKernelFilter(cpus(8000, 1), ctx)).toThrow(/EINVAL/);
  });
});
