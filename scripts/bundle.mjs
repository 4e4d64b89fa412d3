// The shipped CLI: the compiled dist/cli/tracelab.js bundled by esbuild into a
// few chunks, one per command's module graph (its dynamic imports), so a
// command reads a handful of files instead of ~1,000 (arquero alone is 479
// modules): `tracelab --help` starts in about half the time. Native and WASM
// packages stay external (they load their binaries from their own folders).
// compress-worker.js is an entry of its own: the writer starts it as a
// worker from the file next to its chunk.
import { build } from 'esbuild';
import * as fs from 'node:fs';

fs.rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: { tracelab: 'dist/cli/tracelab.js', 'compress-worker': 'dist/src/io/dat/compress-worker.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@duckdb/node-api', '@resvg/resvg-js', '@bokuweb/zstd-wasm', 'parquet-wasm'],
  // CommonJS packages inside an ES module bundle still call require()
  banner: { js: "import { createRequire as __tracelabRequire } from 'node:module'; const require = __tracelabRequire(import.meta.url);" },
  logLevel: 'warning',
});

// `tracelab --help` lists the commands from this table instead of loading every
// command's module (cli/commands.ts); it is made from the modules themselves
const { commandTable, TABLE_FILE } = await import('../dist/cli/commands.js');
const table = JSON.stringify(await commandTable(), null, 1) + '\n';
for (const dir of ['dist/bundle', 'dist/cli']) fs.writeFileSync(`${dir}/${TABLE_FILE}`, table);
