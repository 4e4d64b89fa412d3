import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.ts';

/**
 * The CLI (report, hist, dump, split) on damaged copies of a real trace (samples/real-ipi.dat, v7 zstd):
 * truncated anywhere, a byte flipped anywhere, a size or offset field
 * anywhere in the headers and options replaced by a lie. Whatever the damage:
 * exit 0 or 1 (never 2, an internal error), every message one line starting
 * "tracelab: ", a bounded number of them; a truncation prints only events the
 * whole file has (their comm may differ: see key()). FUZZ_RUNS=N runs more cases (npm run fuzz).
 */
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const RUNS = Number(process.env.FUZZ_RUNS ?? 0) > 0 ? Math.ceil(Number(process.env.FUZZ_RUNS) / 100) * 12 : 12;

/** A small seeded PRNG (mulberry32): the cases are the same on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the CLI on damaged copies of a real trace', () => {
  const good = fs.readFileSync(sample);
  const original = spawnSync(process.execPath, [cli, 'report', sample], { maxBuffer: 1 << 28 }).stdout.toString('latin1').split('\n');
  // an event without its comm: a truncated file may lack the sched_switch that taught the whole
  // file's report a task's new comm (exec), so the comm column may differ, the event may not
  const key = (l: string) => l.replace(/^ *\S.*?-(\d+) +\[/, '$1 [');
  const originalSet = new Set(original.map(key));
  const dir = tempDir();
  const rand = rng(20261206);
  const pick = (n: number) => Math.floor(rand() * n);
  // where the damage goes: the file's metadata (first 64 KB, the options at its end) or anywhere
  const metaOffset = () => (rand() < 0.5 ? pick(Math.min(65536, good.length)) : good.length - 1 - pick(4096));
  const cases: { name: string; bytes: Buffer; truncated: boolean }[] = [];
  for (let k = 0; k < RUNS; k++) {
    const kind = k % 3;
    if (kind === 0) {
      const at = pick(good.length);
      cases.push({ name: `cut at ${at}`, bytes: good.subarray(0, at), truncated: true });
    } else if (kind === 1) {
      const b = Buffer.from(good);
      const at = rand() < 0.5 ? metaOffset() : pick(b.length);
      b[at] ^= 1 << pick(8);
      cases.push({ name: `bit flip at ${at}`, bytes: b, truncated: false });
    } else {
      const b = Buffer.from(good);
      const at = metaOffset() & ~3;
      const lie = [0, 1, 0xffffffff, 0x7fffffff, 1 << 24, 4096 * 1000][pick(6)];
      if (at + 4 <= b.length) b.writeUInt32LE(lie >>> 0, at);
      cases.push({ name: `u32 ${lie} at ${at}`, bytes: b, truncated: false });
    }
  }
  for (const c of cases) {
    it(`${c.name}: exit 0 or 1, one-line messages${c.truncated ? ', only events the whole file has' : ''}`, () => {
      const file = path.join(dir, 'd.dat');
      fs.writeFileSync(file, c.bytes);
      const out = path.join(dir, 'split');
      for (const args of [['report', file], ['hist', file, '--by', 'event'], ['dump', '--all', file], ['split', '-i', file, '-o', out, '-e', '5000', '-r']]) {
        const r = spawnSync(process.execPath, [cli, ...args], { maxBuffer: 1 << 28, timeout: 60_000 });
        const err = r.stderr.toString();
        expect([0, 1], `${args[0]}: exit ${r.status}: ${err.slice(0, 400)}`).toContain(r.status);
        expect(err).not.toMatch(/internal error|\n\s+at /);
        const lines = err.split('\n').filter(Boolean);
        expect(lines.length).toBeLessThan(300);
        for (const l of lines) expect(l.startsWith('tracelab: ') || l.startsWith('... and '), l).toBe(true);
        if (args[0] === 'split') for (const f of fs.readdirSync(dir)) if (f.startsWith('split')) fs.rmSync(path.join(dir, f));
        if (args[0] === 'report' && c.truncated && r.status === 0) {
          for (const l of r.stdout.toString('latin1').split('\n')) if (l) expect(originalSet.has(key(l)), l).toBe(true);
        }
      }
    }, 120_000);
  }
});
