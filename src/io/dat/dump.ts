import * as fs from 'node:fs';
import { UserError } from '../../core/errors.ts';
import { latin1Text } from '../../core/latin1.ts';
import { codecFor, type Codec } from './codecs.ts';
import { OptionId } from './layouts.ts';

/**
 * `trace-cmd dump`: the metadata of a trace.dat as trace-cmd 3.1.6 prints it
 * (tracecmd/trace-dump.c). The file is walked the way trace-dump.c walks it,
 * with the same two read positions: the file's, and, inside a compressed
 * section, the decompressed block's (every read goes to the block while one is
 * open, every seek but an unknown option's to the file), so what it prints for
 * odd files follows from the same steps. Where trace-cmd would read
 * uninitialised memory (a short read, a string with no NUL) this stops with an
 * error naming the offset instead.
 */

/** What to print: trace-dump.c's enum dump_items, one bit per --option. */
export const DumpItem = {
  summary: 1 << 0,
  headPage: 1 << 1,
  headEvent: 1 << 2,
  ftraceEvents: 1 << 3,
  systems: 1 << 4,
  events: 1 << 5,
  kallsyms: 1 << 6,
  printk: 1 << 7,
  cmdLines: 1 << 8,
  options: 1 << 9,
  flyrecord: 1 << 10,
  clock: 1 << 11,
  sections: 1 << 12,
  strings: 1 << 13,
} as const;
export type DumpItemName = keyof typeof DumpItem;
export const DUMP_ALL = 0xffffffff;

const S = DumpItem;
/** DUMP_SIZE: strings are read into 1024-byte buffers, text printed in 1023-byte pieces. */
const DUMP_SIZE = 1024;
/** LOG_BUF_SIZE: tracecmd_plog() formats into 1024 bytes; one call prints at most 1023. */
const LOG_MAX = 1023;
const TRACECMD_OPTION_MAX = 23;
const SEC_FL_COMPRESS = 1;

/** The options trace-dump.c prints as their name and text (dump_option_string()). */
const STRING_OPTIONS: Record<number, string> = {
  [OptionId.DATE]: 'DATE',
  [OptionId.CPUSTAT]: 'CPUSTAT',
  [OptionId.UNAME]: 'UNAME',
  [OptionId.HOOK]: 'HOOK',
  [OptionId.OFFSET]: 'OFFSET',
  [OptionId.VERSION]: 'VERSION',
  [OptionId.PROCMAPS]: 'PROCMAPS',
};

/** A stop where trace-cmd dies: what it could not read, and where. */
class DumpStop extends Error {}

