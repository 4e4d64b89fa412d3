import type { EventFormat } from '../core/event-format.ts';
import { compiledPrint, printFields, renderBprint } from './render.ts';
import { pluginFor, type PluginState } from './plugins.ts';
import type { PrintEnv, RecordRef } from './record.ts';

export type Printer = (r: RecordRef, env: PrintEnv, state: PluginState) => string;

const printers = new WeakMap<EventFormat, Map<string, Printer>>();

/**
 * Decides once per event format how it prints, so the per-event path is one
 * call: `raw` prints the fields (-R, -r), `plugins` false as libtraceevent
 * with no plugin loaded (-N, -L: no handler, no plugin print function),
 * `handler` false without the event's handler only (-n).
 */
export function printerFor(ev: EventFormat, longSize: number, raw: boolean, plugins = true, handler = true): Printer {
  const key = `${raw ? 1 : 0}${plugins ? 1 : 0}${handler ? 1 : 0}`;
  let byKey = printers.get(ev);
  if (!byKey) printers.set(ev, (byKey = new Map()));
  let p = byKey.get(key);
  if (p) return p;
  const cp = compiledPrint(ev, longSize, false, plugins);
  const fmt = cp.fmt.failed ? null : cp.fmt;
  // a text-only event read from text (system "text") has no fields but its line: -R prints the line,
  // not "text=<line>" and the key=value copies made from it
  if (raw && ev.system !== 'text') p = (r, env) => printFields(ev, fmt, r, env, true);
  else if (raw) p = cp.render;
  else {
    const plugin = plugins && handler ? pluginFor(ev) : undefined;
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
  byKey.set(key, p);
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
