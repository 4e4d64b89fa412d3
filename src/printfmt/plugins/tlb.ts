import { fieldVal, thenFmt, type Plugin } from './plugin-api.ts';

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
