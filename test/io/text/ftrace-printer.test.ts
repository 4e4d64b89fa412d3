import { describe, expect, it } from 'vitest';
import { kernelFlags, printFtrace } from '../../../src/io/text/ftrace-printer.ts';
import type { Trace } from '../../../src/core/trace.ts';
import { run } from '../../emulator/record-helpers.ts';

function ftraceOf(trace: Trace): string {
  const chunks: Uint8Array[] = [];
  printFtrace(trace, (c) => chunks.push(c));
  return Buffer.concat(chunks).toString('latin1');
}

const LINE = /^ *(\S+)-(\d+) +\[(\d{3})\] ([.dDb][.nNpLlBb][.hHsZz][.0-9a-f][.0-9a-f]) +(\d+\.\d{6}): (.*)$/;

describe('kernel /sys/kernel/tracing/trace text', () => {
  it('flags column as trace_print_lat_fmt', () => {
    expect(kernelFlags(0, 0)).toBe('.....');
    expect(kernelFlags(0x01 | 0x08, 1)).toBe('d.h1.');
    expect(kernelFlags(0x01 | 0x80, 0)).toBe('D....');
    expect(kernelFlags(0x80, 0)).toBe('b....');
    expect(kernelFlags(0x04, 0)).toBe('.n...');
    expect(kernelFlags(0x04 | 0x20, 0)).toBe('.N...');
    expect(kernelFlags(0x02 | 0x20, 0)).toBe('.L...');
    expect(kernelFlags(0x08 | 0x10, 0x12)).toBe('..H21');
    expect(kernelFlags(0x40 | 0x08, 0)).toBe('..Z..');
    expect(kernelFlags(0x10, 0)).toBe('..s..');
  });

  it('prints an emulated run as the kernel would: header, columns, %pS with size, probes, stacks', async () => {
    const r = await run('kprobe-trampolines', [], { duration: '7s', stacks: true, events: [{ event: 'all', filters: [] }, { event: 'kprobes', filters: [] }] });
    const text = ftraceOf(r.trace);
    const lines = text.split('\n');
    expect(lines[0]).toBe('# tracer: nop');
    expect(lines[2]).toBe(`# entries-in-buffer/entries-written: ${r.summary.events}/${r.summary.events}   #P:8`);
    expect(lines[10]).toBe('#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION');
    const body = lines.slice(12, -1);
    const events = body.filter((l) => !l.startsWith(' => '));
    expect(events.length).toBe(r.summary.events);
    for (const l of events) expect(LINE.test(l), l).toBe(true);
    // same events, same order and same (rounded) times as trace-cmd report prints
    const rep = r.report.split('\n').slice(1, -1).filter((l) => !l.startsWith('=> '));
    expect(rep.length).toBe(events.length);
    for (let k = 0; k < events.length; k++) {
      const m = LINE.exec(events[k])!;
      expect(rep[k]).toContain(`[${m[3]}] ${m[5].padStart(12)}: `);
    }
    expect(text).toMatch(/ ipi_send_cpumask: cpumask=\S+ callsite=on_each_cpu_cond_mask\+0x20\/0x40 callback=generic_smp_call_function_single_interrupt\+0x0\/0x[0-9a-f]+\n/);
    expect(text).toMatch(/ csd_queue_cpu: cpu=\d+ callsite=on_each_cpu_cond_mask\+0x20\/0x40 func=do_sync_core csd=[0-9a-f]{16}\n/);
    expect(text).toMatch(/ csd_function_entry: func=do_sync_core, csd=[0-9a-f]{16}\n/);
    expect(text).toMatch(/ csd_function_entry: func=do_sync_core, csd=0000000000000000\n/);
    expect(text).toMatch(/ p_do_sys_openat2_19: \(do_sys_openat2\+0x13\/0xd0\) dfd=4294967196\n/);
    expect(text).toMatch(/ r_vfs_write_0: \(ksys_write\+0x73\/0xe0 <- vfs_write\) ret=\d+\n/);
    expect(text).toMatch(/ sched_switch: prev_comm=stress-read prev_pid=\d+ prev_prio=120 prev_state=R\+ ==> next_comm=rt-hog next_pid=\d+ next_prio=0\n/);
    expect(text).toMatch(/: <stack trace>\n => trace_event_raw_event_ipi_send_cpumask\n => smp_call_function_many_cond\n => on_each_cpu_cond_mask\n => text_poke_bp_batch\n/);
  });

  it('events of the idle task print as <idle>-0', async () => {
    // dataplane-strict: a killed task leaves its CPU idle, and interrupts still come
    const r = await run('dataplane-strict', [], { duration: '6s', events: [{ event: 'all', filters: [] }] });
    expect(ftraceOf(r.trace)).toMatch(/\n +<idle>-0 +\[\d{3}\] /);
  });
});
