import * as aq from 'arquero';
import type { TableLike } from '../analysis/columns.ts';
import type { CompareSummary } from '../analysis/compare.ts';
import { interval } from '../analysis/compare.ts';
import type { HistSummary } from '../analysis/hist-counts.ts';
import type { InterferenceSummary } from '../analysis/interference.ts';
import { SOURCES } from '../analysis/interference.ts';
import { formatCpuList } from '../core/cpulist.ts';
import { textTable, usText } from './text-table.ts';

/**
 * Text for a patch mail: plain ASCII, no line over 72 columns (what a
 * kernel cover letter quotes), the table, its totals, and the command that
 * made it. Long keys (symbols) are cut with a "~" to fit; nothing else is.
 */
export const MAIL_WIDTH = 72;

/** Cuts the strings of `col` so the table fits the width. */
function fit(rows: Record<string, unknown[]>, col: string, width = MAIL_WIDTH, opts: Parameters<typeof textTable>[1] = {}): string {
  const render = () => textTable(aq.table(rows), opts);
  const text = render();
  const over = Math.max(...text.split('\n').map((l) => l.length)) - width;
  if (over <= 0) return text;
  const keys = rows[col] as string[];
  const keep = Math.max(8, Math.max(...keys.map((k) => k.length)) - over);
  rows[col] = keys.map((k) => (k.length > keep ? k.slice(0, keep - 1) + '~' : k));
  return render();
}

const pct = (before: number, after: number) => (before ? `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(0)}%` : after ? 'new' : '');

/** The before/after table as a mail quotes it: change in percent and the 95% interval of the ratio. */
export function compareMail(table: aq.ColumnTable, s: CompareSummary, command: string): string {
  const keys = (table.array(s.by) as unknown[]).map((k) => String(k).replace(/\+0x0$/, ''));
  const bCol = s.perMinute ? 'before_per_min' : 'before';
  const aCol = s.perMinute ? 'after_per_min' : 'after';
  const bv = table.array(bCol) as number[];
  const av = table.array(aCol) as number[];
  const iv = table.array('ratio_95') as string[];
  const ch = table.array('change') as string[];
  const r2 = (v: number) => (s.perMinute ? Math.round(v * 100) / 100 : v);
  const tb = s.perMinute ? (s.before.total / s.before.seconds) * 60 : s.before.total;
  const ta = s.perMinute ? (s.after.total / s.after.seconds) * 60 : s.after.total;
  const rows: Record<string, unknown[]> = {
    [s.by]: [...keys, 'total'],
    before: [...bv.map(r2), r2(tb)],
    after: [...av.map(r2), r2(ta)],
    change: [...bv.map((b, i) => pct(b, av[i])), pct(tb, ta)],
    'ratio 95%': [...iv, interval(s.totalChange)],
    '': [...ch.map((c) => (c === 'within noise' ? 'noise' : '')), s.totalChange.verdict === 'within noise' ? 'noise' : ''],
  };
  const head = [`${s.counting}, by ${s.by}${s.perMinute ? ', per minute' : ''}:`, `  before ${base(s.before.source)} (${(s.before.seconds / 60).toFixed(1)} min)`, `  after  ${base(s.after.source)} (${(s.after.seconds / 60).toFixed(1)} min)`].map((l) => wrap(l));
  head.push('');
  const warn = s.warnings.map((w) => wrap(`warning: ${w}`));
  const made = [s.before.madeBy, s.after.madeBy].filter((x): x is string => !!x).map((c) => wrap(`$ ${c}`));
  const foot = ['', `"noise": within Poisson run-to-run noise (95% interval of the rate`, `ratio contains 1).`, '', ...made, wrap(`$ ${command}`)];
  return [...head, ...warn, fit(rows, s.by, MAIL_WIDTH, { decimals: s.perMinute ? { before: 2, after: 2 } : {} }).trimEnd(), ...foot].join('\n') + '\n';
}

