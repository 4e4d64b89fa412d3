import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, hasTraceCmd, traceCmdReport } from '../helpers.ts';

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
  ];
  for (const args of cases) {
    it(`${args.join(' ')} matches trace-cmd`, (ctx) => {
      if (!hasTraceCmd()) return ctx.skip('needs trace-cmd');
      const ours = run(['report', ...args, sample]);
      expect(ours.status).toBe(0);
      expect(ours.out === traceCmdReport(sample, args).out).toBe(true);
    });
  }
  it('uses the kernel language: CPUS{} works in -F', () => {
    const r = run(['report', '-F', 'ipi_send_cpu: cpu & CPUS{1} && CPU & CPUS{0}', sample]);
    const lines = r.out.split('\n').slice(1, -1);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.every((l) => l.includes('[000]') && l.includes('ipi_send_cpu:') && l.includes(' cpu=1 '))).toBe(true);
  });
  it('reports a bad filter as the kernel would', () => {
    const r = run(['report', '-F', 'ipi_send_cpu: cpu = 1', sample]);
    expect(r.status).toBe(1);
    expect(r.err).toContain('Invalid operator');
  });
});
