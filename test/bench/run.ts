/**
 * `npm run bench`: tracelab against trace-cmd on the same inputs, side by side.
 * First the speed table (table.ts): every real trace.dat in ../shared/data and
 * samples/ and a 2 M-event file made by repeating samples/real-ipi.dat, each
 * `report` (default, -l, -t) and the seed's counting pipeline against hist and
 * interference, whole processes alternated, medians of N runs, peak RSS, outputs
 * compared. Then, on the 2 M-event file, the parts no trace-cmd command matches
 * (filters, event tables, SQL, text read-back, the viewer, the emulator).
 *
 *   npm run bench                 # all of it
 *   npm run bench -- --table      # the table only
 *   npm run bench -- FILE.dat     # these files instead of the real traces
 *   npm run bench -- --runs 7     # median of 7 (default 5)
 *   npm run bench -- --big        # also a 1.5 GB emulated trace in the table (default mode only)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDat } from '../../src/io/dat/reader.ts';
import { openTrace } from '../../src/io/open.ts';
import { compileKernelFilter, type FilterRecord } from '../../src/filter/kernel-filter.ts';
import { traceFilterContext } from '../../src/filter/trace-filter.ts';
import { replicateDat } from '../../src/io/dat/replicate.ts';
import { DatWriter } from '../../src/io/dat/writer.ts';
import { record } from '../../src/emulator/record.ts';
import { preset } from '../../src/emulator/scenario.ts';
import { eventArrow } from '../../src/analysis/table.ts';
import { writeOracleTrace } from '../printfmt/oracle-trace.ts';
import { writePluginFamiliesTrace } from '../printfmt/plugin-families-trace.ts';
import { CHROMIUM, hasTraceCmd } from '../oracles.ts';
import { canon } from '../analysis/profile-canon.ts';
import { benchTable, runOnce, traceFiles, type BenchFile } from './table.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
/** The bin, run as users run it: through its shebang, which gives Node its flags (cli/tracelab.ts). */
const cli = path.join(root, 'dist/bundle/tracelab.js');

interface Timing {
  seconds: number;
  hash: string;
  bytes: number;
  /** Peak RSS of the best run, MB (NaN without GNU time). */
  rssMb: number;
}

/** The best wall time of `runs` runs (table.ts's runOnce), the output's hash and size; a failed run throws. */
function timeCommand(cmd: string, args: string[], runs: number, outFile: string): Timing {
  let best = Infinity;
  let hash = '';
  let rssMb = NaN;
  for (let i = 0; i < runs; i++) {
    const r = runOnce(cmd, args, outFile);
    if (!r.ok) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.err.slice(0, 300)}`);
    if (r.seconds < best) rssMb = r.rssMb;
    best = Math.min(best, r.seconds);
    hash = r.hash;
  }
  return { seconds: best, hash, bytes: fs.statSync(outFile).size, rssMb };
}

const fmtRate = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${(n / 1e3).toFixed(0)} k/s`);

