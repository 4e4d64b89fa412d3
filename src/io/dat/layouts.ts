import { Parser } from 'binary-parser';

/**
 * Fixed binary layouts of trace.dat, declared with binary-parser. Only layouts
 * written here are compiled (binary-parser generates code); nothing read from a
 * file ever becomes part of a layout. Hot per-event decoding is hand-written.
 */

/** Start of every trace.dat: magic, "tracing", version text, endianness, long size. */
export const initialHeader = new Parser()
  .uint8('m0')
  .uint8('m1')
  .uint8('m2')
  .string('tracing', { length: 7, encoding: 'latin1' })
  .string('version', { zeroTerminated: true, encoding: 'latin1' })
  .uint8('endian')
  .uint8('longSize');

const sectionHeader = (le: boolean) =>
  new Parser()
    .endianness(le ? 'little' : 'big')
    .uint16('id')
    .uint16('flags')
    .uint32('description')
    .uint64('size');

/** v7 section header: id, flags (bit 0 = compressed), string id, body size. */
export const sectionHeaderLE = sectionHeader(true);
export const sectionHeaderBE = sectionHeader(false);
export const SECTION_HEADER_SIZE = 16;

export interface SectionHeader {
  id: number;
  flags: number;
  description: number;
  size: bigint;
}

const chunkHeader = (le: boolean) => new Parser().endianness(le ? 'little' : 'big').uint32('csize').uint32('usize');
/** Compressed block header: compressed size, uncompressed size. */
export const chunkHeaderLE = chunkHeader(true);
export const chunkHeaderBE = chunkHeader(false);

export const enum OptionId {
  DONE = 0,
  DATE = 1,
  CPUSTAT = 2,
  BUFFER = 3,
  TRACECLOCK = 4,
  UNAME = 5,
  HOOK = 6,
  OFFSET = 7,
  CPUCOUNT = 8,
  VERSION = 9,
  PROCMAPS = 10,
  TRACEID = 11,
  TIME_SHIFT = 12,
  GUEST = 13,
  TSC2NSEC = 14,
  STRINGS = 15,
  HEADER_INFO = 16,
  FTRACE_EVENTS = 17,
  EVENT_FORMATS = 18,
  KALLSYMS = 19,
  PRINTK = 20,
  CMDLINES = 21,
  BUFFER_TEXT = 22,
  /**
   * tracelab's own: how an emulated trace was made. trace-cmd 3.1.6 skips
   * option ids it does not know without a word (checked by the writer's
   * tests); this one is far from the ids trace-cmd allocates in order.
   */
  TRACELAB_PROVENANCE = 0x7e01,
}
