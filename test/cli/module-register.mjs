import { writeSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./module-hooks.mjs', import.meta.url);

// require() goes past the ESM hooks: CommonJS packages tracelab requires (zstd:
// src/io/dat/codecs.ts) are listed from here, one line each as the hooks do
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const out = load.apply(this, arguments);
  try {
    const file = Module._resolveFilename(request, parent, isMain);
    if (file.startsWith('/')) writeSync(2, `[module] ${pathToFileURL(file).href}\n`);
  } catch {
    // a built-in (node:fs) has no file
  }
  return out;
};
