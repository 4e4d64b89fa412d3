import { cappedWarnings } from '../../core/warnings.ts';
import { CommTable } from '../../core/comms.ts';
import { FormatError, TruncatedError } from '../../core/errors.ts';
import { FormatRegistry } from '../../core/formats.ts';
import { PrintkTable } from '../../core/printk.ts';
import { SymbolTable } from '../../core/symbols.ts';
import { emptyOptions, type BatchOptions, type BufferInfo, type Trace, type TraceOptions } from '../../core/trace.ts';
import { codecFor, plausibleExpansion, type Codec } from './codecs.ts';
import { CpuStream, type CpuData } from './cpu-stream.ts';
import { Cursor, FileSource, NeedMore } from './file-source.ts';
import { OptionId, SECTION_HEADER_SIZE, initialHeader, sectionHeaderBE, sectionHeaderLE, type SectionHeader } from './layouts.ts';
import { pageLayoutFromHeader, readEventFormats, readFtraceFormats, readHeaderInfo, readSized32, readSized64, readSizedBytes32 } from './metadata.ts';
import { mergeStreams } from './merge.ts';
import { scaleRaw, type PageLayout } from './pages.ts';
import { hostTime, readTimeShift, type TimeShift } from './time-sync.ts';

export interface DatTrace extends Trace {
  /** Text of a latency-format trace (no ring-buffer pages), if that is what the file holds. */
  latencyText: string | null;
  /**
   * The top buffer's per-CPU data as trace-cmd 3.1.6 places it (report
   * --stat): the file's offset and size, or for compressed data the
   * uncompressed size at offsets trace-cmd lays out from one page in,
   * each page aligned (init_cpu_zpage()).
   */
  cpuFiles(): { offset: number; size: number }[];
  /**
   * Per buffer (the top one first), the places in its CPU list whose data
   * is empty: init_cpu() numbers them so ("CPU 3 is empty", report --verbose).
   */
  emptyCpus(): number[][];
  /**
   * The metadata sections in the order trace-cmd 3.1.6 reads them: a v6
   * file's in file order; a v7 file's in the reverse of the order its
   * options name them (section_add_or_update() puts each at the head of
   * the list), so events formats before ftrace's, cmdlines first.
   */
  sectionOrder: MetadataSection[];
  /** Whether the file had saved cmdlines text (tep_parse_saved_cmdlines() had lines to read). */
  hasCmdlines: boolean;
  close(): void;
}

export type MetadataSection = 'headers' | 'ftrace' | 'events' | 'kallsyms' | 'printk' | 'cmdlines';

const SECTION_NAMES: Record<number, MetadataSection> = {
  [OptionId.HEADER_INFO]: 'headers',
  [OptionId.FTRACE_EVENTS]: 'ftrace',
  [OptionId.EVENT_FORMATS]: 'events',
  [OptionId.KALLSYMS]: 'kallsyms',
  [OptionId.PRINTK]: 'printk',
  [OptionId.CMDLINES]: 'cmdlines',
};

export interface OpenDatOptions {
  /** Bytes already in memory (the path then only names them in messages). */
  bytes?: Uint8Array;
  /** report --nodate: the DATE option is not added to time stamps. */
  ignoreDate?: boolean;
  /** report --raw-ts: time stamps as recorded (no DATE, OFFSET or TSC2NSEC), printed as counts. */
  rawTs?: boolean;
  /** report --ts2secs HZ: time stamps are counts of a HZ clock (TSC2NSEC then not applied). */
  ts2secsHz?: number;
}

const MAGIC = [0x17, 0x08, 0x44];

/** True when the bytes start like a trace.dat. */
export function looksLikeDat(head: Uint8Array): boolean {
  return head.length >= 10 && head[0] === MAGIC[0] && head[1] === MAGIC[1] && head[2] === MAGIC[2] && Buffer.from(head.subarray(3, 10)).toString('latin1') === 'tracing';
}

/**
 * Opens a trace.dat (v6 or v7, either byte order, 4- or 8-byte longs, zstd/zlib/
 * uncompressed sections, instance buffers). Metadata is read now; events are
 * decoded lazily, a window at a time, when batches() is iterated.
 */
export async function openDat(path: string, opts: OpenDatOptions = {}): Promise<DatTrace> {
  const src = new FileSource(path, opts.bytes);
  try {
    return await readDat(src, opts);
  } catch (e) {
    src.close();
    throw e;
  }
}

