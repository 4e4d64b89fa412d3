import { UserError } from '../../core/errors.ts';
import type { SymbolTable } from '../../core/symbols.ts';
import type { Trace } from '../../core/trace.ts';
import { codecVersions } from '../dat/codecs.ts';
import { bre } from '../../filter/trace-filter.ts';
import { pluginOptions } from '../../printfmt/plugins.ts';

/**
 * `trace-cmd list` (tracecmd/trace-list.c, 3.1.6) over what tracelab has
 * instead of a live tracefs: a trace file's events, functions, clock and
 * buffers, or the emulated kernel's. The texts are trace-list.c's:
 * "system:event" lines, -F's "system: X" and the format up to its print fmt,
 * and libtraceevent's plugin option list; the event regexes are its
 * case-insensitive POSIX basic ones, matched anywhere in a name.
 */

/** What a listing reads: the stand-in for tracefs's events/, available_filter_functions, trace_clock and instances/. */
export interface ListSource {
  /** Every event format in the order the source holds them (tracefs: its directory order; a file: its own). */
  formats: readonly { system: string; name: string; text: string }[];
  /** available_filter_functions: "name" or "name [module]" lines. */
  functions(): string[];
  /** trace_clock's line, the current clock in brackets. */
  clock: string;
  /** Instance buffer names. */
  buffers: string[];
  /** Compression algorithms and their versions. */
  compression: { name: string; version: string }[];
}

export interface ListOptions {
  /** -e: events; a string is its regex ("system[:event]"). */
  events?: boolean | string;
  /** -F: each event's format (with --full, its print fmt too). */
  format?: boolean;
  full?: boolean;
  /** -f: functions; a string is its regex. */
  functions?: boolean | string;
  /** -s, -B, -C, -O, -c */
  systems?: boolean;
  buffers?: boolean;
  clocks?: boolean;
  pluginOptions?: boolean;
  compression?: boolean;
}

/** The ftrace system: its events are in events/ but not in available_events (no enable file). */
const FTRACE = 'ftrace';

/** The text `trace-cmd list` prints for these options (each part in trace_list()'s order; none: the overview). */
export function listText(src: ListSource, o: ListOptions): string {
  let out = '';
  const any = o.events !== undefined || o.functions !== undefined || o.systems || o.buffers || o.clocks || o.pluginOptions || o.compression;
  if (o.events !== undefined) out += eventsText(src, typeof o.events === 'string' ? o.events : null, !!o.format, !!o.full);
  if (o.pluginOptions) out += pluginOptionsText();
  if (o.functions !== undefined) out += functionsText(src, typeof o.functions === 'string' ? o.functions : null);
  if (o.buffers) out += src.buffers.length ? src.buffers.map((b) => `${b}\n`).join('') : 'No buffer instances defined\n';
  if (o.clocks) out += `${src.clock}\n`;
  if (o.systems) out += systemsText(src);
  if (o.compression) out += compressionText(src);
  if (!any) out += `event systems:\n${systemsText(src)}events:\n${eventsText(src, null, false, false)}\n${compressionText(src)}`;
  return out;
}

/** show_systems(): every directory under events/, then a blank line. */
function systemsText(src: ListSource): string {
  return [...new Set(src.formats.map((f) => f.system))].map((s) => `${s}\n`).join('') + '\n';
}

/** available_events: "system:event" of every event that can be enabled (not ftrace's). */
function availableEvents(src: ListSource): string {
  return src.formats.filter((f) => f.system !== FTRACE).map((f) => `${f.system}:${f.name}\n`).join('');
}

/**
 * show_events(): without a regex, available_events (and -F is refused, as
 * trace-cmd does); with one, process_events(): "sys" matches systems and,
 * unless it ends in ':', event names too; "sys:ev" matches events of the
 * matching systems. ftrace comes first, then the other systems in order.
 */
