import type * as aq from 'arquero';
import type { TableLike } from '../analysis/columns.ts';
import type { TopLevelSpec } from 'vega-lite';
import type { CompareSummary } from '../analysis/compare.ts';
import type { HistSummary } from '../analysis/hist-counts.ts';
import { SOURCES, type InterferenceSummary } from '../analysis/interference.ts';
import type { Distribution } from '../analysis/spans.ts';

/**
 * vega-lite specs for the reports, written for a reviewer who did not run the
 * trace: what is counted, over how long, in which unit. Data is inlined, so a
 * spec is a complete picture.
 */
const FONT = 'DejaVu Sans';
const base = { config: { font: FONT, axis: { labelLimit: 0, labelFont: FONT, titleFont: FONT }, title: { font: FONT, subtitleFont: FONT, anchor: 'start' as const }, legend: { labelFont: FONT, titleFont: FONT, labelLimit: 0 } }, background: 'white' };

const secs = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(s >= 10 ? 0 : 2)} s`);

/** Horizontal bars: count per key (hist). */
export function histSpec(table: TableLike, s: HistSummary, source: string): TopLevelSpec {
  const values = table.objects().slice(0, 40);
  return {
    ...base,
    title: { text: `${s.event ?? 'Events'} by ${s.by}`, subtitle: `${s.total} events over ${secs(s.seconds)} in ${source}${table.numRows() > 40 ? ` (top 40 of ${table.numRows()})` : ''}` },
    width: 480,
    height: { step: 22 },
    data: { values },
    encoding: {
      y: { field: s.by, type: 'nominal', sort: { field: 'count', op: 'max', order: 'descending' }, title: s.by },
      x: { field: 'count', type: 'quantitative', title: 'events (count)' },
    },
    // each bar carries its count, so a sliver (33 beside 50,000) still says what it is in a PNG
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: { tooltip: [{ field: s.by, type: 'nominal' }, { field: 'count', type: 'quantitative' }, { field: 'rate', type: 'quantitative', format: '.3f', title: 'per second' }, { field: 'share', type: 'quantitative', format: '.1%' }] },
      },
      { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 3, fontSize: 10 }, encoding: { text: { field: 'count', type: 'quantitative', format: ',d' } } },
    ],
  } as TopLevelSpec;
}

/** Grouped bars before/after per key: the seed-004 table as a picture. */
export function compareSpec(table: aq.ColumnTable, s: CompareSummary): TopLevelSpec {
  const rows = table.objects() as Record<string, unknown>[];
  const valueOf = (r: Record<string, unknown>, side: 'before' | 'after') => (s.perMinute ? (r[`${side}_per_min`] as number) : (r[side] as number));
  const values = rows.flatMap((r) => [
    { key: r[s.by], side: 'before', count: valueOf(r, 'before') },
    { key: r[s.by], side: 'after', count: valueOf(r, 'after') },
  ]);
  return {
    ...base,
    title: { text: `${s.counting === 'events' ? 'Events' : s.counting} by ${s.by}: before and after`, subtitle: `before: ${s.before.source} (${secs(s.before.seconds)}), after: ${s.after.source} (${secs(s.after.seconds)})${s.perMinute ? '; per minute' : ''}` },
    width: 480,
    height: { step: 16 },
    data: { values },
    encoding: {
      y: { field: 'key', type: 'nominal', title: s.by, sort: { field: 'count', op: 'max', order: 'descending' } },
      yOffset: { field: 'side', sort: ['before', 'after'] },
      x: { field: 'count', type: 'quantitative', title: s.perMinute ? `${s.counting} per minute` : s.counting },
    },
    // each bar carries its number, so a sliver (240 beside 48564) still says what it is
    layer: [
      { mark: { type: 'bar', tooltip: true }, encoding: { color: { field: 'side', type: 'nominal', sort: ['before', 'after'], scale: { range: ['#9e9e9e', '#1f77b4'] }, title: null } } },
      { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 3, fontSize: 10 }, encoding: { text: { field: 'count', type: 'quantitative', format: s.perMinute ? ',.2f' : ',d' } } },
    ],
  } as TopLevelSpec;
}

/**
 * Scales two pictures of a before/after pair share, so "after" cannot look as
 * bad as "before" only because its axis is shorter.
 */
export interface SharedScale {
  /** Upper end of the count axis (stacked bars) or of the colour scale (heatmap). */
  max: number;
}

/** The per-CPU stack heights of an interference picture: what its y axis must reach. */
export function interferenceMax(s: InterferenceSummary): number {
  return Math.max(0, ...s.perCpu.map((x) => SOURCES.reduce((n, k) => n + (x.counts[k] ?? 0), 0)));
}

/** Per isolated CPU, stacked by what disturbed it. */
export function interferenceSpec(s: InterferenceSummary, source: string, shared?: SharedScale): TopLevelSpec {
  const values = s.perCpu.flatMap((x) => SOURCES.filter((k) => x.counts[k]).map((k) => ({ cpu: x.cpu, source: k, count: x.counts[k] })));
  const missing = SOURCES.filter((k) => s.totals[k] === null);
  const ipiWord = s.ipiCounted === 'sent' ? 'IPIs counted as sent (no handlers recorded)' : s.ipiCounted === 'received' ? 'IPIs counted as received' : 'no IPI events';
  return {
    ...base,
    title: { text: 'What interrupted each isolated CPU', subtitle: [`${s.total} disturbances over ${secs(s.seconds)} (${s.perSecond.toFixed(2)}/s) in ${source}`, `${ipiWord}${missing.length ? `; not recorded: ${missing.join(', ')}` : ''}`] },
    width: Math.max(240, Math.min(900, 12 * s.perCpu.length)),
    height: 260,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'cpu', type: 'ordinal', title: 'isolated CPU', axis: { labelAngle: 0, labelOverlap: true } },
      y: { field: 'count', type: 'quantitative', stack: true, title: 'disturbances (count)', ...(shared ? { scale: { domain: [0, Math.max(1, shared.max)] } } : {}) },
      color: { field: 'source', type: 'nominal', title: 'source', sort: [...SOURCES] },
    },
  } as TopLevelSpec;
}

/** The largest bin of a heatmap table. */
export function heatmapMax(table: aq.ColumnTable): number {
  return Math.max(0, ...(table.array('count') as ArrayLike<number> as number[]));
}

/** CPU x time heatmap of interference; the colour scale starts at 0. */
export function heatmapSpec(table: aq.ColumnTable, binSeconds: number, source: string, shared?: SharedScale): TopLevelSpec {
  const max = shared?.max ?? heatmapMax(table);
  return {
    ...base,
    title: { text: 'Interference on isolated CPUs over time', subtitle: `disturbances per ${secs(binSeconds)} bin, ${source}` },
    width: 600,
    height: { step: 8 },
    data: { values: table.objects() },
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: { field: 't', type: 'quantitative', bin: { binned: true, step: binSeconds }, title: 'time since the trace began (s)', axis: { tickMinStep: 1, labelOverlap: true, labelAngle: 0 } },
      x2: { field: 't2' },
      y: { field: 'cpu', type: 'ordinal', title: 'isolated CPU', axis: { labelOverlap: true } },
      color: { field: 'count', type: 'quantitative', title: 'disturbances', scale: { scheme: 'orangered', domain: [0, Math.max(1, max)] } },
    },
    transform: [{ calculate: `datum.t + ${binSeconds}`, as: 't2' }],
  } as TopLevelSpec;
}

/** irqs-off spans by duration, power-of-two buckets. */
export function irqOffSpec(table: aq.ColumnTable, d: Distribution, source: string): TopLevelSpec {
  const durs = table.array('duration_ns') as number[];
  const counts = new Map<number, number>();
  for (const ns of durs) {
    const b = Math.max(0, Math.ceil(Math.log2(Math.max(ns, 1) / 1000)));
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const label = (b: number) => (b === 0 ? '≤ 1 µs' : `${2 ** (b - 1)}–${2 ** b} µs`);
  const values = [...counts].sort((a, b) => a[0] - b[0]).map(([b, n]) => ({ bucket: label(b), order: b, count: n }));
  return {
    ...base,
    title: { text: 'irqs-off sections by length', subtitle: `${d.count} sections; median ${(d.p50Ns / 1000).toFixed(1)} µs, p99 ${(d.p99Ns / 1000).toFixed(1)} µs, max ${(d.maxNs / 1000).toFixed(1)} µs (${source})` },
    width: 480,
    height: { step: 18 },
    data: { values },
    // one bar per power-of-two bucket, each labelled with its count: the tail (a few long
    // sections beside thousands of short ones) is what matters, and a sliver must still say it
    encoding: {
      y: { field: 'bucket', type: 'ordinal', sort: values.map((v) => v.bucket), title: 'irqs off for (µs)' },
      x: { field: 'count', type: 'quantitative', title: 'sections (count)' },
    },
    layer: [
      { mark: { type: 'bar', tooltip: true } },
      { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 3, fontSize: 10 }, encoding: { text: { field: 'count', type: 'quantitative', format: ',d' } } },
    ],
  } as TopLevelSpec;
}

/** Per-CPU timeline: one tick per event, colored by event. */
export function timelineSpec(values: { t: number; cpu: number; event: string }[], shown: number, total: number, source: string): TopLevelSpec {
  return {
    ...base,
    title: { text: 'Events per CPU over time', subtitle: `${shown === total ? total : `${shown} of ${total} (evenly sampled)`} events, ${source}` },
    width: 700,
    height: { step: 14 },
    data: { values },
    mark: { type: 'tick', thickness: 1, tooltip: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'time since the trace began (s)' },
      y: { field: 'cpu', type: 'ordinal', title: 'CPU' },
      color: { field: 'event', type: 'nominal', title: 'event' },
    },
  } as TopLevelSpec;
}
