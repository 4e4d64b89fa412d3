import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';

const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const quickExit = pathToFileURL(path.join(ROOT, 'dist/cli/quick-exit.js')).href;

/** Runs a module that imports exitIfIdle() and does `body` around it; its standard output. */
function script(body: string): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { exitIfIdle } from ${JSON.stringify(quickExit)};\n${body}`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('a finished command ends without waiting for V8 (cli/quick-exit.ts)', () => {
  it('exits at once when nothing is pending, running its exit handlers', () => {
    expect(script(`process.on('exit', () => console.log('exit handler')); exitIfIdle(); console.log('not reached');`)).toBe('exit handler\n');
  });

  it('leaves the process alone while work is pending (a timer, a server)', () => {
    expect(script(`setTimeout(() => console.log('timer ran'), 50); exitIfIdle(); console.log('went on');`)).toBe('went on\ntimer ran\n');
    const server = `import * as http from 'node:http'; const s = http.createServer(); s.listen(0, '127.0.0.1', () => { exitIfIdle(); console.log('still serving'); s.close(); });`;
    expect(script(server)).toBe('still serving\n');
  });

  it('a slow reader of its output still gets every byte, and the exit status is kept', () => {
    for (const args of [`report ${sample}`, `hist --json ${sample}`, `convert --to csv -o - ${sample}`, 'report --help']) {
      const whole = execFileSync('bash', ['-c', `node ${cli} ${args} | wc -c`]).toString().trim();
      const slow = execFileSync('bash', ['-c', `node ${cli} ${args} | (sleep 0.3; wc -c); echo "rc=\${PIPESTATUS[0]}"`]).toString().trim();
      expect(Number(whole), args).toBeGreaterThan(1000);
      expect(slow, args).toBe(`${whole}\nrc=0`);
    }
    const bad = spawnSync(process.execPath, [cli, 'report', path.join(ROOT, 'no-such.dat')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/cannot open: no such file/);
  });
});