class DumpReader {
  private fd: number;
  readonly size: number;
  /** lseek(fd, 0, SEEK_CUR) */
  pos = 0;
  private block: Uint8Array | null = null;
  private blockPos = 0;
  private blockAt = 0;
  codec: Codec | null = null;
  bigEndian = false;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'r');
    this.size = fs.fstatSync(this.fd).size;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private fail(what: string, at: number, inBlock: boolean): never {
    if (inBlock) throw new DumpStop(`the section decompressed from byte ${this.blockAt} ends at byte ${this.block!.length} of its data, before ${what}`);
    if (at <= this.size) throw new DumpStop(`truncated at byte ${this.size}: it ends before ${what} at byte ${at}`);
    throw new DumpStop(`truncated at byte ${this.size}: ${what} would be at byte ${at}, past its end`);
  }

  /** read_file_bytes(): from the open block, or the file. */
  bytes(n: number, what: string): Uint8Array {
    if (n < 0) throw new DumpStop(`at byte ${this.pos}: ${what} has a size of ${n} bytes`);
    if (this.block) {
      if (this.blockPos + n > this.block.length) this.fail(what, this.blockPos, true);
      const b = this.block.subarray(this.blockPos, this.blockPos + n);
      this.blockPos += n;
      return b;
    }
    if (this.pos + n > this.size) this.fail(what, this.pos, false);
    const b = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.fd, b, got, n - got, this.pos + got);
      if (r <= 0) this.fail(what, this.pos, false);
      got += r;
    }
    this.pos += n;
    return b;
  }

  /** read_file_number(): an unsigned number of the file's byte order. */
  number(size: 1 | 2 | 4 | 8, what: string): bigint {
    const b = this.bytes(size, what);
    let v = 0n;
    for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(b[this.bigEndian ? i : size - 1 - i]);
    return v;
  }

  u16(what: string): number {
    return Number(this.number(2, what));
  }

  u32(what: string): number {
    return Number(this.number(4, what));
  }

  i32(what: string): number {
    return Number(BigInt.asIntN(32, this.number(4, what)));
  }

  u64(what: string): bigint {
    return this.number(8, what);
  }

  /** read_file_string(): up to its NUL, at most DUMP_SIZE bytes. */
  string(what: string): string {
    let s = '';
    for (let i = 0; i < DUMP_SIZE; i++) {
      const c = this.bytes(1, what)[0];
      if (c === 0) return s;
      s += String.fromCharCode(c);
    }
    throw new DumpStop(`at byte ${this.pos}: ${what} is not NUL-terminated within ${DUMP_SIZE} bytes`);
  }

  /** lseek(fd, offset, SEEK_SET): the file's position only. */
  seek(offset: bigint): void {
    if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new DumpStop(`cannot go to byte ${offset}`);
    this.pos = Number(offset);
  }

  /** do_lseek(fd, n, SEEK_CUR): inside the open block if there is one. */
  skip(n: number): void {
    if (this.block) this.blockPos += n;
    else this.pos += n;
  }

  /** tracecmd_uncompress_block(): the block at the file's position becomes what reads read. */
  openBlock(): void {
    if (!this.codec) return;
    this.closeBlock();
    const at = this.pos;
    const csize = this.u32('the compressed size of a block');
    const usize = this.u32('the uncompressed size of a block');
    const data = this.bytes(csize, `the ${csize} compressed bytes of the block at byte ${at}`);
    try {
      this.block = this.codec.decompress(data, Math.max(usize, csize));
    } catch (e) {
      throw new DumpStop(`at byte ${at}: the ${this.codec.name} block does not decompress: ${(e as Error).message}`);
    }
    this.blockPos = 0;
    this.blockAt = at;
  }

  /** compress_read(): up to `n` bytes of the open block, fewer where it ends. */
  blockBytes(n: number): Uint8Array {
    const b = this.block!.subarray(this.blockPos, this.blockPos + n);
    this.blockPos += b.length;
    return b;
  }

  /** uncompress_reset() */
  closeBlock(): void {
    this.block = null;
    this.blockPos = 0;
  }
}

/** printf's %lld of an unsigned 64-bit value. */
const lld = (v: bigint) => BigInt.asIntN(64, v).toString();
/** printf's %d of a value passed as a 64-bit one (x86-64: the low 32 bits). */
const d32 = (v: bigint) => BigInt.asIntN(32, v).toString();
const hex = (v: bigint | number) => BigInt.asUintN(64, BigInt(v)).toString(16).toUpperCase();
/** printf's %10.lld: width 10, precision 0 (a zero prints as nothing). */
const w10p0 = (v: bigint) => (v === 0n ? '' : lld(v)).padStart(10);
/** %s stops at a NUL. */
const cstr = (s: string) => {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
};

export interface DumpOptions {
  /** DumpItem bits; 0 (with validate false) means the summary, as trace-cmd. */
  items: number;
  validate?: boolean;
  /** Damage trace-cmd passes over without a word (a strings section cut short): one line each. */
  warn?: (message: string) => void;
}

/**
 * Dumps `file` to `out` (latin1 text, one call per trace-cmd plog). A file
 * trace-cmd stops on gets what was printed up to there, then a UserError
 * naming the file and the byte.
 */
