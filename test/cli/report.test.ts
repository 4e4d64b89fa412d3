import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, hasTraceCmd, readText, traceCmdReport } from '../helpers.ts';

/** The built CLI, end to end (npm test builds it first). */
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { maxBuffer: 1 << 28 });
  return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), status: r.status };
}

describe('tracelab report (CLI)', () => {
  it('prints the sample exactly as trace-cmd does', () => {
    const r = run(['report', sample]);
    expect(r.status).toBe(0);
    expect(r.err).toBe('');
    expect(r.out === readText(`${sample}.report.txt.gz`)).toBe(true);
  });

  it('--cpu selects CPUs as trace-cmd --cpu does', () => {
    const r = run(['report', '--cpu', '1', sample]);
    expect(r.out.startsWith('cpus=2\n')).toBe(true);
    expect(r.out.split('\n').slice(1, -1).every((l) => l.includes('[001]'))).toBe(true);
    if (hasTraceCmd()) expect(r.out === traceCmdReport(sample, ['--cpu', '1']).out).toBe(true);
  });

  it('accepts -i FILE like trace-cmd', () => {
    expect(run(['report', '-i', sample, '-t']).out === readText(`${sample}.report-t.txt.gz`)).toBe(true);
  });

  it('a truncated file: events before the damage, a warning with the offset, exit 0', () => {
    const whole = fs.readFileSync(sample);
    const cut = path.join(dir, 'cut.dat');
    fs.writeFileSync(cut, whole.subarray(0, 1200000));
    const r = run(['report', cut]);
    expect(r.status).toBe(0);
    expect(r.err).toMatch(/cut\.dat: file ends at byte 1200000, inside section 3 at byte 1139238/);
    expect(r.err).toMatch(/recovered 1 CPU data block/);
    const got = r.out.split('\n').slice(1, -1);
    expect(got.length).toBeGreaterThan(10000);
    // CPU 0's data precedes the cut: its events come out, in order, up to the damage, as
    // --cpu 0 of the whole file prints them (comms learned from CPU 0's events alone)
    const full = run(['report', '--cpu', '0', sample]).out.split('\n').slice(1, -1);
    if (hasTraceCmd()) expect(traceCmdReport(sample, ['--cpu', '0']).out.split('\n').slice(1, -1)).toEqual(full);
    expect(got.every((l) => l.includes('[000]'))).toBe(true);
    expect(full.slice(0, got.length)).toEqual(got);
  });

  it('a file with nothing readable: a clear error and a non-zero exit', () => {
    const bad = path.join(dir, 'bad.dat');
    fs.writeFileSync(bad, fs.readFileSync(sample).subarray(0, 300));
    const r = run(['report', bad]);
    expect(r.status).not.toBe(0);
    expect(r.err).toMatch(/^tracelab: .*bad\.dat: truncated at byte 300: /);
    expect(r.err).not.toMatch(/\n\s+at /);
    const missing = run(['report', path.join(dir, 'nope.dat')]);
    expect(missing.status).toBe(1);
    expect(missing.err).toMatch(/nope\.dat: cannot open: no such file/);
  });

  it('a trace.dat on stdin or gzipped reads as the file does', () => {
    const want = readText(`${sample}.report.txt.gz`);
    const piped = spawnSync(process.execPath, [cli, 'report', '-'], { input: fs.readFileSync(sample), maxBuffer: 1 << 28 });
    expect(piped.stderr.toString()).toBe('');
    expect(piped.stdout.toString('latin1') === want).toBe(true);
    const gz = path.join(dir, 'x.dat.gz');
    execFileSync('bash', ['-c', `gzip -c ${sample} > ${gz}`]);
    const r = run(['report', gz]);
    expect(r.err).toBe('');
    expect(r.out === want).toBe(true);
  });

  it('bad inputs: one line naming the file and what is wrong, exit 1', () => {
    const whole = fs.readFileSync(sample);
    const cases: [string, Buffer | null, RegExp][] = [
      ['empty.dat', Buffer.alloc(0), /empty\.dat: empty \(0 bytes\)$/],
      ['c10.dat', whole.subarray(0, 10), /c10\.dat: truncated at byte 10: it ends before the initial header/],
      ['c12.dat', whole.subarray(0, 12), /c12\.dat: truncated at byte 12: it ends before the initial header/],
      ['c40.dat', whole.subarray(0, 40), /c40\.dat: truncated at byte 40: it ends before the options .* at byte \d+/],
      ['adir', null, /adir: is a directory, not a trace file$/],
    ];
    for (const [name, bytes, re] of cases) {
      const f = path.join(dir, name);
      if (bytes) fs.writeFileSync(f, bytes);
      else fs.mkdirSync(f);
      const r = run(['report', f]);
      expect(r.status, name).toBe(1);
      expect(r.err.trim().split('\n'), name).toHaveLength(1);
      expect(r.err.trim(), name).toMatch(re);
      expect(r.err).not.toMatch(/internal error/);
    }
    const bad = run(['report', '--cpu', 'x', sample]);
    expect(bad.status).toBe(1);
    expect(bad.err.trim()).toMatch(/^tracelab: invalid CPU list "x"/);
  });

  it('ends quietly when the reader closes the pipe', () => {
    for (const args of ['report', 'convert --to csv -o -', 'convert --to ndjson -o -', 'convert --to json --fields -o -']) {
      const out = execFileSync('bash', ['-c', `node ${cli} ${args} ${sample} 2>&1 | head -3; echo "rc=\${PIPESTATUS[0]}"`]).toString();
      expect(out.trim().split('\n'), args).toHaveLength(4);
      expect(out, args).toContain('rc=0');
    }
  });
});

