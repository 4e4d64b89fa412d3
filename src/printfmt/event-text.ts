import type { EventFormat } from '../core/event-format.ts';
import { compiledPrint } from './render.ts';
import { printFields, renderBprint } from './render.ts';
import { pluginFor, type PluginState } from './plugins.ts';
import type { PrintEnv, RecordRef } from './record.ts';

/**
 * The text of one event as `trace-cmd report` prints it after the name: a plugin's
 * output, the print fmt rendered, [FAILED TO PARSE] with raw fields, or with
 * `raw` (-R) every field as name=value.
 */
export function eventText(ev: EventFormat, r: RecordRef, env: PrintEnv, state: PluginState, raw = false): string {
  const cp = compiledPrint(ev, env.longSize);
  if (raw) return printFields(ev, cp.fmt.failed ? null : cp.fmt, r, env, true);
  const plugin = pluginFor(ev);
  if (plugin) return plugin(ev, r, env, state);
  if (ev.system === 'ftrace' && ev.name === 'bprint' && !cp.fmt.failed) return renderBprint(ev, r, env);
  if (cp.fmt.failed) return '[FAILED TO PARSE]' + printFields(ev, null, r, env, false);
  return cp.render(r, env);
}
