import { gunzipSync } from 'fflate';
import { viewData, viewFilterMatches } from '../analysis/view-data.ts';
import type { Trace } from '../core/trace.ts';
import { payload } from '../charts/viewer-page.ts';
import { provideCatalog } from '../core/catalog.ts';
import { UserError } from '../core/errors.ts';
import { openBytes } from '../io/open.ts';
import { reportEventTexts } from '../io/text/report-printer.ts';

/**
 * The viewer page's own reader (bundled for the browser by scripts/bundle.mjs
 * as `TracelabReader`): a trace.dat, report text or kernel text dropped on the
 * page is read here, by the same code as `tracelab view`, and the page draws
 * it. Nothing leaves the page.
 */

/** The event catalog (text traces take their formats from it), put in by the build. */
declare const TRACELAB_CATALOG: { systems: { system: string; texts: string[] }[]; headerPage: string; headerEvent: string };

let catalogReady = false;

/** The traces the filter box filters: the file opened in the page, or the page's copies of its traces (opened on first use). */
let opened: Trace[] | null = null;

function ready(): void {
  if (!catalogReady) {
    provideCatalog(TRACELAB_CATALOG);
    catalogReady = true;
  }
}

/**
 * The page's data (the JSON `tracelab view` puts in it) for a dropped file's
 * bytes, with the report text of its first `maxList` events. A file tracelab
 * does not read gives the CLI's one-line message, as a UserError.
 */
export async function viewDropped(bytes: Uint8Array, name: string, maxList: number): Promise<string> {
  ready();
  let data = bytes;
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data);
    } catch (e) {
      throw new UserError(`${name}: a gzip file that does not decompress: ${(e as Error).message}`);
    }
    if (!data.length) throw new UserError(`${name}: empty once decompressed`);
  }
  const trace = await openBytes(data, name);
  const page = payload([{ data: viewData(trace), texts: reportEventTexts(trace, maxList) }], { warnings: trace.warnings, local: true });
  for (const t of opened ?? []) t.close();
  opened = [trace];
  return page;
}

/**
 * The page's filter box: the events of trace k that `report -F q` keeps, by
 * their number in the page, as the server's /filter gives them. `files` are
 * the page's copies of its traces, opened on first use.
 */
export async function filterHits(files: { name: string; b64: string }[] | null, k: number, q: string): Promise<Int32Array> {
  ready();
  if (!opened) {
    if (!files) throw new UserError('this page holds no copy of its traces to filter');
    opened = await Promise.all(files.map((f) => openBytes(Buffer.from(f.b64, 'base64'), f.name)));
  }
  const t = opened[k];
  if (!t) throw new UserError(`no trace ${k} in the page`);
  try {
    return viewFilterMatches(t, q);
  } catch (e) {
    // the server's words for a bad filter
    if (e instanceof UserError) throw new UserError(`-F ${q}: ${e.message}`);
    throw e;
  }
}

/** What the page shows for a failure: the CLI's line for a bad input, the error's own text otherwise. */
export function errorLine(e: unknown): string {
  return e instanceof UserError ? `tracelab: ${e.message}` : `tracelab: internal error: ${(e as Error)?.message ?? String(e)}`;
}
