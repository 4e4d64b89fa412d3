import type { EventFormat } from '../core/event-format.ts';
import { genericInverter, type Inverter } from './invert.ts';
import { failedInverter } from './invert-raw.ts';
import { compiledPrint } from './render.ts';
import type { EventHandler, Family, OptionKey, Plugin, PluginOption } from './plugins/plugin-api.ts';
import { sched } from './plugins/sched.ts';
import { ftrace } from './plugins/function.ts';
import { functionGraph } from './plugins/function-graph.ts';
import { hrtimer } from './plugins/hrtimer.ts';
import { timer } from './plugins/timer.ts';
import { tlb } from './plugins/tlb.ts';
import { kmem } from './plugins/kmem.ts';
import { futex } from './plugins/futex.ts';
import { kvm } from './plugins/kvm.ts';
import { mac80211 } from './plugins/mac80211.ts';
import { probes } from './plugins/probes.ts';

export { PluginState, type Plugin, type NextRecord, type EventHandler, type Family } from './plugins/plugin-api.ts';

/**
 * The one registry of what is special about an event: the libtraceevent 1.7
 * plugins trace-cmd 3.1.6 loads by default, trace-cmd's own ftrace printers,
 * and the readers of their text, one module per event family under plugins/
 * (the print fmt functions plugins register are in print-functions.ts).
 * The printer, the text readers and the CLI's -O all ask here; adding a
 * family is one module and one line below.
 */
const FAMILIES: readonly Family[] = [sched, ftrace, functionGraph, hrtimer, timer, tlb, kmem, futex, kvm, mac80211, probes];

const BY_KEY = new Map<string, EventHandler>(FAMILIES.flatMap((f) => Object.entries(f.events)));

/** The handler for an event ("system/name", else "system/*"), if its family has one. */
export function handlerFor(ev: EventFormat): EventHandler | undefined {
  return BY_KEY.get(`${ev.system}/${ev.name}`) ?? BY_KEY.get(`${ev.system}/*`);
}

/** trace-cmd's printer for an event in place of its print fmt. */
export function pluginFor(ev: EventFormat): Plugin | undefined {
  return handlerFor(ev)?.print;
}

/** Printers that read the record after theirs (function_graph's leaf entries): report defers them by one record. */
export function peeksNext(ev: EventFormat): boolean {
  return handlerFor(ev)?.peeksNext === true;
}

/**
 * Whether an event's report text depends on its record alone (report may
 * cache it per payload): a print fmt's does, a handler's only when its family
 * says so (the sched plugin learns comms, function keeps call stacks).
 */
export function printsPurely(ev: EventFormat, handlers: boolean): boolean {
  const h = handlerFor(ev);
  if (!h) return true;
  if (h.print && handlers) return h.pure === true;
  // the print fmt prints it (-N, -n, or no printer): pure unless the family says not (bprint)
  return h.pure ?? true;
}

/** The inverter for an event as report text (handlers' forms) or kernel text shows it; the print fmt's inverse by default. */
export function inverterFor(ev: EventFormat, longSize: number, kernel: boolean): Inverter | null {
  const h = handlerFor(ev);
  const make = kernel ? h?.invertKernel : h?.invert;
  if (make) return make(ev, longSize);
  return genericInverter(ev, longSize, kernel) ?? (compiledPrint(ev, longSize, kernel).fmt.failed ? failedInverter(ev) : null);
}

/** The families, in the order their handlers are looked up. */
export function families(): readonly Family[] {
  return FAMILIES;
}

/** Every family's -O options. */
export function pluginOptions(): PluginOption[] {
  return FAMILIES.flatMap((f) => f.options ?? []);
}

/**
 * One `-O` argument as trace-cmd takes it (`plugin:name`, or `name` alone,
 * with `=0`/`=1`): the setting and its value, or null when no family has it.
 */
export function pluginOption(arg: string): [OptionKey, boolean] | null {
  const m = /^(?:([\w-]+):)?([\w-]+)(?:=(\d+))?$/.exec(arg);
  if (!m) return null;
  const o = pluginOptions().find((x) => x.name === m[2] && (m[1] === undefined || m[1] === x.plugin));
  return o ? [o.key, m[3] === undefined ? true : m[3] !== '0'] : null;
}
