// @bokuweb/zstd-wasm in the viewer's page (scripts/bundle.mjs): its web build
// (the package's "browser" entry computes a URL from import.meta.url, which an
// inline script has not), started from the WASM bytes bundled in, so the page
// fetches nothing.
import { Module, waitInitialized } from '../../node_modules/@bokuweb/zstd-wasm/dist/web/module.js';
import WASM from '../../node_modules/@bokuweb/zstd-wasm/dist/web/zstd.wasm';

export { decompress } from '../../node_modules/@bokuweb/zstd-wasm/dist/web/simple/decompress.js';
export { compress } from '../../node_modules/@bokuweb/zstd-wasm/dist/web/simple/compress.js';
export { createCCtx, compressUsingDict } from '../../node_modules/@bokuweb/zstd-wasm/dist/web/simple/compress_using_dict.js';

let ready = null;
export function init() {
  if (!ready) {
    Module.init(WASM);
    ready = waitInitialized();
  }
  return ready;
}
