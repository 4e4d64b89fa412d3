import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hist } from '../../src/analysis/arquero-reports.ts';
import { histColumns } from '../../src/analysis/hist-counts.ts';
import { Columns } from '../../src/analysis/columns.ts';
import { tableCsv } from '../../src/analysis/csv.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, SHARED, findFiles, hasTraceCmd, readText, storedReport, traceCmdReport } from '../helpers.ts';
import { run } from '../emulator/record-helpers.ts';

/** `grep callback | awk '{ print $NF }' | sort | uniq -c`, in plain string handling. */
function pipeline(report: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of report.split('\n')) {
    if (!line.includes('callback')) continue;
    const f = line.split(/[ \t]+/).filter((x) => x);
    const last = f[f.length - 1];
    out.set(last, (out.get(last) ?? 0) + 1);
  }
  return out;
}

function histMap(t: Awaited<ReturnType<typeof openTrace>>, by: string, o: Record<string, unknown> = {}): Map<string, number> {
  const h = hist(t, { by, ...o });
  const keys = h.table.array(by) as string[];
  const counts = h.table.array('count') as number[];
  return new Map(keys.map((k, i) => [k, counts[i]]));
}

const traces = [path.join(ROOT, 'samples/real-ipi.dat'), ...findFiles(SHARED, /\.dat$/)];

describe('hist on real traces equals the shell pipeline over trace-cmd report', () => {
  for (const file of traces) {
    const name = path.relative(path.dirname(ROOT), file);
    it(name, async () => {
      const t = await openTrace(file);
      const report = storedReport(file);
      expect(report).not.toBeNull();
      const want = new Map([...pipeline(report!)].filter(([k]) => k.startsWith('callback=')));
      if (want.size) {
        const got = new Map([...histMap(t, 'callback')].map(([k, v]) => [`callback=${k}`, v]));
        expect(got).toEqual(want);
      } else expect(() => histMap(t, 'callback')).toThrow(/no events with a field "callback"/);
      // --by event: the name column of the report
      const events = new Map<string, number>();
      for (const line of report!.split('\n').slice(1)) {
        const m = /^\s*.*?\[\d+\]\s+[\d.]+: ([^:\s]+):/.exec(line);
        if (m) events.set(m[1], (events.get(m[1]) ?? 0) + 1);
      }
      const byEvent = histMap(t, 'event');
      for (const [k, v] of events) expect(byEvent.get(k), k).toBe(v);
    });
  }
});

