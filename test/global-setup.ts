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
  const outer = os.tmpdir();
  const before = new Set(fs.readdirSync(outer));
  const root = fs.mkdtempSync(path.join(outer, 'tracelab-tests-'));
  process.env.TMPDIR = root;
  return () => {
    fs.rmSync(root, { recursive: true, force: true });
    if (prev === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = prev;
    // anything of ours left in the real temporary folder escaped the redirection above
    const left = fs.readdirSync(outer).filter((f) => !before.has(f) && /tracelab/i.test(f));
    if (left.length) {
      // vitest reports a throw here but exits 0: fail the run through its exit code
      process.stderr.write(`tracelab tests: left ${left.length} entries in ${outer}: ${left.slice(0, 5).join(', ')}\n`);
      process.exitCode = 1;
    }
  };
}
