import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDat } from '../../../src/io/dat/reader.ts';
import { replicateDat } from '../../../src/io/dat/replicate.ts';
import { ROOT, firstDiff, hasTraceCmd, reportOf, traceCmdReport } from '../../helpers.ts';
import { expectedLine, writeSynthetic, type SynthEvent } from './synthetic.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-dat-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Events on CPUs 0 and 2 (CPU 1 stays empty), with gaps that need time extends. */
function events(n = 300): SynthEvent[] {
  const ev: SynthEvent[] = [];
  let t = 1000;
  for (let i = 0; i < n; i++) {
    // every 50th event follows a 2 s gap: far beyond the 27-bit delta (134 ms)
    t += i % 50 === 49 ? 2_000_000_000 + 17 : 1234 + (i % 7);
    ev.push({ cpu: i % 3 === 1 ? 2 : 0, ts: t, pid: i % 4 === 0 ? 100 : i % 4 === 1 ? 200 : i % 4 === 2 ? 0 : 4242, value: i - 150, addr: 0xffffffff81001000n + BigInt(i * 16), comm: `c${i}`, name: `name-${i}`, flags: i % 5, preempt: i % 3 });
  }
  return ev;
}

const variants = [
  { label: 'v7 zstd, little-endian, 64-bit', version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8 },
  { label: 'v7 uncompressed, big-endian, 64-bit', version: 7, compression: 'none', bigEndian: true, longSize: 8, kernelLongSize: 8 },
  { label: 'v6, big-endian, 32-bit', version: 6, compression: 'none', bigEndian: true, longSize: 4, kernelLongSize: 4 },
  { label: 'v6, little-endian, 32-bit', version: 6, compression: 'none', bigEndian: false, longSize: 4, kernelLongSize: 4 },
  { label: 'v7 zlib, 32-bit user space on a 64-bit kernel', version: 7, compression: 'zlib', bigEndian: false, longSize: 4, kernelLongSize: 8 },
] as const;

