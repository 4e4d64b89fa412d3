import type { Arg, PrintFmt } from '../../printfmt/ast.ts';

/**
 * Remembers the printed text of events whose text is a pure function of their
 * payload: the same payload bytes (after the common header) give the same text.
 * Real traces repeat payloads constantly (timer vectors, softirq numbers, RCU
 * strings, the same callbacks), so most events print without rendering.
 * Direct-mapped, with full key comparison: a hit is always exact.
 */
const SLOTS = 8192;
const MAX_WORDS = 8;

export class TextCache {
  private ids = new Int32Array(SLOTS).fill(-1);
  private lens = new Int32Array(SLOTS);
  private words = new Uint32Array(SLOTS * MAX_WORDS);
  private texts: (Uint8Array | null)[] = new Array(SLOTS).fill(null);
  hits = 0;

  /** Slot for (id, payload) or -1 when the payload is too long to cache. */
  slot(id: number, dv: DataView, off: number, size: number): number {
    const n = (size - 8) >> 2;
    if (n < 0 || n > MAX_WORDS || size & 3) return -1;
    let h = (id * 0x9e3779b1) | 0;
    for (let k = 0; k < n; k++) h = Math.imul(h ^ dv.getUint32(off + 8 + 4 * k, true), 0x85ebca6b) ^ (h >>> 13);
    return ((h ^ (h >>> 16)) >>> 0) & (SLOTS - 1);
  }

  get(slot: number, id: number, dv: DataView, off: number, size: number): Uint8Array | null {
    if (this.ids[slot] !== id || this.lens[slot] !== size) return null;
    const base = slot * MAX_WORDS;
    const n = (size - 8) >> 2;
    for (let k = 0; k < n; k++) if (this.words[base + k] !== dv.getUint32(off + 8 + 4 * k, true)) return null;
    this.hits++;
    return this.texts[slot];
  }

  set(slot: number, id: number, dv: DataView, off: number, size: number, text: Uint8Array): void {
    this.ids[slot] = id;
    this.lens[slot] = size;
    const base = slot * MAX_WORDS;
    const n = (size - 8) >> 2;
    for (let k = 0; k < n; k++) this.words[base + k] = dv.getUint32(off + 8 + 4 * k, true);
    this.texts[slot] = text;
  }
}

/** True when a print fmt reads only event fields (not the common header), so its text is a function of the payload. */
export function payloadOnly(fmt: PrintFmt | null): boolean {
  if (!fmt) return true;
  const seen = new Set<Arg>();
  const visit = (a: Arg | null): boolean => {
    if (!a || seen.has(a)) return true;
    seen.add(a);
    if ((a.kind === 'field' || a.kind === 'string' || a.kind === 'bitmask' || a.kind === 'cpumask') && a.field && a.field.offset < 8) return false;
    return visit(a.flagField) && visit(a.a) && visit(a.b) && visit(a.c) && visit(a.item) && visit(a.left) && visit(a.right);
  };
  return fmt.args.every(visit) && fmt.segments.every((s) => visit(s.arg) && visit(s.lenArg));
}