describe('hist', () => {
  it('rows sorted by count, shares sum to 1, rates over the trace span', async () => {
    const t = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    const h = hist(t, { by: 'callsite' });
    const counts = h.table.array('count') as number[];
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
    const shares = h.table.array('share') as number[];
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect((h.table.array('rate') as number[])[0]).toBeCloseTo(counts[0] / h.summary.seconds, 9);
    expect(h.summary.total).toBe(counts.reduce((a, b) => a + b, 0));
  });

  it('--by cpu / comm / a field, --event, -F and --cpus', async () => {
    const t = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    const report = readText(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz'));
    const lines = report.split('\n').filter((l) => l.includes(' ipi_send_cpu: '));
    const byTarget = new Map<string, number>();
    for (const l of lines) {
      const c = / cpu=(\d+)/.exec(l)![1];
      byTarget.set(c, (byTarget.get(c) ?? 0) + 1);
    }
    expect(histMap(t, 'cpu', { event: 'ipi_send_cpu' }).size).toBeGreaterThan(0);
    expect(histMap(t, 'cpu', { event: 'ipi:ipi_send_cpu', filters: [] })).toEqual(
      new Map([...new Map(lines.map((l) => [/\[0*(\d+)\]/.exec(l)![1], 0]))].map(([k]) => [k, lines.filter((l) => /\[0*(\d+)\]/.exec(l)![1] === k).length])),
    );
    // --by cpu is the CPU an event ran on (the trace has two)
    expect(histMap(t, 'cpu', { event: 'ipi_send_cpu' }).size).toBe(2);
    expect(hist(t, { by: 'cpu', event: 'ipi_send_cpu' }).summary.total).toBe(lines.length);
    // --by a field of the event: csd_queue_cpu's func, as the report prints it
    const funcs = new Map<string, number>();
    for (const l of report.split('\n').filter((x) => x.includes(' csd_queue_cpu: '))) {
      const fn = / func=(\S+)/.exec(l)![1];
      funcs.set(fn, (funcs.get(fn) ?? 0) + 1);
    }
    expect(histMap(t, 'func', { event: 'csd_queue_cpu' })).toEqual(new Map([...funcs].sort((x, y) => y[1] - x[1])));
    const f = histMap(t, 'callback', { filters: [{ arg: 'ipi_send_cpu: cpu == 1', negative: false }] });
    expect([...f.values()].reduce((a, b) => a + b, 0)).toBe(byTarget.get('1'));
    const cpus = histMap(t, 'event', { cpus: new Set([0]) });
    expect(cpus.get('ipi_send_cpu')).toBe(lines.filter((l) => l.includes('[000]')).length);
    const comm = histMap(t, 'comm', { event: 'ipi_send_cpu' });
    expect([...comm.values()].reduce((a, b) => a + b, 0)).toBe(lines.length);
    expect(() => hist(t, { by: 'nosuchfield' })).toThrow(/no events with a field "nosuchfield"/);
  });

  it('on an emulated trace: counts equal what the emulator wrote', async () => {
    const r = await run('isolation-ipi', [], { duration: '120s' });
    const h = histMap(r.trace, 'event');
    expect(h.get('ipi_send_cpu')).toBe(r.summary.counts.ipi_send_cpu);
    expect(h.get('ipi_send_cpumask')).toBe(r.summary.counts.ipi_send_cpumask);
    const cb = histMap(r.trace, 'callback');
    expect(new Map([...cb].map(([k, v]) => [`callback=${k}`, v]))).toEqual(pipeline(r.report));
  });
});

describe('hist keys as the kernel hist triggers spell them', () => {
  const file = path.join(ROOT, 'samples/real-ipi.dat');
  const text = readText(`${file}.report.txt.gz`);
  const lines = text.split('\n');
  const tally = (re: RegExp) => {
    const m = new Map<string, number>();
    for (const l of lines) {
      const x = re.exec(l);
      if (x) m.set(x[1], (m.get(x[1]) ?? 0) + 1);
    }
    return m;
  };
  const asMap = (r: ReturnType<typeof hist>, col: string) => sortedObj(new Map((r.table.objects() as Record<string, string | number>[]).map((o) => [String(o[col]), o.count as number])));
  const sortedObj = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)));

  it.skipIf(!hasTraceCmd())('flag and symbolic fields print as the print fmt prints them (trace-cmd report -N, no plugins, is the oracle; needs trace-cmd); .raw keeps the number', async () => {
    const t = await openTrace(file);
    // prev_state as the fmt prints it: the letters, then "+" for a preempted task (TASK_REPORT_MAX)
    const states = new Map<string, number>();
    for (const l of traceCmdReport(file, ['-N']).out.split('\n')) {
      const m = / sched_switch: .* prev_state=([A-Z|]+\+?) ==> /.exec(l);
      if (m) states.set(m[1], (states.get(m[1]) ?? 0) + 1);
    }
    expect(asMap(hist(t, { by: 'prev_state' }), 'prev_state')).toEqual(sortedObj(states));
    expect(asMap(hist(t, { by: 'vec' }), 'vec')).toEqual(sortedObj(tally(/ softirq_(?:entry|exit|raise): +vec=\d+ \[action=(\w+)\]/)));
    expect(asMap(hist(t, { by: 'vec.raw' }), 'vec.raw')).toEqual(sortedObj(tally(/ softirq_(?:entry|exit|raise): +vec=(\d+) /)));
  });

  it('common_pid, .execname, .log2 and .buckets; a key in events of several systems counts per event', async () => {
    const t = await openTrace(file);
    const pids = tally(/^\s*.*-(\d+)\s+\[\d+\]/);
    expect(asMap(hist(t, { by: 'common_pid' }), 'common_pid')).toEqual(sortedObj(pids));
    // .execname is the saved cmdline of the pid, as the report's comm-pid prefix shows it
    const comm = new Map<string, string>();
    for (const l of lines) {
      const m = /^\s*(.*)-(\d+)\s+\[\d+\]/.exec(l);
      if (m) comm.set(m[2], m[1]);
    }
    const wakes = new Map<string, number>();
    for (const [p, n] of tally(/ sched_wakeup: +.*:(\d+) \[/)) {
      // a pid with no event of its own has no prefix: the cmdline table says its name
      const c = comm.get(p) ?? t.comms.get(Number(p));
      wakes.set(c, (wakes.get(c) ?? 0) + n);
    }
    expect(asMap(hist(t, { by: 'pid.execname' }), 'pid.execname')).toEqual(sortedObj(wakes));
    const next = [...tally(/ ==> .*:(\d+) \[/)];
    const log2 = new Map<string, number>();
    for (const [p, n] of next) {
      const k = `~ 2^${Number(p) <= 1 ? 0 : Math.ceil(Math.log2(Number(p)))}`;
      log2.set(k, (log2.get(k) ?? 0) + n);
    }
    const l = hist(t, { by: 'next_pid.log2' });
    expect(asMap(l, 'next_pid.log2')).toEqual(sortedObj(log2));
    const exps = (l.table.array('next_pid.log2') as string[]).map((k) => Number(k.split('^')[1]));
    expect(exps).toEqual([...exps].sort((a, b) => a - b));
    const b = hist(t, { by: 'next_pid.buckets=1000' });
    expect((b.table.array('next_pid.buckets=1000') as string[])[0]).toBe('0 ~ 999');
    const c = hist(t, { by: 'callsite' });
    expect(c.summary.perEvent).toBe(true);
    expect(c.table.columnNames()[0]).toBe('event');
    expect(c.summary.events).toEqual([['csd:csd_queue_cpu', 1892], ['ipi:ipi_send_cpu', 1790]]);
    expect(() => hist(t, { by: 'pid.sideways' })).toThrow(/modifiers are .sym, .execname/);
  });

  it('--value sums a numeric field per key, with p50, p99 and max (vals= of hist triggers)', async () => {
    const t = await openTrace(file);
    const r = hist(t, { by: 'comm', event: 'sched_wakeup', value: 'target_cpu' });
    const want = new Map<string, number[]>();
    for (const l of lines) {
      const m = / sched_wakeup: +(.*):\d+ \[\d+\] CPU:(\d+)/.exec(l);
      if (!m) continue;
      const prefix = /^\s*(.*)-\d+\s+\[/.exec(l)![1];
      want.set(prefix, [...(want.get(prefix) ?? []), Number(m[2])]);
    }
    for (const row of r.table.objects() as Record<string, number | string>[]) {
      const v = want.get(String(row.comm))!;
      expect(row.target_cpu_sum).toBe(v.reduce((a, b) => a + b, 0));
      expect(row.target_cpu_max).toBe(Math.max(...v));
    }
    expect(() => hist(t, { by: 'comm', event: 'sched_wakeup', value: 'comm' })).toThrow(/no counted event has a numeric field "comm"/);
  });
});

describe('hist rates', () => {
  it('events all at one instant span no time: no rate (null), not one per nanosecond', async () => {
    const { splitDat } = await import('../../src/io/dat/split.ts');
    const fs = await import('node:fs');
    const { tempDir } = await import('../helpers.ts');
    const dir = tempDir('tracelab-hist-');
    try {
      const t = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
      await splitDat(t, { output: path.join(dir, 'one'), unit: 'events', count: 1 });
      t.close();
      const one = await openTrace(path.join(dir, 'one.1'));
      const h = hist(one, { by: 'event' });
      one.close();
      expect(h.summary.total).toBe(1);
      expect(h.summary.seconds).toBe(0);
      expect(h.table.array('rate')).toEqual([null]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hist rows as plain columns (what tracelab hist prints, without arquero)', () => {
  it('histColumns gives the rows, CSV cells and JSON objects of hist, key by key', async () => {
    const t = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    for (const o of [{ by: 'callback' }, { by: 'cpu' }, { by: 'event' }, { by: 'comm' }, { by: 'callsite' }, { by: 'common_pid', value: 'cpu' }, { by: 'prev_state', event: 'sched_switch' }]) {
      const plain = histColumns(t, o).table;
      const aq = hist(t, o).table;
      expect(plain.columnNames()).toEqual(aq.columnNames());
      expect(plain.numRows()).toBe(aq.numRows());
      expect(plain.numRows()).toBeGreaterThan(0);
      expect(plain.objects()).toEqual(aq.objects());
      expect(tableCsv(plain)).toBe(tableCsv(aq));
    }
  });
  it('columns of unequal length are refused', () => {
    expect(() => new Columns({ a: [1, 2], b: [1] })).toThrow(/column b has 1 rows, not 2/);
    expect(new Columns({}).numRows()).toBe(0);
    expect(() => new Columns({ a: [1] }).array('b')).toThrow(/no column b/);
  });
});
