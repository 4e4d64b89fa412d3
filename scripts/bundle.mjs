// The shipped CLI: the compiled dist/cli/tracelab.js bundled by esbuild into a
// few chunks, one per command's module graph (its dynamic imports), so a
// command reads a handful of files instead of ~1,000 (arquero alone is 479
// modules): `tracelab --help` starts in about half the time. Native and WASM
// packages stay external (they load their binaries from their own folders).
// compress-worker.js is an entry of its own: the writer starts it as a
// worker from the file next to its chunk.
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

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

// The viewer page's own reader (src/browser/viewer-reader.ts), for a file dropped
// on the page: the same reader and view data, bundled for the browser as one
// script the page holds inline (TracelabReader). What it reaches of Node is
// stood in for (scripts/browser/): zlib by fflate, zstd by the package's web
// build started from its WASM bytes, Buffer by the buffer package, files not at
// all (a dropped file comes as bytes); the event catalog comes with it.
const { loadCatalog } = await import('../dist/src/core/catalog.js');
const cat = loadCatalog();
const catalog = { systems: cat.formats.systems(), headerPage: cat.headerPage, headerEvent: cat.headerEvent };
const shim = (f) => path.resolve('scripts/browser', f);
const reader = await build({
  entryPoints: ['dist/src/browser/viewer-reader.js'],
  bundle: true,
  write: false,
  format: 'iife',
  globalName: 'TracelabReader',
  platform: 'browser',
  target: 'chrome110',
  minify: true,
  loader: { '.wasm': 'binary' },
  inject: [shim('buffer.js'), shim('process.js')],
  define: { TRACELAB_CATALOG: JSON.stringify(catalog) },
  plugins: [
    {
      name: 'browser-stand-ins',
      setup(b) {
        b.onResolve({ filter: /^(node:)?(fs|path|url|module|os|worker_threads)$/ }, () => ({ path: shim('node-stub.js') }));
        b.onResolve({ filter: /^(node:)?zlib$/ }, () => ({ path: shim('zlib.js') }));
        b.onResolve({ filter: /^@bokuweb\/zstd-wasm$/ }, () => ({ path: shim('zstd.js') }));
      },
    },
  ],
  logLevel: 'warning',
  // package-root.ts looks for files by import.meta.url: never called in the page
  logOverride: { 'empty-import-meta': 'silent' },
});
// held inside a <script> element: no "</script" may end it early (in JS, "<\/" is "</")
fs.writeFileSync('dist/bundle/viewer-reader.js', reader.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1'));