describe('trace.dat reader on synthetic files', () => {
  for (const v of variants) {
    it(`reads ${v.label}: every event, exact times, empty CPU, time extends`, async () => {
      const file = path.join(dir, `${v.label.replace(/\W+/g, '_')}.dat`);
      const ev = events();
      const baseSec = 5000;
      await writeSynthetic(file, ev, { ...v, cpus: 3, baseNs: BigInt(baseSec) * 1_000_000_000n });
      const trace = await openDat(file);
      expect(trace.bigEndian).toBe(v.bigEndian);
      expect(trace.longSize).toBe(v.longSize);
      expect(trace.kernelLongSize).toBe(v.kernelLongSize);
      expect(trace.buffers[0].cpus).toEqual([0, 2]);
      const got = reportOf(trace);
      const sorted = [...ev].sort((a, b) => a.ts - b.ts || a.cpu - b.cpu);
      const want = `cpus=3\n${sorted.map((e) => expectedLine(e, baseSec, v.kernelLongSize)).join('\n')}\n`;
      if (got !== want) expect.fail(firstDiff(want, got));
      expect(trace.warnings).toEqual([]);
      if (hasTraceCmd() && v.compression !== 'zlib') {
        for (const args of [[], ['-t'], ['-l'], ['-R']]) {
          const tc = traceCmdReport(file, args);
          const ours = reportOf(trace, { ns: args.includes('-t'), latency: args.includes('-l'), raw: args.includes('-R') });
          if (tc.out !== ours) expect.fail(`trace-cmd report ${args.join(' ')}: ${firstDiff(tc.out, ours)}`);
        }
      }
      trace.close();
    });
  }

  it('keeps every nanosecond of uptimes beyond 2^53 ns (and through absolute time stamps)', async () => {
    const file = path.join(dir, 'huge-uptime.dat');
    // 2^53 ns is about 104 days; use 300 days of uptime plus odd nanoseconds
    const baseSec = 300 * 86400;
    const ev: SynthEvent[] = [
      { cpu: 0, ts: 1, pid: 100, value: 1, addr: 0xffffffff81001000n, comm: 'a', name: 'x' },
      { cpu: 0, ts: 999_999_999, pid: 100, value: 2, addr: 0xffffffff81001000n, comm: 'b', name: 'y' },
      { cpu: 0, ts: 5_000_000_123, pid: 100, value: 3, addr: 0xffffffff81001000n, comm: 'c', name: 'z', absolute: true },
      { cpu: 0, ts: 5_000_000_124, pid: 100, value: 4, addr: 0xffffffff81001000n, comm: 'd', name: 'w' },
    ];
    await writeSynthetic(file, ev, { version: 7, compression: 'none', bigEndian: false, longSize: 8, kernelLongSize: 8, cpus: 1, baseNs: BigInt(baseSec) * 1_000_000_000n });
    const trace = await openDat(file);
    const ns: bigint[] = [];
    for (const b of trace.batches()) for (let i = 0; i < b.length; i++) ns.push(BigInt(trace.tsBaseSec) * 1_000_000_000n + BigInt(b.ts[i]));
    const base = BigInt(baseSec) * 1_000_000_000n;
    expect(base > 2n ** 53n).toBe(true);
    expect(ns).toEqual(ev.map((e) => base + BigInt(e.ts)));
    const lines = reportOf(trace, { ns: true }).split('\n');
    expect(lines[1]).toContain('25920000.000000001: sample_event');
    expect(lines[3]).toContain('25920005.000000123: sample_event');
    if (hasTraceCmd()) expect(traceCmdReport(file, ['-t']).out).toBe(reportOf(trace, { ns: true }));
    trace.close();
  });

  it('prints dropped-event markers the way trace-cmd does', async () => {
    const file = path.join(dir, 'lost.dat');
    const ev: SynthEvent[] = [
      { cpu: 0, ts: 10, pid: 100, value: 1, addr: 0n, comm: 'a', name: 'x' },
      { cpu: 0, ts: 20, pid: 100, value: 2, addr: 0n, comm: 'b', name: 'y', lostBefore: 42 },
      { cpu: 0, ts: 30, pid: 100, value: 3, addr: 0n, comm: 'c', name: 'z', lostBefore: -1 },
    ];
    await writeSynthetic(file, ev, { version: 7, compression: 'none', bigEndian: false, longSize: 8, kernelLongSize: 8, cpus: 1, baseNs: 100_000_000_000n });
    const trace = await openDat(file);
    const out = reportOf(trace);
    expect(out).toContain('CPU:0 [42 EVENTS DROPPED]\n');
    expect(out).toContain('CPU:0 [EVENTS DROPPED]\n');
    if (hasTraceCmd()) expect(traceCmdReport(file).out).toBe(out);
    trace.close();
  });
});

describe('trace.dat reader on damaged files', () => {
  it('yields every event before a truncation, and warns naming the offset', async () => {
    const file = path.join(dir, 'whole.dat');
    const ev = events(6000);
    await writeSynthetic(file, ev, { version: 6, compression: 'none', bigEndian: false, longSize: 8, kernelLongSize: 8, cpus: 3, baseNs: 10n ** 12n });
    const whole = fs.readFileSync(file);
    const full = await openDat(file);
    const allLines = reportOf(full).split('\n').slice(1, -1);
    full.close();
    // cuts inside CPU 2's pages (the last data in the file), on and off page boundaries
    for (const cut of [Math.floor(whole.length * 0.97), whole.length - 4096 * 3, whole.length - 4096 * 5 - 77]) {
      const cutFile = path.join(dir, `cut-${cut}.dat`);
      fs.writeFileSync(cutFile, whole.subarray(0, cut));
      const t = await openDat(cutFile);
      const lines = reportOf(t).split('\n').slice(1, -1);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length).toBeLessThan(allLines.length);
      // what is read is exactly a prefix of each CPU's events
      for (const cpu of ['[000]', '[002]']) {
        const a = allLines.filter((l) => l.includes(cpu));
        const b = lines.filter((l) => l.includes(cpu));
        expect(a.slice(0, b.length)).toEqual(b);
      }
      expect(t.warnings.join('\n')).toMatch(new RegExp(`possibly truncated|truncated at byte ${cut}`));
      t.close();
    }
  });

  it('names the file and offset for a file that is not a trace', async () => {
    const file = path.join(dir, 'junk.dat');
    fs.writeFileSync(file, Buffer.from('\x17\x08\x44tracing9\0\0\x08\0\x10\0\0'));
    await expect(openDat(file)).rejects.toThrow(/junk\.dat: at byte 10 .*version 6 or 7/);
    const cut = path.join(dir, 'short.dat');
    fs.writeFileSync(cut, Buffer.from('\x17\x08\x44tracing6\0\0\x08'));
    await expect(openDat(cut)).rejects.toThrow(/short\.dat: truncated at byte 14: it ends before 4 bytes of page size at byte 14/);
  });
});