async function readDat(src: FileSource, opts: OpenDatOptions = {}): Promise<DatTrace> {
  const path = src.path;
  const head = src.readAvailable(0, 4096);
  if (!looksLikeDat(head)) throw new FormatError(path, 0, 'the trace.dat magic "\\x17\\x08\\x44tracing"', JSON.stringify(Buffer.from(head.subarray(0, 10)).toString('latin1')));
  // magic (10), a version string and its NUL, endianness, long size: all of it must be there
  const nul = head.indexOf(0, 10);
  if (nul < 0 || nul + 3 > head.length) throw new TruncatedError(path, head.length, 'the initial header (version, endianness, long size)', src.size);
  const ih = initialHeader.parse(head) as { version: string; endian: number; longSize: number };
  const version = Number(ih.version);
  if (version !== 6 && version !== 7) throw new FormatError(path, 10, 'trace.dat version 6 or 7', JSON.stringify(ih.version));
  let pos = 10 + ih.version.length + 1;
  if (ih.endian > 1) throw new FormatError(path, pos, 'endianness byte 0 or 1', String(ih.endian));
  const le = ih.endian === 0;
  const longSize = ih.longSize;
  if (longSize !== 4 && longSize !== 8) throw new FormatError(path, pos + 1, 'long size 4 or 8', String(longSize));
  pos += 2;
  const c0 = new Cursor(src.read(pos, 4, 'page size'), le, path, pos, 'header');
  const pageSize = c0.u32('page size');
  if (pageSize < 64 || pageSize > 1 << 24 || pageSize & 3) throw new FormatError(path, pos, 'a page size between 64 and 16M, a multiple of 4', String(pageSize));
  pos += 4;

  const formats = new FormatRegistry(longSize);
  const warnings: string[] = [];
  // bounded: a file damaged on every page must not grow a warning per page
  const note = cappedWarnings(warnings);
  const options: TraceOptions = emptyOptions();
  const t: Partial<DatTrace> & { buffers: BufferInfo[] } = { buffers: [] };
  let headerPage = '';
  let headerEvent = '';
  let kallsyms: Uint8Array = new Uint8Array(0);
  let printk = '';
  let cmdlines = '';
  let cpuCount = -1;
  let compression = 'none';
  let codec: Codec = (await codecFor('none'))!;
  const cpuData: CpuData[] = [];
  let latencyText: string | null = null;
  let timeShift: TimeShift | null = null;

  const onOption = (id: number, payload: Cursor, v7: boolean) => {
    switch (id) {
      case OptionId.DATE: options.date = payload.cstringOr(); break;
      case OptionId.CPUSTAT: options.cpuStats.push(payload.cstringOr()); break;
      case OptionId.TRACECLOCK: options.traceClock = payload.cstringOr(); break;
      case OptionId.UNAME: options.uname = payload.cstringOr(); break;
      case OptionId.VERSION: options.version = payload.cstringOr(); break;
      case OptionId.TRACELAB_PROVENANCE: options.provenance = payload.cstringOr(); break;
      case OptionId.OFFSET: {
        const s = payload.cstringOr().trim();
        if (/^[+-]?\d+$/.test(s)) options.offset = BigInt(s);
        break;
      }
      case OptionId.CPUCOUNT: cpuCount = payload.u32('CPU count'); break;
      case OptionId.TRACEID: options.traceId = payload.u64('trace id'); break;
      case OptionId.PROCMAPS: options.procmaps = payload.cstringOr(); break;
      case OptionId.TSC2NSEC: {
        const mult = payload.u32('tsc2nsec mult');
        const shift = payload.u32('tsc2nsec shift');
        options.tsc2nsec = { mult, shift, offset: payload.u64('tsc2nsec offset') };
        break;
      }
      case OptionId.TIME_SHIFT: timeShift = readTimeShift(payload); if (timeShift) options.timeShiftSamples = timeShift; break;
      case OptionId.BUFFER: bufferOptions.push({ payload, v7 }); break;
      case OptionId.HEADER_INFO: case OptionId.FTRACE_EVENTS: case OptionId.EVENT_FORMATS:
      case OptionId.KALLSYMS: case OptionId.PRINTK: case OptionId.CMDLINES:
        if (v7) sectionOffsets.set(id, Number(payload.u64('section offset')));
        break;
      case OptionId.BUFFER_TEXT:
        if (v7) latencySection = Number(payload.u64('section offset'));
        break;
      case OptionId.HOOK: case OptionId.GUEST: case OptionId.STRINGS:
        break;
      default:
        options.unknown.push(id);
    }
  };
  const bufferOptions: { payload: Cursor; v7: boolean }[] = [];
  const sectionOffsets = new Map<number, number>();
  let latencySection = -1;

  if (version === 6) {
    // Sequential layout: the metadata blobs, CPU count, options, then flyrecord.
    // Parse a prefix of the file, growing it until the metadata fits.
    for (let window = Math.min(src.size - pos, 4 << 20); ; window = Math.min(src.size - pos, window * 4)) {
      const c = new Cursor(src.read(pos, window, 'metadata'), le, path, pos, 'metadata', src.size);
      formats.clear();
      bufferOptions.length = 0;
      options.cpuStats.length = 0;
      try {
        ({ headerPage, headerEvent } = readHeaderInfo(c));
        readFtraceFormats(c, formats);
        readEventFormats(c, formats);
        // a copy: a view would keep the whole metadata window (up to the file) alive. Not
        // slice(): the window is a Buffer, and Buffer's slice() is a view
        kallsyms = new Uint8Array(readSizedBytes32(c, 'kallsyms'));
        printk = readSized32(c, 'printk formats');
        cmdlines = readSized64(c, 'saved cmdlines');
        const cpus = c.u32('CPU count');
        if (cpus > 1 << 16) c.fail('a CPU count up to 65536', String(cpus));
        let tag = c.text(10, 'section tag');
        if (tag === 'options  \0') {
          for (;;) {
            const id = c.u16('option id');
            if (id === 0) break;
            const size = c.size32(`option ${id} size`);
            const at = c.base + c.pos;
            onOption(id, new Cursor(c.bytesOf(size, `option ${id}`), le, path, at, `option ${id}`), false);
          }
          tag = c.text(10, 'section tag');
        }
        // the CPU table is as long as the CPUCOUNT option says, when there is one: the writer put
        // both from one value, and a header count that differs was damaged (a larger one would read
        // page bytes as table entries, a smaller one would lose CPUs)
        let tableCpus = cpus;
        if (cpuCount >= 0 && cpuCount !== cpus) {
          note(`${path}: the header says ${cpus} CPUs, the CPUCOUNT option ${cpuCount}: the CPU table is read with ${cpuCount}`);
          tableCpus = cpuCount;
        }
        if (cpuCount < 0) cpuCount = cpus;
        const after = c.base + c.pos;
        if (tag === 'latency  \0') {
          latencyText = Buffer.from(src.readAvailable(after, src.size - after)).toString('latin1');
        } else if (tag === 'flyrecord\0') {
          // a header page size the CPU table contradicts (no data offset on its boundary) while
          // the header_page format's own page (its data field's end) fits every one: that one
          const fromFormat = headerPageBytes(headerPage);
          let flyPage = pageSize;
          if (fromFormat && fromFormat !== pageSize && !tableAligned(src, after, tableCpus, le, pageSize) && tableAligned(src, after, tableCpus, le, fromFormat)) {
            note(`${path}: the header says pages of ${pageSize} bytes, but no CPU's data starts on such a page; the header_page format's ${fromFormat}-byte pages fit them all: read with those`);
            flyPage = fromFormat;
          }
          readFlyrecordV6(src, after, tableCpus, le, 0, cpuData, flyPage, note);
          t.buffers.push({ name: '', clock: '', pageSize: flyPage, cpus: [] });
          for (const b of bufferOptions) {
            const off = Number(b.payload.u64('buffer offset'));
            const name = b.payload.cstringOr();
            const start = Buffer.from(src.readAvailable(off, 10)).toString('latin1') === 'flyrecord\0' ? off + 10 : off;
            t.buffers.push({ name, clock: '', pageSize, cpus: [] });
            readFlyrecordV6(src, start, tableCpus, le, t.buffers.length - 1, cpuData, pageSize, note);
          }
        } else {
          c.pos -= 10;
          c.fail('"flyrecord" or "latency"', JSON.stringify(tag));
        }
        break;
      } catch (e) {
        if (!(e instanceof NeedMore) || window >= src.size - pos) throw e;
      }
    }
  } else {
    const hc = new Cursor(src.read(pos, Math.min(4096, src.size - pos), 'compression header'), le, path, pos, 'compression header');
    compression = hc.cstring('compression name');
    hc.cstring('compression version');
    const firstOptions = Number(hc.u64('first options offset'));
    const found = await codecFor(compression);
    if (!found) throw new FormatError(path, pos, 'compression "zstd", "zlib" or "none"', JSON.stringify(compression));
    codec = found;
    const readSection = (offset: number, what: string, expectId: number): Cursor => {
      const h = readSectionHeader(src, offset, le, what);
      if (h.id !== expectId) throw new FormatError(path, offset, `section id ${expectId} (${what})`, String(h.id));
      let size = Number(h.size);
      const body = offset + SECTION_HEADER_SIZE;
      if (BigInt(body) + h.size > BigInt(src.size)) {
        // a compressed section is read by its block's own sizes (trace-cmd reads the block, not the
        // section size): a lying section size past the file costs nothing when the block is whole
        const block = h.flags & 1 && body + 8 <= src.size ? new Cursor(src.read(body, 8, `${what} block header`), le, path, body, what) : null;
        const csize = block ? block.u32('compressed size') : -1;
        if (!block || body + 8 + csize > src.size) throw new TruncatedError(path, body, `${h.size} bytes of the ${what} section`, src.size);
        note(`${path}: the ${what} section at byte ${offset} says it holds ${h.size} bytes, past the end of the file; its compressed block (${csize} bytes) is whole and is read`);
        size = 8 + csize;
      }
      let bytes = src.read(body, size, `${what} section`);
      if (h.flags & 1) {
        const cc = new Cursor(bytes, le, path, body, what);
        const csize = cc.u32('compressed size');
        const usize = cc.u32('uncompressed size');
        if (csize > cc.remaining) throw new FormatError(path, body, `compressed ${what} of at most ${cc.remaining} bytes`, String(csize));
        // a stated size past what the bytes can hold (or 1 GiB) is not believed, but the data may be
        // whole: trace-cmd decompresses it anyway; so do we, up to what the bytes can expand to
        let cap = usize;
        const most = Math.min(plausibleExpansion(codec, csize), 1 << 30);
        if (usize > most) {
          cap = most;
          note(`${path}: the ${what} section at byte ${offset} says it holds ${usize} bytes uncompressed, more than ${csize} ${compression} bytes can (at most ${most}): decompressed as far as they go`);
        }
        try {
          bytes = codec.decompress(cc.bytesOf(csize, what), cap);
        } catch (e) {
          throw new FormatError(path, body + 8, `${compression}-compressed ${what}`, `data that does not decompress (${(e as Error).message})`);
        }
        return new Cursor(bytes, le, path, -1, `${what} section at byte ${offset}`);
      }
      return new Cursor(bytes, le, path, body, `${what} section`);
    };
    // Walk the contiguous chain of sections once: it locates every section even
    // when the options that point at them are lost (a truncated file).
    const firstSection = hc.base + hc.pos;
    const walk = walkSections(src, firstSection, le);
    if (walk.damage) note(`${path}: ${walk.damage}`);
    // Follow the chain of OPTIONS sections.
    const seen = new Set<number>();
    let next = firstOptions;
    while (next) {
      if (seen.has(next)) throw new FormatError(path, next, 'an options section not visited before', 'a loop in the options chain');
      seen.add(next);
      let oc: Cursor;
      try {
        oc = readSection(next, 'options', 0);
      } catch (e) {
        if (!(e instanceof FormatError) || walk.complete) throw e;
        note(`${path}: the options section at byte ${next} is missing (${e.message.replace(/^.*?: /, '')}); recovering what the sections hold`);
        break;
      }
      next = 0;
      while (oc.remaining > 0) {
        const at = oc.pos;
        const id = oc.u16('option id');
        const size = oc.size32(`option ${id} size`);
        const payload = new Cursor(oc.bytesOf(size, `option ${id}`), le, path, oc.base >= 0 ? oc.base + at + 6 : -1, `option ${id}`);
        if (id === OptionId.DONE) {
          next = size >= 8 ? Number(payload.u64('next options offset')) : 0;
          break;
        }
        onOption(id, payload, true);
      }
    }
    for (const sec of walk.sections) {
      if (sec.id >= OptionId.HEADER_INFO && sec.id <= OptionId.CMDLINES && !sectionOffsets.has(sec.id) && !sec.truncated) sectionOffsets.set(sec.id, sec.offset);
    }
    const need = (id: number, what: string) => {
      const off = sectionOffsets.get(id);
      if (off === undefined) throw firstOptions >= src.size ? new TruncatedError(path, firstOptions, `the options (and the ${what} section they point to)`, src.size) : new FormatError(path, firstOptions, `an option giving the ${what} section`, 'none');
      return readSection(off, what, id);
    };
    ({ headerPage, headerEvent } = readHeaderInfo(need(OptionId.HEADER_INFO, 'headers')));
    readFtraceFormats(need(OptionId.FTRACE_EVENTS, 'ftrace events'), formats);
    readEventFormats(need(OptionId.EVENT_FORMATS, 'events format'), formats);
    // symbols, printk strings and comms only label events: one that does not decompress costs its
    // labels (addresses in hex, <...> for comms), with a warning, not the events (trace-cmd stops there)
    const labels = <T>(read: () => T, empty: T, what: string, without: string): T => {
      try {
        return read();
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        note(`${(e as Error).message}; read without ${what}: ${without}`);
        return empty;
      }
    };
    kallsyms = labels(() => readSizedBytes32(need(OptionId.KALLSYMS, 'kallsyms'), 'kallsyms'), new Uint8Array(0), 'kallsyms', 'addresses print in hex');
    printk = labels(() => readSized32(need(OptionId.PRINTK, 'printk'), 'printk formats'), '', 'printk formats', 'their strings print as addresses');
    cmdlines = labels(() => readSized64(need(OptionId.CMDLINES, 'command lines'), 'saved cmdlines'), '', 'saved cmdlines', 'comms print as <...>');
    for (const b of bufferOptions) {
      const p = b.payload;
      const sectionAt = Number(p.u64('buffer section offset'));
      const name = p.cstring('buffer name');
      const clock = p.cstring('buffer clock');
      let bps = p.u32('buffer page size');
      // trace-cmd reads the top-level buffer with the header's page size (handle->page_size; the
      // option's is an instance's, trace-input.c 3.1.6): so do we, saying so when they differ
      if (name === '' && bps && bps !== pageSize) {
        note(`${path}: buffer "" claims a page size of ${bps}, the header ${pageSize}: the top-level buffer is read with the header's, as trace-cmd does`);
        bps = pageSize;
      }
      // the same bounds as the header's page size: a lying one would cut the data into a page per few bytes
      if (bps && (bps < 64 || bps > 1 << 24 || bps & 3)) {
        note(`${path}: buffer "${name}" claims a page size of ${bps} (not between 64 and 16M, a multiple of 4): the header's ${pageSize} is used`);
        bps = pageSize;
      }
      const n = p.u32('buffer CPU count');
      if (n > p.remaining / 20) p.fail(`at most ${Math.floor(p.remaining / 20)} CPUs in buffer "${name}"`, String(n));
      const h = readSectionHeader(src, sectionAt, le, `buffer "${name}"`);
      const compressed = (h.flags & 1) === 1;
      const idx = t.buffers.length;
      t.buffers.push({ name, clock, pageSize: bps || pageSize, cpus: [] });
      for (let i = 0; i < n; i++) {
        const cpu = p.u32('buffer CPU id');
        const off = p.u64('CPU data offset');
        const sz = p.u64('CPU data size');
        cpuData.push({ buffer: idx, cpu, offset: Number(off), size: Number(sz), compressed, claimedEnd: off + sz });
      }
    }
    if (!bufferOptions.length) {
      // No BUFFER option: the end of the file is gone. Recover CPU data from the buffer sections.
      for (const sec of walk.sections.filter((x) => x.id === OptionId.BUFFER)) {
        const blocks = recoverBuffer(src, sec, le, pageSize);
        const cpus = cpusWithData(options.cpuStats, blocks.length);
        const idx = t.buffers.length;
        t.buffers.push({ name: '', clock: '', pageSize, cpus: [] });
        blocks.forEach((b, k) => cpuData.push({ buffer: idx, cpu: cpus[k], offset: b.offset, size: b.size, compressed: sec.compressed }));
        note(`${path}: no BUFFER option (it is written after the events, and the file ends at byte ${src.size}): recovered ${blocks.length} CPU data block(s) from the buffer section at byte ${sec.offset}; CPU numbers ${options.cpuStats.length ? 'from the CPU statistics' : 'assumed 0, 1, ...'}`);
      }
    }
    if (latencySection >= 0) {
      const h = readSectionHeader(src, latencySection, le, 'latency text');
      latencyText = Buffer.from(src.readAvailable(latencySection + SECTION_HEADER_SIZE, Number(h.size))).toString('latin1');
    }
    if (!t.buffers.length && latencyText === null) note(`${path}: no BUFFER option: the file holds no events`);
    if (cpuCount < 0) cpuCount = Math.max(0, ...cpuData.map((d) => d.cpu + 1));
    // a CPU id past the CPU count is printed as the file says ([16777216]), as trace-cmd would; but said
    for (const d of cpuData) if (d.cpu >= cpuCount && d.size > 0) note(`${path}: buffer "${t.buffers[d.buffer]?.name ?? ''}" has data for CPU ${d.cpu}, beyond the file's ${cpuCount} CPUs: its events are printed as CPU ${d.cpu}`);
  }
  // Keep the top-level buffer first: ties in time go to it.
  const order = t.buffers.map((b, i) => i).sort((a, b) => (t.buffers[a].name === '' ? -1 : 0) - (t.buffers[b].name === '' ? -1 : 0) || a - b);
  const rank = new Map(order.map((b, i) => [b, i]));
  cpuData.sort((a, b) => rank.get(a.buffer)! - rank.get(b.buffer)! || a.cpu - b.cpu);
  for (const d of cpuData) if (d.size > 0) t.buffers[d.buffer].cpus.push(d.cpu);

  const { commitSize, dataOffset } = pageLayoutFromHeader(headerPage, longSize);
  const clockWord = (text: string | undefined) => /\[([^\]]+)\]/.exec(text ?? '')?.[1] ?? '';
  const topClock = clockWord(options.traceClock);
  for (const b of t.buffers) if (!b.clock) b.clock = topClock || 'local';
  // timestamp_calc() and the options trace-cmd applies, unless --raw-ts / --nodate say not
  const addNs = opts.rawTs ? 0n : (options.offset ?? 0n) + (options.date && !opts.ignoreDate ? parseDateUs(options.date) * 1000n : 0n);
  if (opts.rawTs) options.rawTs = true;
  if (opts.ts2secsHz !== undefined && !opts.rawTs) options.ts2secs = opts.ts2secsHz;
  const ts2secs = options.ts2secs !== undefined ? 1e9 / options.ts2secs : undefined;

  // Base of the relative timestamps: the first page's time, in whole seconds.
  let firstTs: bigint | null = null;
  for (const d of cpuData) {
    if (d.size <= 0 || d.compressed) continue;
    const b = src.readAvailable(d.offset, 8);
    if (b.length === 8) {
      const v = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, le);
      if (firstTs === null || v < firstTs) firstTs = v;
    }
  }
  if (firstTs === null) firstTs = await firstCompressedTs(src, cpuData, le, codec);
  const tsc = !opts.rawTs && options.tsc2nsec && options.tsc2nsec.mult ? { mult: BigInt(options.tsc2nsec.mult), shift: BigInt(options.tsc2nsec.shift) } : undefined;
  // a guest's stamps map onto its host's clock per CPU (not with --raw-ts)
  const shift = opts.rawTs ? null : timeShift;
  if (shift) options.timeShift = true;
  const syncOf = (cpu: number) => (shift ? (raw: bigint) => hostTime(raw, cpu, shift) : undefined);
  const startNs = (firstTs === null ? 0n : scaleRaw(firstTs, { tsc, ts2secs, hostSync: syncOf(0) })) + addNs;
  const tsBaseSec = Number((startNs > 0n ? startNs : 0n) / 1_000_000_000n);
  const baseNs = BigInt(tsBaseSec) * 1_000_000_000n;

  // where each CPU's pages could end at the latest: the next CPU's pages (sorted once, not per CPU)
  const starts = cpuData.filter((o) => !o.compressed && o.size > 0).map((o) => o.offset).sort((a, b) => a - b);
  const nextStart = (offset: number): number => {
    let l = 0;
    let u = starts.length;
    while (l < u) {
      const m = (l + u) >>> 1;
      if (starts[m] <= offset) l = m + 1;
      else u = m;
    }
    return l < starts.length ? starts[l] : src.size;
  };
  const cpusOk = cpuData.filter((d) => {
    if (d.size <= 0) return false;
    if (d.offset > src.size) {
      note(`${path}: CPU ${d.cpu} data at byte ${d.offset} lies past the end of the file (${src.size} bytes); no events from it`);
      return false;
    }
    if (!d.compressed) {
      // page data of CPUs does not overlap: a size running into the next CPU's data is a lie
      // (read as it stands it would print that CPU's events again as this one's); trace-cmd
      // prints nothing for such a file, this reads each CPU's own pages
      const next = Math.min(nextStart(d.offset), src.size);
      const end = d.claimedEnd ?? BigInt(d.offset) + BigInt(d.size);
      if (next < src.size && end > BigInt(next)) {
        note(`${path}: CPU ${d.cpu} data claims ${end - BigInt(d.offset)} bytes from byte ${d.offset}, into the next CPU's data at byte ${next}: read up to there`);
        d.size = next - d.offset;
      } else if (end > BigInt(src.size)) {
        note(`${path}: CPU ${d.cpu} data should end at byte ${end}, but the file ends at ${src.size}: possibly truncated`);
      }
    }
    return true;
  });
  const layouts = t.buffers.map((b): PageLayout => ({ pageSize: b.pageSize, commitSize, dataOffset, le, tsc, ts2secs }));
  const symbols = new SymbolTable(kallsyms);
  const optionOrder = [...sectionOffsets.keys()];
  const trace: DatTrace = {
    source: path,
    firstTsNs: startNs,
    kind: 'dat',
    version,
    bigEndian: !le,
    longSize,
    kernelLongSize: commitSize,
    pageSize,
    cpus: cpuCount,
    clock: t.buffers[0]?.clock ?? (topClock || 'local'),
    compression,
    headerPage,
    headerEvent,
    formats,
    symbols,
    printk: new PrintkTable(printk),
    comms: new CommTable(cmdlines),
    buffers: t.buffers,
    options,
    tsBaseSec,
    warnings,
    latencyText,
    sectionOrder: version >= 7 ? optionOrder.map((id) => SECTION_NAMES[id]).reverse() : ['headers', 'ftrace', 'events', 'kallsyms', 'printk', 'cmdlines'],
    hasCmdlines: cmdlines.length > 0,
    emptyCpus() {
      return t.buffers.map((_, b) => cpuData.filter((d) => d.buffer === b).flatMap((d, k) => (d.size > 0 ? [] : [k])));
    },
    cpuFiles() {
      let next = pageSize;
      return cpuData
        .filter((d) => t.buffers[d.buffer]?.name === '')
        .map((d) => {
          if (!d.compressed || d.size <= 0) return { offset: d.offset, size: d.size };
          const size = uncompressedSize(src, d.offset, le);
          const offset = next;
          next = Math.ceil((next + size) / pageSize) * pageSize;
          return { offset, size };
        });
    },
    close: () => src.close(),
    batches(bo: BatchOptions = {}) {
      const streams = cpusOk
        .filter((d) => !bo.cpus || bo.cpus.has(d.cpu))
        .map((d, i) => new CpuStream(d, i, src, shift ? { ...layouts[d.buffer], hostSync: syncOf(d.cpu) } : layouts[d.buffer], codec, baseNs, addNs, (m) => note(m)));
      return mergeStreams(streams, bo.batchSize ?? 4096, bo.reuse === true, le);
    },
  };
  for (const p of formats.problems) note(`${path}: ${p}`);
  return trace;
}

