import { fieldVal, thenFmt, type Plugin } from './plugin-api.ts';

/**
 * plugin_kmem.c, kmalloc/kfree/kmem_cache_*: `(func+0xoff) ` before the print
 * fmt (the handler returns 1), when call_site lies in a known function.
 */
export const kmemCallSite: Plugin = (ev, r, env, state) => {
  const cs = fieldVal(ev, r, env, 'call_site', false);
  if ('e' in cs) return thenFmt(state, '');
  const v = cs.v;
  const i = env.symbols.findBig(v);
  if (i < 0) return thenFmt(state, '');
  // "%x" of (int)(val - addr)
  return thenFmt(state, `(${env.symbols.name(i)}+0x${(Number(BigInt.asIntN(32, v - env.symbols.address(i))) >>> 0).toString(16)}) `);
};

