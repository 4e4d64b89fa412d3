import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { UserError } from '../core/errors.ts';
import type { Trace } from '../core/trace.ts';
import { looksLikeDat, openDat, type OpenDatOptions } from './dat/reader.ts';
import { readTextTrace, readTextTraceAsync, type TextKind, type TextTraceOptions } from './text/text-trace.ts';

/** Largest text input read into memory (text traces are parsed whole). */
const MAX_TEXT = 2 ** 31;
/** A gzip file read whole again, member by member, when its stream fails (see gunzipMembers). */
const MAX_GZIP_RETRY = 64 << 20;

/**
 * The gzip members of `buf` (RFC 1952), decompressed, as gzip(1) reads them:
 * each member's header read here, its deflate data by inflateRaw, which says
 * how much input it took, so what follows a member is known; bytes after the
 * last one that are no member are counted (gzip warns of them), not an error.
 */
function gunzipMembers(buf: Buffer, source: string): { data: Buffer; trailing: number } {
  const out: Buffer[] = [];
  let at = 0;
  let total = 0;
  while (at + 18 <= buf.length && buf[at] === 0x1f && buf[at + 1] === 0x8b && buf[at + 2] === 8) {
    const flags = buf[at + 3];
    let p = at + 10;
    if (flags & 4) p += 2 + buf.readUInt16LE(p);
    if (flags & 8) p = buf.indexOf(0, p) + 1;
    if (flags & 16) p = buf.indexOf(0, p) + 1;
    if (flags & 2) p += 2;
    if (p <= at || p >= buf.length) break;
    let r: { buffer: Buffer; engine: zlib.InflateRaw };
    try {
      r = zlib.inflateRawSync(buf.subarray(p), { maxOutputLength: Math.max(1, MAX_TEXT - total), info: true }) as unknown as typeof r;
    } catch (e) {
      const m = (e as Error).message;
      if (/buffer length|maxOutputLength|Cannot create a Buffer/i.test(m)) throw new UserError(`${source}: decompresses to more than ${MAX_TEXT} bytes`);
      if (!out.length) throw new UserError(`${source}: a gzip file that does not decompress: ${m}`);
      break;
    }
    out.push(r.buffer);
    total += r.buffer.length;
    at = p + r.engine.bytesWritten + 8;
  }
  if (!out.length) throw new UserError(`${source}: a gzip file that does not decompress: no whole gzip member at its start`);
  return { data: Buffer.concat(out), trailing: Math.max(0, buf.length - at) };
}

/**
 * Opens any trace tracelab reads, deciding by content, never by file name:
 * trace.dat (v6/v7), trace-cmd report text, the kernel's trace text, systrace
 * HTML (its embedded trace), each also gzip-compressed; "-" reads stdin.
 */
