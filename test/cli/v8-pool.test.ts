import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readText } from '../helpers.ts';

const bundle = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `report -` and, while it waits for its standard input, counts its
 * threads (/proc/PID/task); then feeds it the sample and returns the count and
 * what it printed.
 */
async function threadsWhileWaiting(cmd: string, args: string[]): Promise<{ threads: number; out: string }> {
  const p = spawn(cmd, [...args, 'report', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  p.stdout.on('data', (c: Buffer) => out.push(c));
  p.stderr.on('data', (c: Buffer) => err.push(c));
  const exited = new Promise<number | null>((r) => p.on('close', r));
  // Node (after env, for the shebang) started and its threads are up once the count holds still
  let threads = -1;
  let same = 0;
  for (let k = 0; k < 200 && same < 5; k++) {
    await sleep(50);
    let comm = '';
    let n = -1;
    try {
      comm = fs.readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim();
      n = fs.readdirSync(`/proc/${p.pid}/task`).length;
    } catch {
      break;
    }
    if (comm !== 'node') continue;
    same = n === threads ? same + 1 : 0;
    threads = n;
  }
  p.stdin.end(fs.readFileSync(sample));
  const status = await exited;
  expect(status, Buffer.concat(err).toString()).toBe(0);
  return { threads, out: Buffer.concat(out).toString('latin1') };
}

/** Issue 17: the bin runs Node with one V8 helper thread (its shebang, cli/tracelab.ts): less resident memory. */
describe.runIf(process.platform === 'linux')('the bin, run through its shebang', () => {
  it("starts Node with a V8 pool of one thread (Node's own default has four) and prints the report", async () => {
    const bin = await threadsWhileWaiting(bundle, []);
    const plain = await threadsWhileWaiting(process.execPath, [bundle]);
    expect(bin.threads).toBeGreaterThan(0);
    expect(plain.threads - bin.threads, `bin ${bin.threads} threads, node ${plain.threads}`).toBe(3);
    const want = readText(`${sample}.report.txt.gz`);
    expect(bin.out === want).toBe(true);
    expect(plain.out === want).toBe(true);
  }, 60_000);
});
