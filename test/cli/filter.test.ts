import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { ROOT, hasTraceCmd, tempDir, traceCmdReport } from '../helpers.ts';

const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { maxBuffer: 1 << 28 });
  return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), status: r.status };
};

describe('tracelab filter check', () => {
  it('prints ok for a filter the kernel accepts', () => {
    const r = run(['filter', 'check', '-e', 'ipi:ipi_send_cpumask', 'cpumask & CPUS{2-5}']);
    expect(r).toMatchObject({ status: 0, out: 'ok\n' });
  });
  it('prints the kernel error with its caret, exit 1', () => {
    const r = run(['filter', 'check', '-e', 'ipi_send_cpumask', 'cpumask & CPUS{2-5}', sample]);
    expect(r.status).toBe(1);
    expect(r.err).toBe('cpumask & CPUS{2-5}\n                   ^\nparse_error: Invalid cpulist\n');
  });
  it('uses --cpus for nr_cpu_ids', () => {
    expect(run(['filter', 'check', '-e', 'ipi_send_cpu', 'cpu & CPUS{79}', '--cpus', '80']).status).toBe(0);
    expect(run(['filter', 'check', '-e', 'ipi_send_cpu', 'cpu & CPUS{80}', '--cpus', '80']).status).toBe(1);
  });
});