/** Interference for a mail: the headline figures, the functions, and the per-CPU spread in a few lines. */
export function interferenceMail(s: InterferenceSummary, source: string, command: string): string {
  const out: string[] = [];
  out.push(wrap(`isolated CPUs ${formatCpuList(s.isolated)}, ${s.seconds.toFixed(1)} s of ${base(source)}:`));
  const ipi = s.ipiCounted === 'received' ? 'IPIs received' : s.ipiCounted === 'sent' ? 'IPIs sent to them' : 'IPIs';
  out.push(`  ${ipi}: ${s.totals.ipi ?? 'n/a'}${s.totals.ipi !== null && s.seconds ? ` (${(s.totals.ipi / s.seconds).toFixed(2)}/s)` : ''}`);
  out.push(`  noise: ${usText(s.noiseNs)} in all, max single ${usText(s.maxNoiseNs)}`);
  const missing = SOURCES.filter((k) => s.totals[k] === null);
  if (missing.length) out.push(wrap(`  not recorded: ${missing.join(', ')}`));
  const fns = s.ipis.functions.filter((f) => f.ipiSent).slice(0, 8);
  if (fns.length) {
    out.push('');
    const lat = (f: (typeof fns)[number]) => (s.ipis.sides.run && f.queued ? f.runLatency : f.ipiLatency);
    out.push(
      fit(
        {
          function: fns.map((f) => f.function),
          ipis: fns.map((f) => f.ipiSent),
          no_ipi: fns.map((f) => (s.ipis.sides.queue ? f.noIpi : null)),
          p99_us: fns.map((f) => (lat(f).count ? lat(f).quantile(0.99)! / 1000 : null)),
        },
        'function',
        MAIL_WIDTH,
        { decimals: { p99_us: 1 }, missing: 'n/a' },
      ).trimEnd(),
    );
  }
  // the spread over CPUs in a few lines: min / median / max, and the worst CPU
  const spread = (label: string, vals: (number | null)[], f = (v: number) => String(v)) => {
    const v = vals.filter((x): x is number => x !== null).sort((a, b) => a - b);
    return v.length ? `  ${label.padEnd(18)}${f(v[0])} / ${f(v[v.length >> 1])} / ${f(v[v.length - 1])}` : `  ${label.padEnd(18)}n/a`;
  };
  const one = (v: number) => (v / 1000).toFixed(1);
  out.push('', `per CPU, min / median / max over ${s.perCpu.length}:`);
  out.push(spread('IPIs', s.perCpu.map((x) => x.counts.ipi)));
  out.push(spread('noise us', s.perCpu.map((x) => x.noise.noiseNs), one));
  out.push(spread('max noise us', s.perCpu.map((x) => x.noise.maxNoiseNs), one));
  out.push(spread('longest quiet us', s.perCpu.map((x) => x.noise.longestQuietNs), one));
  const worst = [...s.perCpu].sort((a, b) => b.total - a.total)[0];
  if (worst) out.push(wrap(`  most disturbed: CPU ${worst.cpu}, ${worst.total} disturbances (${SOURCES.filter((k) => worst.counts[k]).map((k) => `${k} ${worst.counts[k]}`).join(', ')})`));
  out.push('', wrap(`$ ${command}`));
  return out.join('\n') + '\n';
}

/** A hist for a mail: key, count, share; the total. */
export function histMail(table: TableLike, s: HistSummary, command: string): string {
  const keyCol = s.by;
  const keys = (table.array(keyCol) as unknown[]).map(String);
  const counts = table.array('count') as number[];
  const share = table.array('share') as number[];
  const rows: Record<string, unknown[]> = { [keyCol]: [...keys, 'total'], count: [...counts, s.total], share: [...share, s.total ? 1 : 0] };
  if (s.perEvent) rows.event = [...(table.array('event') as string[]), ''];
  const head = wrap(`${s.total} events by ${s.by} over ${s.seconds.toFixed(1)} s${s.event ? ` (${s.event})` : ''}:`);
  // (the source is in the command line below)
  return [head, '', fit(rows, keyCol, MAIL_WIDTH, { percent: ['share'] }).trimEnd(), '', wrap(`$ ${command}`)].join('\n') + '\n';
}

/** A file by its name: the full path is in the command line below. */
const base = (p: string) => p.split('/').pop() || p;

/**
 * Wraps a line at spaces to the mail width, continuation lines indented. A
 * single word longer than the width (a long path in a command) stays whole:
 * cutting it would change it.
 */
export function wrap(line: string, width = MAIL_WIDTH): string {
  const indent = /^ */.exec(line)![0];
  const words = line.slice(indent.length).split(' ');
  const out: string[] = [];
  let cur = indent;
  for (const w of words) {
    if (cur.trim() && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = indent + '    ' + w;
    } else cur = cur.trim() ? `${cur} ${w}` : cur + w;
  }
  out.push(cur);
  return out.join('\n');
}