/** Reading a trace with and without evaluating kernel filters on every event they apply to. */
async function benchFilters(file: string): Promise<void> {
  const t = await openDat(file);
  const timeRead = (fn: ((r: FilterRecord, type: number) => void) | null) => {
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      const r: FilterRecord = { data: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), off: 0, size: 0, cpu: 0, pid: 0 };
      for (const b of t.batches({ reuse: true })) {
        if (!fn) continue;
        r.data = b.data;
        r.dv = b.dv;
        for (let i = 0; i < b.length; i++) {
          r.off = b.off[i];
          r.size = b.size[i];
          r.cpu = b.cpu[i];
          r.pid = b.pid[i];
          fn(r, b.type[i]);
        }
      }
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return best;
  };
  const decodeOnly = timeRead(null);
  // a consumer of events loops over them; that loop is part of reading
  let seen = 0;
  const base = timeRead(() => {
    seen++;
  });
  console.log('\nfilters: reading with a filter on every event of its type vs reading alone (%s s; decode without touching events: %s s)', base.toFixed(2), decodeOnly.toFixed(2));
  const filters: [string, string][] = [
    ['ipi_send_cpu', 'cpu & CPUS{1} && CPU & CPUS{0}'],
    ['sched_switch', 'prev_comm ~ "py*" || next_pid == 0'],
    ['csd_queue_cpu', 'func.function == sched_ttwu_pending'],
    ['rcu_utilization', 's == "Start context switch"'],
  ];
  // all four at once: each applies to its own event type
  // dense: reading past the end of a JS array is slow
  const compiled: (((r: FilterRecord) => boolean) | undefined)[] = new Array(65536).fill(undefined);
  for (const [ev, expr] of filters) {
    const f = t.formats.find(ev)[0];
    if (f) compiled[f.id] = compileKernelFilter(expr, traceFilterContext(t, f)).test;
  }
  let kept = 0;
  const withFilters = timeRead((r, type) => {
    const f = compiled[type];
    if (f === undefined || f(r)) kept++;
  });
  console.log(`  ${filters.map((f) => `${f[0]}: ${f[1]}`).join('; ')}`);
  console.log(`  ${withFilters.toFixed(2)} s: ${(((withFilters - base) / base) * 100).toFixed(0)}% over reading (goal: <= 20%)`);
  t.close();
}

/**
 * The emulator: the seed-004 20-minute run (goal < 10 s wall), a run with every
 * event on (events/s of the whole emulation), and the write path alone
 * (encoded records through the page builder, zstd and the file).
 */
async function benchEmulator(tmp: string, tc: boolean): Promise<void> {
  console.log('\nemulator (tracelab record)');
  for (const sets of [[], ['--set', 'kernel.defer_ipis=on']]) {
    const out = path.join(tmp, 'seed004.dat');
    const t = timeCommand(cli, ['record', '--scenario', 'isolation-ipi', ...sets, '-o', out, '-q'], 1, path.join(tmp, 'rec.txt'));
    const tr = await openDat(out);
    let events = 0;
    for (const b of tr.batches({ reuse: true })) events += b.length;
    tr.close();
    console.log(`  isolation-ipi, 20 emulated minutes, 80 CPUs${sets.length ? ', deferral on ' : ', deferral off'}: ${t.seconds.toFixed(2)} s wall (goal < 10 s), ${events} events`);
  }
  const all = path.join(tmp, 'all.dat');
  // best of three: the figure is the emulator's, not a neighbour's
  let dt = Infinity;
  let sum: Awaited<ReturnType<typeof record>> | null = null;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    sum = await record({ scenario: preset('isolation-ipi'), durationNs: 60e9, events: [{ event: 'all', filters: [] }], output: all });
    dt = Math.min(dt, (performance.now() - t0) / 1000);
  }
  console.log(`  isolation-ipi, 60 s, every event: ${sum!.events} events in ${dt.toFixed(2)} s = ${fmtRate(sum!.events / dt)} (whole emulation: simulation + encoding + writing; goal >= 5 M/s)`);
  if (tc) {
    const r = timeCommand('trace-cmd', ['report', all], 1, path.join(tmp, 'tc.txt'));
    console.log(`  trace-cmd report of that file: ${r.seconds.toFixed(2)} s (${fmtRate(sum!.events / r.seconds)}); recording is ${(r.seconds / dt).toFixed(1)}x as fast as trace-cmd reads it`);
  }
  {
    const t0 = performance.now();
    const s2 = await record({ scenario: preset('isolation-ipi-syscalls'), durationNs: 1e9, events: [{ event: 'all', filters: [] }], output: path.join(tmp, 'sys.dat') });
    const t = (performance.now() - t0) / 1000;
    console.log(`  isolation-ipi-syscalls, 1 s, every event: ${s2.events} events in ${t.toFixed(2)} s = ${fmtRate(s2.events / t)}`);
  }
  // the write path alone: the same records, already encoded (in one buffer, as the
  // emulator's reused encoder hands them over), in emitted order, through the
  // page builder, zstd and the file
  const src = await openDat(all);
  const n0 = sum!.events;
  let n = 0;
  let bytes = 0;
  for (const b of src.batches({ reuse: true })) for (let i = 0; i < b.length; i++, n++) bytes += b.size[i];
  const data = new Uint8Array(bytes);
  const off = new Int32Array(n);
  const size = new Int32Array(n);
  const cpu = new Int32Array(n);
  const ts = new Float64Array(n);
  let k = 0;
  let p = 0;
  for (const b of src.batches({ reuse: true })) {
    for (let i = 0; i < b.length; i++, k++) {
      data.set(b.data.subarray(b.off[i], b.off[i] + b.size[i]), p);
      [off[k], size[k], cpu[k], ts[k]] = [p, b.size[i], b.cpu[i], b.ts[i]];
      p += b.size[i];
    }
  }
  if (n !== n0) throw new Error(`read back ${n} events of ${n0}`);
  for (const [compression, compressInWorker] of [['zstd', true], ['zstd', false], ['none', false]] as const) {
    const w0 = performance.now();
    const w = await DatWriter.create(path.join(tmp, 'w.dat'), { headerPage: src.headerPage, headerEvent: src.headerEvent, ftraceFormats: [], systems: [], kallsyms: '', printk: '', cmdlines: '', cpus: src.cpus, clock: 'local' }, { version: 7, compression, bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 0n, compressInWorker });
    for (let i = 0; i < n; i++) w.add(cpu[i], ts[i], data, off[i], size[i]);
    await w.close();
    const wt = (performance.now() - w0) / 1000;
    const how = compression === 'zstd' ? `zstd level 1 ${compressInWorker ? 'on a worker thread' : 'in the same thread'}` : 'no compression';
    console.log(`  write path alone (page builder + ${how} + file): ${n} events in ${wt.toFixed(2)} s = ${fmtRate(n / wt)}`);
  }
  src.close();
}

