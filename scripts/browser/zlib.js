// node:zlib in the viewer's page (scripts/bundle.mjs): the calls the trace.dat
// codecs make, done by fflate. A gzip file dropped on the page is gunzipped by
// the page's entry before the reader sees it.
import { unzlibSync, zlibSync, inflateSync as rawInflate } from 'fflate';

export function inflateSync(data) {
  return unzlibSync(data);
}
export function deflateSync(data, o) {
  return zlibSync(data, { level: o?.level ?? 6 });
}
export function inflateRawSync(data) {
  return rawInflate(data);
}
export function createGunzip() {
  throw new Error('no streaming gunzip in the browser');
}
