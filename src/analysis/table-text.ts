import { DataType, Precision, Type, type Data, type Table as ArrowTable, type Vector } from 'apache-arrow';
import type { ByteSink } from '../io/text/byte-sink.ts';
import { csvCell, plain } from './csv.ts';

const DICT = 0;
const INTEGER = 1;
const FLOAT = 2;
const INT64 = 3;
const BOOL = 4;
const OTHER = 5;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** One column of a batch, as the row loop reads it (one shape for every kind: the loop's loads stay monomorphic). */
class Column {
  kind = OTHER;
  /** Row k's bits are at k + at in the bitmaps (Arrow slices its value buffers to a slice's rows, not its bitmaps). */
  at = 0;
  /** The validity bitmap, or null when no row is null. */
  bits: Uint8Array | null = null;
  /** Dictionary codes, and each entry's cell as UTF-8. */
  codes: Int32Array<ArrayBufferLike> = new Int32Array(0);
  cells: Uint8Array[] = [];
  /** Numbers of every width up to 32 bits, and doubles, as doubles (one array type for the loop). */
  nums = new Float64Array(0);
  /** int64 as 32-bit halves (low first), and as BigInts for the digits of those past 2^53. */
  words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  big: BigInt64Array | BigUint64Array | null = null;
  signed = false;
  bools: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  vector: Vector | null = null;
}

/** How one text format lays a table out (see csvTableBytes and jsonTableBytes). */
interface Layout {
  /** Written before column c's cell (CSV: a comma after the first; JSON: the key). */
  before: Uint8Array[];
  /** Ends a row (CSV and NDJSON: a newline; JSON: the object's brace). */
  end: Uint8Array;
  /** Between two rows of the table (JSON arrays: a comma and a newline). */
  between: Uint8Array | null;
  /** A null cell (CSV: nothing). */
  nil: Uint8Array;
  /** A string or other value as its cell. */
  cell: (v: unknown) => string;
}

/**
 * An Arrow table (an event table's chunk) as CSV bytes, read from the columns'
 * buffers: what csvLines() prints for the same values (csv.ts is the rule),
 * without a get() per cell. Arrow's get() decodes a dictionary string from
 * UTF-8 every time and makes a BigInt per int64; for a 2 M-event export that
 * was most of the time. Strings are encoded once per dictionary entry and
 * copied; integers are written as digits.
 */
export function csvTableBytes(t: ArrowTable, header: boolean, sink: ByteSink): void {
  const names = t.schema.fields.map((f) => f.name);
  // every line ends in a newline, the header's too (as csvLines() ends them)
  if (header) {
    sink.bytes(Buffer.from(names.map(csvCell).join(','), 'utf8'));
    sink.byte(10);
  }
  const comma = Buffer.from(',');
  writeRows(t, sink, { before: names.map((_, c) => (c ? comma : EMPTY)), end: Buffer.from('\n'), between: null, nil: EMPTY, cell: (v) => csvCell(plain(v)) });
}

/**
 * The same table as JSON objects, one per row (int64 as exact digits: JSON
 * numbers may be as long as they need to be): each followed by a newline
 * (NDJSON), or with `between` (",\n" in an array) between them.
 */
export function jsonTableBytes(t: ArrowTable, sink: ByteSink, o: { between: string | null; end: string }): void {
  const names = t.schema.fields.map((f) => f.name);
  const before = names.map((n, c) => Buffer.from((c ? ',' : '{') + JSON.stringify(n) + ':', 'utf8'));
  const json = (v: unknown) => {
    const x = plain(v);
    return typeof x === 'bigint' ? String(x) : JSON.stringify(x ?? null);
  };
  writeRows(t, sink, { before, end: Buffer.from('}' + o.end), between: o.between === null ? null : Buffer.from(o.between), nil: Buffer.from('null'), cell: json });
}

const EMPTY = new Uint8Array(0);

function writeRows(t: ArrowTable, sink: ByteSink, l: Layout): void {
  const names = t.schema.fields.map((f) => f.name);
  let row = 0;
  for (const batch of t.batches) {
    const cols = names.map((n) => columnOf(batch.getChild(n)!, batch.numRows, l.cell));
    const n = batch.numRows;
    const m = cols.length;
    for (let k = 0; k < n; k++, row++) {
      if (row && l.between !== null) sink.bytes(l.between);
      for (let c = 0; c < m; c++) {
        sink.bytes(l.before[c]);
        const col = cols[c];
        const r = k + col.at;
        if (col.bits !== null && (col.bits[r >> 3] & (1 << (r & 7))) === 0) {
          sink.bytes(l.nil);
          continue;
        }
        switch (col.kind) {
          case DICT:
            sink.bytes(col.cells[col.codes[k]]);
            break;
          case INTEGER:
            integer(sink, col.nums[k]);
            break;
          case FLOAT:
            // String() and JSON.stringify() write a finite double alike
            sink.str(String(col.nums[k]));
            break;
          case INT64: {
            const lo = col.words[2 * k];
            const hi = col.words[2 * k + 1];
            // below 2^53 in magnitude a double holds it exactly; beyond, the BigInt's digits
            if (hi < 0x200000) integer(sink, hi * 4294967296 + lo);
            else if (col.signed && hi >= 0xffe00000) integer(sink, (hi - 4294967296) * 4294967296 + lo);
            else sink.str(String(col.big![k]));
            break;
          }
          case BOOL:
            sink.bytes(col.bools[r >> 3] & (1 << (r & 7)) ? TRUE : FALSE);
            break;
          default: {
            // lists (cpumasks, stacks) and anything else: the value as get() gives it
            const s = l.cell(col.vector!.get(k));
            if (s) sink.bytes(Buffer.from(s, 'utf8'));
          }
        }
      }
      sink.bytes(l.end);
    }
  }
}

function columnOf(v: Vector, n: number, cell: (v: unknown) => string): Column {
  const col = new Column();
  col.vector = v;
  if (v.data.length !== 1) return col;
  const d = v.data[0] as Data;
  const type = d.type;
  col.at = d.offset;
  col.bits = d.nullCount > 0 && d.nullBitmap?.length ? d.nullBitmap : null;
  if (type.typeId === Type.Dictionary) {
    const dict = d.dictionary!;
    col.kind = DICT;
    col.codes = d.values as Int32Array;
    col.cells = Array.from({ length: dict.length }, (_, j) => Buffer.from(cell(dict.get(j)), 'utf8'));
  } else if (DataType.isInt(type) && type.bitWidth === 64) {
    const big = d.values as BigInt64Array | BigUint64Array;
    col.kind = INT64;
    col.big = big;
    col.signed = type.isSigned;
    col.words = new Uint32Array(big.buffer, big.byteOffset, big.length * 2);
  } else if (DataType.isInt(type) || (DataType.isFloat(type) && type.precision === Precision.DOUBLE)) {
    col.kind = DataType.isInt(type) ? INTEGER : FLOAT;
    // converted once, to one array type for the loop
    col.nums = new Float64Array((d.values as Float64Array).subarray(0, n));
  } else if (DataType.isBool(type)) {
    col.kind = BOOL;
    col.bools = d.values as Uint8Array;
  } else col.kind = OTHER;
  return col;
}

/** An integer of at most 2^53 in magnitude, as String() writes it. */
function integer(sink: ByteSink, x: number): void {
  if (x < 0) {
    sink.byte(45);
    x = -x;
  }
  sink.decimal(x);
}
