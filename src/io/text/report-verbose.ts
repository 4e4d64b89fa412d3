import * as fs from 'node:fs';
import type { Trace } from '../../core/trace.ts';
import { parsePrintFmt } from '../../printfmt/parse.ts';
import { pluginLoadOrder, TepHandlers } from '../../printfmt/plugin-loader.ts';
import { TepLog } from '../../printfmt/tep-log.ts';
import type { DatTrace } from '../dat/reader.ts';

/**
 * `trace-cmd report --verbose[=LEVEL]` / `-V`: what trace-cmd 3.1.6 and
 * libtraceevent 1.7.1 log while they open, read and close a trace.dat.
 * Info lines go to stdout between the report's own lines (tep_vprint():
 * levels above warning print there), warnings to stderr.
 */

/** tep_loglevel, by the names trace_set_verbose() takes. */
export const LOG_LEVELS = ['none', 'crit', 'err', 'warn', 'info', 'debug', 'all'] as const;
export const LOG_WARNING = 3;
export const LOG_INFO = 4;

/** Where Debian's libtraceevent1-plugin puts its plugins (libtraceevent's PLUGIN_DIR). */
export const SYSTEM_PLUGIN_DIR = '/usr/lib/x86_64-linux-gnu/traceevent/plugins';

/**
 * trace_set_verbose() (tracecmd/trace-cmd.c): no level is info; a number (at
 * least 0; past "all" is all); or a name, which matches when the argument
 * starts with it (strncmp() over the name's length: "warning" is warn).
 * Null when it is neither (trace-cmd dies "invalid verbose level").
 */
export function verboseLevel(arg: string | undefined): number | null {
  if (arg === undefined) return LOG_INFO;
  if (/^\d/.test(arg)) return Math.min(Number.parseInt(arg, 10), LOG_LEVELS.length - 1);
  const i = LOG_LEVELS.findIndex((name) => arg.startsWith(name));
  return i < 0 ? null : i;
}

export interface VerboseOptions {
  level: number;
  /** Plugins load at all (not -N). */
  plugins: boolean;
  /** The system's plugins load (not -L, which also leaves out trace-cmd's ftrace overrides): tracelab's plugins stand for those. */
  systemPlugins: boolean;
  /** The plugin directory (default: the system's) and its names in readdir() order (default: read now; null: no such directory). */
  pluginDir?: string;
  pluginFiles?: readonly string[] | null;
}

/**
 * A directory's names in readdir() order, as load_plugins_dir() meets them
 * (fs.readdirSync() sorts; a Dir does not), or null when it cannot be read.
 */
export function readdirOrder(dir: string): string[] | null {
  let d: fs.Dir;
  try {
    d = fs.opendirSync(dir);
  } catch {
    return null;
  }
  try {
    const names: string[] = [];
    for (let e = d.readSync(); e; e = d.readSync()) names.push(e.name);
    return names;
  } catch {
    return null;
  } finally {
    d.closeSync();
  }
}

/** The log of one trace.dat, in the pieces trace-cmd prints at different moments. */
export interface VerboseLog {
  /** tracecmd_alloc_fd(): "version = N", then each plugin file registered. */
  opened: string;
  /** tracecmd_read_headers(): each "overriding event" as its format is parsed. */
  headers: string;
  /** What libtraceevent prints on stderr while it parses the formats: its warnings, perror()'s line before each while errno is set. */
  warnings: string[];
  /** init_cpu(): "CPU N is empty" for the top buffer (before the cpus= line) and for the instances (after it). */
  emptyCpus: string;
  emptyInstanceCpus: string;
  /** tracecmd_close(): each "removing override handler" as the plugins unload, the last loaded first. */
  closed: string;
  /**
   * libtraceevent's log, errno as the parsing left it: printing goes on
   * with it (set its `out`), for the warnings libtraceevent prints while it
   * prints events. Null below the warning level.
   */
  tep: TepLog | null;
}

const lines = (l: readonly string[]): string => l.map((x) => x + '\n').join('');

/** What the file system and the process say about where plugins are looked for and where stdout goes. */
export interface VerboseHost {
  /** stdout is a character device but no terminal (/dev/null). */
  stdoutNotTty: boolean;
  /** stderr is open for reading and writing (a terminal usually is; a file or pipe it was redirected to is not). */
  stderrReadWrite: boolean;
  /** Directory exists (stat() succeeds). */
  exists(dir: string): boolean;
  env: Record<string, string | undefined>;
}

