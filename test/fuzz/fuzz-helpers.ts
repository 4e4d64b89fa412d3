import * as fc from 'fast-check';
import { UserError } from '../../src/core/errors.ts';

/** Runs per property: small in `npm test`, large with FUZZ_RUNS (npm run fuzz). */
export function runs(n: number): number {
  return Number(process.env.FUZZ_RUNS ?? n);
}

/** The fixed seed of the suite; `FUZZ_SEED` replays another. */
export const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

export function params(n: number): fc.Parameters<unknown> {
  return { numRuns: runs(n), seed: SEED, endOnFailure: true };
}

/**
 * Calls fn; user errors (bad input, reported with a message) are fine, anything
 * else is a crash. Each call must also finish quickly: every loop is bounded by
 * the input, so a slow case is a hang in the making.
 */
export async function survives(what: string, fn: () => unknown | Promise<unknown>, maxMs = 5000): Promise<'ok' | 'rejected'> {
  const t0 = performance.now();
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (e instanceof UserError) return 'rejected';
    throw new Error(`${what}: crashed with ${(e as Error).stack ?? e}`);
  } finally {
    const dt = performance.now() - t0;
    if (dt > maxMs) throw new Error(`${what}: took ${dt.toFixed(0)} ms`);
  }
}
