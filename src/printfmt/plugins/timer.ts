import type { EventFormat } from '../../core/event-format.ts';
import { genericInverter, indexes, noValues, symbolAddress, type Inverter } from '../invert.ts';
import type { Family } from './plugin-api.ts';

/** timer_start's flag letters (include/trace/events/timer.h: TIMER_MIGRATING, _DEFERRABLE, _PINNED, _IRQSAFE). */
const TIMER_FLAGS: Record<string, number> = { M: 0x40000, D: 0x80000, P: 0x100000, I: 0x200000 };

/**
 * timer_start (5.x-6.x): `timer=%p function=%ps expires=%lu [timeout=%ld]
 * bucket_expiry=%lu cpu=%u idx=%u flags=%s`, where timeout is expires - now
 * and cpu, idx and the flag letters are all parts of the one flags field:
 * each printed value is an expression the generic inverter cannot solve, so
 * the fields are rebuilt here (now = expires - timeout; flags = cpu | idx << 22
 * | letters). The caller keeps the record only if it prints back the same.
 */
function timerStart(ev: EventFormat, longSize: number, kernel: boolean): Inverter | null {
  const [timer, fn, expires, bucket, now, flags] = indexes(ev, ['timer', 'function', 'expires', 'bucket_expiry', 'now', 'flags']);
  if ([timer, fn, expires, bucket, now, flags].some((i) => i < 0)) return genericInverter(ev, longSize, kernel);
  const re = /^timer=(?:0x)?([0-9a-f]+) function=(\S+) expires=(\d+) \[timeout=(-?\d+)\] bucket_expiry=(\d+) cpu=(\d+) idx=(\d+) flags=([A-Z|]*)$/;
  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return null;
    const func = symbolAddress(m[2], ctx, false);
    if (func === null) return null;
    let bits = Number(m[6]) | (Number(m[7]) << 22);
    for (const l of m[8] ? m[8].split('|') : []) {
      if (!Object.hasOwn(TIMER_FLAGS, l)) return null;
      bits |= TIMER_FLAGS[l];
    }
    const vals = noValues(ev);
    vals[timer] = BigInt('0x' + m[1]);
    vals[fn] = func;
    vals[expires] = BigInt(m[3]);
    vals[now] = BigInt.asUintN(64, BigInt(m[3]) - BigInt(m[4]));
    vals[bucket] = BigInt(m[5]);
    vals[flags] = bits >>> 0;
    return vals;
  };
}


/** timer_start: no handler prints it (its print fmt does, in report and kernel text alike). */
export const timer: Family = {
  events: {
    'timer/timer_start': { invert: (ev, longSize) => timerStart(ev, longSize, false), invertKernel: (ev, longSize) => timerStart(ev, longSize, true) },
  },
};