interface WalkedSection {
  id: number;
  offset: number;
  size: number;
  compressed: boolean;
  truncated: boolean;
}

/**
 * Lists the v7 sections from the first one to the end of the file by their
 * sizes (trace-cmd's own reader walks them the same way).
 */
function walkSections(src: FileSource, first: number, le: boolean): { sections: WalkedSection[]; complete: boolean; damage: string | null } {
  const sections: WalkedSection[] = [];
  let at = first;
  while (at < src.size) {
    if (at + SECTION_HEADER_SIZE > src.size) return { sections, complete: false, damage: `file ends at byte ${src.size} inside a section header at byte ${at}` };
    const h = (le ? sectionHeaderLE : sectionHeaderBE).parse(src.read(at, SECTION_HEADER_SIZE, 'section header')) as SectionHeader;
    const size = Number(h.size);
    const truncated = at + SECTION_HEADER_SIZE + size > src.size;
    sections.push({ id: h.id, offset: at, size, compressed: (h.flags & 1) === 1, truncated });
    // the end as exact integer text: a lying 64-bit size is not rounded in the message
    if (truncated) return { sections, complete: false, damage: `file ends at byte ${src.size}, inside section ${h.id} at byte ${at} (its size says it ends at byte ${BigInt(at + SECTION_HEADER_SIZE) + BigInt(h.size)}): possibly truncated` };
    at += SECTION_HEADER_SIZE + size;
  }
  return { sections, complete: true, damage: null };
}

