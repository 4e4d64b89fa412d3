import { formatLld } from './c-values.ts';

/**
 * Functions libtraceevent's plugins register for print fmts
 * (tep_register_print_function()), which trace-cmd loads by default: a print
 * fmt that calls one parses, and the call gives a number (its return value,
 * where the fmt wants one) and a text (what it writes, for %s).
 */
export interface PrintFunction {
  params: number;
  call(args: readonly bigint[]): { value: bigint; text: string };
}

const MINORBITS = 20n;
const MINORMASK = (1n << MINORBITS) - 1n;

export const PRINT_FUNCTIONS: Readonly<Record<string, PrintFunction>> = {
  // plugin_jbd2.c: process_jiffies_to_msecs() prints "%lld" of its argument and returns it (no conversion)
  jiffies_to_msecs: { params: 1, call: ([j]) => ({ value: j, text: formatLld(j) }) },
  // plugin_jbd2.c: process_jbd2_dev_to_name() prints "%d:%d" of MAJOR(dev) and MINOR(dev) of an unsigned int dev, returns 0
  jbd2_dev_to_name: {
    params: 1,
    call: ([d]) => {
      const dev = BigInt.asUintN(32, d);
      return { value: 0n, text: `${Number(BigInt.asIntN(32, dev >> MINORBITS))}:${Number(BigInt.asIntN(32, dev & MINORMASK))}` };
    },
  },
};

export function printFunction(name: string): PrintFunction | undefined {
  return Object.hasOwn(PRINT_FUNCTIONS, name) ? PRINT_FUNCTIONS[name] : undefined;
}
