import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalog } from '../core/catalog.ts';
import { FormatRegistry } from '../core/formats.ts';
import { UserError } from '../core/errors.ts';
import { PrintkTable } from '../core/printk.ts';
import { SymbolTable } from '../core/symbols.ts';
import { tracelabVersion } from '../core/package-root.ts';
import { provenanceText } from '../core/provenance.ts';
import { DatWriter } from '../io/dat/writer.ts';
import { openDat, type DatTrace } from '../io/dat/reader.ts';
import { Housekeeping } from './housekeeping.ts';
import { Ipis } from './ipi.ts';
import { IsolatedLoad } from './isolated.ts';
import { buildKernelSymbols } from './kernel-symbols.ts';
import { kernelProfile, missingSystems, type KernelProfile } from './kernel-version.ts';
import { Machine } from './machine.ts';
import { Probes, type ProbeTimeline } from './probes.ts';
import { RcuIdle } from './rcuidle.ts';
import { Rcu } from './rcu.ts';
import { parseDuration, type Scenario } from './scenario.ts';
import { Sources } from './sources.ts';
import { Timers } from './timers.ts';
import { Tracing, type EventSpec } from './tracing.ts';

export type RecordFormat = 'dat' | 'dat-v6';

export interface RecordOptions {
  scenario: Scenario;
  /** Overrides the scenario's duration (ns). */
  durationNs?: number;
  seed?: number;
  /** Events and filters as trace-cmd record -e/-f; default: the scenario's. */
  events?: EventSpec[];
  /** -T: a kernel_stack after each event that has a call chain. */
  stacks?: boolean;
  output: string;
  format?: RecordFormat;
  /** For the provenance stored in the trace: where the scenario came from, and the --set changes. */
  origin?: { scenario: string; sets: string[] };
  /** Called now and then with simulated ns done, total, and events written. */
  progress?: (doneNs: number, totalNs: number, events: number) => void;
}

export interface IsolatedSummary {
  cpus: number;
  /** User->kernel entries of the isolated tasks. */
  kernelEntries: number;
  /** IPIs (and self-IPIs) received by isolated CPUs. */
  ipisReceived: number;
  /** IPIs the deferral kept from isolated CPUs, and the coalesced runs that replaced them. */
  deferred: number;
  deferredRuns: number;
  /** Time the deferral added to isolated CPUs' kernel entries: the deferred work, and the context-tracking line fetched back (ns). */
  deferralCostNs: number;
  /** Deferrable IPIs sent anyway: the target was in the kernel when ct_set_cpu_work() tried it. */
  sentInKernel: number;
  /** Time isolated CPUs spent in the kernel (ns). */
  kernelNs: number;
  killed: number;
}

export interface RecordSummary {
  scenario: string;
  seed: number;
  durationNs: number;
  cpus: number;
  events: number;
  /** Records written per event name. */
  counts: Record<string, number>;
  isolated: IsolatedSummary;
  probes: ProbeTimeline | null;
  /** Messages the bench's ping-pong loops completed (seed 000), null without a bench. */
  benchMessages: number | null;
  output: string;
}

/** The scenario's default events: `events`, then `event_filters` ("EVENT: FILTER", $ISOLATED expanded). */
export function scenarioEvents(s: Scenario): EventSpec[] {
  const specs: EventSpec[] = s.events.map((event) => ({ event, filters: [] }));
  for (const ef of s.event_filters) {
    const m = /^\s*([^\s:]+(?::[^\s:]+)?)\s*:\s+(.+)$/.exec(ef);
    if (!m) continue;
    if (m[2].includes('$ISOLATED') && !s.isolated.trim()) throw new UserError(`scenario ${s.name}: the filter "${ef}" needs isolated CPUs, and "isolated" is empty (set isolated=LIST, or give your own -e/-f)`);
    const filter = m[2].replaceAll('$ISOLATED', s.isolated).replaceAll('$HOUSEKEEPING', s.housekeeping);
    let spec = specs.find((x) => x.event === m[1]);
    if (!spec) specs.push((spec = { event: m[1], filters: [] }));
    spec.filters.push(filter);
  }
  return specs;
}

/**
 * A fresh copy of the catalog for one kernel version (a recording adds its
 * probes' formats to it): the systems that version lacks are left out.
 */
function freshFormats(kernel: KernelProfile): FormatRegistry {
  const reg = new FormatRegistry(8);
  const skip = new Set(missingSystems(kernel).map((x) => x.system));
  for (const { system, texts } of loadCatalog().formats.systems()) if (!skip.has(system)) for (const t of texts) reg.add(system, t);
  return reg;
}

/**
 * Runs the emulated kernel for the scenario and writes what its tracepoints
 * recorded as a trace.dat. Deterministic: the same options give the same bytes.
 */
