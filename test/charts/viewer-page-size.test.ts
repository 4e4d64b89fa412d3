import { describe, expect, it } from 'vitest';
import { viewerPage } from '../../src/charts/viewer-page.ts';
import { UserError } from '../../src/core/errors.ts';
import type { ViewData } from '../../src/analysis/view-data.ts';

/** A page past JavaScript's longest string (2^29 - 24 characters in V8, about 30 M events of a real trace). */
describe('a trace too big for one page', () => {
  it('is a UserError that says how to view a part, not an internal error', () => {
    // two names of 2^28 characters: the page's text cannot hold both
    const big = 'x'.repeat(2 ** 28);
    const empty = { ts: new Float64Array(0), cpu: new Uint16Array(0), name: new Uint16Array(0) };
    const data: ViewData = {
      source: 'big.dat', cpus: 1, originNs: 0, tsBaseSec: 0, spanNs: 1, names: [big, big], comms: [], labels: [],
      events: empty,
      tasks: { cpu: new Uint16Array(0), start: new Float64Array(0), end: new Float64Array(0), pid: new Int32Array(0), comm: new Uint32Array(0) },
      kspans: { cpu: new Uint16Array(0), start: new Float64Array(0), end: new Float64Array(0), kind: new Uint8Array(0), label: new Uint32Array(0), depth: new Uint8Array(0) },
      arrows: { from: new Uint16Array(0), to: new Uint16Array(0), send: new Float64Array(0), recv: new Float64Array(0), label: new Uint32Array(0), site: new Uint32Array(0), ev: new Int32Array(0) },
    } as ViewData;
    let err: unknown;
    try {
      viewerPage([{ data, texts: [] }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^view: 0 events are more than one page holds .*tracelab split/);
  });
});
