import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SHARED, hasShared, hasTraceCmd } from '../helpers.ts';

/** The built CLI, end to end (npm test builds it first). */
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 28 });
  return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), status: r.status };
}
const tracelab = (args: string[]) => run(process.execPath, [cli, 'report', ...args]);

/** The switches that print something about the file instead of its events, and those that change which events print and how. */
const MODES = [['-e'], ['-f'], ['-P'], ['-E'], ['-p'], ['-w'], ['-w', '-l'], ['--nodate'], ['--raw-ts'], ['--align-ts'], ['--align-ts', '-t'], ['--ts-check'], ['-N'], ['-n', 'sched'], ['-r', 'irq'], ['--cpus'], ['--first-event'], ['--last-event'], ['--first-event', '--last-event', '-t'], ['--stat'], ['--uname'], ['--version'], ['--check-events'], ['--ts-diff'], ['--ts-diff', '-t'], ['-I'], ['-S'], ['-I', '-S', '-l']];

describe('report switches on the sample, as trace-cmd 3.1.6 prints them', () => {
  it('-e, --cpus, --first-event, --last-event, --uname, --version, --stat, -f, -P, -E', () => {
    expect(tracelab(['-e', sample]).out).toBe('file is little endian and host is little endian\n');
    expect(tracelab(['--cpus', sample]).out).toBe(`List of CPUs in ${sample} with data:\n  0\n  1\n`);
    expect(tracelab(['--first-event', '--last-event', sample]).out).toBe(`List of CPUs in ${sample} with data:\n  0\tFirst event: 5168.583534\tLast event: 5170.686333\n  1\tFirst event: 5168.583513\tLast event: 5170.685976\n`);
    expect(tracelab(['--uname', sample]).out).toBe('cpus=2\nLinux vm 6.18.44-fc-v669 x86_64\n3.1.6 not-a-git-repo\n');
    expect(tracelab(['--version', sample]).out).toBe('cpus=2\n3.1.6 not-a-git-repo\n');
    const stat = tracelab(['--stat', sample]).out;
    expect(stat).toContain('\nCPU: 1\nentries: 0\n');
    // v7 zstd: trace-cmd lays the uncompressed data out from one page in, page aligned
    expect(stat.endsWith('read events: 15623\n\n\nCPU0 data recorded at offset=0x1000\n    532480 bytes in size\nCPU1 data recorded at offset=0x83000\n    389120 bytes in size\n')).toBe(true);
    const f = tracelab(['-f', sample]).out.split('\n');
    expect(f.length - 1).toBe(122153);
    // equal addresses in reverse file order, as libtraceevent sorts them
    expect(f.slice(0, 4)).toEqual(['ffffffff81000000 __pi__text', 'ffffffff81000000 _text', 'ffffffff81000000 _stext', 'ffffffff81000000 srso_alias_untrain_ret']);
    expect(f).toContain('ffffffffc0201000 ftrace_trampoline [__builtin__ftrace]');
    expect(tracelab(['-P', sample]).out.split('\n')[0]).toBe('ffffffff82521880 mt_find');
    const events = tracelab(['-E', sample]).out.split('\n');
    // by system, then name: fib before fib6, as strcmp orders them
    expect(events.indexOf('fib:fib_table_lookup') + 1).toBe(events.indexOf('fib6:fib6_table_lookup'));
    expect(tracelab(['--check-events', sample]).status).toBe(0);
    // -w: a latency on each switch that ends a wakeup, the summary trace-cmd 3.1.6 prints
    const w = tracelab(['-w', sample]).out;
    expect(w).toContain('python3:4261 [120] X ==> bash:4259 [120] Latency: 4.807 usecs\n');
    expect(w.endsWith('\nAverage wakeup latency: 90.204 usecs\nMaximum Latency: 5408.165 usecs at timestamp: 5169.074936\nMinimum Latency: 1.231 usecs at timestamp: 5170.406743\n\nRT task timings:\n\nAverage wakeup latency: 2.020 usecs\nMaximum Latency: 2.143 usecs at timestamp: 5168.609490\nMinimum Latency: 1.762 usecs at timestamp: 5168.635823\n\n')).toBe(true);
    expect(tracelab(['-p', sample]).out).toBe('file page size is 4096, and host page size is 4096\n');
  });

  it('--ts-diff, -I, -S change the lines as trace-cmd does', () => {
    const lines = tracelab(['--ts-diff', sample]).out.split('\n');
    expect(lines[1]).toBe('            bash-4259  [001]  5168.583513:          ipi_send_cpu:         cpu=0 callsite=wakeup_preempt+0x55 callback=0x0');
    expect(lines[2]).toBe('          <idle>-0     [000]  5168.583534: (+21)    reschedule_entry:     vector=253');
    const all = tracelab([sample]).out.split('\n').length;
    const noIrq = tracelab(['-I', sample]).out;
    expect(noIrq).not.toMatch(/call_function_single_entry/);
    expect(noIrq.split('\n').length).toBeLessThan(all);
    expect(tracelab(['-S', sample]).out).not.toMatch(/softirq_entry/);
  });

  it('--ts-offset needs -i before it, and like trace-cmd 3.1.6 changes nothing with one file', () => {
    const r = tracelab(['--ts-offset', '5', sample]);
    expect(r.status).toBe(1);
    expect(r.err.trim()).toBe('tracelab: --ts-offset must come after -i');
    expect(tracelab(['-i', sample, '--ts-offset', '1234567']).out === tracelab([sample]).out).toBe(true);
  });
});