/**
 * The plugin handlers' per-event cost (issue 15): report of traces made of the
 * events libtraceevent's plugins print (hrtimer, kmem, tlb, jbd2, futex, kvm,
 * scsi, cfg80211, mac80211, function, kernel_stack, bprint), side by side with
 * trace-cmd, outputs required identical. The small oracle traces are repeated
 * to ~0.5 M events so the per-event cost, not start-up, is what is timed.
 */
async function benchPlugins(tmp: string, tc: boolean, runs: number): Promise<void> {
  console.log('\nplugin handlers: report of plugin-family events, best of %d runs', runs);
  const inputs: [string, string][] = [];
  const emu = path.join(tmp, 'plugins-emu.dat');
  // the emulated kernel with every event: hrtimer, irq, softirq, IPIs, csd, RCU, stacks
  await record({ scenario: preset('isolation-ipi'), durationNs: 10e9, events: [{ event: 'all', filters: [] }], output: emu });
  inputs.push(['emulated, every event', emu]);
  for (const [label, write] of [['kmem/tlb/jbd2/futex/kvm/ftrace', writeOracleTrace], ['scsi/cfg80211/mac80211/kvm_mmu', writePluginFamiliesTrace]] as const) {
    const one = path.join(tmp, 'plugins-one.dat');
    await write(one);
    const src = await openDat(one);
    let n = 0;
    for (const b of src.batches({ reuse: true })) n += b.length;
    const rounds = Math.max(1, Math.ceil(500_000 / n));
    const out = path.join(tmp, `plugins-${inputs.length}.dat`);
    await replicateDat(src, out, rounds, { version: 7, compression: 'zstd' });
    src.close();
    fs.rmSync(one);
    inputs.push([`${label} x${rounds}`, out]);
  }
  for (const [label, file] of inputs) {
    const t = await openDat(file);
    let events = 0;
    for (const b of t.batches({ reuse: true })) events += b.length;
    t.close();
    const ours = timeCommand(cli, ['report', file], runs, path.join(tmp, 'ours.txt'));
    const theirs = tc ? timeCommand('trace-cmd', ['report', file], runs, path.join(tmp, 'theirs.txt')) : null;
    const same = theirs ? (theirs.hash === ours.hash ? 'identical' : 'DIFFERENT') : '-';
    console.log(
      label.padEnd(40),
      String(events).padStart(9),
      (theirs ? `${theirs.seconds.toFixed(2)} s ${fmtRate(events / theirs.seconds)}` : '-').padStart(20),
      `${ours.seconds.toFixed(2)} s ${fmtRate(events / ours.seconds)}`.padStart(20),
      (theirs ? `${(theirs.seconds / ours.seconds).toFixed(2)}x` : '-').padStart(7),
      ` ${same}`,
    );
    if (theirs && theirs.hash !== ours.hash) process.exitCode = 1;
  }
}

