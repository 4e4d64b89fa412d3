import type { Command } from 'commander';
import { bre, buildReportSelection, checkEventsStatus, cpusText, endianText, type EventFilterArg, type EventFormat, eventsText, functionsText, loadFormatFiles, openTrace, parseCpuList, pidFilter, pluginOption, pluginOptions, printkText, printReports, type ProfileHook, reportFilterStrings, type ReportInput, statText, type Trace, unameText, UserError, verboseLevel, verboseLog, type VerboseLog, versionText } from '../src/index.ts';
import { ByteWriter, warn } from './output.ts';
import { keepYoungGenerationSmall } from './young-generation.ts';

/** --align-ts: the earliest first time stamp of the inputs (a trace.dat's first page, a text's first event), ns. */
function alignOf(traces: Trace[]): bigint {
  let min: bigint | null = null;
  for (const t of traces) {
    let first = t.firstTsNs;
    if (first === undefined) {
      for (const b of t.batches({ batchSize: 1 })) {
        if (b.length) first = BigInt(t.tsBaseSec) * 1_000_000_000n + BigInt(b.ts[0]);
        break;
      }
    }
    if (first !== undefined && (min === null || first < min)) min = first;
  }
  return min ?? 0n;
}

/** --ts2secs HZ: a positive whole number (trace-cmd reads it with atoll). */
function ts2secsArg(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(String(v)) || Number(v) <= 0) throw new UserError(`--ts2secs: "${v}" is not a frequency in Hz`);
  return Number(v);
}

/** set_event_flags(): events whose name or system matches one of the patterns (anchored, case-insensitive POSIX regexes). */
function eventMatcher(patterns: string[]): ((ev: EventFormat) => boolean) | undefined {
  if (!patterns.length) return undefined;
  const res = patterns.map((p) => bre(p));
  return (ev) => res.some((re) => re.test(ev.name) || re.test(ev.system));
}

