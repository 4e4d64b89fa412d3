import * as v8 from 'node:v8';

/**
 * Keeps V8's young generation at the size it starts with, for a command that
 * streams a trace and keeps little: `report`, `hist`.
 *
 * V8 doubles the semi-spaces (up to 16 MB each, the young generation three of
 * them) once the bytes surviving scavenges add up to their capacity, which in a
 * long stream they always do; the space then stays resident to the end of the
 * run although the live data of a report is a window per CPU and its caches.
 * Measured on Node 20 (V8 11.3), runs with and without alternated: peak RSS of
 * `report` 97 -> 90 MB on samples/real-ipi.dat, 96 -> 90 MB on real-ipi-v6.dat,
 * 81 -> 76 MB on LISA's tests/trace.dat and 79 -> 72 MB on its example_rtapp, in
 * the same time (medians of 5); the 2 M-event replica 107 -> 91 MB in the same
 * time, and `hist` on it 0.86 -> 0.71 s, 122 -> 97 MB (medians of 3: a scavenge
 * of a small space touches less); the 1.47 GB --big trace's report 143 -> 107
 * MB, 44 s either way (2 runs each). Not
 * for commands that keep what they read (`interference` keeps each noise piece:
 * it took 19 % longer with it, everything surviving being copied out of a small
 * space more often).
 *
 * The growth factor is read at each growth (SemiSpaceNewSpace::Grow()), so it
 * takes effect after start-up, where --max-semi-space-size does not; other V8
 * majors are left alone (not measured, and a flag V8 does not know is an error
 * on stderr).
 */
export function keepYoungGenerationSmall(): void {
  if (process.versions.v8.startsWith('11.')) v8.setFlagsFromString('--semi-space-growth-factor=1');
}