describe('several -i, and -F with comms learned before the first lookup', () => {
  it("-F '.*: common_pid == 0': every event with pid 0, the function tracer's formats (kernel: only ip) just not matching", () => {
    const lines = tracelab(['-F', '.*: common_pid == 0', sample]).out.split('\n').slice(1, -1);
    expect(lines.length).toBe(14003);
    expect(lines.every((l) => l.includes('<idle>-0 '))).toBe(true);
  });

  it('merges files in time order, each line led by its name; --cpu counts CPUs across files and --ts-offset follows its -i, as 3.1.6', () => {
    const two = tracelab(['-i', sample, '-i', sample, '--ts-offset', '5000']).out.split('\n');
    // the base names, as trace-cmd prints them
    expect(two[0]).toBe('real-ipi.dat: cpus=2');
    expect(two[2]).toBe('real-ipi.dat:             bash-4259  [001]  5168.583513: ipi_send_cpu:         cpu=0 callsite=wakeup_preempt+0x55 callback=0x0');
    // the second copy runs 5 us late: its first event comes before the first copy's second
    expect(two[3]).toBe('real-ipi.dat:             bash-4259  [001]  5168.583518: ipi_send_cpu:         cpu=0 callsite=wakeup_preempt+0x55 callback=0x0');
    expect(two[4]).toBe('real-ipi.dat:           <idle>-0     [000]  5168.583534: reschedule_entry:     vector=253');
    // CPU 2 is the second file's CPU 0
    const cpu2 = tracelab(['-i', sample, '-i', sample, '--cpu', '2']).out.split('\n').slice(2, -1);
    expect(cpu2.length).toBeGreaterThan(1000);
    expect(cpu2.every((l) => l.includes(' [000] '))).toBe(true);
  });

  it('-F sched_switch: a comm the plugin learns before any pid but 0 is looked up wins over saved_cmdlines (libtraceevent keeps a list until then)', () => {
    const lines = tracelab(['-F', 'sched_switch', sample]).out.split('\n');
    // the first event printed is <idle>'s (no lookup); its switch to bash:4261 is learned first
    expect(lines[1]).toContain('<idle>-0     [000]  5168.583549: sched_switch:         swapper/0:0 [120] R ==> bash:4261 [120]');
    expect(lines).toContain('            bash-4261  [000]  5168.588175: sched_switch:         bash:4261 [120] S ==> swapper/0:0 [120]');
    // unfiltered, the first event is bash-4259's: the list is sorted then, and 4261 keeps python3
    expect(tracelab([sample]).out).toContain('         python3-4261  [000]  5168.588175: sched_switch:         bash:4261 [120] S ==> swapper/0:0 [120]');
  });
});

describe.skipIf(!hasTraceCmd())('report switches byte for byte against trace-cmd (needs trace-cmd)', () => {
  it('several -i with --ts-offset, --cpu across files, -F per file, and -F alone', () => {
    const other = hasShared ? path.join(SHARED, 'real/vm-6.18/real-ipi-v6.dat') : sample;
    for (const args of [['-i', sample, '-i', other], ['-i', sample, '--ts-offset', '-7000', '-i', other, '--ts-offset', '5000'], ['-i', sample, '-i', other, '--cpu', '1-2', '-t'], ['-i', sample, '-F', 'sched_switch', '-i', other, '-F', 'ipi_send_cpu'], ['-F', 'sched_switch', sample], ['-F', 'sched', sample], ['-F', '.*: common_pid == 0', sample]]) {
      const theirs = run('trace-cmd', ['report', ...args]);
      const ours = tracelab(args);
      expect(ours.out === theirs.out, args.join(' ')).toBe(true);
    }
  });

  const files = [sample, ...(hasShared ? ['real/vm-6.18/real-ipi-v6.dat', 'public/ARM-software-lisa/tests/trace.dat', 'public/ARM-software-trappy/tests/trace_idle.dat'].map((f) => path.join(SHARED, f)) : [])];
  // every switch on the sample; on the others, those whose output depends on the file's layout or contents
  const OTHERS = [['-e'], ['-P'], ['-E'], ['--first-event', '--last-event', '-t'], ['--stat'], ['--uname'], ['--check-events'], ['--ts-diff'], ['-I', '-S', '-l']];
  for (const file of files) {
    it(path.relative(ROOT, file), () => {
      for (const mode of file === sample ? MODES : OTHERS) {
        const theirs = run('trace-cmd', ['report', ...mode, file]);
        const ours = tracelab([...mode, file]);
        expect(ours.status, mode.join(' ')).toBe(theirs.status);
        expect(ours.out === theirs.out, `${mode.join(' ')}: ${ours.out.slice(0, 200)} vs ${theirs.out.slice(0, 200)}`).toBe(true);
      }
    });
  }
});