describe('a file cut inside its CPU data', () => {
  it('v7 uncompressed keeps the complete events of the cut page, as v6 with the same bytes does', async () => {
    const ev: SynthEvent[] = [];
    for (let k = 0; k < 3000; k++) ev.push({ cpu: 0, ts: 1000 + k * 997, pid: 100 + (k % 7), value: k, addr: 0xffffffff81001010n, comm: `task${k % 7}`, name: 'do_one_thing' });
    const base = { bigEndian: false, longSize: 8, kernelLongSize: 8, cpus: 1, baseNs: 100_000_000_000n } as const;
    const files = { v6: path.join(dir, 'cut-src-v6.dat'), v7: path.join(dir, 'cut-src-v7.dat') };
    await writeSynthetic(files.v6, ev, { ...base, version: 6, compression: 'none' });
    await writeSynthetic(files.v7, ev, { ...base, version: 7, compression: 'none' });
    const at: Record<string, number> = {};
    for (const [v, f] of Object.entries(files)) {
      const t = await openDat(f);
      at[v] = t.cpuFiles()[0].offset;
      t.close();
    }
    // cuts inside the data, at the same distance from where it begins in each file
    let compared = 0;
    for (const into of [100, 4096 + 57, 3 * 4096 + 1500, 10 * 4096 + 4000, 20 * 4096 + 33]) {
      const out: Record<string, string> = {};
      for (const [v, f] of Object.entries(files)) {
        const cut = path.join(dir, `cut-${v}.dat`);
        fs.writeFileSync(cut, fs.readFileSync(f).subarray(0, at[v] + into));
        const t = await openDat(cut);
        out[v] = reportOf(t);
        t.close();
      }
      expect(out.v7, `${into} bytes into the data`).toBe(out.v6);
      compared += out.v6.split('\n').length;
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('merging copies records word by word where it can', () => {
  it('a v6 trace read from bytes that start 4-byte aligned and from bytes that do not: the same events, the same report', async () => {
    const src = await openDat(path.join(ROOT, 'samples/real-ipi.dat'));
    const v6 = path.join(dir, 'merge-v6.dat');
    await replicateDat(src, v6, 1, { version: 6, compression: 'none' });
    src.close();
    const file = fs.readFileSync(v6);
    const at = (shift: number) => {
      const b = new Uint8Array(file.length + 8);
      b.set(file, shift);
      return b.subarray(shift, shift + file.length);
    };
    // offset 4: records' words line up (copied as words); offset 1: they cannot (copied byte by byte)
    const aligned = await openDat(v6, { bytes: at(4) });
    const odd = await openDat(v6, { bytes: at(1) });
    const want = reportOf(aligned);
    expect(want.split('\n').length).toBeGreaterThan(34000);
    expect(reportOf(odd)).toBe(want);
    expect(reportOf(await openDat(v6))).toBe(want);
  });
});
