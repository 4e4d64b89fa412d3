import { Bool, Dictionary, Field, Float64, Int16, Int32, Int64, Int8, List, Table, Uint16, Uint32, Uint64, Uint8, Utf8, makeData, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { csvLines, plain } from '../../src/analysis/csv.ts';
import { csvTableBytes, jsonTableBytes } from '../../src/analysis/table-text.ts';
import { ByteSink } from '../../src/io/text/byte-sink.ts';

/** The table as csvLines() prints it, a get() per cell: the rule csvTableBytes() must follow. */
function byCells(t: Table, header: boolean): string {
  const names = t.schema.fields.map((f) => f.name);
  const get = names.map((n) => {
    const v = t.getChild(n)!;
    return (k: number) => plain(v.get(k));
  });
  return csvLines(names, get, t.numRows, header);
}

/** Each row as a JSON object by get(): a bigint as its digits, anything else as JSON.stringify() writes it, null for none. */
function jsonByCells(t: Table): string[] {
  const names = t.schema.fields.map((f) => f.name);
  const rows: string[] = [];
  for (let k = 0; k < t.numRows; k++) {
    const cells = names.map((n) => {
      const v = plain(t.getChild(n)!.get(k));
      return JSON.stringify(n) + ':' + (typeof v === 'bigint' ? String(v) : JSON.stringify(v ?? null));
    });
    rows.push('{' + cells.join(',') + '}');
  }
  return rows;
}

function written(write: (sink: ByteSink) => void, size = 64): string {
  const out: Buffer[] = [];
  const sink = new ByteSink((b) => out.push(Buffer.from(b)), size, true);
  write(sink);
  sink.flush();
  return Buffer.concat(out).toString('utf8');
}

function byColumns(t: Table, header: boolean, size = 64): string {
  return written((sink) => csvTableBytes(t, header, sink), size);
}

/** The CSV, and the JSON both ways (NDJSON lines, array rows), from the columns, against the rules. */
function expectSame(t: Table, size = 64): void {
  for (const header of [true, false]) expect(byColumns(t, header, size)).toBe(byCells(t, header));
  const rows = jsonByCells(t);
  const ndjson = written((sink) => jsonTableBytes(t, sink, { between: null, end: '\n' }), size);
  expect(ndjson).toBe(rows.map((r) => r + '\n').join(''));
  expect(written((sink) => jsonTableBytes(t, sink, { between: ',\n', end: '' }), size)).toBe(rows.join(',\n'));
  // every object written parses, int64 digits and all
  for (const r of ndjson.split('\n').slice(0, -1)) expect(() => JSON.parse(r)).not.toThrow();
}

/** A column with nulls where `valid` says so. */
function withNulls<T extends { length: number }>(type: never, data: T, valid: (k: number) => boolean, extra: object = {}, n = data.length): Vector {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let k = 0; k < n; k++) if (valid(k)) bitmap[k >> 3] |= 1 << (k & 7);
  else nulls++;
  return makeVector(makeData({ type, length: n, nullCount: nulls, nullBitmap: bitmap, data, ...extra } as never));
}

describe('CSV and JSON from the columns (exports)', () => {
  it('print what a get() per cell prints: every column kind, nulls, quoting, UTF-8, int64 past 2^53, sliced and multi-batch tables', () => {
    const n = 37;
    const words = ['plain', 'with,comma', 'with "quote"', 'two\nlines', 'cr\r', 'kworker/0:1', 'ünïcödé', '', 'x'];
    const big = [0n, 1n, -1n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 1234567890123n];
    const ubig = [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n, 2n ** 63n, 4294967296n];
    const floats = [0, -0, 1.5, -2.25, 1e21, 1e-7, 123456789.125, Number.MAX_SAFE_INTEGER, -1];
    const cols: Record<string, Vector> = {
      dict: withNulls(new Dictionary(new Utf8(), new Int32()) as never, Int32Array.from({ length: n }, (_, k) => k % words.length), (k) => k % 5 !== 4, { dictionary: vectorFromArray(words, new Utf8()) }),
      i8: withNulls(new Int8() as never, Int8Array.from({ length: n }, (_, k) => (k * 37) % 256 - 128), (k) => k % 7 !== 3),
      u8: makeVector(Uint8Array.from({ length: n }, (_, k) => (k * 53) % 256)),
      i16: makeVector(Int16Array.from({ length: n }, (_, k) => k * 1777 - 32768)),
      u16: makeVector(Uint16Array.from({ length: n }, (_, k) => k * 1777)),
      i32: makeVector(Int32Array.from({ length: n }, (_, k) => (k % 2 ? -1 : 1) * (k * 58040001))),
      u32: makeVector(Uint32Array.from({ length: n }, (_, k) => (k * 116080003) >>> 0)),
      i64: withNulls(new Int64() as never, BigInt64Array.from({ length: n }, (_, k) => big[k % big.length]), (k) => k % 11 !== 10),
      u64: makeVector(makeData({ type: new Uint64(), length: n, data: BigUint64Array.from({ length: n }, (_, k) => ubig[k % ubig.length]) })),
      f64: withNulls(new Float64() as never, Float64Array.from({ length: n }, (_, k) => floats[k % floats.length]), (k) => k % 6 !== 2),
      bool: withNulls(new Bool() as never, Uint8Array.from({ length: (n + 7) >> 3 }, (_, j) => (j * 0x5b) & 0xff) as never, (k) => k % 4 !== 1, {}, n),
      list: vectorFromArray(Array.from({ length: n }, (_, k) => (k % 3 ? Array.from({ length: k % 4 }, (_, j) => j + k) : null)), new List(new Field('item', new Uint16(), false))),
    };
    const t = new Table(cols);
    expectSame(t);
    // a slice: the buffers start at an offset
    expectSame(t.slice(5, 30));
    // several batches, and an empty table
    const two = new Table([...t.slice(0, 20).batches, ...t.slice(20).batches]);
    expect(two.batches.length).toBeGreaterThan(1);
    expectSame(two, 1 << 16);
    const none = t.slice(0, 0);
    expectSame(none);
    expect(byColumns(none, false)).toBe('');
  });
});
