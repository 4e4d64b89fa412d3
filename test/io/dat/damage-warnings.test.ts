import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cappedWarnings } from '../../../src/core/warnings.ts';
import { CommTable } from '../../../src/core/comms.ts';
import { SHARED, hasTraceCmd } from '../../oracles.ts';
import { ROOT, tempDir } from '../../helpers.ts';

const cli = path.join(ROOT, 'dist/bundle/tracelab.js');

describe('warnings of a damaged file are bounded', () => {
  it('keeps the first of each kind and counts the rest in one line, updated in place', () => {
    const list: string[] = [];
    const note = cappedWarnings(list, 3);
    for (let k = 0; k < 1000; k++) note(`f.dat: CPU ${k % 4}: page skipped at byte ${k * 4096}`);
    note('f.dat: another kind of damage');
    expect(list.length).toBe(5);
    expect(list.slice(0, 3)).toEqual(['f.dat: CPU 0: page skipped at byte 0', 'f.dat: CPU 1: page skipped at byte 4096', 'f.dat: CPU 2: page skipped at byte 8192']);
    expect(list[3]).toBe('... and 997 more warning(s) like: f.dat: CPU 3: page skipped at byte 4091904');
    expect(list[4]).toBe('f.dat: another kind of damage');
  });

  it('a v6 trace whose header page size is a lie (64): a warning per page would be hundreds of thousands; a few dozen lines say it all', () => {
    const dir = tempDir();
    const good = path.join(dir, 'v6.dat');
    spawnSync(process.execPath, [cli, 'record', '--duration', '10s', '--output-format', 'dat-v6', '-e', 'all', '--set', 'cpus=8', '--set', 'housekeeping=0-1', '--set', 'isolated=2-7', '-o', good, '-q']);
    const b = fs.readFileSync(good);
    const at = b.indexOf('tracing') + 'tracing'.length + 2 + 2;
    expect(b.readUInt32LE(at)).toBe(4096);
    b.writeUInt32LE(64, at);
    const bad = path.join(dir, 'v6p64.dat');
    fs.writeFileSync(bad, b);
    const r = spawnSync(process.execPath, [cli, 'report', bad], { maxBuffer: 1 << 28 });
    expect([0, 1]).toContain(r.status);
    const lines = r.stderr.toString().trim().split('\n');
    expect(lines.length).toBeLessThan(300);
    expect(lines.some((l) => /\.\.\. and \d+ more warning\(s\) like: /.test(l))).toBe(true);
    expect(lines.every((l) => l.startsWith('tracelab: '))).toBe(true);
  });
});

describe('a v6 header CPU count that lies', () => {
  it('the CPU table is read with the CPUCOUNT option: every event kept, one warning, no time or memory spent on phantom CPUs', () => {
    const dir = tempDir();
    const good = path.join(dir, 'v6.dat');
    spawnSync(process.execPath, [cli, 'record', '--duration', '5s', '--output-format', 'dat-v6', '-e', 'all', '--set', 'cpus=8', '--set', 'housekeeping=0-1', '--set', 'isolated=2-7', '-o', good, '-q']);
    const b = fs.readFileSync(good);
    const at = b.indexOf('options  \0') - 4;
    expect(b.readUInt32LE(at)).toBe(8);
    const want = spawnSync(process.execPath, [cli, 'report', good], { maxBuffer: 1 << 28 }).stdout.toString('latin1').split('\n').slice(1);
    for (const lie of [50000, 1]) {
      b.writeUInt32LE(lie, at);
      const bad = path.join(dir, `v6-${lie}.dat`);
      fs.writeFileSync(bad, b);
      const t0 = Date.now();
      const r = spawnSync(process.execPath, [cli, 'report', bad], { maxBuffer: 1 << 28 });
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(r.status).toBe(0);
      expect(r.stderr.toString()).toBe(`tracelab: warning: ${bad}: the header says ${lie} CPUs, the CPUCOUNT option 8: the CPU table is read with 8\n`);
      expect(r.stdout.toString('latin1').split('\n').slice(1)).toEqual(want);
    }
  });
});

/**
 * The options of a v7 file, walked as trace-cmd does: each OPTIONS section
 * (16-byte header) holds `u16 id, u32 size, payload`, the last (DONE) giving
 * the next section's offset. Returns each option's id and payload offset.
 */
