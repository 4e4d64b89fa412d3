import { type Family, fieldVal, type Plugin, thenFmt } from './plugin-api.ts';
import { genericInverter, type Inverter } from '../invert.ts';
import type { EventFormat } from '../../core/event-format.ts';

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

/**
 * trace-cmd's kmem plugin form (plugin_kmem.c): `(func+0xoff) ` before the
 * print fmt when call_site is a kernel symbol, nothing before it when not;
 * the print fmt's own text is read by the generic inverter. The caller keeps
 * the record only if it prints back the same (the prefix included).
 */
function kmemPlugin(ev: EventFormat, longSize: number): Inverter | null {
  const gen = genericInverter(ev, longSize, false);
  if (!gen) return null;
  return (text, ctx) => {
    const m = /^\(\S+\) ([\s\S]*)$/.exec(text);
    return gen(m ? m[1] : text, ctx);
  };
}

/** plugin_kmem.c: the call-site handler on the six events it registers it for. */
const callSite = { print: kmemCallSite, pure: true, invert: kmemPlugin };
export const kmem: Family = {
  events: {
    'kmem/kfree': callSite,
    'kmem/kmalloc': callSite,
    'kmem/kmalloc_node': callSite,
    'kmem/kmem_cache_alloc': callSite,
    'kmem/kmem_cache_alloc_node': callSite,
    'kmem/kmem_cache_free': callSite,
  },
};
