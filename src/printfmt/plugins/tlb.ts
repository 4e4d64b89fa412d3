import { type Family, fieldVal, type Plugin, thenFmt } from './plugin-api.ts';
import type { EventFormat } from '../../core/event-format.ts';
import { genericInverter, indexes, noValues, type Inverter } from '../invert.ts';

/**
 * plugin_tlb.c, tlb_flush: `pages=%ld reason=<name> (%lld)` in place of the
 * print fmt's `pages:%ld reason:%s (%d)`; reasons past the four it knows
 * print no name. Without a reason field it prints what it has and returns
 * -1, which libtraceevent takes as "print the fmt too".
 */
export const tlbFlush: Plugin = (ev, r, env, state) => {
  let out = 'pages=';
  const pages = fieldVal(ev, r, env, 'pages', false);
  out += 'e' in pages ? `CAN'T FIND FIELD "pages"` : BigInt.asIntN(64, pages.v).toString();
  const reason = fieldVal(ev, r, env, 'reason', true);
  if ('e' in reason) return thenFmt(state, out + reason.e);
  return out + ` reason=${TLB_REASONS[Number(reason.v)] ?? ''} (${BigInt.asIntN(64, reason.v)})`;
};
export const TLB_REASONS = ['flush on task switch', 'remote shootdown', 'local shootdown', 'local mm shootdown'];

/**
 * trace-cmd's tlb plugin form (plugin_tlb.c): `pages=N reason=NAME (R)`; the
 * name is the table's for R, or empty past it. The caller keeps the record
 * only if it prints back the same.
 */
function tlbFlushPlugin(ev: EventFormat): Inverter | null {
  const [pages, reason] = indexes(ev, ['pages', 'reason']);
  if (pages < 0 || reason < 0) return null;
  return (text) => {
    const m = /^pages=(-?\d+) reason=(.*) \((-?\d+)\)$/.exec(text);
    if (!m) return null;
    const r = BigInt(m[3]);
    if ((TLB_REASONS[Number(r)] ?? '') !== m[2]) return null;
    const vals = noValues(ev);
    vals[pages] = BigInt(m[1]);
    vals[reason] = r;
    return vals;
  };
}

/** plugin_tlb.c: tlb_flush (without its fields, the print fmt's inverse reads what the handler left to the fmt). */
export const tlb: Family = {
  events: {
    'tlb/tlb_flush': { print: tlbFlush, pure: true, invert: (ev, longSize) => tlbFlushPlugin(ev) ?? genericInverter(ev, longSize) },
  },
};
