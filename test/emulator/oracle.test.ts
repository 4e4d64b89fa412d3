import { describe, expect, it } from 'vitest';
import { presetNames } from '../../src/emulator/scenario.ts';
import { firstDiff, hasTraceCmd, traceCmdReport, reportOf } from '../helpers.ts';
import { run } from './record-helpers.ts';

/** Every preset, v6 and v7, all events and stacks: the real trace-cmd reads it without a word and prints what we print. */
describe.skipIf(!hasTraceCmd())('emulator output in the real trace-cmd (needs trace-cmd)', () => {
  for (const name of presetNames()) {
    for (const format of ['dat', 'dat-v6'] as const) {
      it(`${name} (${format === 'dat' ? 'v7 zstd' : 'v6'})`, async () => {
        // the bad case's loop at 200 µs of work: with a stack after every event, 20 µs would print 0.5 GB
        const small = name.startsWith('isolation') ? ['cpus=12', 'housekeeping=0-3', 'isolated=4-11', ...(name === 'isolation-ipi-syscalls' ? ['isolated_load.user_work_us=200'] : [])] : [];
        // the probe presets' removal (and seed 001's RT hog) moved into the first 2 s: every event kind, a third of the events
        const early = name === 'kprobe-trampolines' ? ['probes.unregister_at=1.2s', 'probes.rt_hog_at=1s'] : name === 'uprobe-batch' ? ['probes.unregister_at=1s'] : [];
        const r = await run(name, [...small, ...early], { duration: name === 'rcuidle-hackbench' ? '5ms' : '2s', format, stacks: true, events: [{ event: 'all', filters: [] }, ...(name === 'kprobe-trampolines' ? [{ event: 'kprobes', filters: [] }] : name === 'uprobe-batch' ? [{ event: 'uprobes', filters: [] }] : [])] });
        expect(r.summary.events).toBeGreaterThan(1000);
        const tc = traceCmdReport(r.file);
        expect(tc.err).toBe('');
        expect(tc.status).toBe(0);
        expect(tc.out === r.report, firstDiff(tc.out, r.report)).toBe(true);
        if (format === 'dat') {
          const l = traceCmdReport(r.file, ['-l']).out;
          expect(l === reportOf(r.trace, { latency: true }), firstDiff(l, reportOf(r.trace, { latency: true }))).toBe(true);
        }
      });
    }
  }
});
