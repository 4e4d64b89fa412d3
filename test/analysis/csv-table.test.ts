import { Bool, Dictionary, Field, Float64, Int16, Int32, Int64, Int8, List, Table, Uint16, Uint32, Uint64, Uint8, Utf8, makeData, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { csvLines, plain } from '../../src/analysis/csv.ts';
import { csvTableBytes } from '../../src/analysis/csv-table.ts';
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

function byColumns(t: Table, header: boolean, size = 64): string {
  const out: Buffer[] = [];
  const sink = new ByteSink((b) => out.push(Buffer.from(b)), size, true);
  csvTableBytes(t, header, sink);
  sink.flush();
  return Buffer.concat(out).toString('utf8');
}

/** A column with nulls where `valid` says so. */
function withNulls<T extends { length: number }>(type: never, data: T, valid: (k: number) => boolean, extra: object = {}, n = data.length): Vector {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let k = 0; k < n; k++) if (valid(k)) bitmap[k >> 3] |= 1 << (k & 7);
  else nulls++;
  return makeVector(makeData({ type, length: n, nullCount: nulls, nullBitmap: bitmap, data, ...extra } as never));
}

describe('CSV from the columns (exports)', () => {
  it('prints what a get() per cell prints: every column kind, nulls, quoting, UTF-8, int64 past 2^53, sliced and multi-batch tables', () => {
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
    for (const header of [true, false]) expect(byColumns(t, header)).toBe(byCells(t, header));
    // a slice: the buffers start at an offset
    const part = t.slice(5, 30);
    expect(byColumns(part, true)).toBe(byCells(part, true));
    // several batches, and an empty table
    const two = new Table([...t.slice(0, 20).batches, ...t.slice(20).batches]);
    expect(two.batches.length).toBeGreaterThan(1);
    expect(byColumns(two, true, 1 << 16)).toBe(byCells(two, true));
    const none = t.slice(0, 0);
    expect(byColumns(none, true)).toBe(byCells(none, true));
    expect(byColumns(none, false)).toBe('');
  });
});
