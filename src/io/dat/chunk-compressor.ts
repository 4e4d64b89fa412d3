import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Codec } from './codecs.ts';
import { RING, RING_SLOTS, type RingSetup } from './compress-ring.ts';

/**
 * Receives a compressed chunk; chunks of one compressor arrive in the order
 * they were submitted. `compressed` may be a view of shared memory: valid
 * during the call only (copy what you keep).
 */
export type ChunkDone = (compressed: Uint8Array, plainSize: number) => void;

/** Node's worker_threads only: under Deno (the notebooks) compression stays in this thread. */
const isNode = typeof (globalThis as { Deno?: unknown }).Deno === 'undefined';

/** Chunks compressed in this thread before the worker is started: small files never pay for a thread. */
const WORKER_AFTER_CHUNKS = 64;
/** A worker that returns nothing for this long with chunks in flight is taken for stuck: its work is redone here. */
const STALL_MS = 10_000;

/**
 * Compresses trace.dat chunks, in this thread or, for a big file, on a worker
 * thread: on two cores compression then runs beside the producer (the
 * emulator, a conversion) instead of after it. Results come back in
 * submission order either way, so the file's bytes do not depend on where the
 * work ran.
 *
 * The two threads share a ring of chunk slots and counters (compress-ring.ts)
 * and exchange no messages: a chunk is copied into a slot and the count of
 * submitted chunks raised; the worker compresses slots in order into their
 * output halves and raises the count of done ones. postMessage() and its
 * dispatch per chunk cost more on this thread than the copy (~60 ms of a
 * 0.75 s emulator run of 2,400 chunks). A producer that gets ahead by a whole
 * ring waits (Atomics.wait) for a slot, which is its back-pressure.
 *
 * Until the worker has its codec (~40 ms to start a thread and instantiate the
 * WASM), chunks are compressed here, as before it started. A worker that fails
 * (an exception, which it flags in the ring; an 'error' event; or silent for
 * STALL_MS with work in flight: a thread that died without a word) falls back
 * to this thread, redoing what it had not done: the slots keep each chunk
 * until its result is delivered.
 */
export class ChunkCompressor {
  private worker: Worker | null = null;
  private failed = false;
  private submitted = 0;
  private ring: RingSetup | null = null;
  /** Chunks handed to the ring, and of them delivered (both only grow). */
  private head = 0;
  private delivered = 0;
  /** The callback of the chunk in each slot. */
  private readonly dones: ChunkDone[] = [];
  /** Chunks the worker compressed (the rest ran in this thread). */
  inWorker = 0;

  constructor(
    private codec: Codec,
    private useWorker: boolean,
    private workerAfter = WORKER_AFTER_CHUNKS,
  ) {}

  /** Whether chunks now go to the worker: it is started and has its codec. */
  get onWorker(): boolean {
    return this.worker !== null && Atomics.load(this.ring!.ctl, RING.READY) === 1;
  }

  /** Compresses `plain` (free for reuse when this returns) and hands the result to `done`. */
  submit(plain: Uint8Array, done: ChunkDone): void {
    this.submitted++;
    if (this.useWorker && !this.failed && !this.worker && this.submitted > this.workerAfter && isNode) this.start(plain.length);
    const ring = this.onWorker ? this.ring! : null;
    if (!ring || plain.length > ring.slotSize) {
      // here, after what is in flight: the order holds
      this.collectAll();
      done(this.codec.compress(plain), plain.length);
      return;
    }
    while (this.head - this.delivered === RING_SLOTS) this.collect(true);
    if (!this.worker) {
      // the wait above found the worker dead and redid its chunks here
      done(this.codec.compress(plain), plain.length);
      return;
    }
    const k = this.head % RING_SLOTS;
    ring.input.set(plain, k * ring.slotSize);
    ring.inLen[k] = plain.length;
    this.dones[k] = done;
    Atomics.store(ring.ctl, RING.HEAD, ++this.head);
    Atomics.notify(ring.ctl, RING.HEAD);
    this.collect(false);
  }

  /** Delivers every chunk in flight, then stops the worker. */
  async finish(): Promise<void> {
    this.collectAll();
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    const ctl = this.ring!.ctl;
    Atomics.store(ctl, RING.STOP, 1);
    Atomics.notify(ctl, RING.HEAD);
    await w.terminate();
  }

