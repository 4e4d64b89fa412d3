import type { FormatRegistry } from '../../core/formats.ts';
import type { Cursor } from './file-source.ts';

/**
 * The metadata blobs of a trace.dat (the same bytes inline in v6 and inside
 * sections in v7). Size fields differ per blob: u64 for header info, formats and
 * cmdlines, u32 for kallsyms and printk.
 */

export function readHeaderInfo(c: Cursor): { headerPage: string; headerEvent: string } {
  const tag1 = c.text(12, 'the "header_page" tag');
  if (tag1 !== 'header_page\0') c.fail('"header_page"', JSON.stringify(tag1));
  const headerPage = c.text(c.size64('header_page size'), 'header_page text');
  const tag2 = c.text(13, 'the "header_event" tag');
  if (tag2 !== 'header_event\0') c.fail('"header_event"', JSON.stringify(tag2));
  const headerEvent = c.text(c.size64('header_event size'), 'header_event text');
  return { headerPage, headerEvent };
}

export function readFtraceFormats(c: Cursor, formats: FormatRegistry): void {
  const count = c.u32('ftrace format count');
  if (count > c.remaining / 8) c.fail(`at most ${Math.floor(c.remaining / 8)} ftrace formats`, String(count));
  for (let i = 0; i < count; i++) formats.add('ftrace', c.text(c.size64('ftrace format size'), 'ftrace format'));
}

export function readEventFormats(c: Cursor, formats: FormatRegistry): void {
  const systems = c.u32('event system count');
  if (systems > c.remaining / 5) c.fail(`at most ${Math.floor(c.remaining / 5)} event systems`, String(systems));
  for (let s = 0; s < systems; s++) {
    const name = c.cstring('system name');
    const count = c.u32(`event count of system ${name}`);
    if (count > c.remaining / 8) c.fail(`at most ${Math.floor(c.remaining / 8)} formats in system ${name}`, String(count));
    for (let i = 0; i < count; i++) formats.add(name, c.text(c.size64(`format size in system ${name}`), `format in system ${name}`));
  }
}

export function readSized32(c: Cursor, what: string): string {
  return c.text(c.size32(`${what} size`), what);
}

/** The bytes of a u32-sized section (kallsyms: parsed from its bytes, never made a string whole). */
export function readSizedBytes32(c: Cursor, what: string): Uint8Array {
  return c.bytesOf(c.size32(`${what} size`), what);
}

export function readSized64(c: Cursor, what: string): string {
  return c.text(c.size64(`${what} size`), what);
}

/** Commit word size and data offset of ring-buffer pages, from the header_page format. */
export function pageLayoutFromHeader(headerPage: string, fallbackLong: number): { commitSize: number; dataOffset: number } {
  const commit = /field:[^;]*\bcommit;\s*offset:(\d+);\s*size:(\d+);/.exec(headerPage);
  const data = /field:[^;]*\bdata;\s*offset:(\d+);/.exec(headerPage);
  const commitSize = commit ? Number(commit[2]) : fallbackLong;
  const dataOffset = data ? Number(data[1]) : 8 + commitSize;
  return { commitSize: commitSize === 4 ? 4 : 8, dataOffset };
}