/**
 * Finds the per-CPU data blocks inside a buffer section without its BUFFER
 * option: each CPU's data starts on a page boundary; compressed data is a chunk
 * count then chunks; uncompressed pages start a new CPU when time goes back.
 */
function recoverBuffer(src: FileSource, sec: WalkedSection, le: boolean, pageSize: number): { offset: number; size: number }[] {
  const end = Math.min(src.size, sec.offset + SECTION_HEADER_SIZE + sec.size);
  const blocks: { offset: number; size: number }[] = [];
  let at = Math.ceil((sec.offset + SECTION_HEADER_SIZE) / pageSize) * pageSize;
  if (sec.compressed) {
    while (at + 4 <= end) {
      const h = src.readAvailable(at, 4);
      const count = new DataView(h.buffer, h.byteOffset, 4).getUint32(0, le);
      if (count === 0 || count > (end - at) / 8) break;
      let p = at + 4;
      let chunks = 0;
      while (chunks < count && p + 8 <= end) {
        const c = src.readAvailable(p, 8);
        const csize = new DataView(c.buffer, c.byteOffset, 8).getUint32(0, le);
        p += 8 + csize;
        chunks++;
      }
      blocks.push({ offset: at, size: Math.min(p, end) - at - 4 });
      if (chunks < count || p >= end) break;
      at = Math.ceil(p / pageSize) * pageSize;
    }
    return blocks;
  }
  let start = at;
  let prevTs: bigint | null = null;
  for (let p = at; p + 8 <= end; p += pageSize) {
    const b = src.readAvailable(p, 8);
    const ts = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, le);
    if (ts === 0n) continue;
    if (prevTs !== null && ts < prevTs) {
      blocks.push({ offset: start, size: p - start });
      start = p;
    }
    prevTs = ts;
  }
  if (end > start) blocks.push({ offset: start, size: end - start });
  return blocks;
}

