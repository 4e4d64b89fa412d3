/**
 * The speed table of issue 17: per trace, `report` (default, -l, -t) and the
 * seed's counting pipeline timed side by side with trace-cmd as whole
 * processes, start-up included: the tools alternated run by run (which goes
 * first swaps each round, so neither always meets a warm cache), the median
 * of N runs kept, peak RSS from GNU time, outputs compared byte for byte.
 * Printed as the Markdown table the README's speed section is.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDat } from '../../src/io/dat/reader.ts';
import { storedReport } from '../helpers.ts';

export interface BenchFile {
  label: string;
  path: string;
  /** Other paths holding the same bytes (listed once). */
  also: string[];
  /** Timed in the default mode only (a multi-GB file). */
  big?: boolean;
  /** The recording's isolated CPUs, when it is known (an emulated trace's scenario says). */
  isolated?: string;
}

/** Every .dat under the folders, one entry per distinct content, in path order. */
export function traceFiles(dirs: { dir: string; shownAs: string }[]): BenchFile[] {
  const byHash = new Map<string, BenchFile>();
  for (const { dir, shownAs } of dirs) {
    if (!fs.existsSync(dir)) continue;
    const found = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.dat')).sort();
    for (const rel of found) {
      const p = path.join(dir, rel);
      const h = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      const label = `${shownAs}/${rel}`;
      const had = byHash.get(h);
      if (had) had.also.push(label);
      else byHash.set(h, { label, path: p, also: [] });
    }
  }
  return [...byHash.values()];
}

export interface Run {
  seconds: number;
  rssMb: number;
  hash: string;
  ok: boolean;
  err: string;
}

const TIME = '/usr/bin/time';

