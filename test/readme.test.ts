import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.ts';

/**
 * The README's shell examples, run as written (`tracelab` on PATH as `npm
 * link` puts it), in order, in one folder: every command must succeed, and
 * every output line the README shows must be printed, in that order ("..."
 * stands for lines left out). A README that stops being true fails here.
 */
interface Step {
  command: string;
  expect: string[];
  line: number;
}

function readmeBlocks(): { line: number; steps: Step[] }[] {
  const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  const blocks: { line: number; steps: Step[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const steps: Step[] = [];
    const start = i + 1;
    for (i++; i < lines.length && lines[i] !== '```'; i++) {
      const l = lines[i];
      if (/^(tracelab |[A-Z_]+=)/.test(l)) steps.push({ command: l, expect: [], line: i + 1 });
      else if (/^npm /.test(l)) continue;
      else if (steps.length && l.trim() !== '' && !l.startsWith('#')) steps[steps.length - 1].expect.push(l.trimEnd());
    }
    if (steps.length) blocks.push({ line: start, steps });
  }
  return blocks;
}

const dir = tempDir('tracelab-readme-');
const bin = path.join(dir, 'bin');
fs.mkdirSync(bin);
fs.writeFileSync(path.join(bin, 'tracelab'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'dist/bundle/tracelab.js')}" "$@"\n`, { mode: 0o755 });
const work = path.join(dir, 'work');
fs.mkdirSync(work);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A shown line: " ... " inside it (a stack cut for width, as in a mail) stands for any text. */
function lineMatcher(w: string): (l: string) => boolean {
  if (!w.includes(' ... ')) return (l) => l === w;
  const parts = w.split(' ... ').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`^${parts.join(' .* ')}$`);
  return (l) => re.test(l);
}

/** Whether `want` appears in `got` in order, "..." lines skipping any number of lines; else the first line not found. */
function missingLine(want: string[], got: string[]): string | null {
  let k = 0;
  for (const w of want) {
    if (w.trim() === '...') continue;
    const match = lineMatcher(w);
    while (k < got.length && !match(got[k])) k++;
    if (k === got.length) return w;
    k++;
  }
  return null;
}

describe("the README's examples, run as written", () => {
  for (const block of readmeBlocks()) {
    it(`README.md line ${block.line}: ${block.steps.map((s) => s.command.split(/\s+/).slice(0, 2).join(' ')).join(', ')}`, () => {
      const vars: string[] = [];
      for (const step of block.steps) {
        if (/^[A-Z_]+=/.test(step.command)) {
          vars.push(step.command);
          continue;
        }
        const r = spawnSync('bash', ['-c', [...vars, step.command].join('\n')], { cwd: work, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', maxBuffer: 1 << 28 });
        if (r.status !== 0) expect.fail(`README.md:${step.line}: ${step.command}\nexited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join('\n')}`);
        const got = r.stdout.split('\n').map((l) => l.trimEnd());
        const miss = missingLine(step.expect, got);
        if (miss !== null) expect.fail(`README.md:${step.line}: ${step.command}\nthe README shows a line it did not print (in order):\n  ${miss}\nprinted:\n${got.slice(0, 40).join('\n')}`);
      }
    });
  }
});
