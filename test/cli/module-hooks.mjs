// An ESM resolve hook for test/cli/module-graph.test.ts: every module the process resolves, one line each on stderr.
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  process.stderr.write(`[module] ${r.url}\n`);
  return r;
}
