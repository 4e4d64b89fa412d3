import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What some tests need from outside the clone, found once: without one, those
 * tests are skipped and say so in their titles; under `.ci/run`, which
 * installs everything and sets TRACELAB_REQUIRE_ORACLES=1, a missing one
 * fails the run instead (global-setup.ts), so a green CI never hides a skip.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
/** The checkout (also when this runs compiled, from dist/test, as the bench does). */
export const ROOT = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
/** The shared data folder beside the checkout. */
export const SHARED = path.resolve(ROOT, '../shared/data');
export const CHROMIUM = '/usr/bin/chromium';
export const DENO_KERNEL = path.join(os.homedir(), '.local/share/jupyter/kernels/deno/kernel.json');

let traceCmd: boolean | null = null;
/** Whether the real trace-cmd is installed. */
export function hasTraceCmd(): boolean {
  if (traceCmd === null) {
    try {
      execFileSync('trace-cmd', ['--version'], { stdio: 'ignore' });
      traceCmd = true;
    } catch (e) {
      // trace-cmd --version exits non-zero on some builds but still runs
      traceCmd = (e as { status?: number }).status !== undefined && (e as { code?: string }).code !== 'ENOENT';
    }
  }
  return traceCmd;
}

/** Whether jupyter nbconvert and the Deno kernel are there to run the notebooks. */
export function hasNotebookKernel(): boolean {
  return fs.existsSync(DENO_KERNEL) && spawnSync('jupyter', ['nbconvert', '--version']).status === 0;
}

/** Each oracle the suite uses, whether it is here, and how to get it. */
export function oracles(): { name: string; present: boolean; how: string }[] {
  return [
    { name: '../shared/data', present: fs.existsSync(SHARED), how: 'the shared folder beside the clone' },
    { name: 'trace-cmd', present: hasTraceCmd(), how: 'apt-get install trace-cmd' },
    { name: 'chromium', present: fs.existsSync(CHROMIUM), how: 'apt-get install chromium' },
    { name: 'jupyter + Deno kernel', present: hasNotebookKernel(), how: 'apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel; deno jupyter --install (see .ci/run)' },
  ];
}
