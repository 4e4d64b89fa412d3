import * as path from 'node:path';
import { describe } from 'vitest';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { formatText } from '../../src/core/format-writer.ts';
import { RecordEncoder } from '../../src/core/record-encoder.ts';
import type { DatMeta } from '../../src/io/dat/writer.ts';
import { testDat } from './test-dat.ts';
import { storedOracleTests } from './stored-oracle.ts';

/**
 * Time stamps as trace-cmd computes them from the file's options (DATE from
 * record --date, OFFSET, TSC2NSEC) and report's --nodate, --raw-ts, --ts2secs
 * (an overflowing --ts2secs included); the outputs beside this file are
 * trace-cmd 3.1.6's.
 */
const here = path.dirname(new URL(import.meta.url).pathname);

function writer(meta: Partial<DatMeta>) {
  return async (file: string) => {
    const text = formatText({ name: 'tick', id: 700, fields: [{ type: 'int', name: 'n', size: 4, signed: true }], printFmt: '"n=%d", REC->n' }, 8);
    const enc = new RecordEncoder(parseEventFormat(text, 'test', 8), true);
    const w = await testDat(file, { systems: [{ system: 'test', texts: [text] }], cmdlines: '1 task\n', cpus: 2, ...meta }, 5000000000123n);
    for (let k = 0; k < 6; k++) w.add(k % 2, 1000 + k * 1234567, enc.encode({ pid: 1, flags: 0, preempt: 0 }, [k]));
    await w.close();
  };
}

const MODES = [
  ['', [], {}],
  ['-nodate', ['--nodate'], {}, { ignoreDate: true }],
  ['-raw-ts', ['--raw-ts'], {}, { rawTs: true }],
  ['-ts2secs', ['--ts2secs', '2500000000', '--ts-diff'], { tsDiff: true }, { ts2secsHz: 2500000000 }],
  ['-ts2secs-overflow', ['-t', '--ts2secs', '3'], { ns: true }, { ts2secsHz: 3 }],
] as Parameters<typeof storedOracleTests>[3];

describe('time stamps: DATE and OFFSET options, --nodate, --raw-ts, --ts2secs (oracle: trace-cmd report)', () => {
  storedOracleTests(here, 'time-date', writer({ date: '0x1000', offset: 1000000000n }), MODES);
});

describe('time stamps: TSC2NSEC with DATE, --raw-ts, --ts2secs (oracle: trace-cmd report)', () => {
  storedOracleTests(here, 'time-tsc', writer({ tsc2nsec: { mult: 3000000, shift: 22, offset: 123456789n }, date: '0x2000', clock: 'x86-tsc' }), MODES);
});

const B = 5000000000123n;
const GUEST_MODES = [['', [], {}], ['-t', ['-t'], { ns: true }], ['-raw-ts', ['--raw-ts'], {}, { rawTs: true }]] as Parameters<typeof storedOracleTests>[3];

describe("a guest's TIME_SHIFT option: its stamps on the host's clock, interpolated between samples (oracle: trace-cmd report)", () => {
  storedOracleTests(here, 'time-guest-interp', writer({ timeShift: { traceId: 7n, flags: 1, cpus: [{ time: [B + 2000000n, B, B + 6000000n, B + 2000000n], offset: [-1000n, 5000n, 999999n, 77n], scaling: [1n, 1n, 1n, 1n] }, { time: [B, B + 3000000n, B + 5000000n], offset: [100n, -200000n, 300n], scaling: [1n, 1n, 1n] }] } }), GUEST_MODES);
});

describe("a guest's TIME_SHIFT option: steps, scaling with fraction bits, a CPU without samples (oracle: trace-cmd report)", () => {
  storedOracleTests(here, 'time-guest-step', writer({ timeShift: { traceId: 7n, flags: 0, cpus: [{ time: [B, B + 3000000n, B + 5000000n], offset: [10n, 20000n, -30000n], scaling: [3n, 1n, 1n], fraction: [1n, 0n, 0n] }] } }), GUEST_MODES);
});