/** CPU ids that had events, from CPUSTAT texts ("CPU: n ... entries: m"), for recovered blocks. */
function cpusWithData(stats: string[], n: number): number[] {
  const ids: number[] = [];
  for (const s of stats) {
    const cpu = /CPU:\s*(\d+)/.exec(s);
    const read = /read events:\s*(\d+)/.exec(s) ?? /entries:\s*(\d+)/.exec(s);
    if (cpu && read && Number(read[1]) > 0) ids.push(Number(cpu[1]));
  }
  if (ids.length >= n) return ids.slice(0, n);
  return Array.from({ length: n }, (_, k) => k);
}

function parseDateUs(s: string): bigint {
  const t = s.trim();
  try {
    return /^0x/i.test(t) ? BigInt(t) : BigInt(t.replace(/[^0-9-].*$/, '') || '0');
  } catch {
    return 0n;
  }
}

/** A compressed CPU data block's size once decompressed: its chunk headers' sizes summed (u32 count, then u32 csize, u32 usize per chunk). */
function uncompressedSize(src: FileSource, at: number, le: boolean): number {
  const head = src.readAvailable(at, 4);
  if (head.length < 4) return 0;
  let count = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, le);
  let pos = at + 4;
  let total = 0;
  while (count-- > 0) {
    const h = src.readAvailable(pos, 8);
    if (h.length < 8) break;
    const v = new DataView(h.buffer, h.byteOffset, 8);
    total += v.getUint32(4, le);
    pos += 8 + v.getUint32(0, le);
  }
  return total;
}

