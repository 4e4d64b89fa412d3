import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listText, type ListSource } from '../../src/io/text/list-text.ts';
import { hasTraceCmd, ROOT } from '../helpers.ts';

/**
 * `tracelab list` (issue 16): trace-list.c's texts over a trace file or the
 * emulated kernel. The event regexes follow process_events(); -O is
 * libtraceevent's option list, byte for byte against trace-cmd.
 */
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, 'list', ...args], { encoding: 'latin1' });

const fmt = (system: string, name: string) => `name: ${name}\nID: 1\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\nprint fmt: "x"\n`;
const src: ListSource = {
  formats: [
    ['ftrace', 'function'], ['ftrace', 'print'],
    ['sched', 'sched_switch'], ['sched', 'sched_waking'],
    ['irq', 'softirq_entry'], ['irq', 'irq_handler_entry'],
    ['rcu', 'rcu_utilization'], ['schedx', 'other'],
  ].map(([system, name]) => ({ system, name, text: fmt(system, name) })),
  functions: () => ['do_sync_core', 'Do_Something', 'flush_tlb_func [kvm]', 'schedule'],
  clock: '[local] global',
  buffers: [],
  compression: [{ name: 'zstd', version: 'v' }],
};
const list = (o: Parameters<typeof listText>[1]) => listText(src, o);

describe('list', () => {
  it('-e: available_events (no ftrace); "sched" matches systems and event names, "sched:" systems only, "sys:ev" events of systems; ftrace first', () => {
    expect(list({ events: true })).toBe('sched:sched_switch\nsched:sched_waking\nirq:softirq_entry\nirq:irq_handler_entry\nrcu:rcu_utilization\nschedx:other\n');
    // "sched": the sched and schedx systems whole, and events named *sched* elsewhere (none here)
    expect(list({ events: 'sched' })).toBe('sched:sched_switch\nsched:sched_waking\nschedx:other\n');
    expect(list({ events: 'entry' })).toBe('irq:softirq_entry\nirq:irq_handler_entry\n');
    expect(list({ events: 'irq:' })).toBe('irq:softirq_entry\nirq:irq_handler_entry\n');
    expect(list({ events: 'IRQ:soft' })).toBe('irq:softirq_entry\n');
    expect(list({ events: 'ftrace' })).toBe('ftrace:function\nftrace:print\n');
    expect(list({ events: 'func' })).toBe('ftrace:function\n');
    // a basic regex: ^ anchors, + is a plain character
    expect(list({ events: '^s.*:.*ing$' })).toBe('sched:sched_waking\n');
    expect(list({ events: 'sched+' })).toBe('');
  });

  it('-F prints "system: X" and the format up to its print fmt (all of it with --full); without a regex it is refused as trace-cmd refuses it', () => {
    expect(list({ events: 'rcu', format: true })).toBe(`system: rcu\n${fmt('rcu', 'rcu_utilization').replace(/print fmt.*\n/, '')}`);
    expect(list({ events: 'rcu', format: true, full: true })).toBe(`system: rcu\n${fmt('rcu', 'rcu_utilization')}`);
    expect(() => list({ events: true, format: true })).toThrow(/an event must be named/);
  });

  it('-f, -s, -B, -C, -c, and the overview with no option', () => {
    expect(list({ functions: true })).toBe('do_sync_core\nDo_Something\nflush_tlb_func [kvm]\nschedule\n');
    expect(list({ functions: 'do_s' })).toBe('do_sync_core\nDo_Something\n');
    expect(list({ functions: 'kvm]$' })).toBe('flush_tlb_func [kvm]\n');
    expect(list({ systems: true })).toBe('ftrace\nsched\nirq\nrcu\nschedx\n\n');
    expect(list({ buffers: true })).toBe('No buffer instances defined\n');
    expect(listText({ ...src, buffers: ['foo', 'bar'] }, { buffers: true })).toBe('foo\nbar\n');
    expect(list({ clocks: true })).toBe('[local] global\n');
    expect(list({ compression: true })).toBe('Supported compression algorithms:\n\tzstd, v\n');
    expect(list({})).toBe(`event systems:\n${list({ systems: true })}events:\n${list({ events: true })}\n${list({ compression: true })}`);
  });

  it('on a trace file: its events, clock, functions; on the emulated kernel: what record can enable (6.4 has no csd)', () => {
    const dat = path.join(ROOT, 'samples/real-ipi.dat');
    const ev = run(['-i', dat, '-e', 'ipi:']);
    expect(ev.status, ev.stderr).toBe(0);
    // the formats the file holds, in its order
    expect(ev.stdout).toBe('ipi:ipi_send_cpumask\nipi:ipi_send_cpu\n');
    expect(run(['-i', dat, '-C']).stdout).toBe('[local] global counter uptime perf mono mono_raw boot tai x86-tsc\n');
    expect(run(['-i', dat, '-f', '^do_sync_core$']).stdout).toBe('do_sync_core\n');
    expect(run(['-e', 'csd:']).stdout).toBe('csd:csd_function_entry\ncsd:csd_function_exit\ncsd:csd_queue_cpu\n');
    expect(run(['--kernel', '6.4', '-e', 'csd:']).stdout).toBe('');
    const t = run(['-t']);
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(/^tracelab: list -t \(tracers\): .*\n$/);
  });

  it.skipIf(!hasTraceCmd())('-O is what trace-cmd list -O prints, byte for byte (needs trace-cmd)', () => {
    const want = spawnSync('trace-cmd', ['list', '-O'], { encoding: 'latin1' }).stdout;
    expect(want).toContain('plugin:\tftrace');
    expect(run(['-O']).stdout).toBe(want);
  });
});