/**
 * Analysis: building an event table (goal >= 20 M events/s (issue 17), <= 40 bytes per event
 * for the base columns), and the exports made from it. hist and interference, whole
 * processes with peak RSS, are in the table (table.ts).
 */
async function benchAnalysis(file: string, events: number, tmp: string): Promise<void> {
  const t = await openDat(file);
  let best = Infinity;
  let rows = 0;
  let bytes = 0;
  for (let k = 0; k < 2; k++) {
    const t0 = performance.now();
    const a = eventArrow(t);
    best = Math.min(best, (performance.now() - t0) / 1000);
    rows = a.numRows;
    bytes = 0;
    for (const f of a.schema.fields) for (const d of a.getChild(f.name)!.data) bytes += d.byteLength;
  }
  t.close();
  console.log(`\nanalysis on ${path.basename(file)} (${(fs.statSync(file).size / 1e6).toFixed(0)} MB)`);
  console.log(`  event table: ${rows} rows in ${best.toFixed(2)} s = ${fmtRate(rows / best)} (goal >= 20 M/s), ${(bytes / rows).toFixed(1)} bytes/event (goal <= 40)`);
  // the exports as users run them (whole process, to standard output); trace-cmd has none
  for (const to of ['csv', 'ndjson', 'parquet']) {
    const out = path.join(tmp, `export.${to}`);
    const r = timeCommand(cli, ['convert', file, '--to', to, '-o', '-'], 1, out);
    console.log(`  convert --to ${to} (whole process): ${r.seconds.toFixed(2)} s = ${fmtRate(events / r.seconds)}, ${(r.bytes / 1e6).toFixed(0)} MB written, peak RSS ${r.rssMb.toFixed(0)} MB`);
    fs.rmSync(out, { force: true });
  }
}

/**
 * The seed's question as SQL (`tracelab sql`, DuckDB) against the pipeline a
 * reviewer runs today (`trace-cmd report | awk`), same counts required; and a
 * query over the ipis table (the causality join, an analysis pass).
 */
function benchSql(file: string, events: number, tmp: string, tc: boolean): void {
  const query = 'SELECT func, count(*) AS n FROM csd_queue_cpu GROUP BY func ORDER BY func';
  let ours: ReturnType<typeof timeCommand>;
  try {
    ours = timeCommand(cli, ['sql', file, query, '--csv'], 3, path.join(tmp, 'sql.csv'));
  } catch (e) {
    // a trace without csd_queue_cpu (no such table): nothing to compare
    console.log(`\nsql: ${query}\n  n/a (${(e as Error).message.split('\n')[0].slice(0, 160)})`);
    return;
  }
  const counts = (text: string) => text.trim().split('\n').filter((l) => l && l !== 'func,n').map((l) => l.replace(/[ ,]/, ' ')).sort().join('; ');
  const got = counts(fs.readFileSync(path.join(tmp, 'sql.csv'), 'utf8'));
  console.log(`
sql: ${query}`);
  console.log(`  tracelab sql: ${ours.seconds.toFixed(2)} s (${fmtRate(events / ours.seconds)}) -> ${got}`);
  if (tc) {
    const awk = `trace-cmd report ${JSON.stringify(file)} | awk '/ csd_queue_cpu: / { for (i = 5; i <= NF; i++) if (substr($i, 1, 5) == "func=") n[substr($i, 6)]++ } END { for (k in n) print k "," n[k] }'`;
    const theirs = timeCommand('bash', ['-o', 'pipefail', '-c', awk], 3, path.join(tmp, 'awk.csv'));
    const want = counts(fs.readFileSync(path.join(tmp, 'awk.csv'), 'utf8'));
    console.log(`  trace-cmd report | awk: ${theirs.seconds.toFixed(2)} s -> ${want}`);
    console.log(`  ratio ${(theirs.seconds / ours.seconds).toFixed(2)}x; ${got === want ? 'same counts' : 'DIFFERENT COUNTS'}`);
    if (got !== want) process.exitCode = 1;
  }
  const ipis = timeCommand(cli, ['sql', file, 'SELECT function, count(*), median(latency_ns) FROM ipis GROUP BY ALL', '--csv'], 1, path.join(tmp, 'ipis.csv'));
  console.log(`  ipis (the causality join over every IPI): ${ipis.seconds.toFixed(2)} s (${fmtRate(events / ipis.seconds)})`);
}