export async function openTrace(path: string, o: TextTraceOptions & { dat?: Omit<OpenDatOptions, 'bytes'> } = {}): Promise<Trace> {
  let head: Uint8Array;
  if (path === '-') return openStream(process.stdin, 'stdin', o);
  try {
    if (fs.statSync(path).isDirectory()) throw new UserError(`${path}: is a directory, not a trace file`);
  } catch (e) {
    if (e instanceof UserError) throw e;
  }
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const b = Buffer.alloc(4096);
      const n = fs.readSync(fd, b, 0, b.length, 0);
      head = b.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`${path}: cannot open: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  if (!head.length) throw new UserError(`${path}: empty (0 bytes)`);
  if (looksLikeDat(head)) return openDat(path, o.dat);
  // plain report or kernel text streams in chunks: only its events are held, never its text
  const start = Buffer.from(head).toString('latin1');
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (gz) {
    try {
      return await openStream(fs.createReadStream(path), path, o);
    } catch (e) {
      // Node's gunzip drops a member's output when bytes that are no gzip member follow it in
      // the same write (a small file with trailing garbage: gzip(1) reads it and warns)
      if (!(e instanceof UserError && /does not decompress: incorrect header check/.test(e.message))) throw e;
      if (fs.statSync(path).size > MAX_GZIP_RETRY) throw e;
      return openData(fs.readFileSync(path), path, o);
    }
  }
  if (!/^\s*</.test(start.slice(0, 256))) {
    const kind = detectText(readPrefix(path, 1 << 16));
    if (kind) return readTextTrace(textChunks(path), path, kind, o);
  }
  const size = fs.statSync(path).size;
  if (size > MAX_TEXT) throw new UserError(`${path}: ${size} bytes is too large for a text trace (limit ${MAX_TEXT}); convert it with trace-cmd record/extract instead`);
  return openData(fs.readFileSync(path), path, o);
}

/**
 * An input that comes as a stream (stdin, a gzip file): text is read as it
 * comes (gzip decompressed on the way, so a gzip bomb costs time, not
 * memory); a trace.dat, which needs random access, or systrace HTML is
 * gathered whole first (within the size limit).
 */
async function openStream(input: AsyncIterable<Buffer | string>, source: string, o: TextTraceOptions & { dat?: Omit<OpenDatOptions, 'bytes'> }): Promise<Trace> {
  const it = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let have = 0;
  let done = false;
  const next = async (): Promise<Buffer | null> => {
    const r = await it.next();
    if (r.done) return null;
    return typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
  };
  while (have < 65536) {
    let b: Buffer | null;
    try {
      b = await next();
    } catch (e) {
      throw new UserError(`${source}: cannot read: ${(e as Error).message}`);
    }
    if (!b) {
      done = true;
      break;
    }
    head.push(b);
    have += b.length;
  }
  const first = Buffer.concat(head);
  if (!first.length) throw new UserError(`${source}: empty (0 bytes)`);
  // the rest of the stream, after what was read to decide
  async function* rest(): AsyncGenerator<Buffer> {
    yield first;
    if (done) return;
    for (;;) {
      const b = await next();
      if (!b) return;
      yield b;
    }
  }
  if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) {
    const gunzip = zlib.createGunzip();
    const feed = (async () => {
      try {
        for await (const b of rest()) {
          if (gunzip.destroyed) return;
          // wait for room, unless the stream ends first (an error in the data closes it)
          if (!gunzip.write(b)) {
            await new Promise<void>((resolve) => {
              const go = () => {
                gunzip.off('drain', go);
                gunzip.off('close', go);
                resolve();
              };
              gunzip.on('drain', go);
              gunzip.on('close', go);
            });
          }
        }
        if (!gunzip.destroyed) gunzip.end();
      } catch (e) {
        gunzip.destroy(e as Error);
      }
    })();
    const warnings: string[] = [];
    // gzip(1) reads the members it can and warns about what follows: so does this
    async function* unzipped(): AsyncGenerator<Buffer> {
      try {
        for await (const b of gunzip) yield b as Buffer;
      } catch (e) {
        warnings.push(`${source}: the gzip data ends in an error (${(e as Error).message}): what came before it was read`);
      }
    }
    let t: Trace;
    try {
      t = await openStream(unzipped(), source, o);
    } catch (e) {
      gunzip.destroy();
      // nothing decompressed: the error is the gzip data's, not an empty input's
      if (warnings.length && e instanceof UserError && /empty \(0 bytes\)/.test(e.message)) throw new UserError(`${source}: a gzip file that does not decompress: ${/\((.*)\)/.exec(warnings[0])?.[1] ?? 'error'}`);
      throw e;
    }
    void feed;
    t.warnings.push(...warnings);
    return t;
  }
  const start = first.subarray(0, 65536).toString('latin1');
  if (looksLikeDat(first.subarray(0, 16)) || /^\s*</.test(start.slice(0, 256))) {
    // random access (a trace.dat) or a document to take apart (HTML): all of it, within the limit
    const all: Buffer[] = [];
    let total = 0;
    for await (const b of rest()) {
      total += b.length;
      if (total > MAX_TEXT) throw new UserError(`${source}: more than ${MAX_TEXT} bytes`);
      all.push(b);
    }
    return openData(Buffer.concat(all), source, o);
  }
  const kind = detectText(start);
  if (!kind) return openText(first, source, o);
  return readTextTraceAsync(rest(), source, kind, o);
}

/** The first `n` bytes of a file, as latin1 text. */
function readPrefix(path: string, n: number): string {
  const fd = fs.openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, fs.readSync(fd, b, 0, n, 0)).toString('latin1');
  } finally {
    fs.closeSync(fd);
  }
}

/** A file's bytes in chunks of 8 MB, in one buffer (each read before the next). */
function* textChunks(path: string): Generator<Buffer> {
  const fd = fs.openSync(path, 'r');
  try {
    const b = Buffer.alloc(8 << 20);
    for (;;) {
      const n = fs.readSync(fd, b, 0, b.length, null);
      if (n === 0) return;
      yield b.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}


/**
 * A trace from bytes already in memory (a file dropped on the viewer's page):
 * trace.dat, gzip, report or kernel text, systrace HTML, with the errors and
 * warnings openTrace gives for a file.
 */
export function openBytes(data: Uint8Array, source: string, o: TextTraceOptions = {}): Promise<Trace> {
  return openData(Buffer.from(data.buffer, data.byteOffset, data.byteLength), source, o);
}

/**
 * A whole input in memory (stdin, or a gzip file): a trace.dat is read from
 * the bytes (it needs random access, so it cannot stream), anything else as text.
 */
async function openData(data: Buffer, source: string, o: TextTraceOptions & { dat?: Omit<OpenDatOptions, 'bytes'> }): Promise<Trace> {
  if (!data.length) throw new UserError(`${source}: empty (0 bytes)`);
  let garbage = 0;
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    ({ data, trailing: garbage } = gunzipMembers(data, source));
    if (!data.length) throw new UserError(`${source}: empty once decompressed`);
  }
  const t = looksLikeDat(data.subarray(0, 16)) ? await openDat(source, { ...o.dat, bytes: data }) : openText(data, source, o);
  if (garbage) t.warnings.push(`${source}: decompression OK, trailing garbage ignored (${garbage} bytes after the last gzip member)`);
  return t;
}

/** Binary formats people hand over by mistake, by their magic (what a tracelab export is, first). */
const MAGICS: [magic: string, what: string][] = [
  ['PAR1', 'a Parquet file (tracelab convert writes these: a dataset folder of them is what `tracelab sql` takes besides traces)'],
  ['ARROW1', 'an Arrow IPC file (tracelab convert writes these: read it with Arrow, DuckDB or Polars)'],
  ['\x28\xb5\x2f\xfd', 'a zstd-compressed file: decompress it first (zstd -d)'],
  ['\xfd7zXZ\x00', 'an xz-compressed file: decompress it first (xz -d)'],
  ['BZh', 'a bzip2-compressed file: decompress it first (bunzip2)'],
  ['PK\x03\x04', 'a zip archive: unpack it first'],
  ['\x7fELF', 'an ELF binary'],
  ['\x89PNG', 'a PNG image'],
  ['%PDF', 'a PDF document'],
];

/** What a file that is no trace is: a known format by its magic, binary data by its first bytes, else its first line. */
function whatItIs(data: Buffer, text: string): string {
  for (const [magic, what] of MAGICS) if (text.startsWith(magic)) return `it is ${what}`;
  const head = data.subarray(0, 64);
  let binary = 0;
  for (const b of head) if (b < 9 || (b > 13 && b < 32) || b === 127) binary++;
  if (binary > head.length / 8) return `it is binary data (first bytes: ${Buffer.from(head.subarray(0, 16)).toString('hex').replace(/(..)/g, '$1 ').trim()})`;
  return `the first line is ${JSON.stringify(text.slice(0, Math.max(0, text.indexOf('\n')) || 80).slice(0, 80))}`;
}

function openText(data: Buffer, source: string, o: TextTraceOptions): Trace {
  // text is read from the bytes (faster); HTML is taken apart as text
  let text: string | Buffer = data;
  let head = data.subarray(0, 1 << 16).toString('latin1');
  if (/^\s*</.test(head.slice(0, 256))) {
    const all = data.toString('latin1');
    const html = /<script class="trace-data"[^>]*>|<!-- BEGIN TRACE -->/i.exec(all);
    if (html) head = text = systraceText(all, html.index, source);
  }
  const kind = detectText(head);
  if (!kind) {
    throw new UserError(
      `${source}: not a trace tracelab reads: expected a trace.dat (magic 17 08 44 "tracing"), trace-cmd report text ("cpus=N" then "comm-pid [cpu] seconds: event: ..."), kernel trace text ("# tracer: ..." or "comm-pid [cpu] flags seconds: ..."), or systrace HTML; ${whatItIs(data, head)}`,
    );
  }
  return readTextTrace(text, source, kind, o);
}

/** The ftrace text inside systrace HTML: the trace-data script blocks that hold it. */
function systraceText(html: string, at: number, source: string): string {
  const out: string[] = [];
  const re = /<script class="trace-data"[^>]*>([\s\S]*?)<\/script>/gi;
  for (const m of html.matchAll(re)) if (/^\s*# tracer:|\[\d{3}\]/m.test(m[1])) out.push(m[1]);
  if (!out.length) {
    const begin = html.indexOf('\n', at);
    const end = html.indexOf('<!-- END TRACE -->', begin);
    if (begin >= 0 && end > begin) out.push(html.slice(begin + 1, end).replace(/^\s*<script[^>]*>|<\/script>\s*$/g, ''));
  }
  if (!out.length) throw new UserError(`${source}: systrace HTML without ftrace text in it`);
  return out.join('\n').replace(/\\n\\\n/g, '\n');
}

/** Which text a trace is, from its first lines. */
export function detectText(text: string): TextKind | null {
  const head = text.slice(0, 65536).split('\n').slice(0, 200);
  for (const l of head) {
    if (/^# tracer: /.test(l)) return 'ftrace';
    if (/^cpus=\d+$/.test(l) || /^version = \d+$/.test(l)) return 'report';
    // kernel lines have a flags column (or none) after "[cpu] ", report lines the time
    if (/^\s*.+-\d+\s+(\(\s*[\d-]+\)\s+)?\[\d+\]\s+[.dDbXNnpLlBhHsZz0-9a-f]{4,5}\s+\d+\.\d+: /.test(l)) return 'ftrace';
    if (/^\s*.+-\d+\s+\[\d+\]\s+\d+\.\d{6,9}: /.test(l)) return 'report';
  }
  return null;
}