/** A file's sha256, read in pieces: the 1.5 GB trace's report is 5 GB, past what one Buffer holds. */
function hashFile(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.allocUnsafe(8 << 20);
    for (let n = fs.readSync(fd, b, 0, b.length, null); n > 0; n = fs.readSync(fd, b, 0, b.length, null)) h.update(b.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** One whole-process run, stdout to a file (hashed), peak RSS from GNU time when it is there. */
export function runOnce(cmd: string, args: string[], out: string): Run {
  const withTime = fs.existsSync(TIME);
  const fd = fs.openSync(out, 'w');
  const t0 = process.hrtime.bigint();
  const r = withTime
    ? spawnSync(TIME, ['-f', '%M', cmd, ...args], { stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(fd);
  const err = r.stderr?.toString() ?? '';
  const lines = err.trimEnd().split('\n');
  const rssMb = withTime ? Number(lines[lines.length - 1]) / 1024 : NaN;
  const hash = hashFile(out);
  // GNU time adds "Command exited with non-zero status N" before its figure
  const said = (withTime ? lines.slice(0, -1) : lines).filter((l) => !/^Command (exited with non-zero status|terminated by signal)/.test(l));
  return { seconds, rssMb, hash, ok: !r.error && r.status === 0, err: said.join('\n').trim() };
}

interface Measured {
  seconds: number;
  rssMb: number;
  /** The output most runs gave. */
  hash: string;
  /** Runs whose output was another (trace-cmd 3.1.6 prints some files' time stamps raw now and then). */
  varied: number;
  /** The last run's stdout, kept by the caller's name for it. */
  out: string;
  failed: string | null;
}

/**
 * Runs each command `runs` times, alternated (the order reverses every other
 * round), and keeps the median wall time, the largest peak RSS, the output
 * most runs gave and how many runs gave another.
 */
function alternate(cmds: { cmd: string; args: string[]; out: string }[], runs: number): Measured[] {
  const all: Run[][] = cmds.map(() => []);
  for (let k = 0; k < runs; k++) {
    const order = cmds.map((_, i) => i);
    if (k & 1) order.reverse();
    for (const i of order) all[i].push(runOnce(cmds[i].cmd, cmds[i].args, cmds[i].out));
  }
  return all.map((rs, i) => {
    const bad = rs.find((r) => !r.ok);
    const secs = rs.map((r) => r.seconds).sort((a, b) => a - b);
    const outputs = new Map<string, number>();
    for (const r of rs) outputs.set(r.hash, (outputs.get(r.hash) ?? 0) + 1);
    const [hash, n] = [...outputs].sort((x, y) => y[1] - x[1])[0];
    return {
      seconds: secs[(secs.length - 1) >> 1],
      rssMb: Math.max(...rs.map((r) => r.rssMb)),
      hash,
      varied: rs.length - n,
      out: cmds[i].out,
      failed: bad ? bad.err.split('\n').filter(Boolean).pop() ?? 'failed' : null,
    };
  });
}

const secs = (m: Measured) => `${m.seconds.toFixed(2)} s`;
/** trace-cmd's time over tracelab's, said the way round a reader wants it. */
function ratio(theirs: Measured | null, ours: Measured): string {
  if (!theirs || theirs.failed || ours.failed) return '-';
  const r = theirs.seconds / ours.seconds;
  return r >= 1 ? `${r.toFixed(2)}× faster` : `${(1 / r).toFixed(2)}× slower`;
}
const mb = (m: Measured | null) => (m && !m.failed && Number.isFinite(m.rssMb) ? m.rssMb.toFixed(0) : '-');

/** The seed's count (004): `trace-cmd report | grep callback | awk '{ print $NF }' | sort | uniq -c`. */
const PIPELINE = `trace-cmd report -i "$1" | grep callback | awk '{ print $NF }' | sort | uniq -c`;

/** The pipeline's counts against `hist --csv`'s, keyed as the pipeline prints them (callback=KEY). */
function sameCounts(pipeline: string, histCsv: string): boolean {
  const a = new Map<string, number>();
  for (const l of pipeline.split('\n')) {
    const m = /^\s*(\d+) callback=(.*)$/.exec(l);
    if (m) a.set(m[2], Number(m[1]));
  }
  const b = new Map<string, number>();
  const rows = histCsv.trim().split('\n');
  const head = rows.shift()?.split(',') ?? [];
  const k = head.indexOf('callback');
  const n = head.indexOf('count');
  for (const r of rows) {
    const cells = r.split(',');
    if (cells[k] !== 'total') b.set(cells[k], Number(cells[n]));
  }
  return a.size === b.size && [...a].every(([key, v]) => b.get(key) === v);
}

/** The trace's events and CPUs. */
async function census(file: string): Promise<{ events: number; cpus: number }> {
  const t = await openDat(file);
  let events = 0;
  for (const b of t.batches({ reuse: true })) events += b.length;
  t.close();
  return { events, cpus: t.cpus };
}

/** interference needs isolated CPUs: the recording's own when known, else every CPU but 0 (a 1-CPU trace: CPU 0). */
function isolatedOf(f: BenchFile, cpus: number): string {
  if (f.isolated) return f.isolated;
  if (/vm-6\.18|real-ipi/.test(f.label)) return '1';
  return cpus > 1 ? `1-${cpus - 1}` : '0';
}

/**
 * Times and prints the two tables. `cli` is tracelab's bundled entry, run as
 * the executable users run (its shebang starts Node with its flags); `tc`
 * whether trace-cmd is installed. Returns false when an output differed.
 */
export async function benchTable(files: BenchFile[], o: { cli: string; tmp: string; runs: number; tc: boolean }): Promise<boolean> {
  const node = process.execPath;
  const out = (n: string) => path.join(o.tmp, n);
  const report: string[] = [];
  const analyses: string[] = [];
  let allSame = true;
  for (const f of files) {
    const { events, cpus } = await census(f.path);
    const modes = f.big ? [''] : ['', '-l', '-t'];
    const cmds = modes.flatMap((m, i) => [
      ...(o.tc ? [{ cmd: 'trace-cmd', args: ['report', ...(m ? [m] : []), '-i', f.path], out: out(`tc${i}.txt`) }] : []),
      { cmd: o.cli, args: ['report', ...(m ? [m] : []), f.path], out: out(`tl${i}.txt`) },
    ]);
    const ms = alternate(cmds, o.runs);
    const per = o.tc ? 2 : 1;
    const pick = (i: number) => ({ theirs: o.tc ? ms[i * per] : null, ours: ms[i * per + per - 1] });
    const same: string[] = [];
    for (let i = 0; i < modes.length; i++) {
      const { theirs, ours } = pick(i);
      const name = modes[i] || 'default';
      if (ours.failed) same.push(`${name}: tracelab failed (${ours.failed})`);
      else if (ours.varied) same.push(`${name}: tracelab's output DIFFERS from run to run (${ours.varied} of ${o.runs})`);
      else if (theirs && !theirs.failed) {
        // trace-cmd's other output in a run or two is its own (the same bytes give it; see test/golden)
        const note = theirs.varied ? ` (trace-cmd's own output was another in ${theirs.varied} of ${o.runs} runs)` : '';
        same.push(theirs.hash === ours.hash ? (note ? `${name}: yes${note}` : '') : `${name} DIFFERS`);
      }
      else {
        // trace-cmd 3.1.6's output stored beside the trace (upstream's, for a file Debian's cannot read)
        const stored = storedReport(f.path, modes[i]);
        const h = stored !== null && createHash('sha256').update(Buffer.from(stored, 'latin1')).digest('hex');
        same.push(h ? (h === ours.hash ? `${name}: = upstream's stored` : `${name} DIFFERS from upstream's stored`) : `${name}: no oracle`);
      }
    }
    if (same.some((s) => s.includes('DIFFERS') || s.includes('failed'))) allSame = false;
    const d = pick(0);
    const theirsNote = d.theirs?.failed ? `cannot read it` : null;
    const said = same.filter(Boolean);
    report.push(
      `| \`${f.label}\`${f.also.length ? ` (= ${f.also.map((a) => `\`${a}\``).join(', ')})` : ''} | ${events.toLocaleString('en-US')} | ${d.theirs ? (theirsNote ?? secs(d.theirs)) : '-'} | ${secs(d.ours)} | ${ratio(d.theirs, d.ours)} | ${ratio(pick(1).theirs, pick(1).ours)} | ${ratio(pick(2).theirs, pick(2).ours)} | ${mb(d.theirs)} / ${mb(d.ours)} | ${said.length ? said.join('; ') : 'yes'} |`,
    );

    // the seed's pipeline against hist (same counts required) and interference
    const a = alternate(
      [
        ...(o.tc ? [{ cmd: 'sh', args: ['-c', PIPELINE, 'sh', f.path], out: out('pipe.txt') }] : []),
        { cmd: o.cli, args: ['hist', f.path, '--by', 'callback', '--csv'], out: out('hist.csv') },
        { cmd: o.cli, args: ['interference', f.path, '--isolated', isolatedOf(f, cpus)], out: out('interference.txt') },
      ],
      o.runs,
    );
    const pipe = o.tc ? a[0] : null;
    const [hist, inter] = a.slice(o.tc ? 1 : 0);
    const hasCallback = !hist.failed?.includes('field "callback"');
    const tcReads = !!pipe && !d.theirs?.failed;
    const counts = !hasCallback ? 'no callback field' : hist.failed ? `hist failed: ${hist.failed}` : !tcReads ? '-' : sameCounts(fs.readFileSync(pipe!.out, 'latin1'), fs.readFileSync(hist.out, 'latin1')) ? 'yes' : 'DIFFER';
    if (counts === 'DIFFER' || hist.failed && hasCallback || inter.failed) allSame = false;
    analyses.push(
      `| \`${f.label}\` | ${pipe ? (tcReads ? secs(pipe) : 'cannot read it') : '-'} | ${hasCallback ? secs(hist) : '-'} | ${hasCallback && tcReads ? ratio(pipe, hist) : '-'} | ${counts} | ${inter.failed ? `failed: ${inter.failed}` : secs(inter)} | ${inter.failed || !tcReads ? '-' : ratio(pipe, inter)} | ${tcReads ? mb(pipe) : '-'} / ${hasCallback ? mb(hist) : '-'} / ${mb(inter)} |`,
    );
    process.stderr.write(`  ${f.label}: done\n`);
  }
  // start-up: Node alone, --help, and report of the trace with the fewest events (goal: within 0.1 s of Node)
  const smallest = files.filter((f) => !f.big).map((f) => ({ f, n: fs.statSync(f.path).size })).sort((x, y) => x.n - y.n)[0]?.f;
  const up = alternate(
    [
      { cmd: node, args: ['-e', '0'], out: out('node.txt') },
      { cmd: o.cli, args: ['--help'], out: out('help.txt') },
      ...(smallest ? [{ cmd: o.cli, args: ['report', smallest.path], out: out('small.txt') }] : []),
    ],
    o.runs,
  );
  console.log(`\nStart-up (median of ${o.runs}, alternated): \`node -e 0\` ${secs(up[0])}, \`tracelab --help\` ${secs(up[1])} (+${(up[1].seconds - up[0].seconds).toFixed(2)} s)${smallest ? `, \`tracelab report\` of \`${smallest.label}\` ${secs(up[2])} (+${(up[2].seconds - up[0].seconds).toFixed(2)} s)` : ''}; goal: within 0.1 s of Node`);
  console.log(`\n\`report\`: trace-cmd 3.1.6 and tracelab alternated, median of ${o.runs} runs, whole process; ratio = trace-cmd's time / tracelab's\n`);
  console.log('| trace | events | trace-cmd report | tracelab report | ratio | `-l` ratio | `-t` ratio | peak RSS MB trace-cmd / tracelab | identical |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const l of report) console.log(l);
  console.log(`\nThe seed's count, \`trace-cmd report | grep callback | awk '{ print $NF }' | sort | uniq -c\`, against \`tracelab hist --by callback\` and \`tracelab interference\` (median of ${o.runs}, alternated)\n`);
  console.log('| trace | pipeline | hist | ratio | same counts | interference (`--isolated`: the recording\'s, else all CPUs but 0) | ratio | peak RSS MB pipeline / hist / interference |');
  console.log('|---|---:|---:|---:|---|---:|---:|---:|');
  for (const l of analyses) console.log(l);
  return allSame;
}
