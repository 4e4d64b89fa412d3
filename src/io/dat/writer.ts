import { tempPathFor } from '../../core/atomic-file.ts';
import * as fs from 'node:fs';
import { codecFor, type Codec } from './codecs.ts';
import { ChunkCompressor } from './chunk-compressor.ts';
import { CpuPages } from './cpu-pages.ts';
import { OptionId } from './layouts.ts';
import { PageBuilder } from './page-builder.ts';

/** Everything a trace.dat holds besides the events. */
export interface DatMeta {
  headerPage: string;
  headerEvent: string;
  ftraceFormats: string[];
  systems: { system: string; texts: string[] }[];
  kallsyms: string;
  printk: string;
  cmdlines: string;
  /** The cpus= count. */
  cpus: number;
  /** Clock in use, e.g. "local". */
  clock: string;
  /** TRACECLOCK option text; default lists the usual clocks with `clock` selected. */
  traceClock?: string;
  uname?: string;
  /** How the trace was made (tracelab record's command, scenario, seed, version), in an option trace-cmd skips. */
  provenance?: string;
  version?: string;
  traceId?: bigint;
  cpuStats?: string[];
  /** DATE option: the gtod offset in µs as trace-cmd record --date writes it ("0x..."). */
  date?: string;
  /** OFFSET option: ns added to every time stamp (trace-cmd record --ts-offset). */
  offset?: bigint;
  /** TSC2NSEC option: time stamps are TSC counts converted as (tsc * mult) >> shift, plus offset. */
  tsc2nsec?: { mult: number; shift: number; offset: bigint };
  /** TIME_SHIFT option of a guest's trace: per CPU its samples (time, offset, scaling, fraction bits). */
  timeShift?: { traceId: bigint; flags: number; cpus: { time: bigint[]; offset: bigint[]; scaling: bigint[]; fraction?: bigint[] }[] };
  /** Instance buffers besides the top one (v7 only). */
  instances?: string[];
}

export interface DatWriteOptions {
  version: 6 | 7;
  compression: 'zstd' | 'zlib' | 'none';
  bigEndian: boolean;
  /** The header byte: user-space long size. */
  longSize: 4 | 8;
  /** Kernel long size: the commit word and header_page layout. */
  kernelLongSize: 4 | 8;
  pageSize: number;
  /** Absolute ns of relative time 0 (timestamps given to add() are relative). */
  baseNs: bigint;
  /**
   * Compress on a worker thread once the file grows (add() then waits for it
   * when a ring of chunks is in flight); otherwise in this thread.
   */
  compressInWorker?: boolean;
}

class Out {
  pos = 0;
  constructor(
    readonly fd: number,
    readonly le: boolean,
  ) {}
  bytes(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
    this.pos += b.length;
  }
  text(s: string): void {
    this.bytes(Buffer.from(s, 'latin1'));
  }
  cstr(s: string): void {
    this.text(s + '\0');
  }
  u8(v: number): void {
    this.bytes(Uint8Array.of(v));
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, this.le);
    this.bytes(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, this.le);
    this.bytes(b);
  }
  u64(v: bigint | number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), this.le);
    this.bytes(b);
  }
  padTo(alignment: number): void {
    const n = (alignment - (this.pos % alignment)) % alignment;
    if (n) this.bytes(new Uint8Array(n));
  }
  /** Overwrites 8 bytes at `at` with a u64 (placeholders). */
  patch64(at: number, v: bigint | number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), this.le);
    fs.writeSync(this.fd, b, 0, 8, at);
  }
}

