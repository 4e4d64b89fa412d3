import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { exportEvents } from '../../src/analysis/export.ts';
import type { EventFormat } from '../../src/core/event-format.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, reportOf, tempDir } from '../helpers.ts';

/**
 * Every exported value read back (Arrow IPC through apache-arrow, Parquet
 * through parquet-wasm and through DuckDB) equals what `report -R` prints for
 * that field of that event, and every field column has the type its format
 * declares.
 */
const file = path.join(ROOT, 'samples/real-ipi.dat');
const dir = tempDir();

/** The raw fields of a report -R line, split by the format's field names (values may hold spaces: "s=Start context switch"). */
function rawFields(line: string, ev: EventFormat): Map<string, string> {
  const at = line.indexOf(` ${ev.name}: `);
  const text = line.slice(at + ev.name.length + 3).trimStart();
  const names = ev.fields.map((f) => f.name);
  const out = new Map<string, string>();
  let pos = 0;
  for (let k = 0; k < names.length; k++) {
    const head = `${names[k]}=`;
    if (!text.startsWith(head, pos)) throw new Error(`${line}: no ${head} at ${pos}`);
    const next = k + 1 < names.length ? text.indexOf(` ${names[k + 1]}=`, pos + head.length) : -1;
    const end = next < 0 ? text.length : next;
    out.set(names[k], text.slice(pos + head.length, end));
    pos = end + 1;
  }
  return out;
}

/** A value read back equals the printed one: integers by value (-R pads some: target_cpu=000), the rest as text. */
function same(got: unknown, printed: string): boolean {
  if (/^-?\d+$/.test(printed) && (typeof got === 'number' || typeof got === 'bigint')) return BigInt(got) === BigInt(printed);
  return String(got) === printed;
}

/** The Arrow type a field of this format must have. */
function arrowType(ev: EventFormat, name: string, kinds: Map<string, string>): string {
  const f = ev.field(name)!;
  const shown = kinds.get(name);
  if (shown) return shown;
  if (f.isArray || f.isDynamic || f.isPointer) return 'Dictionary<Int32, Utf8>';
  return `${f.signed ? 'Int' : 'Uint'}${f.size * 8}`;
}

describe('export round trip', () => {
  it('Arrow, Parquet (parquet-wasm) and Parquet (DuckDB) give back every value report -R prints, typed as the formats declare', async () => {
    const t = await openTrace(file);
    try {
      await exportEvents(t, 'arrow', path.join(dir, 'all.arrow'), { fields: 'all' });
      await exportEvents(t, 'parquet', path.join(dir, 'all.parquet'), { fields: 'all' });
      const pq = await import('parquet-wasm');
      const tables: [string, Table][] = [
        ['arrow', tableFromIPC(fs.readFileSync(path.join(dir, 'all.arrow')))],
        ['parquet', tableFromIPC(pq.readParquet(fs.readFileSync(path.join(dir, 'all.parquet'))).intoIPCStream())],
      ];
      const duck = await import('@duckdb/node-api');
      const db = await duck.DuckDBInstance.create(':memory:');
      const con = await db.connect();
      const viaDuck = await con.runAndReadAll(`SELECT * FROM read_parquet('${path.join(dir, 'all.parquet').replace(/'/g, "''")}')`);
      const duckCols = viaDuck.columnNames();
      const duckRows = viaDuck.getRowsJS();
      con.closeSync();
      db.closeSync();

      const lines = reportOf(t, { raw: true }).split('\n').slice(1).filter((l) => l);
      const formats = new Map(t.formats.all().map((f) => [f.name, f]));
      for (const [how, a] of tables) expect(a.numRows, how).toBe(lines.length);
      expect(duckRows.length).toBe(lines.length);
      const colName = (n: string) => (['ts', 'cpu', 'pid', 'comm', 'system', 'event', 'flags', 'preempt'].includes(n) ? `field_${n}` : n);
      // a field printed through %ps/%pS or a printk string is text (the symbol), as -R prints it
      const textKinds = new Map([['callsite', 'Dictionary<Int32, Utf8>'], ['callback', 'Dictionary<Int32, Utf8>'], ['func', 'Dictionary<Int32, Utf8>'], ['s', 'Dictionary<Int32, Utf8>'], ['function', 'Dictionary<Int32, Utf8>']]);
      let checked = 0;
      const typesSeen = new Set<string>();
      for (let k = 0; k < lines.length; k++) {
        const evName = String(tables[0][1].getChild('event')!.get(k));
        const ev = formats.get(evName)!;
        const want = rawFields(lines[k], ev);
        for (const [name, value] of want) {
          const col = colName(name);
          for (const [how, a] of tables) {
            const c = a.getChild(col)!;
            const got = c.get(k);
            if (!same(got, value)) expect(`${how} ${col} = ${String(got)}`, lines[k]).toBe(`${how} ${col} = ${value}`);
            const ty = String(a.schema.fields.find((f) => f.name === col)!.type);
            if (!typesSeen.has(`${how}:${col}`)) {
              typesSeen.add(`${how}:${col}`);
              // parquet keeps dictionaries as plain strings or dictionaries, both Utf8
              const expected = arrowType(ev, name, textKinds);
              if (how === 'arrow') expect(ty, `${how} ${col}`).toBe(expected);
              else expect(ty.replace(/^Dictionary<Int32, Utf8>$/, 'Utf8'), `${how} ${col}`).toBe(expected.replace(/^Dictionary<Int32, Utf8>$/, 'Utf8'));
            }
          }
          const dv = duckRows[k][duckCols.indexOf(col)];
          if (!same(dv, value)) expect(`duckdb ${col} = ${String(dv)}`, lines[k]).toBe(`duckdb ${col} = ${value}`);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(60_000);
    } finally {
      t.close();
    }
  });
});
