import { workerData } from 'node:worker_threads';
import { codecFor } from './codecs.ts';
import { RING, RING_SLOTS, type RingSetup } from './compress-ring.ts';

/**
 * The chunk compressor's thread: compresses the ring's slots in order into
 * their output halves (compress-ring.ts), waiting on the HEAD counter when it
 * has caught up, until STOP. No messages: see chunk-compressor.ts.
 * (No top-level await: from the sources, tests load this file as CommonJS.)
 */
void codecFor(workerData.codec as string).then((codec) => {
  if (!codec) throw new Error(`no codec ${workerData.codec}`);
  const r = workerData.ring as RingSetup;
  const ctl = r.ctl;
  // the producer compresses in its own thread until this says the codec is here
  Atomics.store(ctl, RING.READY, 1);
  for (let n = 0; ; n++) {
    for (;;) {
      if (Atomics.load(ctl, RING.STOP)) return;
      if (Atomics.load(ctl, RING.HEAD) !== n) break;
      Atomics.wait(ctl, RING.HEAD, n);
    }
    const k = n % RING_SLOTS;
    try {
      const c = codec.compress(r.input.subarray(k * r.slotSize, k * r.slotSize + r.inLen[k]));
      if (c.length <= r.outSize) {
        r.output.set(c, k * r.outSize);
        r.outLen[k] = c.length;
      } else r.outLen[k] = -1;
    } catch (e) {
      // a producer blocked in Atomics.wait sees no 'error' event: it is woken to redo the work
      Atomics.store(ctl, RING.FAILED, 1);
      Atomics.notify(ctl, RING.DONE);
      throw e;
    }
    Atomics.store(ctl, RING.DONE, n + 1);
    Atomics.notify(ctl, RING.DONE);
  }
});
