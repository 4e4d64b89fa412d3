import type { EventFormat } from '../../core/event-format.ts';
import { genericInverter, symbolAddress, type Inverter } from '../invert.ts';
import type { Family } from './plugin-api.ts';

/**
 * kprobe/uprobe events in kernel text: `(func+0x0/0x20) args`, `(caller+0x5a/0x100
 * <- func) args`, `(0x7f...) args`. The probe point is turned back into the
 * hex form of the print fmt, which the generic inverter then reads.
 */
function probeKernel(ev: EventFormat, longSize: number): Inverter | null {
  const gen = genericInverter(ev, longSize, true);
  if (!gen) return null;
  const ret = ev.field('__probe_ret_ip') !== undefined;
  return (text, ctx) => {
    if (ev.system === 'uprobes') {
      const m = /^\(0x([0-9a-f]+)\)([\s\S]*)$/.exec(text);
      return m ? gen(`(${m[1]})${m[2]}`, ctx) : null;
    }
    if (ret) {
      const m = /^\((\S+?) <- (\S+?)\)([\s\S]*)$/.exec(text);
      if (!m) return null;
      const site = symbolAddress(m[1], ctx, true);
      const func = symbolAddress(m[2], ctx, false);
      return site === null || func === null ? null : gen(`(${func.toString(16)} <- ${site.toString(16)})${m[3]}`, ctx);
    }
    const m = /^\((\S+?)\)([\s\S]*)$/.exec(text);
    if (!m) return null;
    const ip = symbolAddress(m[1], ctx, true);
    return ip === null ? null : gen(`(${ip.toString(16)})${m[2]}`, ctx);
  };
}


/** A probe point in the kernel's text (trace_kprobe.c/trace_uprobe.c print it before the args); report text is the print fmt's. */
const kernelProbe = (ev: EventFormat, longSize: number) => (ev.field('__probe_ip') || ev.field('__probe_func') ? probeKernel(ev, longSize) : genericInverter(ev, longSize, true));

export const probes: Family = {
  events: {
    'kprobes/*': { invertKernel: kernelProbe },
    'uprobes/*': { invertKernel: kernelProbe },
  },
};
