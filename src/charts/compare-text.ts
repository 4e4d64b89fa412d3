import type * as aq from 'arquero';
import { interval, type CompareSummary } from '../analysis/compare.ts';
import { textBars, textTable } from './text-table.ts';

/** The compare table for a mail: warnings first, then the rows and the totals row with its own delta and interval. */
export function compareText(table: aq.ColumnTable, s: CompareSummary, bars = false): string {
  const head = [`${s.by === 'noise' ? s.counting : `${s.counting} by ${s.by}`}${s.perMinute ? ', per minute' : ''}: before ${s.before.source} (${s.before.seconds.toFixed(1)} s), after ${s.after.source} (${s.after.seconds.toFixed(1)} s)`];
  for (const w of s.warnings) head.push(`warning: ${w}`);
  for (const [side, x] of [['before', s.before], ['after', s.after]] as const) if (x.madeBy) head.push(`${side} made by: ${x.madeBy}`);
  head.push('', '');
  if (bars) {
    const keys = table.array(s.by) as string[];
    const col = s.perMinute ? ['before_per_min', 'after_per_min'] : ['before', 'after'];
    const bv = table.array(col[0]) as number[];
    const av = table.array(col[1]) as number[];
    const r = (v: number) => (s.perMinute ? Math.round(v * 100) / 100 : v);
    return head.join('\n') + textBars(keys.flatMap((k) => [`${k} before`, `${k} after`]), keys.flatMap((_, i) => [r(bv[i]), r(av[i])]));
  }
  const footer: Record<string, string | number | null> = { [s.by]: 'total', before: s.before.total, after: s.after.total, delta: s.totalDelta, ratio: s.ratio, ratio_95: interval(s.totalChange), change: s.totalChange.verdict };
  if (s.perMinute) {
    footer.before_per_min = (s.before.total / s.before.seconds) * 60;
    footer.after_per_min = (s.after.total / s.after.seconds) * 60;
  }
  // --by noise rows are different figures (counts and us): no sum, one decimal
  if (s.by === 'noise') {
    const t = table.derive({ change: (d: { change: string }) => (d.change === 'none' ? '' : d.change) });
    return head.join('\n') + textTable(t, { decimals: { before: 3, after: 3, delta: 3, ratio: 3, before_per_min: 3, after_per_min: 3 }, headers: { ratio_95: 'ratio 95%' } });
  }
  return head.join('\n') + textTable(table, { decimals: { delta: s.perMinute ? 2 : 0, ratio: 2, before_per_min: 2, after_per_min: 2 }, headers: { ratio_95: 'ratio 95%' }, footer });
}