export async function record(o: RecordOptions): Promise<RecordSummary> {
  const s = o.scenario;
  const seed = o.seed ?? 1;
  const durationNs = o.durationNs ?? parseDuration(s.duration);
  const sym = buildKernelSymbols();
  const kernel = kernelProfile(s.kernel.version);
  const formats = freshFormats(kernel);
  const printk = new PrintkTable(sym.printk);
  const tracing = new Tracing({ formats, nrCpus: s.cpus, symbols: new SymbolTable(sym.kallsyms), printk: (a) => printk.findBig(a), lacking: missingSystems(kernel), unwindFrameNs: s.hw.unwind_frame_ns });
  const m = new Machine(s, sym, tracing, seed);
  m.end = durationNs;
  const probes = new Probes(m, tracing);
  // a preset's default events serve every version: those this kernel lacks are left out; an -e of them is an error
  tracing.configure(o.events ?? scenarioEvents(s).filter((x) => !tracing.lacks(x.event)));
  tracing.stacks = !!o.stacks;

  const catalog = loadCatalog();
  const systems = formats.systems();
  const version = o.format === 'dat-v6' ? 6 : 7;
  const writer = await DatWriter.create(
    o.output,
    {
      headerPage: catalog.headerPage,
      headerEvent: catalog.headerEvent,
      ftraceFormats: systems.find((x) => x.system === 'ftrace')?.texts ?? [],
      systems: systems.filter((x) => x.system !== 'ftrace'),
      kallsyms: sym.kallsyms,
      printk: sym.printk,
      cmdlines: '',
      cpus: s.cpus,
      clock: 'local',
      uname: kernel.uname,
      version: '3.1.6',
      provenance: provenanceText({
        tracelab: tracelabVersion(),
        scenario: o.origin?.scenario ?? s.name,
        sets: o.origin?.sets ?? [],
        seed,
        durationNs,
        events: o.events ?? [],
        stacks: !!o.stacks,
        format: o.format ?? 'dat',
        scenarioJson: s,
      }),
    },
    { version, compression: version === 7 ? 'zstd' : 'none', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: BigInt(Math.round(s.uptime)) * 1_000_000_000n, compressInWorker: true },
  );
  tracing.attach(writer.cpuBuilders());

  const ipis = new Ipis(m);
  const sources = new Sources(m, ipis);
  const hk = new Housekeeping(m, ipis);
  const iso = new IsolatedLoad(m);
  const rcu = new Rcu(m);
  const timers = new Timers(m);
  const rcuidle = new RcuIdle(m);
  hk.start();
  iso.start();
  sources.start();
  timers.start();
  rcuidle.start();
  rcu.start();
  probes.start(sources, rcu, ipis);

  const q = m.q;
  let n = 0;
  while (q.size && q.peekTime() < durationNs) {
    m.now = q.peekTime();
    q.pop()!();
    if ((++n & 0xffff) === 0 && o.progress) o.progress(m.now, durationNs, tracing.committed);
  }
  iso.finish();
  tracing.flushStacks(Infinity);
  o.progress?.(durationNs, durationNs, tracing.committed);

  writer.setCmdlines(m.tasks.map((t) => `${t.pid} ${t.comm}\n`).join(''));
  await writer.close();

  const isolated: IsolatedSummary = { cpus: m.iso.length, kernelEntries: 0, ipisReceived: 0, deferred: 0, deferredRuns: 0, deferralCostNs: 0, sentInKernel: 0, kernelNs: 0, killed: 0 };
  for (const c of m.iso) {
    const st = m.cpus[c].stats;
    isolated.kernelEntries += st.kernelEntries;
    isolated.ipisReceived += st.ipisReceived;
    isolated.deferred += st.deferred;
    isolated.deferredRuns += st.deferredRuns;
    isolated.deferralCostNs += st.deferralCostNs;
    isolated.sentInKernel += st.sentInKernel;
    isolated.kernelNs += st.kernelNs;
    if (st.killed) isolated.killed++;
  }
  return {
    scenario: s.name,
    seed,
    durationNs,
    cpus: s.cpus,
    events: tracing.committed,
    counts: tracing.counts(),
    isolated,
    probes: probes.probes.length ? probes.timeline : null,
    benchMessages: s.bench.hackbench_cpus ? rcuidle.messages : null,
    output: o.output,
  };
}

/** A temporary path for a recording that is printed rather than kept. */
export function tempDatPath(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-')), 'trace.dat');
}

/**
 * Records and hands back the trace itself, for a notebook or a test that has
 * no use for the file: the trace.dat is written to a scratch folder, read
 * into memory and the folder removed before this returns.
 */
export async function recordTrace(o: Omit<RecordOptions, 'output'>): Promise<{ summary: RecordSummary; trace: DatTrace }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-record-'));
  try {
    const file = path.join(dir, `${o.scenario.name || 'trace'}.dat`);
    const summary = await record({ ...o, output: file });
    const bytes = fs.readFileSync(file);
    const trace = await openDat(path.basename(file), { bytes });
    return { summary, trace };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
