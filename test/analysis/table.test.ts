import * as fs from 'node:fs';
import * as path from 'node:path';
import { Dictionary, tableFromIPC, type Table as ArrowTable } from 'apache-arrow';
import * as aq from 'arquero';
import { describe, expect, it } from 'vitest';
import { exportEvents, exportFormat } from '../../src/analysis/export.ts';
import { EventColumns, columnChunks, eventArrow, eventTable, formatsPresent } from '../../src/analysis/table.ts';
import { EventBatch } from '../../src/core/batch.ts';
import { plain } from '../../src/analysis/csv.ts';
import { openTrace } from '../../src/io/open.ts';
import { recordTrace } from '../../src/emulator/record.ts';
import { preset } from '../../src/emulator/scenario.ts';
import { parseCpuList } from '../../src/core/cpulist.ts';
import { reportOf } from '../helpers.ts';
import { ROOT, readText, tempDir } from '../helpers.ts';

const file = path.join(ROOT, 'samples/real-ipi.dat');
const dir = tempDir();

/** Exact ns time stamps of the -t report, in order. */
function reportNs(): bigint[] {
  const out: bigint[] = [];
  for (const l of readText(`${file}.report-t.txt.gz`).split('\n').slice(1)) {
    const m = /\]\s+(\d+)\.(\d{9}):/.exec(l);
    if (m) out.push(BigInt(m[1]) * 1_000_000_000n + BigInt(m[2]));
  }
  return out;
}

