import * as zlib from 'node:zlib';
import { compressUsingDict, createCCtx, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';

/**
 * Compression of trace.dat v7 sections and chunks. zstd comes from
 * @bokuweb/zstd-wasm (Node 20 has no zstd; the WASM build decodes ~350 MB/s and
 * also compresses, which the writer needs); zlib is Node's own. Frames written
 * by trace-cmd carry no content size: the block header gives it.
 */
export interface Codec {
  name: string;
  decompress(data: Uint8Array, size: number): Uint8Array;
  compress(data: Uint8Array): Uint8Array;
}

let zstdReady: Promise<void> | null = null;

/** Level 1: the writer keeps up with the emulator; chunks are 3-14% larger than at level 3 (measured on samples/real-ipi.dat and an emulated run). */
export const ZSTD_LEVEL = 1;

/** Loads the zstd WASM module once; needed before any zstd codec use. */
export function loadZstd(): Promise<void> {
  return (zstdReady ??= zstdInit());
}

/**
 * One compression context for the thread, reused: ZSTD_compress would build
 * and free a context per chunk, which took 25-36% of the time on 40 KB
 * chunks (measured on samples of an emulated trace). With no dictionary the frames are byte-identical to ZSTD_compress's.
 */
let cctx = 0;
const NO_DICT = new Uint8Array(0);

const zstd: Codec = {
  name: 'zstd',
  decompress(data, size) {
    return zstdDecompress(data, { defaultHeapSize: Math.max(size, 1) }).subarray(0, size);
  },
  compress(data) {
    if (!cctx) cctx = createCCtx();
    return compressUsingDict(cctx, data, NO_DICT, ZSTD_LEVEL);
  },
};

const zlibCodec: Codec = {
  name: 'zlib',
  decompress(data, size) {
    return zlib.inflateSync(data, { maxOutputLength: Math.max(size, 1) });
  },
  compress(data) {
    return zlib.deflateSync(data, { level: 9 });
  },
};

const none: Codec = {
  name: 'none',
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
 * The most a compressed block of `csize` bytes may claim to expand to. Trace
 * data compresses 6-20x per 10-page chunk (samples/real-ipi.dat, an emulated
 * run); allowing 1024x (plus a page) keeps every honest
 * file readable while a few bytes claiming a gigabyte (a zip bomb) are refused
 * before anything is allocated.
 */
export function plausibleExpansion(csize: number): number {
  return csize * 1024 + 65536;
}
