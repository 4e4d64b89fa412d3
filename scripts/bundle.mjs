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

/**
 * cli/ imports the library only through its public surface (src/index.ts,
 * src/charts/index.ts), as any user does. esbuild's code splitting decides which
 * chunk a file goes to by the files that import it, not by the names they use, so
 * a command importing the surface would put every module behind it in one chunk
 * every command loads (report would read arquero, arrow and the emulator). The
 * bundle therefore reads each `import { a, b } from '../src/index.js'` of a cli
 * file as imports from the modules that define a and b (the surface says which):
 * what Next.js's optimizePackageImports does for barrel files. A name the surface
 * does not re-export, or a surface line of another shape, stops the build.
 */
function surfaceImports() {
  const barrels = new Map();
  const barrel = (file) => {
    if (barrels.has(file)) return barrels.get(file);
    const from = new Map();
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('//') || t.startsWith('/*') || t.startsWith('*')) continue;
      const m = /^export \{([^}]*)\} from "(\.[^"]*)";$/.exec(t);
      if (!m) throw new Error(`${file}: a surface line the bundle cannot read: ${t}`);
      for (const name of m[1].split(',').map((n) => n.trim()).filter(Boolean)) {
        if (!/^[\w$]+$/.test(name)) throw new Error(`${file}: a re-export the bundle cannot read: ${name}`);
        from.set(name, path.resolve(path.dirname(file), m[2]));
      }
    }
    barrels.set(file, from);
    return from;
  };
  return {
    name: 'surface-imports',
    setup(b) {
      b.onLoad({ filter: /[\\/]dist[\\/]cli[\\/][^\\/]+\.js$/ }, (args) => {
        const dir = path.dirname(args.path);
        // the modules behind names of the surface at spec, each with the names it gives
        const modules = (names, spec) => {
          const from = barrel(path.resolve(dir, spec));
          const byModule = new Map();
          for (const name of names.split(',').map((n) => n.trim()).filter(Boolean)) {
            const mod = from.get(name);
            if (!mod) throw new Error(`${args.path}: ${spec} does not export ${name}`);
            byModule.set(mod, [...(byModule.get(mod) ?? []), name]);
          }
          return [...byModule];
        };
        const surface = '"(\\.\\.\\/src\\/(?:charts\\/)?index\\.js)"';
        let code = fs.readFileSync(args.path, 'utf8');
        // import { a, b } from '../src/index.js';
        code = code.replace(new RegExp(`^import \\{([^}]*)\\} from ${surface};$`, 'gm'), (_, names, spec) =>
          modules(names, spec).map(([mod, ns]) => `import { ${ns.join(', ')} } from ${JSON.stringify(mod)};`).join('\n'));
        // const { a, b } = await import('../src/index.js');  (a command's part loaded only when taken)
        code = code.replace(new RegExp(`const \\{([^}]*)\\} = await import\\(${surface}\\);`, 'g'), (_, names, spec) =>
          `const ${modules(names, spec).map(([mod, ns]) => `{ ${ns.join(', ')} } = await import(${JSON.stringify(mod)})`).join(', ')};`);
        if (new RegExp(surface).test(code)) throw new Error(`${args.path}: an import of the surface the bundle cannot read`);
        return { contents: code, loader: 'js' };
      });
    },
  };
}

fs.rmSync('dist/bundle', { recursive: true, force: true });
const cliBuild = await build({
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
  plugins: [surfaceImports()],
  logLevel: 'warning',
  metafile: true,
});
// which modules each chunk holds: test/cli/module-graph.test.ts checks a command's chunks by it (not shipped)
fs.writeFileSync('dist/bundle-meta.json', JSON.stringify(cliBuild.metafile));
// the bin runs through its shebang (Node's flags are on that line: cli/tracelab.ts), as npm's
// install would make it; the bench and test/cli/v8-pool.test.ts run it so
fs.chmodSync('dist/bundle/tracelab.js', 0o755);

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