export async function dumpDat(file: string, opts: DumpOptions, out: (text: string) => void): Promise<void> {
  const verbosity = !opts.items && !opts.validate ? S.summary : opts.items;
  const print = (ids: number, text: string) => {
    if (!ids || ids & verbosity) out(text.length > LOG_MAX ? text.slice(0, LOG_MAX) : text);
  };
  let r: DumpReader;
  try {
    if (fs.statSync(file).isDirectory()) throw new UserError(`${file}: is a directory, not a trace file`);
    r = new DumpReader(file);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`${file}: cannot open: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  if (r.size === 0) {
    r.close();
    throw new UserError(`${file}: empty (0 bytes)`);
  }
  let version = 0;
  let hasClock = false;
  let traceCpus = 0;
  let strings: Uint8Array = new Uint8Array(0);
  const sections: { id: number; offset: bigint; items: number }[] = [];

  /** read_dump_string(): `size` bytes printed in 1023-byte pieces, each up to its first NUL, then a newline. */
  const dumpString = (size: number, ids: number, what: string) => {
    let left = size | 0;
    while (left) {
      const n = left < DUMP_SIZE ? left : DUMP_SIZE - 1;
      print(ids, cstr(latin1Text(r.bytes(n, what))));
      left -= n;
    }
    print(ids, '\n');
  };

  const metaString = (offset: number): string | null => {
    if (offset < 0 || offset >= strings.length) return null;
    const end = strings.indexOf(0, offset);
    return latin1Text(strings.subarray(offset, end < 0 ? strings.length : end));
  };

  const sectionHeader = (ids: number): number => {
    const offset = r.pos;
    const id = r.u16('the section id');
    const flags = r.u16('the section flags');
    const desc = metaString(r.i32('the section description')) ?? 'Unknown';
    const size = r.u64('the section size');
    print(ids, `\t[Section ${id} @ ${offset}: "${desc}", flags 0x${hex(flags)}, ${lld(size)} bytes]\n`);
    return flags;
  };

  const initialFormat = () => {
    print(S.summary, '\t[Initial format]\n');
    const magic = r.bytes(3, 'the magic');
    if (magic[0] !== 0x17 || magic[1] !== 0x08 || magic[2] !== 0x44) throw new DumpStop('wrong file magic: not a trace.dat');
    const tracing = latin1Text(r.bytes(7, 'the tracing string'));
    if (tracing !== 'tracing') throw new DumpStop(`wrong tracing string: ${cstr(tracing)}`);
    const v = r.string('the version string');
    print(S.summary, `\t\t${v}\t[Version]\n`);
    version = Number.parseInt(v, 10) || 0;
    if (version < 6 || version > 7) throw new DumpStop(`unsupported file version ${version}`);
    const endian = r.bytes(1, 'the file endianness')[0];
    const signed = (b: number) => (b << 24) >> 24;
    print(S.summary, `\t\t${signed(endian)}\t[${endian ? 'Big' : 'Little'} endian]\n`);
    r.bigEndian = endian !== 0;
    print(S.summary, `\t\t${signed(r.bytes(1, 'the bytes per long')[0])}\t[Bytes in a long]\n`);
    print(S.summary, `\t\t${r.i32('the page size')}\t[Page size, bytes]\n`);
  };

  const compression = async () => {
    if (version < 7) return;
    const name = r.string('the compression name');
    const ver = r.string('the compression version');
    print(S.summary, `\t\t${name}\t[Compression algorithm]\n`);
    print(S.summary, `\t\t${ver}\t[Compression version]\n`);
    if (name !== 'none') {
      const codec = await codecFor(name);
      if (!codec || codec.name === 'none') throw new DumpStop(`cannot uncompress the file: unknown compression "${name}"`);
      r.codec = codec;
    }
  };

  const headerPart = (label: string, tag: string, ids: number) => {
    print(S.summary | ids, `\t[${label}, `);
    const t = latin1Text(r.bytes(tag.length + 1, `the ${tag} string`));
    if (!t.startsWith(tag)) throw new DumpStop(`wrong header string: ${cstr(t)}`);
    const size = r.u64(`the size of the ${tag}`);
    print(S.summary | ids, `${lld(size)} bytes]\n`);
    dumpString(Number(BigInt.asIntN(32, size)), ids, `the ${tag}`);
  };

  const ftraceFormats = () => {
    print(S.summary | S.ftraceEvents, '\t[Ftrace format, ');
    let count = r.u32('the count of the ftrace events');
    print(S.summary | S.ftraceEvents, `${count | 0} events]\n`);
    for (; count; count--) dumpString(Number(BigInt.asIntN(32, r.u64(`the size of ftrace event ${count}`))), S.ftraceEvents, 'an ftrace event format');
  };

  const eventFormats = () => {
    const ids = S.summary | S.events | S.systems;
    print(ids, '\t[Events format, ');
    let systems = r.u32('the count of the event systems');
    print(ids, `${systems | 0} systems]\n`);
    for (; systems; systems--) {
      const name = r.string(`the name of system ${systems}`);
      let events = r.u32(`the count of the events of system ${name}`);
      print(S.systems, `\t\t${name} ${events | 0} [system, events]\n`);
      for (; events; events--) dumpString(Number(BigInt.asIntN(32, r.u64(`the format size of an event of system ${name}`))), S.events, `an event format of system ${name}`);
    }
  };

  const sized32 = (label: string, ids: number, what: string) => {
    print(S.summary | ids, `\t[${label}, `);
    const size = r.u32(`the size of the ${what}`);
    print(S.summary | ids, `${size | 0} bytes]\n`);
    dumpString(size, ids, `the ${what}`);
  };

  const cmdlines = () => {
    print(S.summary | S.cmdLines, '\t[Saved command lines, ');
    const size = r.u64('the size of the saved command lines');
    print(S.summary | S.cmdLines, `${d32(size)} bytes]\n`);
    dumpString(Number(BigInt.asIntN(32, size)), S.cmdLines, 'the saved command lines');
  };

  const optionBuffer = (option: number, size: number) => {
    if (size < 8) throw new DumpStop(`broken buffer option with size ${size}`);
    let offset = r.u64('the offset of the buffer option');
    const name = r.string('the name of the buffer option');
    const ids = S.options | S.flyrecord;
    if (version < 7) {
      print(ids, `\t\t[Option BUFFER, ${size} bytes]\n`);
      print(ids, `${lld(offset)} [offset]\n`);
      print(ids, `"${name}" [name]\n`);
      return;
    }
    const current = r.pos;
    r.seek(offset);
    sectionHeader(S.flyrecord);
    r.pos = current;
    print(ids, `\t\t[Option BUFFER, ${size} bytes]\n`);
    print(ids, `${lld(offset)} [offset]\n`);
    print(ids, `"${name}" [name]\n`);
    const clock = r.string('the clock of the buffer option');
    print(ids, `"${clock}" [clock]\n`);
    if (option === OptionId.BUFFER) {
      const pageSize = r.i32('the page size of the buffer option');
      print(ids, `${pageSize} [Page size, bytes]\n`);
      const cpus = r.i32('the CPU count of the buffer option');
      print(ids, `${cpus} [CPUs]:\n`);
      let total = 0n;
      for (let i = 0; i < cpus; i++) {
        const id = r.i32(`the id of CPU ${i} in the buffer option`);
        offset = r.u64(`the offset of CPU ${i} in the buffer option`);
        const dataSize = r.u64(`the data size of CPU ${i} in the buffer option`);
        total = BigInt.asUintN(64, total + dataSize);
        print(ids, `   ${id} ${lld(offset)}\t${lld(dataSize)}\t[id, data offset and size]\n`);
      }
      print(S.summary, `\t[buffer "${name}", "${clock}" clock, ${pageSize} page size, ${cpus} cpus, ${lld(total)} bytes flyrecord data]\n`);
    } else {
      print(S.summary, `\t[buffer "${name}", "${clock}" clock, latency data]\n`);
    }
  };

  /** read_file_number() into an int of `size` bytes: 1, 2 or 4 as the value, 8 its low half. */
  const intOfSize = (size: number, what: string): number => {
    if (size === 1 || size === 2 || size === 4 || size === 8) return Number(BigInt.asIntN(32, r.number(size, what)));
    throw new DumpStop(`at byte ${r.pos}: ${what} is ${size} bytes, not a number trace-cmd reads`);
  };

  const optionTimeShift = (size: number) => {
    if (size < 12) throw new DumpStop(`broken time shift option, size ${size}`);
    print(S.options, `\t\t[Option TimeShift, ${size} bytes]\n`);
    print(S.options, `0x${hex(r.u64("the peer's trace id"))} [peer's trace id]\n`);
    size -= 8;
    print(S.options, `0x${hex(r.u32("the peer's protocol flags"))} [peer's protocol flags]\n`);
    size -= 4;
    // the C reads the CPU count past the 12 bytes it checked
    const cpus = r.u32("the peer's CPU count");
    size -= 4;
    print(S.options, `0x${hex(cpus)} [peer's CPU count]\n`);
    const per: { times: bigint[]; offsets: bigint[]; scalings: bigint[]; frac: bigint[] }[] = [];
    let j = 0;
    read: {
      for (j = 0; j < cpus; j++) {
        if (size < 4) break read;
        const count = r.u32(`the sample count of CPU ${j}`);
        size -= 4;
        print(S.options, `${count} [samples count for CPU ${j}]\n`);
        if (count > (r.size - r.pos) / 8 + 1) throw new DumpStop(`at byte ${r.pos}: CPU ${j} claims ${count} time samples, more than the file holds`);
        const c = { times: [] as bigint[], offsets: [] as bigint[], scalings: [] as bigint[], frac: new Array<bigint>(count).fill(0n) };
        per.push(c);
        for (const list of [c.times, c.offsets, c.scalings]) {
          for (let i = 0; i < count; i++) {
            if (size < 8) break read;
            list.push(BigInt.asIntN(64, r.u64('a time shift sample')));
            size -= 8;
          }
        }
      }
      if (size > 0) {
        for (j = 0; j < cpus; j++) {
          for (let i = 0; i < per[j].frac.length; i++) {
            if (size < 8) break read;
            per[j].frac[i] = r.u64('a time shift fraction');
            size -= 8;
          }
        }
      }
      for (j = 0; j < cpus; j++) {
        const c = per[j];
        for (let i = 0; i < c.frac.length; i++) print(S.options, `\t${c.offsets[i]} ${c.scalings[i]} ${c.frac[i]} ${BigInt.asUintN(64, c.times[i])}[offset * scaling >> fraction @ time]\n`);
      }
    }
    if (j < cpus) print(S.options, 'Broken time shift option\n');
  };

  const optionGuest = (size: number) => {
    print(S.options, `\t\t[Option GUEST, ${size} bytes]\n`);
    const buf = r.bytes(size, 'the guest option');
    const z = buf.indexOf(0);
    if (z < 0) throw new DumpStop(`at byte ${r.pos - size}: the guest name is not NUL-terminated`);
    print(S.options, `${latin1Text(buf.subarray(0, z))} [Guest name]\n`);
    let p = z + 1;
    const num = (n: number) => {
      let v = 0n;
      for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[p + (r.bigEndian ? i : n - 1 - i)]);
      p += n;
      return v;
    };
    if (size - p < 8) return;
    print(S.options, `0x${hex(num(8))} [trace id]\n`);
    if (size - p < 4) return;
    const cpus = Number(BigInt.asIntN(32, num(4)));
    print(S.options, `${cpus} [Guest CPUs]\n`);
    for (let i = 0; i < cpus; i++) {
      if (size - p < 8) return;
      const cpu = BigInt.asIntN(32, num(4));
      const pid = BigInt.asIntN(32, num(4));
      print(S.options, `  ${cpu} ${pid} [guest cpu, host pid]\n`);
    }
  };

  /** v7 metadata sections: the option naming each (dump_option_section()), what prints it, and how its body dumps. */
  const SECTIONS = new Map<number, { name: string; items: number; dump: () => void }>([
    [OptionId.HEADER_INFO, { name: 'HEADERS', items: S.headPage | S.headEvent, dump: () => (headerPart('Header page', 'header_page', S.headPage), headerPart('Header event', 'header_event', S.headEvent)) }],
    [OptionId.FTRACE_EVENTS, { name: 'FTRACE EVENTS', items: S.ftraceEvents, dump: ftraceFormats }],
    [OptionId.EVENT_FORMATS, { name: 'EVENT FORMATS', items: S.systems | S.events, dump: eventFormats }],
    [OptionId.KALLSYMS, { name: 'KALLSYMS', items: S.kallsyms, dump: () => sized32('Kallsyms', S.kallsyms, 'kallsyms') }],
    [OptionId.PRINTK, { name: 'PRINTK', items: S.printk, dump: () => sized32('Trace printk', S.printk, 'trace printk') }],
    [OptionId.CMDLINES, { name: 'CMDLINES', items: S.cmdLines, dump: cmdlines }],
  ]);

  const optionsRead = (): number => {
    let flags = 0;
    if (version >= 7) flags = sectionHeader(S.options);
    if (flags & SEC_FL_COMPRESS) r.openBlock();
    let count = 0;
    for (;;) {
      const option = r.u16('the option id');
      if (option === OptionId.DONE && version < 7) break;
      const size = r.u32('the option size');
      count++;
      const text = STRING_OPTIONS[option];
      if (text !== undefined) {
        print(S.options, `\t\t[Option ${text}, ${size} bytes]\n`);
        if (size) dumpString(size, S.options, `the ${text} option`);
        continue;
      }
      const sec = SECTIONS.get(option);
      if (sec) {
        const offset = r.u64(`the offset of option ${option}`);
        sections.unshift({ id: option, offset, items: sec.items });
        print(S.options, `\t\t[Option ${sec.name}, ${size} bytes] @ ${lld(offset)}\n`);
        continue;
      }
      switch (option) {
        case OptionId.BUFFER:
        case OptionId.BUFFER_TEXT:
          optionBuffer(option, size);
          break;
        case OptionId.TRACECLOCK:
          print(S.options, `\t\t[Option TRACECLOCK, ${size} bytes]\n`);
          dumpString(size, S.options | S.clock, 'the trace clock option');
          hasClock = true;
          break;
        case OptionId.CPUCOUNT:
          print(S.options, `\t\t[Option CPUCOUNT, ${size} bytes]\n`);
          print(S.options, `${intOfSize(size, 'the CPUCOUNT option')}\n`);
          break;
        case OptionId.TRACEID:
          print(S.options, `\t\t[Option TRACEID, ${size} bytes]\n`);
          if (size !== 8) throw new DumpStop(`at byte ${r.pos}: the TRACEID option is ${size} bytes, not 8`);
          print(S.options, `0x${hex(r.u64('the trace id'))}\n`);
          break;
        case OptionId.TIME_SHIFT:
          optionTimeShift(size);
          break;
        case OptionId.GUEST:
          optionGuest(size);
          break;
        case OptionId.TSC2NSEC: {
          print(S.options, `\n\t\t[Option TSC2NSEC, ${size} bytes]\n`);
          const mult = r.i32('the tsc2nsec multiplier');
          const shift = r.i32('the tsc2nsec shift');
          const offset = r.u64('the tsc2nsec offset');
          print(S.options, `${mult} ${shift} ${offset} [multiplier, shift, offset]\n`);
          break;
        }
        case OptionId.DONE: {
          r.closeBlock();
          print(S.options, `\t\t[Option DONE, ${size} bytes]\n`);
          if (size < 8) return count;
          const next = r.u64('the next options offset');
          print(S.options, `${lld(next)}\n`);
          if (!next) return count;
          r.seek(next);
          print(S.options, '\n\n');
          return count + optionsRead();
        }
        default:
          print(S.options, ` ${option} ${size}\t[Unknown option, size - skipping]\n`);
          r.skip(size);
      }
    }
    r.closeBlock();
    return count;
  };

  const options = () => {
    const count = optionsRead();
    print(S.summary | S.options, `\t[${count} options]\n`);
  };

  const clock = () => {
    print(S.summary | S.clock, '\t[Tracing clock]\n');
    if (!hasClock) {
      print(S.summary | S.clock, '\t\t No tracing clock saved in the file\n');
      return;
    }
    const size = BigInt.asIntN(64, r.u64('the clock size'));
    if (size < 0n || size > BigInt(r.size)) throw new DumpStop(`at byte ${r.pos - 8}: the clock claims ${size} bytes`);
    print(S.summary | S.clock, `\t\t${cstr(latin1Text(r.bytes(Number(size), 'the clock')))}\n`);
  };

  const flyrecord = () => {
    print(S.summary | S.flyrecord, '\t[Flyrecord tracing data]\n');
    for (let i = 0; i < traceCpus; i++) {
      const offset = r.u64(`the offset of CPU ${i}`);
      const size = r.u64(`the size of CPU ${i}`);
      print(S.flyrecord, `\t ${w10p0(BigInt.asIntN(64, offset))} ${w10p0(BigInt.asIntN(64, size))}\t[offset, size of cpu ${i}]\n`);
    }
    clock();
  };

  const theRest = () => {
    for (;;) {
      const tag = latin1Text(r.bytes(10, 'the rest of the header'));
      if (tag === 'options  \0') options();
      else if (tag === 'latency  \0') print(S.summary, '\t[Latency tracing data]\n');
      else if (tag === 'flyrecord\0') flyrecord();
      else {
        r.pos -= 10;
        break;
      }
    }
  };

  const v6 = () => {
    headerPart('Header page', 'header_page', S.headPage);
    headerPart('Header event', 'header_event', S.headEvent);
    ftraceFormats();
    eventFormats();
    sized32('Kallsyms', S.kallsyms, 'kallsyms');
    sized32('Trace printk', S.printk, 'trace printk');
    cmdlines();
    traceCpus = r.u32('the CPU count');
    print(S.summary, `\t${traceCpus | 0} [CPUs with tracing data]\n`);
    theRest();
  };

  /** get_meta_strings(): every strings section, gathered (and printed) before anything names one. */
  const metaStrings = () => {
    const start = r.pos;
    const parts: Uint8Array[] = [];
    let have = 0;
    while (r.pos + 2 <= r.size) {
      const id = r.u16('a section id');
      const flags = r.u16('the section flags');
      r.i32('the section description');
      const size = r.u64('the section size');
      if (id === OptionId.STRINGS) {
        let part: Uint8Array;
        if (flags & SEC_FL_COMPRESS) {
          // no codec (a "none" file): tracecmd_uncompress_block() fails and the walk ends
          if (!r.codec) break;
          r.u32('the compressed size of the strings');
          const usize = r.u32('the uncompressed size of the strings');
          r.pos -= 8;
          // a block that cannot be read ends the walk without a word, as in trace-cmd
          try {
            r.openBlock();
          } catch (e) {
            if (!(e instanceof DumpStop)) throw e;
            opts.warn?.(`${file}: the strings section at byte ${r.pos - 16} cannot be read (${e.message}): sections are named "Unknown"`);
            break;
          }
          part = r.blockBytes(usize);
          r.closeBlock();
        } else {
          const n = Number(BigInt.asUintN(32, size));
          if (r.pos + n > r.size) {
            opts.warn?.(`${file}: truncated at byte ${r.size}: the strings section at byte ${r.pos - 16} holds ${n} bytes: sections are named "Unknown"`);
            break;
          }
          part = r.bytes(n, 'the strings section');
        }
        print(S.strings, '\t[String @ offset]\n');
        for (let p = 0; p < part.length; ) {
          const z = part.indexOf(0, p);
          const end = z < 0 ? part.length : z;
          print(S.strings, `\t\t"${latin1Text(part.subarray(p, end))}" @ ${have + p}\n`);
          p = end + 1;
        }
        parts.push(part);
        have += part.length;
      } else {
        if (size > BigInt(r.size)) break;
        r.pos += Number(size);
      }
    }
    const all = new Uint8Array(have);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    strings = all;
    r.pos = start;
  };

  const walkSections = (): number => {
    const start = r.pos;
    let count = 0;
    while (r.pos + 2 <= r.size) {
      const at = r.pos;
      const id = r.u16('a section id');
      const flags = r.u16('the section flags');
      const desc = metaString(r.i32('the section description')) ?? 'Unknown';
      let size = r.u64('the section size');
      if (id >= TRACECMD_OPTION_MAX) print(S.sections, `Unknown section id ${id}: ${desc}`);
      count++;
      const head = `\t[Section ${String(id).padStart(2)} @ ${String(at).padEnd(16)}\t"${desc}", flags 0x${hex(flags)}, `;
      if (flags & SEC_FL_COMPRESS) {
        if (id === OptionId.BUFFER || id === OptionId.BUFFER_TEXT) {
          print(S.sections, `${head}${lld(size)} compressed bytes]\n`);
        } else {
          const csize = r.i32('the compressed size of a section');
          const usize = r.i32('the uncompressed size of a section');
          print(S.sections, `${head}${csize} compressed, ${usize} uncompressed]\n`);
          size = BigInt.asUintN(64, size - 8n);
        }
      } else {
        print(S.sections, `${head}${lld(size)} bytes]\n`);
      }
      if (BigInt.asIntN(64, size) < 0n || size > BigInt(r.size)) break;
      r.pos += Number(size);
    }
    r.pos = start;
    return count;
  };

  const dumpSections = (count: number) => {
    for (const sec of sections) {
      r.seek(sec.offset);
      const flags = sectionHeader(sec.items);
      if (flags & SEC_FL_COMPRESS) r.openBlock();
      SECTIONS.get(sec.id)!.dump();
      r.closeBlock();
    }
    print(S.summary | S.sections, `\t[${count} sections]\n`);
  };

  const v7 = () => {
    const offset = r.u64('the offset of the first options section');
    metaStrings();
    const count = walkSections();
    r.seek(offset);
    options();
    dumpSections(count);
  };

  try {
    print(S.summary, `\n Tracing meta data in file ${file}:\n`);
    initialFormat();
    await compression();
    if (version < 7) v6();
    else v7();
    if (opts.validate) out(`File ${file} is a valid trace-cmd file\n`);
  } catch (e) {
    if (e instanceof DumpStop) throw new UserError(`${file}: ${e.message}`);
    throw e;
  } finally {
    r.close();
  }
}