function v7Options(b: Buffer): { id: number; at: number }[] {
  let p = b.indexOf(0, b.indexOf(0, 18) + 1) + 1;
  let off = Number(b.readBigUInt64LE(p));
  const out: { id: number; at: number }[] = [];
  while (off) {
    const size = Number(b.readBigUInt64LE(off + 8));
    let next = 0;
    for (p = off + 16; p < off + 16 + size; ) {
      const id = b.readUInt16LE(p);
      out.push({ id, at: p + 6 });
      if (id === 0) {
        next = Number(b.readBigUInt64LE(p + 6));
        break;
      }
      p += 6 + b.readUInt32LE(p + 2);
    }
    off = next;
  }
  return out;
}

/** The top BUFFER option's page size field and its CPU entries (u32 id, u64 offset, u64 size). */
function bufferFields(b: Buffer): { pageAt: number; cpus: number[] } {
  const o = v7Options(b).find((x) => x.id === 3)!;
  const name = b.indexOf(0, o.at + 8);
  const pageAt = b.indexOf(0, name + 1) + 1;
  const n = b.readUInt32LE(pageAt + 4);
  return { pageAt, cpus: Array.from({ length: n }, (_, k) => pageAt + 8 + 20 * k) };
}

describe('a damaged v7 file (samples/real-ipi.dat with one field changed): every event, one warning', () => {
  const sample = path.join(ROOT, 'samples/real-ipi.dat');
  const original = () => spawnSync(process.execPath, [cli, 'report', sample], { maxBuffer: 1 << 28 }).stdout;
  const damaged = (edit: (b: Buffer) => void) => {
    const b = fs.readFileSync(sample);
    edit(b);
    const bad = path.join(tempDir(), 'bad.dat');
    fs.writeFileSync(bad, b);
    const r = spawnSync(process.execPath, [cli, 'report', bad], { maxBuffer: 1 << 28 });
    expect(r.status, r.stderr.toString()).toBe(0);
    return { bad, out: r.stdout, err: r.stderr.toString() };
  };

  it.each([1, 2 ** 24, 2 ** 25])('page size %i in the BUFFER option: the top buffer is read with the header\'s, as trace-cmd does (16M once gave 0 events)', (lie) => {
    const r = damaged((b) => b.writeUInt32LE(lie, bufferFields(b).pageAt));
    expect(r.err).toBe(`tracelab: warning: ${r.bad}: buffer "" claims a page size of ${lie}, the header 4096: the top-level buffer is read with the header's, as trace-cmd does\n`);
    expect(r.out.equals(original())).toBe(true);
  });

  it.each([2 ** 31, 2 ** 32 - 1])('an uncompressed size of %i for the event formats: decompressed as far as the bytes go, every event, one warning', (lie) => {
    const r = damaged((b) => b.writeUInt32LE(lie, Number(b.readBigUInt64LE(v7Options(b).find((x) => x.id === 18)!.at)) + 16 + 4));
    expect(r.err).toMatch(new RegExp(`^tracelab: warning: .*: the events format section at byte \\d+ says it holds ${lie} bytes uncompressed, more than \\d+ zstd bytes can \\(at most 1073741824\\): decompressed as far as they go\\n$`));
    expect(r.out.equals(original())).toBe(true);
  });

  /** The sample as a v6 trace.dat, a copy damaged by `damage`, and the CLI's report of both. */
  function reportDamagedV6(damage: (b: Buffer) => void) {
    const dir = tempDir();
    try {
      const v6 = path.join(dir, 'v6.dat');
      expect(spawnSync(process.execPath, [cli, 'convert', path.join(ROOT, 'samples/real-ipi.dat'), '-o', v6, '--file-version', '6']).status).toBe(0);
      const b = fs.readFileSync(v6);
      damage(b);
      const bad = path.join(dir, 'bad.dat');
      fs.writeFileSync(bad, b);
      const want = spawnSync(process.execPath, [cli, 'report', v6], { maxBuffer: 1 << 28 }).stdout.toString('latin1');
      const r = spawnSync(process.execPath, [cli, 'report', bad], { maxBuffer: 1 << 28 });
      return { want, bad, status: r.status, out: r.stdout.toString('latin1'), err: r.stderr.toString() };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('a v6 CPU data size of 2^62: that CPU read up to the next CPU\'s data (not that CPU\'s events again as its own), the exact claim in one warning', () => {
    let offsets: bigint[] = [];
    const r = reportDamagedV6((b) => {
      const at = b.indexOf('flyrecord\0') + 10;
      offsets = [b.readBigUInt64LE(at), b.readBigUInt64LE(at + 16)];
      b.writeBigUInt64LE(1n << 62n, at + 8);
    });
    expect(r.status).toBe(0);
    expect(r.out).toBe(r.want);
    expect(r.err).toBe(`tracelab: warning: ${r.bad}: CPU 0 data claims 4611686018427387904 bytes from byte ${offsets[0]}, into the next CPU's data at byte ${offsets[1]}: read up to there\n`);
  });

  it("a v6 header page size of 16 MiB that no CPU's data fits: read with the header_page format's 4096-byte pages (every event, one warning; trace-cmd prints one page of each CPU)", () => {
    const r = reportDamagedV6((b) => {
      const at = b.indexOf('tracing') + 'tracing'.length + 2 + 2;
      expect(b.readUInt32LE(at)).toBe(4096);
      b.writeUInt32LE(1 << 24, at);
    });
    expect(r.status).toBe(0);
    expect(r.out).toBe(r.want);
    expect(r.err).toMatch(/header says pages of 16777216 bytes, but no CPU's data starts on such a page; the header_page format's 4096-byte pages fit them all/);
  });

  it('a v7 compressed section whose size is 2^64-1: its block is whole and read (every event, symbols too, one warning; it was fatal)', () => {
    const dir = tempDir();
    const sample = path.join(ROOT, 'samples/real-ipi.dat');
    const want = spawnSync(process.execPath, [cli, 'report', sample], { maxBuffer: 1 << 28 }).stdout.toString('latin1');
    // the ftrace events (id 17) and kallsyms (id 19) sections of the sample
    for (const [at, id, what] of [[314, 17, 'ftrace events'], [124459, 19, 'kallsyms']] as const) {
      const b = fs.readFileSync(sample);
      expect(b.readUInt16LE(at)).toBe(id);
      b.writeBigUInt64LE((1n << 64n) - 1n, at + 8);
      const bad = path.join(dir, `s${id}.dat`);
      fs.writeFileSync(bad, b);
      const r = spawnSync(process.execPath, [cli, 'report', bad], { maxBuffer: 1 << 28 });
      expect(r.status, what).toBe(0);
      expect(r.stdout.toString('latin1') === want, what).toBe(true);
      expect(r.stderr.toString()).toContain(`the ${what} section at byte ${at} says it holds 18446744073709551615 bytes, past the end of the file; its compressed block`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a CPU id beyond the CPU count: printed as the file says, and said', () => {
    const r = damaged((b) => b.writeUInt32LE(16777216, bufferFields(b).cpus[1]));
    expect(r.err).toBe(`tracelab: warning: ${r.bad}: buffer "" has data for CPU 16777216, beyond the file's 2 CPUs: its events are printed as CPU 16777216\n`);
    const lines = r.out.toString('latin1').split('\n');
    expect(lines.length).toBe(original().toString('latin1').split('\n').length);
    expect(lines.filter((l) => l.includes(' [16777216] ')).length).toBeGreaterThan(10_000);
  });

  it('saved cmdlines that do not decompress: every event, comms as <...>, one warning naming zstd\'s error (trace-cmd stops)', () => {
    const r = damaged((b) => {
      const at = Number(b.readBigUInt64LE(v7Options(b).find((x) => x.id === 21)!.at));
      b[at + 16 + 8 + 40] ^= 0x20;
    });
    expect(r.err).toMatch(/^tracelab: warning: .*: at byte \d+ \(0x[0-9a-f]+\): expected zstd-compressed command lines, found data that does not decompress \(zstd: corrupted data \(corruption_detected\)\); read without saved cmdlines: comms print as <\.\.\.>\n$/);
    const want = original().toString('latin1').split('\n');
    const got = r.out.toString('latin1').split('\n');
    expect(got.length).toBe(want.length);
    // the same events, times and fields; only the comm column differs
    const strip = (l: string) => l.replace(/^ *\S.*?-(\d+) +\[/, '$1 [');
    for (let k = 1; k < got.length; k += 97) expect(strip(got[k])).toBe(strip(want[k]));
  });
});

describe('saved_cmdlines read as libtraceevent does (sscanf "%d %m[^\\n]s")', () => {
  it('any run of whitespace, even none, between pid and comm; a line it cannot read ends the list', () => {
    const t = new CommTable('4259_bash\n\n4260\tcat\n  +4261   make\n4262 \xa0nbsp\n4263 \nx 4264 after\n4265 late\n');
    expect([4259, 4260, 4261, 4262, 4263, 4265].map((p) => t.get(p))).toEqual(['_bash', 'cat', 'make', '\xa0nbsp', '<...>', '<...>']);
    expect(new CommTable('99999999999 big\n7 seven\n').get(7)).toBe('<...>');
  });

  it.skipIf(!hasTraceCmd() || !fs.existsSync(path.join(SHARED, 'real/vm-6.18/real-ipi-v6.dat')))('one damaged byte in a v6 file\'s saved_cmdlines prints as trace-cmd prints it (needs trace-cmd and ../shared)', () => {
    const src = fs.readFileSync(path.join(SHARED, 'real/vm-6.18/real-ipi-v6.dat'));
    const i = src.indexOf('4259 bash\n');
    for (const [delta, byte] of [[4, 0x5f], [4, 0x09], [4, 0xa0], [-1, 0x2b], [-1, 0x58], [0, 0x39]]) {
      const b = Buffer.from(src);
      b[i + delta] = byte;
      const bad = path.join(tempDir(), 'v6cm.dat');
      fs.writeFileSync(bad, b);
      const ours = spawnSync(process.execPath, [cli, 'report', bad], { maxBuffer: 1 << 28 }).stdout;
      const theirs = spawnSync('trace-cmd', ['report', bad], { maxBuffer: 1 << 28 }).stdout;
      expect(ours.equals(theirs), `byte ${delta} = ${byte}`).toBe(true);
    }
  });
});

describe('output files are replaced only when the new one is whole', () => {
  it('a convert that fails leaves the good file as it was, and no temporary file beside it', () => {
    const dir = tempDir();
    const sample = path.join(ROOT, 'samples/real-ipi.dat');
    const out = path.join(dir, 'events.csv');
    const ok = spawnSync(process.execPath, [cli, 'convert', sample, '--to', 'csv', '-o', out]);
    expect(ok.status, ok.stderr.toString()).toBe(0);
    const good = fs.readFileSync(out);
    expect(good.length).toBeGreaterThan(1000);
    const bad = spawnSync(process.execPath, [cli, 'convert', sample, '--to', 'csv', '-o', out, '-F', 'sched_switch: nosuchfield == 1']);
    expect(bad.status).toBe(1);
    expect(bad.stderr.toString().split('\n').filter(Boolean).length).toBeLessThanOrEqual(3);
    expect(fs.readFileSync(out).equals(good)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['events.csv']);
  });

  it('record writes its trace.dat and its text outputs under a temporary name, then renames', () => {
    const dir = tempDir();
    for (const args of [['-o', 'r.dat'], ['--output-format', 'report', '-o', 'r.txt']]) {
      const r = spawnSync(process.execPath, [cli, 'record', '--duration', '2s', ...args, '-q'], { cwd: dir });
      expect(r.status, r.stderr.toString()).toBe(0);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['r.dat', 'r.txt']);
    expect(fs.readFileSync(path.join(dir, 'r.txt'), 'latin1')).toMatch(/^cpus=80\n/);
  });

  it('a record that fails (a bad filter) with --output-format report or -o - leaves no scratch folder in $TMPDIR', () => {
    const tmp = tempDir();
    for (const args of [['--output-format', 'report', '-o', path.join(tmp, 'r.txt')], ['-o', '-']]) {
      const r = spawnSync(process.execPath, [cli, 'record', '--duration', '1s', '-e', 'ipi_send_cpu', '-f', 'nosuch == 1', ...args, '-q'], { env: { ...process.env, TMPDIR: tmp } });
      expect(r.status).toBe(1);
      expect(fs.readdirSync(tmp)).toEqual([]);
    }
  });
});

describe('memory bounded by design: the CLI under a small JS heap', () => {
  it('report, hist, interference, noise and convert (CSV, Parquet) of a 1.2 M-event trace run in a 128 MB heap', () => {
    const dir = tempDir();
    const big = path.join(dir, 'big.dat');
    const rec = spawnSync(process.execPath, ['--max-old-space-size=128', cli, 'record', '--duration', '20s', '-e', 'all', '-o', big, '-q']);
    expect(rec.status, rec.stderr.toString()).toBe(0);
    const hasTime = fs.existsSync('/usr/bin/time');
    for (const args of [['report', big], ['hist', big], ['interference', big, '--isolated', '4-79'], ['noise', big, '--measure', '4-7'], ['convert', big, '-o', path.join(dir, 'b.csv')], ['convert', big, '-o', path.join(dir, 'b.parquet')]]) {
      const argv = ['--max-old-space-size=128', cli, ...args];
      const r = hasTime ? spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...argv], { maxBuffer: 1 << 30 }) : spawnSync(process.execPath, argv, { maxBuffer: 1 << 30 });
      expect(r.status, `${args.join(' ')}: ${r.stderr.toString().slice(-500)}`).toBe(0);
      if (hasTime && args[0] !== 'convert') {
        // peak RSS of the whole process: the heap above, Node itself, the file windows
        const kb = Number(r.stderr.toString().trim().split('\n').pop());
        expect(kb / 1024, args.join(' ')).toBeLessThan(400);
      }
    }
    expect(fs.readFileSync(path.join(dir, 'b.csv'), 'latin1').split('\n').length).toBeGreaterThan(1_000_000);
  }, 240_000);
});
