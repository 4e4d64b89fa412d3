import { formatLld } from '../c-values.ts';
import type { PrintFunction } from './print-function-api.ts';

const MINORBITS = 20n;
const MINORMASK = (1n << MINORBITS) - 1n;

/** plugin_jbd2.c: process_jiffies_to_msecs() prints "%lld" of its argument and returns it (no conversion). */
export const jiffiesToMsecs: PrintFunction = { params: 1, call: ([j]) => ({ value: j, text: formatLld(j) }), invertValue: (v) => v };

/** plugin_jbd2.c: process_jbd2_dev_to_name() prints "%d:%d" of MAJOR(dev) and MINOR(dev) of an unsigned int dev, returns 0. */
export const jbd2DevToName: PrintFunction = {
  params: 1,
  call: ([d]) => {
    const dev = BigInt.asUintN(32, d);
    return { value: 0n, text: `${Number(BigInt.asIntN(32, dev >> MINORBITS))}:${Number(BigInt.asIntN(32, dev & MINORMASK))}` };
  },
  invertText: (text) => {
    const m = /^(\d+):(\d+)$/.exec(text);
    if (!m) return null;
    const major = BigInt(m[1]);
    const minor = BigInt(m[2]);
    return minor > MINORMASK || major >= 1n << (32n - MINORBITS) ? null : (major << MINORBITS) | minor;
  },
};
