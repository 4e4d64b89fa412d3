import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
// a type only: the package itself is loaded on the first zstd section (loadZstd)
import type * as ZstdWasm from '@bokuweb/zstd-wasm';

/**
 * Compression of trace.dat v7 sections and chunks. zstd comes from
 * @bokuweb/zstd-wasm (Node 20 has no zstd; the WASM build decodes ~350 MB/s and
 * also compresses, which the writer needs); zlib is Node's own. Frames written
 * by trace-cmd carry no content size: the block header gives it.
 */
export interface Codec {
  name: string;
  /**
   * The most one compressed byte can stand for in this format: a claimed size
   * beyond csize times this (plus a page) cannot be honest, and is refused
   * before anything is allocated (a few bytes claiming a gigabyte).
   */
  maxRatio: number;
  decompress(data: Uint8Array, size: number): Uint8Array;
  compress(data: Uint8Array): Uint8Array;
}

let zstdReady: Promise<void> | null = null;
/** The zstd package once loadZstd() has run. */
let zw: typeof ZstdWasm | null = null;

/** Level 1: the writer keeps up with the emulator; chunks are 3-14% larger than at level 3 (measured on samples/real-ipi.dat and an emulated run). */
export const ZSTD_LEVEL = 1;

/**
 * Loads the zstd WASM module once; needed before any zstd codec use. The
 * package is loaded here, not at the top: loading it (CommonJS glue, its
 * loader) costs ~10 ms of a command's start, which a v6 or uncompressed trace
 * (9 of the 10 real ones in ../shared/data: all but real-ipi.dat) never needs.
 */
export function loadZstd(): Promise<void> {
  return (zstdReady ??= zstdPackage().then(async (m) => {
    await m.init();
    zw = m;
  }));
}

/**
 * Node loads the package (CommonJS) with require(): as an import() it goes
 * through the ESM loader's CommonJS export lexer first, 10 ms against 5 for
 * require (three fresh processes each, one V8 helper thread as the bin runs).
 * The viewer's page (no Node: scripts/browser's process has no versions.node)
 * imports the stand-in its bundle puts there.
 */
function zstdPackage(): Promise<typeof ZstdWasm> {
  if (typeof process !== 'undefined' && process.versions?.node) return Promise.resolve(createRequire(import.meta.url)('@bokuweb/zstd-wasm') as typeof ZstdWasm);
  return import('@bokuweb/zstd-wasm');
}

/** zstd_errors.h's ZSTD_ErrorCode values a damaged frame gives, as words. */
const ZSTD_ERRORS: Record<number, string> = {
  1: 'error (generic)',
  10: 'not a zstd frame (prefix_unknown)',
  12: 'unsupported version (version_unsupported)',
  14: 'unsupported frame parameter (frameParameter_unsupported)',
  16: 'window too large (frameParameter_windowTooLarge)',
  20: 'corrupted data (corruption_detected)',
  22: 'checksum mismatch (checksum_wrong)',
  24: 'bad literals header (literals_headerWrong)',
  70: 'more data than the stated size (dstSize_tooSmall)',
  72: 'wrong compressed size (srcSize_wrong)',
};

/**
 * One compression context for the thread, reused: ZSTD_compress would build
 * and free a context per chunk, which took 25-36% of the time on 40 KB
 * chunks (measured on samples of an emulated trace). With no dictionary the frames are byte-identical to ZSTD_compress's.
 */
let cctx = 0;
const NO_DICT = new Uint8Array(0);

const zstd: Codec = {
  name: 'zstd',
  // an RLE block (3-byte header, 1 byte) stands for up to 128 KiB: 32768 to 1
  maxRatio: 32768,
  decompress(data, size) {
    try {
      return zw!.decompress(data, { defaultHeapSize: Math.max(size, 1) }).subarray(0, size);
    } catch (e) {
      // zstd-wasm says "Failed to compress with code -20": name the decompression error instead
      const code = /code -?(\d+)/.exec(String((e as Error).message))?.[1];
      throw new Error(code ? `zstd: ${ZSTD_ERRORS[Number(code)] ?? `error ${code}`}` : String((e as Error).message));
    }
  },
  compress(data) {
    if (!cctx) cctx = zw!.createCCtx();
    return zw!.compressUsingDict(cctx, data, NO_DICT, ZSTD_LEVEL);
  },
};

const zlibCodec: Codec = {
  name: 'zlib',
  // deflate's longest match (258 bytes) in a code of at least 2 bits: 1032 to 1
  maxRatio: 1032,
  decompress(data, size) {
    return zlib.inflateSync(data, { maxOutputLength: Math.max(size, 1) });
  },
  compress(data) {
    return zlib.deflateSync(data, { level: 9 });
  },
};

const none: Codec = {
  name: 'none',
  maxRatio: 1,
  decompress: (d) => d,
  compress: (d) => d,
};

export async function codecFor(name: string): Promise<Codec | null> {
  if (name === 'zstd') {
    await loadZstd();
    return zstd;
  }
  if (name === 'zlib') return zlibCodec;
  if (name === 'none' || name === '') return none;
  return null;
}

/**
 * The most a compressed block of `csize` bytes may claim to expand to in this
 * codec (its format's own limit, plus a page): trace data compresses 6-20x per
 * 10-page chunk, repetitive format sections over 1000x (a real zstd events
 * format section of 537 bytes holds 634 KB), so only the format's bound
 * separates an honest file from a bomb.
 */
export function plausibleExpansion(codec: Codec, csize: number): number {
  return csize * codec.maxRatio + 65536;
}

/**
 * The compression algorithms this build reads and writes, with the version of
 * what implements each: zlib is Node's own; zstd is the @bokuweb/zstd-wasm
 * build (it exports no ZSTD_versionNumber, so its package version stands in).
 */
export function codecVersions(): { name: string; version: string }[] {
  let zstdVersion = 'unknown';
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve('@bokuweb/zstd-wasm'));
    for (let k = 0; k < 5 && zstdVersion === 'unknown'; k++, dir = path.dirname(dir)) {
      const f = path.join(dir, 'package.json');
      if (!fs.existsSync(f)) continue;
      const pkg = JSON.parse(fs.readFileSync(f, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@bokuweb/zstd-wasm' && pkg.version) zstdVersion = `zstd-wasm ${pkg.version}`;
    }
  } catch {
    // not resolvable from here (a copied bundle): the version stays unknown
  }
  return [
    { name: 'zstd', version: zstdVersion },
    { name: 'zlib', version: process.versions.zlib ?? 'unknown' },
  ];
}
