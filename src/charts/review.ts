import type { Trace } from '../core/trace.ts';
import { formatCpuList } from '../core/cpulist.ts';
import { madeBy } from '../core/provenance.ts';
import { compare } from '../analysis/compare.ts';
import type { InterferenceSummary } from '../analysis/interference.ts';
import { interferenceOverTime } from '../analysis/arquero-reports.ts';
import { compareSpec, heatmapMax, heatmapSpec, interferenceMax, interferenceSpec } from './specs.ts';
import { htmlPage, type HtmlSection } from './render.ts';
import { compareText } from './compare-text.ts';
import { usText } from './text-table.ts';

export interface ReviewOptions {
  isolated: number[];
  /** The commands that produced the traces and this page, shown for reproduction. */
  commands: string[];
}

/**
 * The review page of a patch series: the before/after table (as text for a
 * mail and as a chart), what interrupted each isolated CPU before and after,
 * and when; with the commands that made it. One offline HTML file.
 */
export function reviewPage(before: Trace, after: Trace, o: ReviewOptions): string {
  return htmlPage(`Review: ${before.source} vs ${after.source}`, reviewSections(before, after, o));
}

/** The sections of the review page, each a text and/or a chart. */
export function reviewSections(before: Trace, after: Trace, o: ReviewOptions): HtmlSection[] {
  const iso = formatCpuList(o.isolated);
  const hb = interferenceOverTime(before, { isolated: o.isolated, bins: 40 });
  const ha = interferenceOverTime(after, { isolated: o.isolated, bins: 40 });
  const ib = hb.summary.interference;
  const ia = ha.summary.interference;
  const c = compare(before, after, { isolated: o.isolated, reports: { before: ib, after: ia } });
  const table = compareText(c.table, c.summary);
  const bars = { max: Math.max(interferenceMax(ib), interferenceMax(ia)) };
  const heat = { max: Math.max(heatmapMax(hb.table), heatmapMax(ha.table)) };
  const line = (s: InterferenceSummary) => `${s.total} disturbances (${s.perSecond.toFixed(3)}/s), ${s.ipiCounted ? `${s.totals.ipi} IPIs ${s.ipiCounted}` : 'IPIs n/a'}, noise ${usText(s.noiseNs)}, max single noise ${usText(s.maxNoiseNs)}`;
  const totals = `isolated CPUs ${iso}:
  before: ${line(ib)}
  after:  ${line(ia)}`;
  const sections: HtmlSection[] = [
    { title: 'How this was made', text: [...[before, after].map((t) => madeBy(t.options, t.source) ?? `${t.source}: not made by tracelab record (a recorded trace)`), ...o.commands].join('\n') },
    { title: `Functions before and after (${c.summary.counting})`, text: table, spec: compareSpec(c.table, c.summary) },
    { title: 'Interruptions of isolated CPUs', text: totals },
    // before and after on one scale: the shorter axis of "after" must not make it look as bad
    { title: 'Before: what interrupted each isolated CPU (same scale as after)', spec: interferenceSpec(ib, before.source, bars) },
    { title: 'After: what interrupted each isolated CPU (same scale as before)', spec: interferenceSpec(ia, after.source, bars) },
    { title: 'Before: when (same colour scale as after)', spec: heatmapSpec(hb.table, hb.summary.binSeconds, before.source, heat) },
    { title: 'After: when (same colour scale as before)', spec: heatmapSpec(ha.table, ha.summary.binSeconds, after.source, heat) },
  ];
  return sections;
}