  private collectAll(): void {
    while (this.delivered < this.head) this.collect(true);
  }

  /** Delivers what the worker has done; with `wait`, waits for at least one chunk first. */
  private collect(wait: boolean): void {
    if (!this.ring || this.delivered === this.head) return;
    const ctl = this.ring.ctl;
    if (Atomics.load(ctl, RING.FAILED)) return this.fallBack();
    let done = Atomics.load(ctl, RING.DONE);
    if (wait && done === this.delivered) {
      const r = Atomics.wait(ctl, RING.DONE, done, STALL_MS);
      if (Atomics.load(ctl, RING.FAILED) || (r === 'timed-out' && Atomics.load(ctl, RING.DONE) === done)) {
        this.fallBack();
        return;
      }
      done = Atomics.load(ctl, RING.DONE);
    }
    while (this.delivered < done) this.deliverNext(done);
  }

  /**
   * Hands the oldest chunk in flight to its callback: the worker's result if
   * it has one (`done` of them are), else compressed here from its slot (a
   * result larger than the slot, or a worker given up).
   */
  private deliverNext(done: number): void {
    const ring = this.ring!;
    const k = this.delivered % RING_SLOTS;
    const size = ring.inLen[k];
    const len = this.delivered < done ? ring.outLen[k] : -1;
    const c = len >= 0 ? ring.output.subarray(k * ring.outSize, k * ring.outSize + len) : this.codec.compress(ring.input.subarray(k * ring.slotSize, k * ring.slotSize + size));
    if (len >= 0) this.inWorker++;
    this.delivered++;
    this.dones[k](c, size);
  }

  private start(chunkSize: number): void {
    const ring = newRing(chunkSize);
    let w: Worker;
    try {
      w = spawnWorker(this.codec.name, ring);
    } catch {
      // no worker here (e.g. the sources without tsx): compression stays in this thread
      this.failed = true;
      return;
    }
    w.unref();
    w.on('error', () => this.fallBack());
    w.on('exit', (code) => {
      if (this.worker === w && code !== 0) this.fallBack();
    });
    this.worker = w;
    this.ring = ring;
  }

  /** The worker failed, died or hangs: what it has done is delivered, the rest compressed here, in order. */
  private fallBack(): void {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    this.failed = true;
    void w.terminate();
    const done = Atomics.load(this.ring!.ctl, RING.DONE);
    while (this.delivered < this.head) this.deliverNext(done);
  }
}

/** Slots for chunks up to the first one's size rounded up to 64 KB (a bigger one is compressed here). */
function newRing(chunkSize: number): RingSetup {
  const slotSize = Math.max(65536, Math.ceil(chunkSize / 65536) * 65536);
  // room for any codec's worst case on incompressible input (zstd: n + n/256 + 64; deflate less)
  const outSize = slotSize + (slotSize >> 6) + 1024;
  const shared = (n: number) => new SharedArrayBuffer(n);
  return {
    ctl: new Int32Array(shared(4 * Object.keys(RING).length)),
    inLen: new Int32Array(shared(4 * RING_SLOTS)),
    outLen: new Int32Array(shared(4 * RING_SLOTS)),
    input: new Uint8Array(shared(slotSize * RING_SLOTS)),
    output: new Uint8Array(shared(outSize * RING_SLOTS)),
    slotSize,
    outSize,
  };
}

/**
 * The worker runs compress-worker.js next to this module. From the sources
 * (the tests) that file is TypeScript, and Node 20 ignores --import in a
 * worker's execArgv, so a two-line bootstrap of ours registers tsx's
 * CommonJS hook (a dev dependency) and requires it.
 */
function spawnWorker(codec: string, ring: RingSetup): Worker {
  const self = import.meta.url;
  const opts = { workerData: { codec, ring } };
  if (!self.endsWith('.ts')) return new Worker(new URL('./compress-worker.js', self), opts);
  const tsx = createRequire(self).resolve('tsx/cjs/api');
  const file = fileURLToPath(new URL('./compress-worker.ts', self));
  return new Worker(`require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(file)});`, { ...opts, eval: true });
}