export function register(program: Command): void {
  // -v turns every later -F negative, and --ts-offset belongs to the -i before it:
  // commander calls option parsers in command-line order
  let negative = false;
  const inputs: { name: string; tsOffsetNs: number }[] = [];
  program
    .command('report')
    .description('print a trace exactly as `trace-cmd report` does')
    .argument('[file]', 'trace.dat, report text, kernel trace text, systrace HTML (also .gz), or - for stdin (default: trace.dat)')
    .option('-i, --input <file>', 'input file (as trace-cmd -i; several are merged in time order, each line led by its file name)', (v: string) => {
      inputs.push({ name: v, tsOffsetNs: 0 });
      return v;
    })
    .option('-l', 'latency format: flags column, short comm')
    .option('-t', 'full nanosecond timestamps')
    .option('-R', 'raw fields instead of the print format')
    .option('--cpu <list>', 'only these CPUs, e.g. 0,2-3')
    .option('-O <option>', `plugin option, NAME or PLUGIN:NAME[=0|1] (repeatable): ${pluginOptions().map((x) => `${x.plugin}:${x.name} (${x.help.toLowerCase()}${x.default ? '; on' : ''})`).join(', ')}`, (v: string, p: string[]) => [...p, v], [] as string[])
    .option('-F <filter>', "show only matching events: 'EVENTS' or 'EVENTS: FILTER' in libtraceevent's filter language, as trace-cmd (=~ regex, COMM, CPU; CPUS{} takes the kernel's language); repeatable; with several -i, for the -i before it", (v: string, prev: (EventFilterArg & { input: number })[]) => [...prev, { arg: v, negative, input: Math.max(0, inputs.length - 1) }], [] as (EventFilterArg & { input: number })[])
    .option('--format <file>', 'event format file or folder for text traces (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('-v', 'filters after -v hide what they match', () => {
      negative = true;
      return true;
    })
    .option('--pid <pids>', 'only events of these pids (common_pid, pid or next_pid; comma-separated; repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--comm <comms>', 'only events of the pids these comms have in the comm table (comma-separated; repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('-T', 'print each -F filter as libtraceevent reads it back, then exit')
    .option('-N', 'load no plugins: every event prints its print fmt (as trace-cmd -N)')
    .option('-L', 'load no system plugins (tracelab has no others: as -N)')
    .option('-r <event>', 'print these events raw (SYSTEM or EVENT, a regex; repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('-n <event>', 'print these events without their plugin handler (SYSTEM or EVENT, a regex; repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('-I', 'leave out events with the hardirq flag set')
    .option('-S', 'leave out events with the softirq flag set')
    .option('-q', 'no warnings')
    .option('--ts-diff', 'the time since the previous event, after each time stamp')
    .option('--ts-offset <ns>', 'after an -i: ns to add to that file\'s time stamps (with several -i; like trace-cmd 3.1.6 it changes nothing when one file is read)', (v: string) => {
      if (!inputs.length) throw new UserError('--ts-offset must come after -i');
      if (!/^-?\d+$/.test(v)) throw new UserError(`--ts-offset: "${v}" is not a whole number of ns`);
      // trace-cmd 3.1.6 keeps the offset with the -i before it, unless that is the first -i
      if (inputs.length > 1) inputs[inputs.length - 1].tsOffsetNs = Number(v);
      return v;
    })
    .option('-e', 'print the file\'s endianness and exit')
    .option('-f', 'print the function list (kallsyms) and exit')
    .option('-P', 'print the printk formats and exit')
    .option('-E', 'print the event formats stored (system:event) and exit')
    .option('--cpus', 'list the CPUs that have data, then exit')
    .option('--first-event', 'the time of the first event of each CPU, then exit')
    .option('--last-event', 'the time of the last event of each CPU, then exit')
    .option('--check-events', 'exit 0 if every event format parses, EINVAL (22) if not')
    .option('--stat', 'the buffer statistics recorded at the end of the recording')
    .option('--uname', 'the uname of the recording machine, if it was saved')
    .option('--version', 'the trace-cmd version that wrote the file')
    .option('-p', "print the file's page size and the host's, then exit")
    .option('-w', 'wakeup latency: on each sched_switch that ends a wakeup, and a summary at the end')
    .option('--align-ts', 'time stamps from the earliest first one of the inputs (the first is 0)')
    .option('--ts-check', 'warn about each record whose time stamp is before the one printed before it')
    .option('--nodate', 'ignore the DATE option (trace-cmd record --date): time stamps without the offset to the time of day')
    .option('--raw-ts', 'time stamps as recorded: no DATE, OFFSET or TSC2NSEC, printed as counts')
    .option('--ts2secs <hz>', 'time stamps are counts of a clock of this frequency: printed as seconds')
    .option('--profile', "trace-cmd's profile instead of the events: per task, how long each kind of event took from its start to its end (switch out to wakeup to switch in, irq, softirq, syscall, function_graph, -H pairs), with the stacks recorded after them; other events counted by their first field")
    .option('-G', '--profile: irqs and softirqs counted per CPU, not per task')
    .option('-H <hook>', '--profile: time another pair of events, [SYS:]START,MATCH[,PID]/[SYS:]END,MATCH[,FLAGS] (FLAGS: P pinned to a CPU, G global); repeatable', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--by-comm', '--profile: tasks of one comm merged into one group')
    .option('-V, --verbose [level]', "trace-cmd's log (--verbose=LEVEL: none, crit, err, warn, info (the default), debug, all, or 0-6): the file version, the plugins registered (named as libtraceevent 1.7.1 loads them from Debian's plugin directory, in its readdir() order when this machine has it), each event a plugin takes over and gives back, empty CPUs, on stdout; libtraceevent's warnings on stderr, as it parses the formats and as it prints (with the errno line it adds)")
    .action(async (file: string | undefined, o: Record<string, unknown>) => {
      keepYoungGenerationSmall();
      const out = new ByteWriter();
      let level: number | null = null;
      if (o.verbose !== undefined) {
        let arg = typeof o.verbose === 'string' ? o.verbose : undefined;
        // getopt() takes --verbose's level only after '=' (and -V takes none): a word after it is the trace
        if (arg !== undefined && !process.argv.includes(`--verbose=${arg}`)) {
          if (file !== undefined) throw new UserError(`one trace, not two (${arg} and ${file}); a level goes after '=': --verbose=LEVEL`);
          file = arg;
          arg = undefined;
        }
        level = verboseLevel(arg);
        if (level === null) throw new UserError(`invalid verbose level ${arg}`);
      }
      // tracecmd_create_event_hook() prints each hook as it reads the options (the profile code loads only when asked for)
      const hooks: ProfileHook[] = [];
      if ((o.H as string[]).length) {
        const { parseProfileHook } = await import('../src/index.ts');
        for (const v of o.H as string[]) {
          const { hook, line } = parseProfileHook(v);
          if (!hook) throw new UserError(`-H: ${line}`);
          out.write(line + '\n');
          hooks.push(hook);
        }
      }
      if (file !== undefined && inputs.length) throw new UserError(`give the trace either with -i or as the argument, not both (${file})`);
      const list = inputs.length ? inputs : [{ name: file ?? 'trace.dat', tsOffsetNs: 0 }];
      if (o.w && list.length > 1) throw new UserError('Wakeup tracing can only be done on a single input file');
      const formats = loadFormatFiles(o.format as string[]);
      const traces: (ReportInput & { filters: EventFilterArg[] })[] = [];
      const filters = o.F as (EventFilterArg & { input: number })[];
      const logs: VerboseLog[] = [];
      for (const [k, x] of list.entries()) {
        const t = await openTrace(x.name, { formats, dat: { ignoreDate: !!o.nodate, rawTs: !!o.rawTs, ts2secsHz: ts2secsArg(o.ts2secs) } });
        if (level !== null) {
          // tracecmd_alloc_fd() logs as it opens a file; -p and -e print (and return) before
          // tracecmd_read_headers() parses the formats
          const log = verboseLog(t, { level, plugins: !o.N, systemPlugins: !o.L });
          logs.push(log);
          out.write(log.opened);
          if (!(o.p || o.e)) {
            out.write(log.headers);
            for (const w of log.warnings) process.stderr.write(w + '\n');
          }
        }
        const mine = filters.filter((f) => f.input === k);
        const pids = pidFilter(t, o.pid as string[], o.comm as string[], warn);
        if (pids) mine.push({ arg: pids, negative: false, input: k });
        traces.push({ trace: t, name: x.name, tsOffsetNs: x.tsOffsetNs, keep: mine.length ? buildReportSelection(t, mine) : undefined, filters: mine });
      }
      const trace = traces[0].trace;
      const path = list[0].name;
      // process_filters(): with -T and a filter, the filters read back are all that prints
      if (o.T && traces.some((x) => x.filters.length)) return out.write((logs[0]?.emptyCpus ?? '') + traces.map((x) => reportFilterStrings(x.trace, x.filters)).join(''));
      // the switches that print something about the file instead of its events, in trace-cmd's order
      // (-p: getpagesize() of the host; 4096 on the x86-64 and arm64 kernels tracelab models)
      if (o.p) return out.write(`file page size is ${trace.pageSize}, and host page size is 4096\n`);
      if (o.e) return out.write(endianText(trace));
      if (o.checkEvents) {
        process.exitCode = checkEventsStatus(trace);
        return;
      }
      if (o.f) return out.write(functionsText(trace));
      if (o.P) return out.write(printkText(trace));
      if (o.E) return out.write(eventsText(trace));
      // --cpus never closes the files (no "removing" lines); the others below do, after their text
      if (o.cpus || o.firstEvent || o.lastEvent) return out.write((logs[0]?.emptyCpus ?? '') + cpusText(trace, path, { first: !!o.firstEvent, last: !!o.lastEvent, ns: !!o.t }));
      const empty = logs[0]?.emptyCpus ?? '';
      const closed = logs.map((l) => l.closed).join('');
      if (o.version) return out.write(empty + versionText(trace) + closed);
      if (o.uname) return out.write(empty + unameText(trace) + closed);
      if (o.stat) {
        const files = 'cpuFiles' in trace ? (trace as { cpuFiles(): { offset: number; size: number }[] }).cpuFiles() : [];
        return out.write(empty + statText(trace, files) + closed);
      }
      if (o.profile) {
        // trace-cmd prints each input's file name before each record it profiles when it reads several inputs or buffer instances
        if (traces.length > 1 || trace.buffers.length > 1) throw new UserError('report --profile: one input without buffer instances (trace-cmd writes file names into its profile there)');
        out.write(empty + (trace.reportHeader ?? `cpus=${trace.cpus}\n`) + (logs[0]?.emptyInstanceCpus ?? ''));
        const keep = traces[0].keep;
        const { traceProfile } = await import('../src/index.ts');
        traceProfile(trace, out.write, {
          global: !!o.G,
          byComm: !!o.byComm,
          hooks,
          cpus: o.cpu ? new Set(parseCpuList(String(o.cpu))) : undefined,
          keep: keep && ((b, i) => keep(b, i, trace.formats.get(b.type[i]), trace.comms)),
        });
        out.write(closed);
        return;
      }
      const plugin: Record<string, boolean> = {};
      for (const opt of (o.O as string[] | undefined) ?? []) {
        const set = pluginOption(opt);
        if (set) plugin[set[0]] = set[1];
      }
      for (const [k, l] of logs.entries()) {
        // libtraceevent goes on warning while it prints, with errno as the parsing left it
        if (l.tep) l.tep.out = (line) => process.stderr.write(line + '\n');
        Object.assign(traces[k], { beforeHeader: l.emptyCpus, afterHeader: l.emptyInstanceCpus, closing: l.closed, tepLog: l.tep ?? undefined });
      }
      const stats = printReports(traces, out.write, {
        // ByteWriter.write writes each chunk before it returns
        reuseChunks: true,
        latency: !!o.l,
        ns: !!o.t,
        raw: !!o.R,
        cpus: o.cpu ? new Set(parseCpuList(String(o.cpu))) : undefined,
        plugin,
        tsDiff: !!o.tsDiff,
        noHardirq: !!o.I,
        noPlugins: !!(o.N || o.L),
        wakeup: !!o.w,
        alignNs: o.alignTs ? alignOf(traces.map((x) => x.trace)) : undefined,
        tsCheck: !!o.tsCheck,
        rawEvents: eventMatcher(o.r as string[]),
        noHandler: eventMatcher(o.n as string[]),
        noSoftirq: !!o.S,
      });
      const warnings = traces.flatMap((x) => x.trace.warnings);
      if (!o.q) for (const w of warnings) warn(w);
      if (stats.events === 0 && warnings.length) process.exitCode = 1;
    });
}
