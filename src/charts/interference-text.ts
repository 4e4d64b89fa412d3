import * as aq from 'arquero';
import type { InterferenceSummary } from '../analysis/interference.ts';
import { SOURCES } from '../analysis/interference.ts';
import type { IpiCausalitySummary } from '../analysis/ipi-causality.ts';
import type { NoiseSummary } from '../analysis/noise.ts';
import { formatCpuList } from '../core/cpulist.ts';
import { textTable } from './text-table.ts';

/** Durations in us with 1 decimal, percentages with 3, everywhere in these reports. */
const DECIMALS: Record<string, number> = {
  noise_us: 1,
  max_noise_us: 1,
  longest_quiet_us: 1,
  available_pct: 5,
  ipi_p99_us: 1,
  p50_us: 1,
  p99_us: 1,
  max_us: 1,
  irq_us: 1,
  softirq_us: 1,
  thread_us: 1,
  syscall_us: 1,
  nmi_us: 1,
  'per_s': 3,
};

const us = (ns: number | null) => (ns === null ? 'n/a' : `${(ns / 1000).toFixed(1)} us`);

function notes(list: string[]): string[] {
  return list.length ? ['notes:', ...list.map((n) => `  - ${n}`), ''] : [];
}

/** The IPI path as text: by function, by sender, call chains. */
export function ipiText(s: Omit<IpiCausalitySummary, 'perTarget'>, table: aq.ColumnTable, targets: string): string[] {
  const out: string[] = [];
  if (!s.functions.length) return out;
  out.push(`IPIs to ${targets} by function (requests queued, IPIs sent for them, requests that needed none; latency ${s.sides.run ? 'queue to function run' : 'send to handler entry'}, us):`);
  out.push(textTable(table, { decimals: DECIMALS, missing: 'n/a' }));
  if (s.bySenderComm.length) {
    out.push('IPIs by sender:');
    const top = s.bySenderComm.slice(0, 10);
    out.push(textTable(aq.table({ comm: top.map((x) => x[0]), ipis: top.map((x) => x[1]) })));
    const cpus = s.bySenderCpu.slice(0, 10);
    out.push(textTable(aq.table({ sender_cpu: cpus.map((x) => x[0]), ipis: cpus.map((x) => x[1]) })));
  }
  if (s.chains.length) {
    out.push('call chains of the IPIs (kernel_stack after each send):');
    const top = s.chains.slice(0, 5);
    out.push(textTable(aq.table({ ipis: top.map((x) => x[1]), chain: top.map((x) => x[0]) })));
  }
  return out;
}

/** `tracelab interference`: a mail-ready report; durations in us, rates per second. */
export function interferenceText(s: InterferenceSummary, table: aq.ColumnTable, source: string, byFunction: aq.ColumnTable): string {
  const iso = formatCpuList(s.isolated);
  const out: string[] = [];
  const ipiWord = s.ipiCounted === 'received' ? 'IPIs received' : s.ipiCounted === 'sent' ? 'IPIs sent to them (no handlers recorded)' : 'IPIs n/a';
  out.push(`isolated CPUs ${iso} over ${s.seconds.toFixed(3)} s (${source}):`);
  out.push(`  ${ipiWord}: ${s.totals.ipi ?? 'n/a'}; disturbances counted: ${s.total} (${s.perSecond.toFixed(3)}/s, ${(s.perSecond / Math.max(s.isolated.length, 1)).toFixed(4)}/s per CPU)`);
  out.push(`  noise: ${us(s.noiseNs)} in all; max single noise ${us(s.maxNoiseNs)}; shortest longest-quiet-stretch ${us(s.worstQuietNs)}`);
  out.push('');
  out.push(...notes(s.notes));
  const src = SOURCES.filter((k) => s.totals[k] !== null);
  const missing = SOURCES.filter((k) => s.totals[k] === null);
  out.push(`disturbances by source${missing.length ? ` (n/a: ${missing.join(', ')})` : ''}:`);
  out.push(textTable(aq.table({ source: src, count: src.map((k) => s.totals[k]), per_s: src.map((k) => (s.seconds ? s.totals[k]! / s.seconds : 0)) }), { decimals: DECIMALS }));
  out.push(...ipiText(s.ipis, byFunction, 'isolated CPUs'));
  out.push('per isolated CPU (counts; durations in us):');
  out.push(textTable(table, { decimals: DECIMALS, missing: 'n/a' }));
  return out.join('\n');
}

/** `tracelab noise`: per CPU, the way rtla osnoise top prints it; durations in us. */
export function noiseText(s: NoiseSummary, table: aq.ColumnTable, source: string): string {
  const out = [`noise per CPU over ${(s.windowNs / 1e9).toFixed(3)} s (${source}); pieces under ${(s.mergeGapNs / 1000).toFixed(1)} us apart are one interruption`, ''];
  out.push(...notes(s.notes));
  out.push(textTable(table, { decimals: DECIMALS, missing: 'n/a' }));
  return out.join('\n');
}