/** This process's host facts. */
export function processHost(): VerboseHost {
  let chr = false;
  try {
    chr = fs.fstatSync(1).isCharacterDevice() && !process.stdout.isTTY;
  } catch {
    // no stdout: nothing to probe
  }
  let rw = false;
  try {
    // O_ACCMODE of fd 2 is in the flags (octal) of /proc/self/fdinfo/2
    const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync('/proc/self/fdinfo/2', 'latin1'));
    rw = m !== null && (Number.parseInt(m[1], 8) & 3) === 2;
  } catch {
    // no /proc: taken as write-only, as redirected output is
  }
  return { stdoutNotTty: chr, stderrReadWrite: rw, exists: (d) => fs.existsSync(d), env: process.env };
}

/** The whole --verbose log of a trace; empty pieces for traces read from text (trace-cmd cannot read those). */
export function verboseLog(trace: Trace, o: VerboseOptions, host: VerboseHost = processHost()): VerboseLog {
  const log: VerboseLog = { opened: '', headers: '', warnings: [], emptyCpus: '', emptyInstanceCpus: '', closed: '', tep: null };
  if (trace.kind !== 'dat') return log;
  const dat = trace as DatTrace;
  const info = o.level >= LOG_INFO;
  const warns = o.level >= LOG_WARNING;
  // errno as trace-cmd leaves it on its way to the format parsing: glibc's first write to a
  // stdout that is a character device but no terminal (/dev/null: its isatty() ioctl fails), the
  // plugin directories stat() does not find, the saved cmdlines and kallsyms parsers (errno = 0
  // before each line's sscanf()); then alloc_and_process_delim() as the parser goes
  const tep = new TepLog(host.stderrReadWrite, (line) => log.warnings.push(line));
  const dir = o.pluginDir ?? SYSTEM_PLUGIN_DIR;
  const system = o.plugins && o.systemPlugins;
  const plugins = system ? pluginLoadOrder(o.pluginFiles !== undefined ? o.pluginFiles : readdirOrder(dir)) : [];
  const handlers = new TepHandlers(plugins, system);
  if (info) {
    log.opened = lines([`version = ${dat.version}`, ...plugins.map((p) => `registering plugin: ${dir}/${p.file}`)]);
    if (host.stdoutNotTty) tep.set('ENOTTY');
  }
  // tep_load_plugins_hook(): the system directory, $TRACEEVENT_PLUGIN_DIR, ~/.local/lib/traceevent/plugins/
  if (o.plugins) {
    const home = host.env.HOME;
    for (const d of [system ? dir : undefined, host.env.TRACEEVENT_PLUGIN_DIR, home === undefined ? undefined : `${home}/.local/lib/traceevent/plugins/`]) {
      if (d !== undefined && !host.exists(d)) tep.set('ENOENT');
    }
  }
  const parsed: string[] = [];
  const all = dat.formats.all();
  const byGroup = (ftrace: boolean) => all.filter((f) => (f.system === 'ftrace') === ftrace);
  for (const section of dat.sectionOrder) {
    if ((section === 'cmdlines' && dat.hasCmdlines) || (section === 'kallsyms' && dat.symbols.size > 0)) tep.set(null);
    if (section !== 'ftrace' && section !== 'events') continue;
    for (const ev of byGroup(section === 'ftrace')) {
      // parse_format(): a format whose fields do not read never looks for a handler
      if (ev.fieldError) continue;
      const line = handlers.parsed(ev);
      if (line) parsed.push(line);
      // show_warning is off while an overridden event's print fmt parses (not while parse_args() runs)
      for (const l of parsePrintFmt(ev, dat.longSize, false, system).log ?? []) {
        if ('errno' in l) tep.set(l.errno);
        else if (warns && (!line || l.args)) tep.warn(l.event ? `[${ev.system}:${ev.name}] ${l.warn}` : l.warn);
      }
    }
  }
  if (warns) log.tep = tep;
  if (!info) return log;
  log.headers = lines(parsed);
  const empty = dat.emptyCpus();
  log.emptyCpus = lines((empty[0] ?? []).map((c) => `CPU ${c} is empty`));
  log.emptyInstanceCpus = lines(empty.slice(1).flatMap((l) => l.map((c) => `CPU ${c} is empty`)));
  const find = (name: string, system: string) => trace.formats.first(name, system);
  log.closed = lines([...plugins].reverse().flatMap((p) => handlers.unload(p, find)));
  return log;
}
