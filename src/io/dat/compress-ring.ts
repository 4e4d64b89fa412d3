/**
 * The shared memory between the chunk compressor and its worker: RING_SLOTS
 * chunk slots (input, and output for the compressed result) and five
 * words of control. Chunk n lives in slot n % RING_SLOTS; HEAD counts chunks the
 * producer has placed, DONE the ones the worker has compressed (each result's
 * length in outLen, -1 when it did not fit its slot).
 */
export interface RingSetup {
  ctl: Int32Array;
  inLen: Int32Array;
  outLen: Int32Array;
  input: Uint8Array;
  output: Uint8Array;
  slotSize: number;
  outSize: number;
}

/** Indexes into ctl. */
export const RING = {
  /** 1 once the worker has its codec. */
  READY: 0,
  HEAD: 1,
  DONE: 2,
  /** 1: the worker returns (set by finish()). */
  STOP: 3,
  /** 1: the worker failed (an exception compressing): the producer redoes its chunks at once. */
  FAILED: 4,
} as const;

/** 32 chunks of 10 pages: 1.3 MB in flight for 4 KB pages, as the 48 chunks the message queue allowed. */
export const RING_SLOTS = 32;
