// An ESM resolve hook for test/cli/module-graph.test.ts: every module the process resolves, one line each on stderr.
// Written to fd 2 at once: the hooks run on a thread of their own, and what that thread's
// process.stderr writes is forwarded through the main thread, so a command that ends with
// process.exit() could leave its last modules unlisted (a CI run under load missed chart's vega).
import { writeSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  writeSync(2, `[module] ${r.url}\n`);
  return r;
}
