import type { Trace } from '../core/trace.ts';
import { formatCpuList } from '../core/cpulist.ts';
import { compare } from '../analysis/compare.ts';
import { interference, interferenceOverTime } from '../analysis/interference.ts';
import { compareSpec, heatmapSpec, interferenceSpec } from './specs.ts';
import { htmlPage, type HtmlSection } from './render.ts';
import { textTable } from './text-table.ts';

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
  const iso = formatCpuList(o.isolated);
  const c = compare(before, after, {});
  const ib = interference(before, { isolated: o.isolated });
  const ia = interference(after, { isolated: o.isolated });
  const hb = interferenceOverTime(before, { isolated: o.isolated, bins: 40 });
  const ha = interferenceOverTime(after, { isolated: o.isolated, bins: 40 });
  const table = textTable(c.table, { decimals: { ratio: 2, delta: c.summary.perMinute ? 2 : 0, before_per_min: 2, after_per_min: 2 }, footer: { [c.summary.by]: 'total', before: c.summary.before.total, after: c.summary.after.total, ratio: c.summary.ratio } });
  const totals = `isolated CPUs ${iso}:
  before: ${ib.summary.total} interruptions (${ib.summary.perSecond.toFixed(3)}/s), ${(ib.summary.kernelNs / 1e6).toFixed(3)} ms in the kernel
  after:  ${ia.summary.total} interruptions (${ia.summary.perSecond.toFixed(3)}/s), ${(ia.summary.kernelNs / 1e6).toFixed(3)} ms in the kernel`;
  const sections: HtmlSection[] = [
    { title: 'How this was made', text: o.commands.join('\n') },
    { title: `Callbacks before and after (${c.summary.counting})`, text: table, spec: compareSpec(c.table, c.summary) },
    { title: 'Interruptions of isolated CPUs', text: totals },
    { title: 'Before: what interrupted each isolated CPU', spec: interferenceSpec(ib.summary, before.source) },
    { title: 'After: what interrupted each isolated CPU', spec: interferenceSpec(ia.summary, after.source) },
    { title: 'Before: when', spec: heatmapSpec(hb.table, hb.summary.binSeconds, before.source) },
    { title: 'After: when', spec: heatmapSpec(ha.table, ha.summary.binSeconds, after.source) },
  ];
  return htmlPage(`Review: ${before.source} vs ${after.source}`, sections);
}
