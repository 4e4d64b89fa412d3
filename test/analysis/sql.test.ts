import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hist, ipiCausality, noise } from '../../src/analysis/arquero-reports.ts';
import { parseCpuList } from '../../src/core/cpulist.ts';
import { scan } from '../../src/analysis/scan.ts';
import { sql, sqlSchema } from '../../src/analysis/sql.ts';
import type { Trace } from '../../src/core/trace.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, reportOf } from '../helpers.ts';
import { run, type Run } from '../emulator/record-helpers.ts';

/** `tracelab sql`: the tables hold what the trace holds, typed as its formats declare, and agree with the other reports. */
let real: Trace;
let before: Run;
let after: Run;
beforeAll(async () => {
  real = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
  before = await run('isolation-ipi', ['kernel.version=6.18'], { duration: '120s' });
  after = await run('isolation-ipi', ['kernel.version=6.18', 'kernel.defer_ipis=on'], { duration: '120s' });
});
afterAll(() => {
  for (const t of [real, before?.trace, after?.trace]) t?.close();
});

const asObject = (rows: unknown[][]) => Object.fromEntries(rows.map(([k, v]) => [String(k), Number(v)]));

describe('sql', () => {
  it("answers the seed-004 question with hist's numbers, on an emulated trace", async () => {
    const r = await sql([{ trace: before.trace, name: 'before' }], 'SELECT func, count(*) FROM csd_queue_cpu GROUP BY func');
    const h = hist(before.trace, { by: 'func', event: 'csd_queue_cpu' });
    const want = Object.fromEntries((h.table.objects() as { func: string; count: number }[]).map((x) => [x.func, x.count]));
    expect(Object.keys(want).length).toBeGreaterThan(1);
    expect(asObject(r.rows)).toEqual(want);
    // only the table the query names is read into DuckDB
    expect([...r.loaded.keys()]).toEqual(['csd_queue_cpu']);
  });

  it('counts every event of a real trace, per event, as a scan does', async () => {
    const want: Record<string, number> = {};
    scan(real, {}, (_b, _i, ev) => {
      const k = ev?.name ?? 'null';
      want[k] = (want[k] ?? 0) + 1;
    });
    const r = await sql([{ trace: real, name: 'real' }], 'SELECT coalesce(event, \'null\'), count(*) FROM events GROUP BY ALL');
    expect(asObject(r.rows)).toEqual(want);
  });

  it('types fields as their formats declare and keeps each value the report prints', async () => {
    const r = await sql([{ trace: real, name: 'real' }], 'SELECT ts, cpu, prev_comm, prev_pid, prev_prio, prev_state, next_comm, next_pid FROM sched_switch ORDER BY ts LIMIT 1');
    expect(r.types).toEqual(['BIGINT', 'INTEGER', 'VARCHAR', 'INTEGER', 'INTEGER', 'BIGINT', 'VARCHAR', 'INTEGER']);
    const [ts, cpu, prevComm, prevPid, prevPrio, prevState, nextComm, nextPid] = r.rows[0];
    // report -R prints the raw fields: the first sched_switch line must carry exactly these values
    const line = reportOf(real, { raw: true, ns: true }).split('\n').find((l) => l.includes(' sched_switch: '))!;
    const sec = (ts as bigint) / 1_000_000_000n;
    const ns = (ts as bigint) % 1_000_000_000n;
    expect(line).toContain(`[${String(cpu).padStart(3, '0')}]`);
    expect(line).toContain(`${sec}.${ns.toString().padStart(9, '0')}:`);
    expect(line).toContain(`prev_comm=${prevComm} prev_pid=${prevPid} prev_prio=${prevPrio} prev_state=${prevState} next_comm=${nextComm} next_pid=${nextPid} `);
  });

  it("a cpumask is a list of CPU ids (list_contains works on it), the report's cpulist", async () => {
    const r = await sql([{ trace: before.trace, name: 'before' }], 'SELECT ts, cpumask, list_contains(cpumask, 4) FROM ipi_send_cpumask ORDER BY ts LIMIT 1');
    expect(r.types.slice(1)).toEqual(['USMALLINT[]', 'BOOLEAN']);
    const [ts, cpus, has4] = r.rows[0] as [bigint, number[], boolean];
    const line = reportOf(before.trace, { ns: true }).split('\n').find((l) => l.includes(' ipi_send_cpumask: '))!;
    expect(line).toContain(`${ts / 1_000_000_000n}.${(ts % 1_000_000_000n).toString().padStart(9, '0')}:`);
    expect(cpus).toEqual(parseCpuList(/cpumask=(\S+)/.exec(line)![1]));
    expect(has4).toBe(cpus.includes(4));
  });

  it('puts several traces in the same tables, told apart by the trace column', async () => {
    const inputs = [{ trace: before.trace, name: 'before' }, { trace: after.trace, name: 'after' }];
    const r = await sql(inputs, 'SELECT trace, count(*) FROM ipi_send_cpu GROUP BY trace');
    const count = (t: Trace) => hist(t, { by: 'event', event: 'ipi_send_cpu' }).summary.total;
    expect(asObject(r.rows)).toEqual({ before: count(before.trace), after: count(after.trace) });
    expect(count(before.trace)).toBeGreaterThan(0);
  });

  it('names the tables that have a column a query misses, and says a bad query in one line', async () => {
    const inputs = [{ trace: real, name: 'real' }];
    await expect(sql(inputs, 'SELECT target_cpu FROM sched_switch')).rejects.toThrow(/^sql: Binder Error: .*target_cpu.* \(column target_cpu is in: .*sched_wakeup/);
    await expect(sql(inputs, 'SELEC 1')).rejects.toThrow(/^sql: Parser Error: [^\n]*$/);
  });

  it('documents every table: common columns, then the fields (a clash keeps the field, the common column becomes common_*)', () => {
    const t = sqlSchema([{ trace: real, name: 'real' }]).find((x) => x.name === 'ipi_send_cpu')!;
    expect(t.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'trace VARCHAR', 'ts BIGINT', 'common_cpu INTEGER', 'pid INTEGER', 'comm VARCHAR', 'irqs_off BOOLEAN', 'need_resched BOOLEAN', 'hardirq BOOLEAN', 'softirq BOOLEAN', 'preempt_depth UTINYINT', 'migrate_disable UTINYINT',
      'cpu UINTEGER', 'callsite VARCHAR', 'callback VARCHAR',
    ]);
  });

  it("ipis: each IPI joined to the handler that answered it, as ipi-causality counts them, every join on real events", async () => {
    const inputs = [{ trace: real, name: 'real' }];
    const c = ipiCausality(real).summary;
    const byFn = await sql(inputs, 'SELECT function, count(*) FROM ipis GROUP BY ALL');
    expect(asObject(byFn.rows)).toEqual(Object.fromEntries(c.functions.filter((f) => f.ipiSent).map((f) => [f.function, f.ipiSent])));
    const [[sent, answered, coalesced, negative]] = (await sql(inputs, 'SELECT count(*), count(handler_ts), count(*) FILTER (coalesced), count(*) FILTER (latency_ns < 0) FROM ipis')).rows;
    expect(Number(sent)).toBe(c.sent);
    expect(Number(answered)).toBe(c.perTarget.reduce((s, x) => s + x.latency.count, 0));
    expect(Number(coalesced)).toBe(c.perTarget.reduce((s, x) => s + x.coalesced, 0));
    expect(Number(negative)).toBe(0);
    // every send and every handler the join names is an event of the trace, on the CPU it says
    const orphans = await sql(
      inputs,
      `SELECT count(*) FILTER (NOT EXISTS (SELECT 1 FROM events e WHERE e.ts = i.send_ts AND e.cpu = i.sender_cpu AND e.event LIKE 'ipi_send%')),
              count(*) FILTER (handler_ts IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e WHERE e.ts = i.handler_ts AND e.cpu = i.target_cpu AND e.system = 'irq_vectors' AND e.event LIKE '%_entry'))
       FROM ipis i`,
    );
    expect(orphans.rows[0].map(Number)).toEqual([0, 0]);
    expect(Number(sent)).toBeGreaterThan(1000);
  });

  it('ipis: the seed-004 pair, per function, before and after deferral', async () => {
    const iso = 'target_cpu BETWEEN 4 AND 79';
    const q = `SELECT function, count(*) FROM ipis WHERE ${iso} GROUP BY ALL`;
    const b = asObject((await sql([{ trace: before.trace, name: 'before' }], q)).rows);
    const a = asObject((await sql([{ trace: after.trace, name: 'after' }], q)).rows);
    const want = (t: Trace) => Object.fromEntries(ipiCausality(t, { targets: Array.from({ length: 76 }, (_, k) => k + 4) }).summary.functions.filter((f) => f.ipiSent).map((f) => [f.function, f.ipiSent]));
    expect(b).toEqual(want(before.trace));
    expect(a).toEqual(want(after.trace));
    expect(b.do_sync_core).toBeGreaterThan(0);
    expect(a.do_sync_core).toBeUndefined();
  });

  it("noise_episodes: each CPU's interruptions as the noise analysis counts and times them", async () => {
    const n = noise(real).summary.perCpu;
    const r = await sql([{ trace: real, name: 'real' }], 'SELECT cpu, count(*), sum(duration_ns), max(duration_ns), count(*) FILTER (classes LIKE \'%irq%\') FROM noise_episodes GROUP BY cpu ORDER BY cpu');
    expect(r.rows.map((x) => x.slice(0, 4).map(Number))).toEqual(n.filter((c) => c.interruptions).map((c) => [c.cpu, c.interruptions, c.noiseNs, c.maxNoiseNs]));
    expect(r.rows.every((x) => Number(x[4]) > 0)).toBe(true);
  });
});
