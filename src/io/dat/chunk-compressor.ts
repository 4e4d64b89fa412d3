import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Codec } from './codecs.ts';

/** Receives a compressed chunk; chunks of one compressor arrive in the order they were submitted. */
export type ChunkDone = (compressed: Uint8Array, plainSize: number) => void;

/** Node's worker_threads only: under Deno (the notebooks) compression stays in this thread. */
const isNode = typeof (globalThis as { Deno?: unknown }).Deno === 'undefined';

/** Chunks compressed in this thread before the worker is started: small files never pay for a thread. */
const WORKER_AFTER_CHUNKS = 64;
/** Chunks in flight at most before a producer should wait (drain()); each holds 10 pages. */
const HIGH_WATER = 48;
const LOW_WATER = 16;
/** A worker that returns nothing for this long with chunks in flight is taken for stuck: its work is redone here. */
const STALL_MS = 10_000;

/**
 * Compresses trace.dat chunks, in this thread or, for a producer that can
 * wait (the emulator), on a worker thread once the file proves big: on two
 * cores compression then runs beside the simulation instead of after it.
 * Results come back in submission order either way, so the file's bytes do
 * not depend on where the work ran. A worker that fails falls back to this
 * thread, redoing what it had not returned.
 */
export class ChunkCompressor {
  private worker: Worker | null = null;
  private failed = false;
  private submitted = 0;
  /** In flight on the worker, oldest first: the slot holding each chunk. */
  private queue: { slot: number; size: number; done: ChunkDone }[] = [];
  /** Chunks travel in slots of shared memory: a message shares the slot, it copies nothing. */
  private slots: Uint8Array[] = [];
  private freeSlots: number[] = [];
  private waiters: (() => void)[] = [];
  /** Set to 1 by the worker once its codec is ready (shared memory: the producer reads it without yielding). */
  private ready: Int32Array | null = null;
  /** More chunks are in flight than a producer should let pile up: await drain(). */
  congested = false;
  /** Chunks the worker compressed (the rest ran in this thread). */
  inWorker = 0;

  constructor(
    private codec: Codec,
    private useWorker: boolean,
    private workerAfter = WORKER_AFTER_CHUNKS,
  ) {}

  /** Compresses `plain` (free for reuse when this returns) and hands the result to `done`. */
  submit(plain: Uint8Array, done: ChunkDone): void {
    this.submitted++;
    if (this.useWorker && !this.failed && !this.worker && this.submitted > this.workerAfter && isNode) this.start();
    // until the worker has its codec (a thread to start, the WASM to instantiate: ~40 ms), this
    // thread goes on compressing: chunks posted to a worker still starting piled up, and the
    // producer sat idle waiting for them; nothing is in flight before, so the order holds
    const w = this.onWorker ? this.worker : null;
    if (!w) {
      done(this.codec.compress(plain), plain.length);
      return;
    }
    // the chunk stays in its slot until the result is back, so a failed worker loses nothing
    let slot = this.freeSlots.pop();
    if (slot === undefined || this.slots[slot].length < plain.length) {
      slot ??= this.slots.length;
      this.slots[slot] = new Uint8Array(new SharedArrayBuffer(plain.length));
    }
    this.slots[slot].set(plain);
    this.queue.push({ slot, size: plain.length, done });
    w.postMessage({ slot, buffer: this.slots[slot], size: plain.length });
    if (this.queue.length >= HIGH_WATER) this.congested = true;
  }

  /** Whether chunks now go to the worker: it is started and has its codec. */
  get onWorker(): boolean {
    return this.worker !== null && Atomics.load(this.ready!, 0) === 1;
  }

  /** Resolves once no more than a few chunks are in flight. */
  drain(): Promise<void> {
    if (this.queue.length <= LOW_WATER) return Promise.resolve();
    return this.progress();
  }

  /** Resolves when every chunk is done; stops the worker. */
  async finish(): Promise<void> {
    while (this.queue.length) await this.progress();
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  /** Resolves at the next wake(); a worker silent for STALL_MS is given up. */
  private progress(): Promise<void> {
    return new Promise<void>((resolve) => {
      const w = this.worker;
      const timer = setTimeout(() => {
        if (w) {
          void w.terminate();
          this.fallBack(w);
        }
      }, STALL_MS);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private start(): void {
    let w: Worker;
    const ready = new Int32Array(new SharedArrayBuffer(4));
    try {
      w = spawnWorker(this.codec.name, ready);
    } catch {
      // no worker here (e.g. the sources without tsx): compression stays in this thread
      this.failed = true;
      return;
    }
    w.unref();
    w.on('message', (c: Uint8Array) => {
      const job = this.queue.shift()!;
      this.inWorker++;
      this.freeSlots.push(job.slot);
      job.done(c, job.size);
      this.wake();
    });
    w.on('error', () => this.fallBack(w));
    w.on('exit', (code) => {
      if (this.worker === w && code !== 0) this.fallBack(w);
    });
    this.worker = w;
    this.ready = ready;
  }

  /** The worker died: what it had not returned is compressed here, in order. */
  private fallBack(w: Worker): void {
    if (this.worker !== w) return;
    this.worker = null;
    this.failed = true;
    const jobs = this.queue;
    this.queue = [];
    for (const j of jobs) {
      this.freeSlots.push(j.slot);
      j.done(this.codec.compress(this.slots[j.slot].subarray(0, j.size)), j.size);
    }
    this.wake();
  }

  private wake(): void {
    if (this.queue.length > LOW_WATER) return;
    this.congested = false;
    const ws = this.waiters;
    this.waiters = [];
    for (const r of ws) r();
  }
}

/**
 * The worker runs compress-worker.js next to this module. From the sources
 * (the tests) that file is TypeScript, and Node 20 ignores --import in a
 * worker's execArgv, so a two-line bootstrap of ours registers tsx's
 * CommonJS hook (a dev dependency) and requires it.
 */
function spawnWorker(codec: string, ready: Int32Array): Worker {
  const self = import.meta.url;
  const opts = { workerData: { codec, ready } };
  if (!self.endsWith('.ts')) return new Worker(new URL('./compress-worker.js', self), opts);
  const tsx = createRequire(self).resolve('tsx/cjs/api');
  const file = fileURLToPath(new URL('./compress-worker.ts', self));
  return new Worker(`require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(file)});`, { ...opts, eval: true });
}
