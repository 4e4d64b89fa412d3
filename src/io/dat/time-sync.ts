import type { Cursor } from './file-source.ts';

/**
 * A guest's clock mapped onto its host's: the TIME_SHIFT option a host/guest
 * agent recording stores in the guest's trace.dat, applied as trace-cmd
 * 3.1.6 applies it (lib/trace-cmd/trace-input.c: tsync_cpu_offsets_load(),
 * timestamp_host_sync(), timestamp_correction_calc()) before any other
 * conversion of a raw time stamp.
 */
export interface TimeShift {
  /** The host's trace id the samples were taken against. */
  traceId: bigint;
  flags: number;
  /** Per guest CPU: the samples in time order, equal times dropped. */
  cpus: { time: bigint[]; offset: bigint[]; scaling: bigint[]; fraction: bigint[] }[];
}

const U64 = (1n << 64n) - 1n;
/** TRACECMD_TSYNC_FLAG_INTERPOLATE */
const INTERPOLATE = 1;

/** The option's payload: trace id, flags, then per CPU its samples' times, offsets and scalings, then (optionally) their fraction bits. */
export function readTimeShift(c: Cursor): TimeShift | null {
  if (c.remaining < 16) return null;
  const traceId = c.u64('peer trace id');
  const flags = c.u32('time shift flags');
  const n = c.u32('time shift CPU count');
  const cpus: TimeShift['cpus'] = [];
  const s64 = (what: string) => BigInt.asIntN(64, c.u64(what));
  for (let i = 0; i < n; i++) {
    const count = c.u32('time shift sample count');
    const time = Array.from({ length: count }, () => s64('sample time'));
    const offset = Array.from({ length: count }, () => s64('sample offset'));
    const scaling = Array.from({ length: count }, () => s64('sample scaling'));
    cpus.push({ time, offset, scaling, fraction: time.map(() => 0n) });
  }
  if (c.remaining > 0) for (const cpu of cpus) cpu.fraction = cpu.time.map(() => s64('sample fraction'));
  for (const cpu of cpus) {
    const order = cpu.time.map((_, i) => i).sort((a, b) => (cpu.time[a] < cpu.time[b] ? -1 : cpu.time[a] > cpu.time[b] ? 1 : 0));
    const keep = order.filter((k, j) => j === 0 || cpu.time[k] !== cpu.time[order[j - 1]]);
    cpu.time = keep.map((k) => cpu.time[k]);
    cpu.offset = keep.map((k) => cpu.offset[k]);
    cpu.scaling = keep.map((k) => cpu.scaling[k]);
    cpu.fraction = keep.map((k) => cpu.fraction[k]);
  }
  return { traceId, flags, cpus };
}

/** timestamp_host_sync() of a raw time stamp of a guest CPU (unsigned 64-bit throughout, as the C). */
export function hostTime(ts: bigint, cpu: number, t: TimeShift): bigint {
  if (cpu >= t.cpus.length) return ts;
  const s = t.cpus[cpu];
  const n = s.time.length;
  if (n === 0) return ts;
  if (n === 1) return (ts + s.offset[0]) & U64;
  let lo: number;
  if (n === 2 || ts <= BigInt.asUintN(64, s.time[0])) lo = 0;
  else if (ts >= BigInt.asUintN(64, s.time[n - 1])) lo = n - 2;
  else {
    let min = 0;
    let max = n - 1;
    let mid = (min + max) >> 1;
    while (min <= max) {
      const m = BigInt.asUintN(64, s.time[mid]);
      if (ts < m) max = mid - 1;
      else if (ts > m) min = mid + 1;
      else break;
      mid = (min + max) >> 1;
    }
    lo = mid;
  }
  return correct(ts, t.flags, s, lo, lo + 1);
}

/** timestamp_correction_calc() with samples `a` (min) and `b` (max). */
function correct(ts: bigint, flags: number, s: TimeShift['cpus'][number], a: number, b: number): bigint {
  let tscor: bigint;
  if (flags & INTERPOLATE) {
    const delta = s.time[b] - s.time[a];
    const offset = BigInt.asIntN(64, (BigInt.asIntN(64, ts) - s.time[a]) * (s.offset[b] - s.offset[a]));
    // C's signed division truncates toward zero, as BigInt's does
    tscor = delta === 0n ? s.offset[a] : s.offset[a] + (offset + delta / 2n) / delta;
  } else tscor = s.offset[a];
  const scaled = ((ts * BigInt.asUintN(64, s.scaling[a])) & U64) >> BigInt.asUintN(64, s.fraction[a]);
  return (tscor < 0n ? scaled - -tscor : scaled + tscor) & U64;
}