function eventsText(src: ListSource, re: string | null, format: boolean, full: boolean): string {
  if (re === null) {
    if (format) throw new UserError('list -F: when specifying event files, an event must be named (-e REGEX)');
    return availableEvents(src);
  }
  const colon = re.indexOf(':');
  const sysRe = bre(colon < 0 ? re : re.slice(0, colon), false);
  const evPart = colon < 0 ? null : re.slice(colon + 1);
  const evRe = evPart ? bre(evPart, false) : null;
  // "sched:" names systems only; "sched" also matches event names
  const justSystems = evPart !== null;
  const bySystem = new Map<string, { system: string; name: string; text: string }[]>();
  for (const f of src.formats) {
    let l = bySystem.get(f.system);
    if (!l) bySystem.set(f.system, (l = []));
    l.push(f);
  }
  const shown: { system: string; name: string; text: string }[] = [];
  const matchEvents = (system: string, r: RegExp) => shown.push(...(bySystem.get(system) ?? []).filter((f) => r.test(f.name)));
  const showSystem = (system: string) => shown.push(...(bySystem.get(system) ?? []));
  if (sysRe.test(FTRACE)) {
    if (!evRe) showSystem(FTRACE);
    else matchEvents(FTRACE, evRe);
  } else if (!justSystems) matchEvents(FTRACE, sysRe);
  for (const system of bySystem.keys()) {
    if (system === FTRACE) continue;
    if (sysRe.test(system)) {
      if (!evRe) showSystem(system);
      else matchEvents(system, evRe);
    } else if (!justSystems) matchEvents(system, sysRe);
  }
  if (!format) return shown.map((f) => `${f.system}:${f.name}\n`).join('');
  // event_format_write(): "system: X", then the format file up to its print fmt (all of it with --full)
  return shown
    .map((f) => {
      let text = f.text;
      if (!full) {
        const at = text.search(/^print fmt/m);
        if (at >= 0) text = text.slice(0, at);
      }
      return `system: ${f.system}\n${text}`;
    })
    .join('');
}

/**
 * show_functions(): available_filter_functions, or its lines a regex matches
 * (case-insensitive basic regex; a final '$' also before the newline).
 */
function functionsText(src: ListSource, re: string | null): string {
  const lines = src.functions();
  if (re === null || re === '') return lines.map((l) => `${l}\n`).join('');
  const r = bre(re, false);
  return lines.filter((l) => r.test(l)).map((l) => `${l}\n`).join('');
}

/**
 * show_plugin_options(): tep_plugin_print_options() of the options the
 * loaded plugins register: per option its plugin, name, description and
 * value; "------------" between a plugin's options, "============" between plugins.
 */
export function pluginOptionsText(): string {
  const byPlugin = new Map<string, ReturnType<typeof pluginOptions>>();
  for (const o of pluginOptions()) {
    let l = byPlugin.get(o.plugin);
    if (!l) byPlugin.set(o.plugin, (l = []));
    l.push(o);
  }
  return [...byPlugin.values()]
    .map((opts) => opts.map((o) => `  plugin:\t${o.plugin}\n  option:\t${o.name}\n    desc:\t${o.help}\n     set:\t${o.default ? 1 : 0}\n`).join('------------\n'))
    .join('============\n');
}

/** show_compression(): the algorithms this build reads and writes, and their versions. */
function compressionText(src: ListSource): string {
  if (!src.compression.length) return 'No compression algorithms are supported\n';
  return 'Supported compression algorithms:\n' + src.compression.map((c) => `\t${c.name}, ${c.version}\n`).join('');
}

/** A trace file as a listing's source: its formats, its kallsyms' text symbols, clock and instances. */
export function traceListSource(trace: Trace): ListSource {
  return {
    formats: trace.formats.headers(),
    functions: () => textSymbols(trace.symbols),
    clock: trace.options.traceClock?.replace(/\n$/, '') ?? `[${trace.clock}]`,
    buffers: trace.buffers.map((b) => b.name).filter((n) => n !== ''),
    compression: codecVersions(),
  };
}

/** available_filter_functions from kallsyms: its text symbols (t, T, w, W) by address, " [module]" after a module's. */
export function textSymbols(symbols: SymbolTable): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.size; i++) {
    if (!'tTwW'.includes(symbols.type(i))) continue;
    const m = symbols.module(i);
    out.push(m === null ? symbols.name(i) : `${symbols.name(i)} [${m}]`);
  }
  return out;
}
