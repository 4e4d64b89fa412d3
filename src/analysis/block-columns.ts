import { SpillFile } from '../core/spill-file.ts';

/** Entries per block: a Float64 block is 128 KB. */
export const BLOCK = 1 << 14;
const SHIFT = 14;

type Typed = Float64Array | Int32Array | Uint8Array;

/**
 * Where the full blocks of a set of columns live: in memory up to a budget,
 * then in a temporary file (one per store, opened on the first spill), so an
 * analysis that keeps something per event of a busy CPU (the noise pieces,
 * whose meaning is known only at the end of the trace) holds a bounded amount
 * of memory however long the trace is. The file is removed when the store is
 * closed, and at exit if the run fails before that.
 */
export class BlockStore {
  private readonly spill = new SpillFile('blocks');
  private inMemory = 0;
  private readonly columns: Column<Typed>[] = [];

  constructor(readonly budgetBytes: number) {}

  /** A column of doubles, 32-bit integers or bytes kept by this store. */
  column<A extends Typed>(make: (n: number) => A): Column<A> {
    const c = new Column(make, this.spill, this);
    this.columns.push(c as unknown as Column<Typed>);
    return c;
  }

  /** Bytes of full blocks written to the temporary file so far. */
  get spilledBytes(): number {
    return this.spill.size;
  }

  /** A block was filled: past the budget, the full blocks still in memory go to the file. */
  filled(bytes: number): void {
    this.inMemory += bytes;
    if (this.inMemory <= this.budgetBytes) return;
    for (const c of this.columns) this.inMemory -= c.spillFull();
  }

  close(): void {
    this.spill.close();
  }
}

/**
 * A column that grows without copying what it holds: its first block doubles
 * up to BLOCK entries, then blocks of BLOCK follow (each copy would hold the
 * old and the new at once); full blocks may go to the store's file. Reading
 * is by index, fastest in order (one spilled block is read back at a time).
 */
export class Column<A extends Typed> {
  private readonly blocks: (A | null)[];
  private readonly fileAt: number[] = [];
  /** Blocks before this one are in the file. */
  private spilled = 0;
  private cached = -1;
  private cache: A | null = null;
  /** The cached block was changed (set()): written back before another is read into it. */
  private dirty = false;

  constructor(
    private readonly make: (n: number) => A,
    private readonly file: SpillFile,
    private readonly store: { filled(bytes: number): void },
  ) {
    this.blocks = [make(64)];
  }

  /** The block entry `k` (the count so far) goes in, made room for. */
  room(k: number): A {
    const b = k >>> SHIFT;
    if (b < this.blocks.length) {
      const last = this.blocks[b]!;
      if ((k & (BLOCK - 1)) < last.length) return last;
      const w = this.make(Math.min(BLOCK, last.length * 2));
      w.set(last as never);
      return (this.blocks[b] = w);
    }
    const w = this.make(BLOCK);
    this.blocks.push(w);
    this.store.filled(this.blocks[b - 1]!.byteLength);
    return w;
  }

  at(k: number): number {
    const b = k >>> SHIFT;
    const m = this.blocks[b];
    if (m) return m[k & (BLOCK - 1)];
    if (this.cached !== b) {
      if (this.dirty) this.file.writeAt(this.fileAt[this.cached], this.cache!);
      this.dirty = false;
      this.cache ??= this.make(BLOCK);
      this.file.readAt(this.fileAt[b], this.cache);
      this.cached = b;
    }
    return this.cache![k & (BLOCK - 1)];
  }

  /** Changes entry `k` (of a spilled block: in the block read back, written again when another is read). */
  set(k: number, v: number): void {
    const b = k >>> SHIFT;
    const m = this.blocks[b];
    if (m) {
      m[k & (BLOCK - 1)] = v;
      return;
    }
    this.at(k);
    this.cache![k & (BLOCK - 1)] = v;
    this.dirty = true;
  }

  /** Writes the full blocks still in memory to the file (never the last, being filled); returns the bytes freed. */
  spillFull(): number {
    let freed = 0;
    for (; this.spilled < this.blocks.length - 1; this.spilled++) {
      const m = this.blocks[this.spilled]!;
      this.fileAt[this.spilled] = this.file.append(m);
      this.blocks[this.spilled] = null;
      freed += m.byteLength;
    }
    return freed;
  }
}
