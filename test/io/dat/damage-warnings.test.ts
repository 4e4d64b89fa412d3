import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cappedWarnings } from '../../../src/core/warnings.ts';
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

describe('a v7 BUFFER option whose page size lies', () => {
  it.each([1, 2 ** 25])('page size %i: the header page size is used, every event kept, one warning', (lie) => {
    const dir = tempDir();
    const sample = path.join(ROOT, 'samples/real-ipi.dat');
    const b = fs.readFileSync(sample);
    // the BUFFER option (id 3): offset, name and clock strings, then the page size
    let at = -1;
    for (let i = b.indexOf(Buffer.from([3, 0])); i >= 0 && at < 0; i = b.indexOf(Buffer.from([3, 0]), i + 1)) {
      const size = b.readUInt32LE(i + 2);
      if (size < 20 || size > 200) continue;
      const name = b.indexOf(0, i + 14);
      const clock = b.indexOf(0, name + 1);
      if (b.readUInt32LE(clock + 1) === 4096) at = clock + 1;
    }
    expect(at).toBeGreaterThan(0);
    b.writeUInt32LE(lie, at);
    const bad = path.join(dir, 'bad.dat');
    fs.writeFileSync(bad, b);
    const r = spawnSync(process.execPath, [cli, 'report', bad], { maxBuffer: 1 << 28 });
    expect(r.status).toBe(0);
    expect(r.stderr.toString()).toBe(`tracelab: warning: ${bad}: buffer "" claims a page size of ${lie} (not between 64 and 16M, a multiple of 4): the header's 4096 is used\n`);
    expect(r.stdout.equals(spawnSync(process.execPath, [cli, 'report', sample], { maxBuffer: 1 << 28 }).stdout)).toBe(true);
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
});
