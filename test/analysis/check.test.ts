import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkTrace } from '../../src/analysis/check.ts';
import { KERNEL_VERSIONS } from '../../src/emulator/kernel-version.ts';
import { presetNames } from '../../src/emulator/scenario.ts';
import { openTrace } from '../../src/io/open.ts';
import { findFiles, hasShared, SHARED, tempDir } from '../helpers.ts';
import { run } from '../emulator/record-helpers.ts';

const failing = (r: ReturnType<typeof checkTrace>) => r.summary.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.example}`);

describe.skipIf(!hasShared)('tracelab check on real traces (needs ../shared/data)', () => {
  for (const file of findFiles(path.join(SHARED, 'real'), /\.dat$/)) {
    it(`every invariant holds on ${path.relative(SHARED, file)}`, async () => {
      const r = checkTrace(await openTrace(file));
      expect(failing(r)).toEqual([]);
      expect(r.summary.results.find((x) => x.name === 'time-order')!.checked).toBeGreaterThan(0);
    });
  }

  it('a real trace with one sched_switch flag changed fails, naming the event', async () => {
    const text = zlib.gunzipSync(fs.readFileSync(path.join(SHARED, 'real/vm-6.18/real-ipi.dat.report-l.txt.gz'))).toString('latin1');
    const broken = text.replace(/0d\.\.2\.( +[\d.]+: sched_switch:)/, '0...2.$1');
    expect(broken).not.toBe(text);
    const f = path.join(tempDir('tracelab-check-'), 'broken.txt');
    fs.writeFileSync(f, broken, 'latin1');
    const r = checkTrace(await openTrace(f));
    expect(r.summary.ok).toBe(false);
    const bad = r.summary.results.find((x) => x.name === 'sched_switch-flags')!;
    expect(bad.violations).toBe(1);
    expect(bad.example).toMatch(/^CPU 0 at \d+\.\d{9}: flags 0x0, preempt depth 2$/);
  });
});

describe('tracelab check on every preset and kernel version (all events, -T)', () => {
  const small = ['cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'sources.watchdog_timeo_s=1', 'sources.netdev_watchdogs=4', 'sources.bpf_jit=3', 'sources.vunmap_purges=3'];
  for (const name of presetNames()) {
    for (const version of KERNEL_VERSIONS) {
      it(`${name} on ${version}`, async () => {
        // the bad case's loop at 200 µs of work: every event has a stack, and 20 µs would print 0.5 GB
        const sets = [...(name.startsWith('isolation') ? small : []), ...(name === 'isolation-ipi-syscalls' ? ['isolated_load.user_work_us=200'] : []), `kernel.version=${version}`];
        // the message benchmark makes some 14 M events a second
        const r = await run(name, sets, { duration: name === 'rcuidle-hackbench' ? '5ms' : '2s', events: [{ event: 'all', filters: [] }], stacks: true });
        const c = checkTrace(r.trace);
        expect(failing(c)).toEqual([]);
        const checked = Object.fromEntries(c.summary.results.map((x) => [x.name, x.checked]));
        expect(checked['hardirq-flags']).toBeGreaterThan(0);
        expect(checked['sched_switch-flags']).toBeGreaterThan(0);
        expect(checked['entry-exit']).toBeGreaterThan(0);
        if (version === '6.18' && name.startsWith('isolation')) expect(checked['csd-before-ipi']).toBeGreaterThan(0);
      });
    }
  }
});
