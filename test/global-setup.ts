import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { oracles } from './oracles.ts';

/**
 * Every temporary file of a test run goes under one folder, removed when the
 * run ends, whatever made it: a test, the library it calls, or a CLI process
 * it spawns (they all ask os.tmpdir(), which reads TMPDIR). A worker's own
 * cleanup at exit never runs under vitest, so this is where it happens.
 */
export default function setup(): () => void {
  // under .ci/run every oracle must be here: a skip there would hide a test that never ran
  if (process.env.TRACELAB_REQUIRE_ORACLES === '1') {
    const missing = oracles().filter((o) => !o.present);
    if (missing.length) throw new Error(`TRACELAB_REQUIRE_ORACLES=1 but missing: ${missing.map((o) => `${o.name} (${o.how})`).join('; ')}`);
  }
  const prev = process.env.TMPDIR;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-tests-'));
  process.env.TMPDIR = root;
  return () => {
    fs.rmSync(root, { recursive: true, force: true });
    if (prev === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = prev;
  };
}