describe('tracelab report -F', () => {
  const cases: string[][] = [
    ['-F', 'sched_switch: prev_pid == 0'],
    ['-F', 'ipi_send_cpu'],
    ['-F', 'ipi.*'],
    ['-F', 'IPI_SEND_CPU: cpu == 1'],
    ['-F', 'sched: prev_pid == 0'],
    ['-F', 'csd/csd_queue_cpu: cpu == 0'],
    ['-F', 'ipi_send_cpu,csd_queue_cpu: cpu == 1'],
    ['-F', 'sched_switch', '-v', '-F', 'sched_switch: prev_pid == 0'],
    ['-v', '-F', 'rcu_utilization'],
    // libtraceevent's language where it is not the kernel's: regex, ~ (bitwise not), COMM and CPU,
    // fields the event lacks, arithmetic as a truth value, unsigned compares, symbols as strings
    ['-F', 'sched_switch: prev_comm =~ "^py"'],
    ['-F', 'sched_switch: prev_comm !~ "^py"'],
    ['-F', 'sched_switch: prev_comm ~ "bash*"'],
    ['-F', 'sched: COMM =~ "kworker"'],
    ['-F', 'sched_switch: CPU == 1'],
    ['-F', 'sched_switch: prev_pid > 1 && COMM == "python3"'],
    ['-F', 'sched_switch: nosuchfield == 1'],
    ['-F', 'sched_switch: nosuch == 1 || prev_pid == 0'],
    ['-F', 'sched_switch: prev_state & 1'],
    ['-F', 'sched_switch: !(prev_pid == 0)'],
    ['-F', 'sched_switch: prev_pid == 0 || next_pid == 0 && prev_prio < 120'],
    ['-F', 'sched_switch: ((prev_pid == 0) && (next_pid > 10))'],
    ["-F", "sched_switch: prev_state == 'a'"],
    ['-F', 'ipi_send_cpu: callsite == "smp_call_function_single" || cpu >= 1'],
    ['-F', 'ipi_send_cpu: callsite =~ "single$"'],
    ['-F', 'csd_queue_cpu: func =~ "tlb"'],
    ['-F', 'irq: irq == 0x2a || name == "virtio0-input.0"'],
    ['-F', '.*: common_pid == 0'],
    ['-F', 'sched/sched_sw.*'],
    // --pid / --comm: one more filter over common_pid, pid and next_pid
    ['--comm', 'python3'],
    ['--comm', 'bash,python3', '--pid', '15'],
    ['--pid', '4261', '-v', '-F', 'sched_switch'],
    ['-T', '--pid', '4261,0', '-F', 'sched_switch'],
  ];
  for (const args of cases) {
    it(`${args.join(' ')} matches trace-cmd`, (ctx) => {
      if (!hasTraceCmd()) return ctx.skip('needs trace-cmd');
      const ours = run(['report', ...args, sample]);
      expect(ours.status).toBe(0);
      expect(ours.out === traceCmdReport(sample, args).out).toBe(true);
    });
  }
  it('a filter of 8,000 || terms, and of 3,000 && terms under -T, as trace-cmd (the chain once overflowed the stack; compared with trace-cmd when installed)', () => {
    // without the oracle: the long chain gives what its one distinct term gives
    const long = run(['report', '-F', `ipi_send_cpu: ${Array(8000).fill('cpu == 1').join(' || ')}`, sample]);
    expect(long.status, long.err).toBe(0);
    expect(long.out === run(['report', '-F', 'ipi_send_cpu: cpu == 1', sample]).out).toBe(true);
    expect(long.out.split('\n').length).toBeGreaterThan(100);
    if (!hasTraceCmd()) return;
    for (const args of [
      ['-F', `ipi_send_cpu: ${Array(8000).fill('cpu == 1').join(' || ')}`],
      ['-T', '-F', `ipi_send_cpu: ${Array(3000).fill('cpu != 7').join(' && ')} || callsite == "x"`],
    ]) {
      const ours = run(['report', ...args, sample]);
      expect(ours.status, ours.err).toBe(0);
      expect(ours.out === traceCmdReport(sample, args).out).toBe(true);
    }
  });

  it("takes the kernel's language for a filter with CPUS{} (tracelab's extension)", () => {
    const r = run(['report', '-F', 'ipi_send_cpu: cpu & CPUS{1} && CPU & CPUS{0}', sample]);
    const lines = r.out.split('\n').slice(1, -1);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.every((l) => l.includes('[000]') && l.includes('ipi_send_cpu:') && l.includes(' cpu=1 '))).toBe(true);
  });
  it('-T prints the filters as trace-cmd does, and nothing else', (ctx) => {
    if (!hasTraceCmd()) return ctx.skip('needs trace-cmd');
    for (const args of [['-T', '-F', 'sched_switch: prev_pid == 0 || (nosuch == 1 && next_pid > 5)', '-F', 'irq'], ['-T', '-F', '.*: common_pid == 0 && !(nosuch == 2)'], ['-T', '-F', 'sched,irq: COMM == "bash" || prev_pid > 3']]) {
      const ours = run(['report', ...args, sample]);
      expect(ours.status).toBe(0);
      expect(ours.out === traceCmdReport(sample, args).out).toBe(true);
    }
  });
  it('refuses what trace-cmd refuses, in one line that says why', () => {
    for (const [filter, why] of [
      ['ipi_send_cpu: cpu = 1', 'Unknown op token ='],
      ['nosuch', 'no event matches "nosuch"'],
      ['sched_switch: prev_comm == next_comm', 'Syntax error'],
      ['sched_switch: prev_pid == 0)', "Unbalanced number of ')'"],
      ['sched_switch: prev_comm =~ "["', "RegEx '[' did not compute"],
      // trace-cmd itself crashes on these (it follows a NULL operand)
      ['sched_switch: prev_pid ==', 'Syntax error: an operator without its operand'],
    ]) {
      const r = run(['report', '-F', filter, sample]);
      expect(r.status).toBe(1);
      expect(r.err).toBe(`tracelab: Failed to create event filter: ${filter} (${filter.startsWith('nosuch') ? '' : filter.includes('ipi_send_cpu') ? 'ipi:ipi_send_cpu: ' : 'sched:sched_switch: '}${why})\n`);
      if (hasTraceCmd() && !why.includes('operand')) expect(traceCmdReport(sample, ['-F', filter]).err).toContain(`Failed to create event filter: ${filter}`);
    }
  });
  it('keeps a kernel stack after a shown event of its CPU, as trace-cmd does', (ctx) => {
    if (!hasTraceCmd()) return ctx.skip('needs trace-cmd');
    const dir = tempDir();
    const file = path.join(dir, 'stacks.dat');
    expect(run(['record', '--duration', '1s', '-T', '-e', 'ipi', '-e', 'irq_vectors', '-o', file, '-q']).status).toBe(0);
    for (const args of [['-F', 'ipi_send_cpu: cpu < 4'], ['-v', '-F', 'call_function_single_entry']]) {
      const ours = run(['report', ...args, file]);
      expect(ours.out).toContain('<stack trace >');
      expect(ours.out === traceCmdReport(file, args).out).toBe(true);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