/**
 * `tracelab view` on the file in headless Chromium (when installed): the
 * page's size and load time, and how long a frame takes to answer the wheel,
 * zooming in six steps from the whole trace and out again (goal: < 50 ms).
 */
async function benchViewer(file: string, tmp: string): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    console.log('\nviewer: skipped (needs chromium)');
    return;
  }
  const page = path.join(tmp, 'view.html');
  const t0 = performance.now();
  execFileSync(cli, ['view', file, '-o', page], { stdio: 'ignore', maxBuffer: 1 << 20 });
  const made = (performance.now() - t0) / 1000;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const t1 = performance.now();
    await tab.goto('file://' + page, { timeout: 300000 });
    const load = (performance.now() - t1) / 1000;
    // run in the page (this file is built without the DOM's types: the script is given as text)
    const frames = (await tab.evaluate(`(() => {
      const cv = document.querySelector('canvas');
      const out = [];
      for (let k = 0; k < 12; k++) {
        const t = performance.now();
        cv.dispatchEvent(new WheelEvent('wheel', { deltaY: k < 6 ? -200 : 200, clientX: 600, clientY: 50, bubbles: true, cancelable: true }));
        out.push(performance.now() - t);
      }
      return out;
    })()`)) as number[];
    const sorted = [...frames].sort((a, b) => a - b);
    console.log(`\nviewer: ${path.basename(file)} as one page of ${(fs.statSync(page).size / 1e6).toFixed(0)} MB made in ${made.toFixed(1)} s, loaded by Chromium in ${load.toFixed(1)} s`);
    console.log(`  a frame answering the wheel (6 zoom steps in from the whole trace, 6 out): median ${sorted[6].toFixed(0)} ms, max ${sorted[11].toFixed(0)} ms (goal < 50 ms)`);
  } finally {
    await browser.close();
  }
}

/**
 * `report --profile` against trace-cmd's: the same profile (up to the orders
 * trace-cmd leaves to chance, see test/analysis/profile-canon.ts) and the time.
 */
function benchProfile(file: string, events: number, tmp: string, tc: boolean, runs: number): void {
  const ours = timeCommand(cli, ['report', '--profile', file], runs, path.join(tmp, 'profile-ours.txt'));
  let line = `\nreport --profile: tracelab ${ours.seconds.toFixed(2)} s (${fmtRate(events / ours.seconds)})`;
  if (tc) {
    const theirs = timeCommand('trace-cmd', ['report', '--profile', file], runs, path.join(tmp, 'profile-theirs.txt'));
    const same = canon(fs.readFileSync(path.join(tmp, 'profile-ours.txt'), 'latin1')) === canon(fs.readFileSync(path.join(tmp, 'profile-theirs.txt'), 'latin1'));
    line += `, trace-cmd ${theirs.seconds.toFixed(2)} s: ratio ${(theirs.seconds / ours.seconds).toFixed(2)}x, ${same ? 'same profile' : 'DIFFERENT PROFILE'}`;
    if (!same) process.exitCode = 1;
  }
  console.log(line);
}