async function firstCompressedTs(src: FileSource, cpuData: CpuData[], le: boolean, codec: Codec): Promise<bigint | null> {
  let best: bigint | null = null;
  for (const d of cpuData) {
    if (!d.compressed || d.size <= 0) continue;
    const h = src.readAvailable(d.offset, 12);
    if (h.length < 12) continue;
    const dv = new DataView(h.buffer, h.byteOffset, 12);
    if (dv.getUint32(0, le) === 0) continue;
    const csize = dv.getUint32(4, le);
    const usize = dv.getUint32(8, le);
    if (csize > src.size || usize > 64 << 20) continue;
    try {
      const plain = codec.decompress(src.readAvailable(d.offset + 12, csize), usize);
      if (plain.length >= 8) {
        const v = new DataView(plain.buffer, plain.byteOffset, 8).getBigUint64(0, le);
        if (best === null || v < best) best = v;
      }
    } catch {
      // the stream reports the damage when it reaches it
    }
  }
  return best;
}

function readSectionHeader(src: FileSource, offset: number, le: boolean, what: string): SectionHeader {
  const b = src.read(offset, SECTION_HEADER_SIZE, `the ${what} section header`);
  return (le ? sectionHeaderLE : sectionHeaderBE).parse(b) as SectionHeader;
}

