import { parentPort, workerData } from 'node:worker_threads';
import { codecFor } from './codecs.ts';

/**
 * The chunk compressor's thread: compresses each chunk it is sent (in a slot
 * of shared memory) and sends the result back, in the order received.
 * (No top-level await: from the sources, tests load this file as CommonJS.)
 */
void codecFor(workerData.codec as string).then((codec) => {
  if (!codec) throw new Error(`no codec ${workerData.codec}`);
  parentPort!.on('message', (m: { buffer: Uint8Array; size: number }) => {
    const c = codec.compress(m.buffer.subarray(0, m.size));
    const out = c.byteOffset === 0 && c.byteLength === c.buffer.byteLength ? c : c.slice();
    parentPort!.postMessage(out, [out.buffer as ArrayBuffer]);
  });
  // the producer compresses in its own thread until this says the codec is here
  Atomics.store(workerData.ready as Int32Array, 0, 1);
});
