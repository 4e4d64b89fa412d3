import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hist } from '../../src/analysis/arquero-reports.ts';
import { sql, writeDataset } from '../../src/analysis/sql.ts';
import { tempDir } from '../helpers.ts';
import { run, type Run } from '../emulator/record-helpers.ts';

/** A Parquet dataset of several traces (convert -o DIR/), queried as tables by DuckDB. */
const dir = tempDir('tracelab-dataset-');
let before: Run;
let after: Run;
beforeAll(async () => {
  before = await run('isolation-ipi', ['kernel.version=6.18'], { duration: '60s' });
  after = await run('isolation-ipi', ['kernel.version=6.18', 'kernel.defer_ipis=on'], { duration: '60s' });
});
afterAll(() => {
  before?.trace.close();
  after?.trace.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Parquet datasets', () => {
  it('writes a folder per table with a hive partition per trace, and reads it back with the numbers hist gives', async () => {
    const out = path.join(dir, 'ds');
    const inputs = [{ trace: before.trace, name: 'before.dat' }, { trace: after.trace, name: 'after.dat' }];
    const written = await writeDataset(inputs, out);
    expect(written.get('events')).toBe(hist(before.trace, { by: 'event' }).summary.total + hist(after.trace, { by: 'event' }).summary.total);
    expect(fs.existsSync(path.join(out, 'csd_queue_cpu', 'trace=before.dat', 'data_0.parquet'))).toBe(true);
    // only tables with rows, nothing left half-written
    expect(fs.readdirSync(out).every((t) => written.has(t))).toBe(true);
    const r = await sql([], 'SELECT trace, func, count(*) FROM csd_queue_cpu GROUP BY ALL', { datasets: [out] });
    for (const [name, t] of [['before.dat', before.trace], ['after.dat', after.trace]] as const) {
      const want = Object.fromEntries((hist(t, { by: 'func', event: 'csd_queue_cpu' }).table.objects() as { func: string; count: number }[]).map((x) => [x.func, x.count]));
      const got = Object.fromEntries(r.rows.filter((x) => x[0] === name).map((x) => [x[1], Number(x[2])]));
      expect(got).toEqual(want);
    }
    // the analyses' tables are made by sql on demand, not written
    expect(written.has('ipis')).toBe(false);
    // the types survive the files
    const types = await sql([], "SELECT column_name, column_type FROM (DESCRIBE csd_queue_cpu) WHERE column_name IN ('ts', 'cpu', 'func', 'trace')", { datasets: [out] });
    expect(Object.fromEntries(types.rows)).toEqual({ ts: 'BIGINT', cpu: 'UINTEGER', func: 'VARCHAR', trace: 'VARCHAR' });
  });

  it('refuses names that cannot be a partition, and a table given twice', async () => {
    await expect(writeDataset([{ trace: before.trace, name: 'a/b.dat' }], path.join(dir, 'bad'))).rejects.toThrow(/by its file name/);
    await expect(writeDataset([{ trace: before.trace, name: 'x.dat' }, { trace: after.trace, name: 'x.dat' }], path.join(dir, 'bad'))).rejects.toThrow(/same name/);
    const out = path.join(dir, 'ds');
    await expect(sql([{ trace: before.trace, name: 'before.dat' }], 'SELECT count(*) FROM csd_queue_cpu', { datasets: [out] })).rejects.toThrow(/is in .* and in the traces given/);
  });
});