/** Byte builder for blobs and option payloads. */
class Blob {
  private parts: Uint8Array[] = [];
  constructor(private le: boolean) {}
  raw(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  text(s: string): this {
    return this.raw(Buffer.from(s, 'latin1'));
  }
  cstr(s: string): this {
    return this.text(s + '\0');
  }
  u16(v: number): this {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, this.le);
    return this.raw(b);
  }
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, this.le);
    return this.raw(b);
  }
  u64(v: bigint | number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), this.le);
    return this.raw(b);
  }
  build(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

function metaBlobs(m: DatMeta, le: boolean) {
  const header = new Blob(le).cstr('header_page').u64(m.headerPage.length).text(m.headerPage).cstr('header_event').u64(m.headerEvent.length).text(m.headerEvent).build();
  const ftrace = new Blob(le).u32(m.ftraceFormats.length);
  for (const f of m.ftraceFormats) ftrace.u64(f.length).text(f);
  const events = new Blob(le).u32(m.systems.length);
  for (const s of m.systems) {
    events.cstr(s.system).u32(s.texts.length);
    for (const f of s.texts) events.u64(f.length).text(f);
  }
  return {
    header,
    ftrace: ftrace.build(),
    events: events.build(),
    kallsyms: new Blob(le).u32(m.kallsyms.length).text(m.kallsyms).build(),
    printk: new Blob(le).u32(m.printk.length).text(m.printk).build(),
    cmdlines: new Blob(le).u64(m.cmdlines.length).text(m.cmdlines).build(),
  };
}

export function defaultTraceClock(clock: string): string {
  const clocks = ['local', 'global', 'counter', 'uptime', 'perf', 'mono', 'mono_raw', 'boot', 'tai', 'x86-tsc'];
  if (!clocks.includes(clock)) clocks.push(clock);
  return clocks.map((c) => (c === clock ? `[${c}]` : c)).join(' ') + '\n';
}

/**
 * Writes a trace.dat (v6 or v7) that trace-cmd 3.1.6 reads without complaint,
 * following the layout trace-cmd itself writes. Events are added per buffer and
 * CPU in time order; close() assembles the file.
 */
export class DatWriter {
  private builders: PageBuilder[][];
  private pages: CpuPages[][];
  private codec: Codec | null;
  private compressor: ChunkCompressor | null;

  private constructor(
    private path: string,
    private meta: DatMeta,
    private o: DatWriteOptions,
    codec: Codec | null,
  ) {
    this.codec = codec;
    this.compressor = codec ? new ChunkCompressor(codec, !!o.compressInWorker) : null;
    const nbuf = 1 + (meta.instances?.length ?? 0);
    this.pages = [];
    this.builders = [];
    for (let b = 0; b < nbuf; b++) {
      const ps: CpuPages[] = [];
      const bs: PageBuilder[] = [];
      for (let c = 0; c < meta.cpus; c++) {
        const cp = new CpuPages(o.pageSize, this.compressor, !o.bigEndian);
        ps.push(cp);
        bs.push(new PageBuilder({ pageSize: o.pageSize, commitSize: o.kernelLongSize, le: !o.bigEndian, onPage: (p) => cp.addPage(p) }, o.baseNs));
      }
      this.pages.push(ps);
      this.builders.push(bs);
    }
  }

  static async create(path: string, meta: DatMeta, o: DatWriteOptions): Promise<DatWriter> {
    if (o.version === 6 && o.compression !== 'none') throw new Error('trace.dat v6 cannot be compressed');
    if (o.version === 6 && meta.instances?.length) throw new Error('instance buffers are written only in trace.dat v7');
    const codec = o.compression === 'none' ? null : await codecFor(o.compression);
    return new DatWriter(path, meta, o, codec);
  }

  /** Adds an event to a CPU of a buffer (0 = top); `ts` in ns relative to baseNs, non-decreasing per CPU. */
  add(cpu: number, ts: number, payload: Uint8Array, off = 0, len = payload.length - off, buffer = 0): void {
    this.builders[buffer][cpu].add(ts, payload, off, len);
  }

  /** The page builders of a buffer's CPUs, for a producer that writes records in place (PageBuilder.reserve). */
  cpuBuilders(buffer = 0): readonly PageBuilder[] {
    return this.builders[buffer];
  }

  /** Writes an absolute time stamp record on a CPU (type 31). */
  addAbsolute(cpu: number, ts: number, buffer = 0): void {
    this.builders[buffer][cpu].addAbsolute(ts);
  }

  /** Records that `count` events (-1: unknown) were lost on a CPU before the next page. */
  markLost(cpu: number, count: number, buffer = 0): void {
    this.builders[buffer][cpu].markLost(count);
  }

  /** The saved_cmdlines text, when comms are known only after the events (an emulated run). */
  setCmdlines(text: string): void {
    this.meta = { ...this.meta, cmdlines: text };
  }

  get eventCount(): number {
    let n = 0;
    for (const bs of this.builders) for (const b of bs) n += b.count;
    return n;
  }

  async close(): Promise<void> {
    for (let b = 0; b < this.builders.length; b++) {
      for (let c = 0; c < this.builders[b].length; c++) {
        this.builders[b][c].flush();
        this.pages[b][c].finish();
      }
    }
    await this.compressor?.finish();
    // under a temporary name, renamed when whole: a killed run leaves the old file as it was
    const tmp = tempPathFor(this.path);
    const fd = fs.openSync(tmp, 'w');
    let done = false;
    try {
      const out = new Out(fd, !this.o.bigEndian);
      if (this.o.version === 6) this.writeV6(out);
      else this.writeV7(out, fd);
      done = true;
    } finally {
      fs.closeSync(fd);
      for (const ps of this.pages) for (const p of ps) p.dispose();
      if (done) fs.renameSync(tmp, this.path);
      else fs.rmSync(tmp, { force: true });
    }
  }

  private initialHeader(out: Out): void {
    out.bytes(Uint8Array.of(0x17, 0x08, 0x44));
    out.text('tracing');
    out.cstr(String(this.o.version));
    out.u8(this.o.bigEndian ? 1 : 0);
    out.u8(this.o.longSize);
    out.u32(this.o.pageSize);
  }

  private commonOptions(b: Blob): void {
    const m = this.meta;
    const opt = (id: number, payload: Uint8Array) => b.u16(id).u32(payload.length).raw(payload);
    const le = !this.o.bigEndian;
    opt(OptionId.TRACECLOCK, new Blob(le).cstr(m.traceClock ?? defaultTraceClock(m.clock)).build());
    if (m.uname) opt(OptionId.UNAME, new Blob(le).cstr(m.uname).build());
    if (m.version) opt(OptionId.VERSION, new Blob(le).cstr(m.version).build());
    if (m.provenance) opt(OptionId.TRACELAB_PROVENANCE, new Blob(le).cstr(m.provenance).build());
    if (m.traceId !== undefined) opt(OptionId.TRACEID, new Blob(le).u64(m.traceId).build());
    for (const s of m.cpuStats ?? []) opt(OptionId.CPUSTAT, new Blob(le).cstr(s).build());
    if (m.date !== undefined) opt(OptionId.DATE, new Blob(le).cstr(m.date).build());
    if (m.offset !== undefined) opt(OptionId.OFFSET, new Blob(le).cstr(m.offset.toString()).build());
    if (m.tsc2nsec) opt(OptionId.TSC2NSEC, new Blob(le).u32(m.tsc2nsec.mult).u32(m.tsc2nsec.shift).u64(m.tsc2nsec.offset).build());
    if (m.timeShift) {
      const t = m.timeShift;
      const p = new Blob(le).u64(t.traceId).u32(t.flags).u32(t.cpus.length);
      const u = (v: bigint) => BigInt.asUintN(64, v);
      for (const c of t.cpus) {
        p.u32(c.time.length);
        for (const x of [...c.time, ...c.offset, ...c.scaling]) p.u64(u(x));
      }
      if (t.cpus.some((c) => c.fraction)) for (const c of t.cpus) for (const x of c.fraction ?? c.time.map(() => 0n)) p.u64(u(x));
      opt(OptionId.TIME_SHIFT, p.build());
    }
  }

  private writeV6(out: Out): void {
    const le = !this.o.bigEndian;
    const m = this.meta;
    this.initialHeader(out);
    const blobs = metaBlobs(m, le);
    for (const b of [blobs.header, blobs.ftrace, blobs.events, blobs.kallsyms, blobs.printk, blobs.cmdlines]) out.bytes(b);
    out.u32(m.cpus);
    out.text('options  \0');
    const opts = new Blob(le);
    this.commonOptions(opts);
    opts.u16(OptionId.CPUCOUNT).u32(4).u32(m.cpus);
    out.bytes(opts.build());
    out.u16(0);
    out.text('flyrecord\0');
    const pages = this.pages[0];
    const clockText = `[${m.clock}]`;
    let at = out.pos + m.cpus * 16 + 8 + clockText.length;
    at = Math.ceil(at / this.o.pageSize) * this.o.pageSize;
    const offsets: number[] = [];
    for (const p of pages) {
      offsets.push(at);
      at += p.size;
    }
    pages.forEach((p, i) => {
      out.u64(p.size ? offsets[i] : 0);
      out.u64(p.size);
    });
    out.u64(clockText.length);
    out.text(clockText);
    for (const p of pages) {
      if (!p.size) continue;
      out.padTo(this.o.pageSize);
      p.writeTo(out.fd);
      out.pos += p.size;
    }
  }

  private writeV7(out: Out, fd: number): void {
    const le = !this.o.bigEndian;
    const m = this.meta;
    const compressed = this.codec !== null;
    const strings: string[] = [];
    let stringsLen = 0;
    const str = (s: string) => {
      const id = stringsLen;
      strings.push(s);
      stringsLen += s.length + 1;
      return id;
    };
    const section = (id: number, desc: string, body: Uint8Array, compress: boolean) => {
      const at = out.pos;
      let payload = body;
      if (compress && this.codec) {
        const c = this.codec.compress(body);
        payload = new Blob(le).u32(c.length).u32(body.length).raw(c).build();
      }
      out.u16(id);
      out.u16(compress && this.codec ? 1 : 0);
      out.u32(str(desc));
      out.u64(payload.length);
      out.bytes(payload);
      return at;
    };
    this.initialHeader(out);
    out.cstr(this.o.compression);
    out.cstr(this.o.compression === 'zstd' ? '1.5.4' : this.o.compression === 'zlib' ? '1.2.13' : '');
    const firstOptionsAt = out.pos;
    out.u64(0);
    const blobs = metaBlobs(m, le);
    const offs = new Map<number, number>();
    offs.set(OptionId.HEADER_INFO, section(OptionId.HEADER_INFO, 'headers', blobs.header, compressed));
    offs.set(OptionId.FTRACE_EVENTS, section(OptionId.FTRACE_EVENTS, 'ftrace events', blobs.ftrace, compressed));
    offs.set(OptionId.EVENT_FORMATS, section(OptionId.EVENT_FORMATS, 'events format', blobs.events, compressed));
    offs.set(OptionId.KALLSYMS, section(OptionId.KALLSYMS, 'kallsyms', blobs.kallsyms, compressed));
    offs.set(OptionId.PRINTK, section(OptionId.PRINTK, 'printk', blobs.printk, compressed));
    offs.set(OptionId.CMDLINES, section(OptionId.CMDLINES, 'command lines', blobs.cmdlines, compressed));

    // Options section 1: metadata offsets and global options; its DONE points at section 2.
    const o1 = new Blob(le);
    const opt = (b: Blob, id: number, payload: Uint8Array) => b.u16(id).u32(payload.length).raw(payload);
    for (const id of [OptionId.HEADER_INFO, OptionId.FTRACE_EVENTS, OptionId.EVENT_FORMATS, OptionId.KALLSYMS, OptionId.PRINTK]) opt(o1, id, new Blob(le).u64(offs.get(id)!).build());
    this.commonOptions(o1);
    opt(o1, OptionId.CMDLINES, new Blob(le).u64(offs.get(OptionId.CMDLINES)!).build());
    opt(o1, OptionId.CPUCOUNT, new Blob(le).u32(m.cpus).build());
    const o1body = o1.u16(OptionId.DONE).u32(8).u64(0).build();
    const o1at = section(0, 'options', o1body, false);
    const o1done = o1at + 16 + o1body.length - 8;
    out.patch64(firstOptionsAt, o1at);

    // Buffers: a section each, CPU data page-aligned.
    const names = ['', ...(m.instances ?? [])];
    const bufferOpts: Uint8Array[] = [];
    names.forEach((name, b) => {
      const pages = this.pages[b];
      const headerAt = out.pos;
      const dataStart = Math.ceil((headerAt + 16) / this.o.pageSize) * this.o.pageSize;
      const layout: { cpu: number; at: number; size: number; written: number }[] = [];
      let at = dataStart;
      pages.forEach((p, cpu) => {
        if (!p.pages) return;
        at = Math.ceil(at / this.o.pageSize) * this.o.pageSize;
        layout.push({ cpu, at, size: p.size, written: p.writtenSize });
        at += p.writtenSize;
      });
      const end = layout.length ? at : dataStart;
      out.u16(OptionId.BUFFER);
      out.u16(compressed ? 1 : 0);
      out.u32(str(`buffer flyrecord ${name}`));
      out.u64(end - (headerAt + 16));
      layout.forEach((l) => {
        out.bytes(new Uint8Array(l.at - out.pos));
        pages[l.cpu].writeTo(fd);
        out.pos += l.written;
      });
      if (out.pos < end) out.bytes(new Uint8Array(end - out.pos));
      const bo = new Blob(le).u64(headerAt).cstr(name).cstr(m.clock).u32(this.o.pageSize).u32(layout.length);
      for (const l of layout) bo.u32(l.cpu).u64(l.at).u64(l.size);
      bufferOpts.push(bo.build());
    });
    const o2 = new Blob(le);
    for (const b of bufferOpts) opt(o2, OptionId.BUFFER, b);
    const o2at = section(0, 'options', o2.u16(OptionId.DONE).u32(8).u64(0).build(), false);
    out.patch64(o1done, o2at);
    str('strings');
    const stringsBody = Buffer.from(strings.map((s) => s + '\0').join(''), 'latin1');
    // the strings section's own description was registered above, before it is written
    out.u16(OptionId.STRINGS);
    out.u16(compressed ? 1 : 0);
    out.u32(stringsLen - 'strings'.length - 1);
    const payload = compressed ? new Blob(le).u32(0).u32(0).build() : stringsBody;
    if (compressed) {
      const c = this.codec!.compress(stringsBody);
      const p = new Blob(le).u32(c.length).u32(stringsBody.length).raw(c).build();
      out.u64(p.length);
      out.bytes(p);
    } else {
      out.u64(payload.length);
      out.bytes(payload);
    }
  }
}