describe('event tables', () => {
  it('one row per event, exact int64 ns, dictionary-encoded strings, <= 40 bytes per event', async () => {
    const t = await openTrace(file);
    const a = eventArrow(t);
    const ns = reportNs();
    expect(a.numRows).toBe(ns.length);
    const ts = a.getChild('ts')!;
    for (let k = 0; k < ns.length; k += 101) expect(ts.get(k)).toBe(ns[k]);
    for (const c of ['comm', 'system', 'event']) expect(a.schema.fields.find((f) => f.name === c)!.type).toBeInstanceOf(Dictionary);
    // base columns' bytes: data buffers of all columns, dictionaries included
    let bytes = 0;
    for (const f of a.schema.fields) for (const d of a.getChild(f.name)!.data) bytes += d.byteLength;
    expect(bytes / a.numRows).toBeLessThanOrEqual(40);
  });

  it('as arquero: group and count like the report', async () => {
    const t = await openTrace(file);
    const tb = eventTable(t);
    const counts = tb.groupby('event').count().orderby(aq.desc('count')).objects() as { event: string; count: number }[];
    const report = readText(`${file}.report.txt.gz`);
    const n = report.split('\n').filter((l) => l.includes(' rcu_utilization: ')).length;
    expect(counts[0]).toEqual({ event: 'rcu_utilization', count: n });
    // fields of one event become columns
    const ipi = eventTable(t, { event: 'ipi_send_cpu' });
    expect(ipi.columnNames()).toEqual(['ts', 'cpu', 'pid', 'comm', 'system', 'event', 'flags', 'preempt', 'irqs_off', 'need_resched', 'hardirq', 'softirq', 'preempt_depth', 'migrate_disable', 'field_cpu', 'callsite', 'callback']);
    const cb = ipi.groupby('callback').count().objects() as { callback: string; count: number }[];
    const lines = report.split('\n').filter((l) => l.includes(' ipi_send_cpu: '));
    for (const { callback, count } of cb) expect(count).toBe(lines.filter((l) => l.endsWith(`callback=${callback}`)).length);
  });

  it('exports csv, json, arrow and parquet that read back the same', async () => {
    const t = await openTrace(file);
    const ns = reportNs();
    const out = (ext: string) => path.join(dir, `e.${ext}`);
    for (const f of ['csv', 'json', 'arrow', 'parquet'] as const) expect((await exportEvents(t, f, out(f))).rows).toBe(ns.length);
    const csv = fs.readFileSync(out('csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('ts,cpu,pid,comm,system,event,flags,preempt,irqs_off,need_resched,hardirq,softirq,preempt_depth,migrate_disable');
    expect(csv.length).toBe(ns.length + 1);
    expect(BigInt(csv[1].split(',')[0])).toBe(ns[0]);
    expect(BigInt(csv[csv.length - 1].split(',')[0])).toBe(ns[ns.length - 1]);
    const json = JSON.parse(fs.readFileSync(out('json'), 'utf8')) as Record<string, unknown>[];
    expect(json.length).toBe(ns.length);
    expect(json[5].event).toBe(csv[6].split(',')[5]);
    const arrow = tableFromIPC(fs.readFileSync(out('arrow')));
    expect(arrow.numRows).toBe(ns.length);
    expect(arrow.getChild('ts')!.get(7)).toBe(ns[7]);
    const pq = await import('parquet-wasm');
    const back = tableFromIPC(pq.readParquet(fs.readFileSync(out('parquet'))).intoIPCStream());
    expect(back.numRows).toBe(ns.length);
    expect(back.getChild('ts')!.get(ns.length - 1)).toBe(ns[ns.length - 1]);
    expect(String(back.getChild('comm')!.get(3))).toBe(String(arrow.getChild('comm')!.get(3)));
    // with fields, csv quotes what needs quoting
    await exportEvents(t, 'csv', out('f.csv'), { event: 'sched_switch' });
    const head = fs.readFileSync(out('f.csv'), 'utf8').split('\n')[0];
    expect(head).toBe('ts,cpu,pid,comm,system,event,flags,preempt,irqs_off,need_resched,hardirq,softirq,preempt_depth,migrate_disable,prev_comm,prev_pid,prev_prio,prev_state,next_comm,next_pid,next_prio,prev_state_text');
  });

  it('field columns keep the field types (integer width and sign, int64 exact), in Arrow and Parquet', async () => {
    const t = await openTrace(file);
    const a = eventArrow(t, { fields: 'all' });
    const type = (n: string) => String(a.schema.fields.find((f) => f.name === n)!.type);
    // sched_switch: pid_t and int are Int32, long prev_state is Int64; ipi_send_cpu's unsigned int cpu is Uint32
    expect([type('prev_pid'), type('prev_prio'), type('prev_state'), type('field_cpu'), type('vector')]).toEqual(['Int32', 'Int32', 'Int64', 'Uint32', 'Int32']);
    // the values are the report's: the first sched_switch's pids
    const ev = a.getChild('event')!;
    let k = 0;
    while (String(ev.get(k)) !== 'sched_switch') k++;
    expect([a.getChild('prev_pid')!.get(k), a.getChild('next_pid')!.get(k)]).toEqual([0, 4261]);
    expect(a.getChild('prev_state')!.get(k)).toBe(0n);
    // a field the print fmt decodes (__print_flags) is there as that text too
    expect(a.getChild('prev_state_text')!.get(k)).toBe('R');
    // with what the fmt prints right after it from the same field: a preempted task is "R+" (TASK_REPORT_MAX), as report -N shows
    const states = a.getChild('prev_state')!;
    let p = 0;
    while (states.get(p) !== 256n) p++;
    expect(a.getChild('prev_state_text')!.get(p)).toBe('R+');
    expect(String(a.getChild('vec_text')!.get((a.getChild('event')!.toArray() as string[]).indexOf('softirq_entry')))).toMatch(/^(TIMER|RCU|SCHED|NET_RX|BLOCK|TASKLET|HI|NET_TX|IRQ_POLL|HRTIMER)$/);
    // other events' rows are null in it
    expect(a.getChild('prev_pid')!.get(0)).toBe(null);
    await exportEvents(t, 'parquet', path.join(dir, 'typed.parquet'), { event: 'sched_switch' });
    const pq = await import('parquet-wasm');
    const back = tableFromIPC(pq.readParquet(fs.readFileSync(path.join(dir, 'typed.parquet'))).intoIPCStream());
    expect(String(back.schema.fields.find((f) => f.name === 'next_pid')!.type)).toBe('Int32');
    expect(String(back.schema.fields.find((f) => f.name === 'prev_state')!.type)).toBe('Int64');
  });

  it("cpumasks are lists of CPU ids and kernel stacks lists of frames, in Arrow and Parquet, each the report's", async () => {
    const { trace: t } = await recordTrace({ scenario: preset('isolation-ipi'), durationNs: 2e9, stacks: true, events: [{ event: 'ipi', filters: [] }] });
    try {
      const a = eventArrow(t, { fields: 'all' });
      const type = (n: string) => String(a.schema.fields.find((f) => f.name === n)!.type);
      expect([type('cpumask'), type('caller')]).toEqual(['List<Uint16>', 'List<Utf8>']);
      // row by row, what report prints: cpumask=0-2,4-79, and the => lines after <stack trace>
      const lines = reportOf(t, {}).split('\n');
      const ev = a.getChild('event')!;
      let cpumasks = 0;
      let stacks = 0;
      let line = lines.findIndex((l) => / ipi_send_cpu(mask)?: | kernel_stack: /.test(l));
      for (let k = 0; k < a.numRows; k++, line++) {
        while (!/ (ipi_send_cpu|ipi_send_cpumask|kernel_stack): /.test(lines[line])) line++;
        if (String(ev.get(k)) === 'ipi_send_cpumask') {
          expect([...a.getChild('cpumask')!.get(k)!]).toEqual(parseCpuList(/cpumask=(\S+)/.exec(lines[line])![1]));
          cpumasks++;
        } else if (String(ev.get(k)) === 'kernel_stack') {
          const frames = [...a.getChild('caller')!.get(k)!] as string[];
          const printed: string[] = [];
          for (let j = line + 1; lines[j]?.startsWith('=> '); j++) printed.push(lines[j].split(' ')[1]);
          expect(frames).toEqual(printed);
          stacks++;
        } else expect(a.getChild('cpumask')!.get(k)).toBe(null);
      }
      expect(cpumasks).toBeGreaterThan(2);
      expect(stacks).toBeGreaterThan(100);
      // Parquet keeps the list types and values
      await exportEvents(t, 'parquet', path.join(dir, 'lists.parquet'), { fields: 'all' });
      const pq = await import('parquet-wasm');
      const back = tableFromIPC(pq.readParquet(fs.readFileSync(path.join(dir, 'lists.parquet'))).intoIPCStream());
      expect(['cpumask', 'caller'].map((n) => String(back.schema.fields.find((f) => f.name === n)!.type))).toEqual(['List<Uint16>', 'List<Utf8>']);
      const k = [...Array(a.numRows).keys()].find((r) => String(ev.get(r)) === 'ipi_send_cpumask')!;
      expect([...back.getChild('cpumask')!.get(k)!]).toEqual([...a.getChild('cpumask')!.get(k)!]);
    } finally {
      t.close();
    }
  });

  it("common flags decoded as report -l prints them, and the schema says where the rows came from", async () => {
    const t = await openTrace(file);
    const a = eventArrow(t);
    const lat = readText(`${file}.report-l.txt.gz`).split('\n').slice(1).filter((l) => l.trim());
    expect(lat.length).toBe(a.numRows);
    const col = (n: string) => a.getChild(n)!;
    let hard = 0;
    let nr = 0;
    for (let k = 0; k < a.numRows; k++) {
      const m = /-\d+\s+(\d+)(\S)(\S)(\S)(\S)(\S)\s+\d+\.\d+:/.exec(lat[k])!;
      const [, , irqs, resched, ctx, depth, migrate] = m;
      const got = [col('irqs_off').get(k), col('need_resched').get(k), col('hardirq').get(k), col('softirq').get(k), col('preempt_depth').get(k), col('migrate_disable').get(k)];
      const want = [irqs === 'd', resched === 'N' || resched === 'n', ctx === 'h' || ctx === 'H', ctx === 's' || ctx === 'H', depth === '.' ? 0 : parseInt(depth, 16), migrate === '.' ? 0 : parseInt(migrate, 16)];
      if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, lat[k]).toEqual(want);
      if (got[2]) hard++;
      if (got[1]) nr++;
    }
    expect(hard).toBeGreaterThan(1000);
    expect(nr).toBeGreaterThan(10);
    // Arrow and Parquet carry the trace's facts and each event's format in the schema's metadata
    await exportEvents(t, 'parquet', path.join(dir, 'meta.parquet'));
    const pq = await import('parquet-wasm');
    const back = tableFromIPC(pq.readParquet(fs.readFileSync(path.join(dir, 'meta.parquet'))).intoIPCStream());
    const meta = back.schema.metadata;
    expect([meta.get('tracelab.source'), meta.get('tracelab.cpus'), meta.get('tracelab.clock')]).toEqual([file, '2', t.clock]);
    expect(meta.get('tracelab.format.ipi:ipi_send_cpu')).toBe(t.formats.find('ipi_send_cpu')[0].text);
    expect(String(back.schema.fields.find((f) => f.name === 'irqs_off')!.type)).toBe('Bool');
    t.close();
  });

  it('NDJSON: one object per line; the format follows the output name when --to is not given', async () => {
    const t = await openTrace(file);
    await exportEvents(t, 'ndjson', path.join(dir, 'ss.ndjson'), { event: 'sched_switch' });
    const lines = fs.readFileSync(path.join(dir, 'ss.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(2495);
    expect(JSON.parse(lines[0])).toMatchObject({ event: 'sched_switch', prev_pid: 0, next_comm: 'bash', next_pid: 4261 });
    expect(['a.csv', 'a.json', 'a.jsonl', 'a.NDJSON', 'a.arrow', 'a.parquet'].map((n) => exportFormat(undefined, n))).toEqual(['csv', 'json', 'ndjson', 'ndjson', 'arrow', 'parquet']);
    expect(exportFormat('csv', 'a.parquet')).toBe('csv');
    expect(() => exportFormat(undefined, 'a.dat')).toThrow(/--to: give the format .* the output name "a\.dat" does not say/);
  });

  it('a table taken in chunks holds the rows of the table taken whole, fields and filters too', async () => {
    // chunks of one and of two batches: the builder's arrays start again after each take and grow again
    const t = await openTrace(file);
    for (const o of [{ fields: 'all' as const }, { fields: 'all' as const, filters: [{ arg: 'sched_switch', negative: false }, { arg: 'csd_queue_cpu', negative: false }, { arg: 'ipi_send_cpu', negative: false }] }, { event: 'ipi_send_cpu', cpus: new Set([0, 1]) }]) {
      const whole = eventArrow(t, o);
      let batches = 0;
      const chunks: ArrowTable[] = [];
      const { cols, chunks: run } = columnChunks(t, o, (c) => {
        if (++batches % 3 === 1 || batches % 3 === 0) chunks.push(c.take());
      });
      cols.prepare(formatsPresent(t, o));
      for (let r = run.next(); !r.done; r = run.next());
      chunks.push(cols.take());
      expect(chunks.length).toBeGreaterThan(2);
      expect(chunks.reduce((n, c) => n + c.numRows, 0)).toBe(whole.numRows);
      for (const f of whole.schema.fields) {
        const all = whole.getChild(f.name)!;
        const want = Array.from({ length: whole.numRows }, (_, k) => plain(all.get(k)));
        const got: unknown[] = [];
        for (const c of chunks) {
          const part = c.getChild(f.name);
          expect(part, f.name).not.toBeNull();
          for (let k = 0; k < c.numRows; k++) got.push(plain(part!.get(k)));
        }
        expect(got, f.name).toEqual(want);
      }
    }
  });

  it('a record too short to hold its type is an unknown event, not the event of code 0', async () => {
    const t = await openTrace(file);
    const ev = t.formats.first('sched_switch')!;
    const b = new EventBatch(4);
    [ev.id, -1, ev.id].forEach((id, i) => {
      b.type[i] = id;
      b.ts[i] = 1000 * i;
      b.pid[i] = 0;
    });
    b.length = 3;
    const formats: (typeof ev | null | undefined)[] = [];
    formats[ev.id] = ev;
    const cols = new EventColumns(t, false);
    cols.addRows(b, null, 3, formats);
    const a = cols.take();
    expect([0, 1, 2].map((k) => a.getChild('event')!.get(k))).toEqual(['sched_switch', 'unknown', 'sched_switch']);
    expect([0, 1, 2].map((k) => a.getChild('system')!.get(k))).toEqual(['sched', '', 'sched']);
  });
});
