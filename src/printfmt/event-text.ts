import type { EventFormat } from '../core/event-format.ts';
import { compiledPrint, printFields, renderBprint } from './render.ts';
import { pluginFor, type PluginState } from './plugins.ts';
import type { PrintEnv, RecordRef } from './record.ts';

export type Printer = (r: RecordRef, env: PrintEnv, state: PluginState) => string;

const printers = new WeakMap<EventFormat, Printer>();
const rawPrinters = new WeakMap<EventFormat, Printer>();

/** Decides once per event format how it prints, so the per-event path is one call. */
export function printerFor(ev: EventFormat, longSize: number, raw: boolean): Printer {
  const cache = raw ? rawPrinters : printers;
  let p = cache.get(ev);
  if (p) return p;
  const cp = compiledPrint(ev, longSize);
  const fmt = cp.fmt.failed ? null : cp.fmt;
  // a text-only event read from text (system "text") has no fields but its line: -R prints the line,
  // not "text=<line>" and the key=value copies made from it
  if (raw && ev.system !== 'text') p = (r, env) => printFields(ev, fmt, r, env, true);
  else if (raw) p = cp.render;
  else {
    const plugin = pluginFor(ev);
    let pretty: Printer;
    if (ev.system === 'ftrace' && ev.name === 'bprint' && fmt) pretty = (r, env) => renderBprint(ev, r, env);
    else if (!fmt) pretty = (r, env) => '[FAILED TO PARSE]' + printFields(ev, null, r, env, false);
    else pretty = cp.render;
    // print_event_info(): a handler returning non-zero is followed by the print fmt (pretty_print())
    if (plugin)
      p = (r, env, state) => {
        const t = plugin(ev, r, env, state);
        if (!state.thenFmt) return t;
        state.thenFmt = false;
        return t + pretty(r, env, state);
      };
    else p = pretty;
  }
  cache.set(ev, p);
  return p;
}

/**
 * The text of one event as `trace-cmd report` prints it after the name: a plugin's
 * output, the print fmt rendered, [FAILED TO PARSE] with raw fields, or with
 * `raw` (-R) every field as name=value.
 */
export function eventText(ev: EventFormat, r: RecordRef, env: PrintEnv, state: PluginState, raw = false): string {
  return printerFor(ev, env.longSize, raw)(r, env, state);
}