/** Reading report text back into a trace (goal: >= 150 MB/s). */
async function benchTextRead(file: string, events: number): Promise<void> {
  const size = fs.statSync(file).size;
  let best = Infinity;
  let n = 0;
  for (let k = 0; k < 2; k++) {
    const t0 = performance.now();
    const t = await openTrace(file);
    best = Math.min(best, (performance.now() - t0) / 1000);
    n = 0;
    for (const b of t.batches()) n += b.length;
  }
  console.log(`\nreading report text back: ${(size / 1e6).toFixed(0)} MB, ${n} events (of ${events}) in ${best.toFixed(2)} s = ${(size / 1e6 / best).toFixed(0)} MB/s (goal >= 150 MB/s)`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
  const files = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--runs');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-bench-'));
  try {
    if (!fs.existsSync(cli)) throw new Error(`${cli} missing: run npm run build first`);
    const tc = hasTraceCmd();
    if (!tc) console.log('trace-cmd is not installed: only tracelab is timed (apt-get install trace-cmd)');
    const table: BenchFile[] = files.map((f) => ({ label: f, path: f, also: [] }));
    if (!files.length) {
      // every real trace here, then the 2 M-event file made by repeating one
      table.push(...traceFiles([
        { dir: path.resolve(root, '../shared/data'), shownAs: '../shared/data' },
        { dir: path.join(root, 'samples'), shownAs: 'samples' },
      ]));
      const sample = path.join(root, 'samples/real-ipi.dat');
      const big = path.join(tmp, 'real-ipi-x60.dat');
      const src = await openDat(sample);
      const t0 = performance.now();
      const { events } = await replicateDat(src, big, 60, { version: 7, compression: 'zstd' });
      const dt = (performance.now() - t0) / 1000;
      src.close();
      console.log(`input: ${path.basename(sample)} repeated 60 times -> ${events} events, ${(fs.statSync(big).size / 1e6).toFixed(1)} MB (v7 zstd), written in ${dt.toFixed(2)} s (${fmtRate(events / dt)})`);
      table.push({ label: 'samples/real-ipi.dat x60', path: big, also: [] });
      files.push(big);
    }
    if (argv.includes('--big')) {
      // a multi-GB trace made by the emulator (v6, uncompressed: the size is on disk)
      const big = path.join(tmp, 'big.dat');
      const t0 = performance.now();
      const rec = await record({ scenario: preset('isolation-ipi'), durationNs: 900e9, events: [{ event: 'all', filters: [] }], output: big, format: 'dat-v6' });
      console.log(`big input: ${rec.events} events, ${(fs.statSync(big).size / 1e9).toFixed(2)} GB (emulated isolation-ipi, every event, 15 min, v6) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      // interference asks about the scenario's isolated CPUs (as a reviewer would): asked about its
      // busy housekeeping CPUs too, it spends most of its memory on their noise (237 MB against 176)
      table.push({ label: 'emulated isolation-ipi, every event, 15 min (v6)', path: big, also: [], big: true, isolated: preset('isolation-ipi').isolated });
    }
    console.log(`\n${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
    if (!(await benchTable(table, { cli, tmp, runs, tc }))) process.exitCode = 1;
    if (argv.includes('--table')) return;

    for (const file of files) {
      console.log(`\n${path.basename(file)}:`);
      const t = await openDat(file);
      let events = 0;
      const d0 = performance.now();
      for (const b of t.batches({ reuse: true })) events += b.length;
      const decode = (performance.now() - d0) / 1000;
      t.close();
      console.log(`  decode+merge only (no printing): ${decode.toFixed(2)} s ${fmtRate(events / decode)}`);
      const ours = timeCommand(cli, ['report', file], 1, path.join(tmp, 'ours.txt'));
      benchProfile(file, events, tmp, tc, 3);
      await benchFilters(file);
      await benchAnalysis(file, events, tmp);
      benchSql(file, events, tmp, tc);
      if (ours.bytes) await benchTextRead(path.join(tmp, 'ours.txt'), events);
      await benchViewer(file, tmp);
    }
    await benchPlugins(tmp, tc, 3);
    if (!argv.includes('--no-emulator')) await benchEmulator(tmp, tc);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