/**
 * The v6 flyrecord CPU table. trace-cmd writes each CPU's data page-aligned
 * after the table; an entry that points into the table or off a page
 * boundary is not CPU data (a lying CPU count reads page bytes as entries),
 * so it is left out with a warning instead of being decoded as pages.
 */
/** The page size the header_page format describes: its data field's offset plus size (0 when it has none). */
function headerPageBytes(headerPage: string): number {
  const m = /field:[^;]*\bdata;\s*offset:(\d+);\s*size:(\d+);/.exec(headerPage);
  const n = m ? Number(m[1]) + Number(m[2]) : 0;
  return n >= 64 && n <= 1 << 24 && !(n & 3) ? n : 0;
}

/** Whether every CPU with data in the v6 table at `at` starts on a page of `size` bytes (and one has data). */
function tableAligned(src: FileSource, at: number, cpus: number, le: boolean, size: number): boolean {
  if (cpus <= 0 || cpus > (src.size - at) / 16) return false;
  const c = new Cursor(src.read(at, cpus * 16, 'the CPU data table'), le, src.path, at, 'CPU data table');
  let any = false;
  for (let cpu = 0; cpu < cpus; cpu++) {
    const offset = c.u64('CPU data offset');
    const bytes = c.u64('CPU data size');
    if (bytes === 0n) continue;
    if (offset % BigInt(size) !== 0n) return false;
    any = true;
  }
  return any;
}

function readFlyrecordV6(src: FileSource, at: number, cpus: number, le: boolean, buffer: number, out: CpuData[], pageSize: number, note: (m: string) => void): void {
  if (cpus > (src.size - at) / 16) throw new FormatError(src.path, at, `a table of ${cpus} CPU offsets`, `the file ends at byte ${src.size}`);
  const c = new Cursor(src.read(at, cpus * 16, 'the CPU data table'), le, src.path, at, 'CPU data table');
  const tableEnd = at + cpus * 16;
  for (let cpu = 0; cpu < cpus; cpu++) {
    const off = c.u64('CPU data offset');
    const sz = c.u64('CPU data size');
    const offset = Number(off);
    const size = Number(sz);
    if (size > 0 && (offset < tableEnd || offset % pageSize !== 0)) {
      note(`${src.path}: CPU ${cpu}: data offset ${offset} is ${offset < tableEnd ? 'inside the header' : 'not on a page boundary'}: not CPU data (the CPU count may be wrong); skipped`);
      continue;
    }
    out.push({ buffer, cpu, offset, size, compressed: false, claimedEnd: off + sz });
  }
}