describe('tracelab record and scenarios (CLI)', () => {
  it('record -o - writes the trace.dat to standard output (and text formats too), no file named -', () => {
    const r = spawnSync(process.execPath, [cli, 'record', '--duration', '1s', '-q', '-o', '-'], { cwd: dir, maxBuffer: 1 << 28 });
    expect(r.status).toBe(0);
    expect(r.stdout.subarray(0, 10).toString('latin1')).toBe('\x17\x08\x44tracing');
    const text = spawnSync(process.execPath, [cli, 'record', '--duration', '1s', '-q', '--output-format', 'report', '-o', '-'], { cwd: dir });
    expect(text.stdout.toString().startsWith('cpus=80\n')).toBe(true);
    expect(fs.existsSync(path.join(dir, '-'))).toBe(false);
  });

  it('convert -o - writes to standard output, no file named -', () => {
    const r = spawnSync(process.execPath, [cli, 'convert', sample, '--event', 'sched_switch', '--to', 'csv', '-o', '-'], { cwd: dir, maxBuffer: 1 << 28 });
    expect(r.status).toBe(0);
    expect(r.stdout.toString().split('\n')[0]).toBe('ts,cpu,pid,comm,system,event,flags,preempt,irqs_off,need_resched,hardirq,softirq,preempt_depth,migrate_disable,prev_comm,prev_pid,prev_prio,prev_state,next_comm,next_pid,next_prio,prev_state_text');
    expect(fs.existsSync(path.join(dir, '-'))).toBe(false);
  });

  it('CPU lists beyond the trace are refused, naming its range', () => {
    const a = run(['interference', sample, '--isolated', '4-79']);
    expect(a.status).toBe(1);
    expect(a.err.trim()).toBe(`tracelab: --isolated 4-79: ${sample} has CPUs 0-1`);
    const b = run(['hist', sample, '--cpus', '5-9']);
    expect(b.err.trim()).toBe(`tracelab: --cpus 5-9: ${sample} has CPUs 0-1`);
  });

  it('scenarios lists the presets, one line each', () => {
    const r = run(['scenarios']);
    expect(r.status).toBe(0);
    const names = r.out.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(['isolation-ipi', 'isolation-ipi-syscalls', 'dataplane-strict', 'kprobe-trampolines', 'uprobe-batch']));
  });

  it('record writes a trace.dat, summarises it, and prints the same as report text', () => {
    const dat = path.join(dir, 'rec.dat');
    const a = run(['record', '--scenario', 'isolation-ipi', '--duration', '60s', '-o', dat]);
    expect(a.status).toBe(0);
    expect(a.err).toMatch(/isolation-ipi \(seed 1, 80 CPUs\): 60\.0 s simulated .* events -> /);
    expect(a.err).toMatch(/ipi_send_cpu \d+/);
    const b = run(['record', '--scenario', 'isolation-ipi', '--duration', '60s', '--output-format', 'report', '-q']);
    expect(b.err).toBe('');
    expect(b.out).toBe(run(['report', dat]).out);
    if (hasTraceCmd()) expect(b.out).toBe(traceCmdReport(dat).out);
    const f = run(['record', '--duration', '5s', '--output-format', 'ftrace', '-q']);
    expect(f.out.startsWith('# tracer: nop\n')).toBe(true);
  });

  it('bad settings are named, not stack-traced', () => {
    const a = run(['record', '--set', 'kernel.deferipis=on', '-o', path.join(dir, 'x.dat')]);
    expect(a.status).toBe(1);
    expect(a.err).toMatch(/^tracelab: --set kernel.deferipis: unknown key \(known here: version, defer_ipis/);
    const b = run(['record', '-f', 'cpu == 1', '-e', 'ipi_send_cpu']);
    expect(b.status).toBe(1);
    expect(b.err).toBe('tracelab: -f must follow the -e it filters\n');
    const c = run(['record', '-e', 'ipi_send_cpumask', '-f', 'cpumask & CPUS{1-200}', '-o', path.join(dir, 'y.dat')]);
    expect(c.status).toBe(1);
    expect(c.err).toContain('Invalid cpulist');
    const d = run(['record', '--output-format', 'svg']);
    expect(d.err).toMatch(/--output-format: expected one of dat, dat-v6, ftrace, report/);
  });
});
