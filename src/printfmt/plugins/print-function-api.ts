/**
 * A function a libtraceevent plugin registers for print fmts
 * (tep_register_print_function()): a print fmt that calls one parses, and the
 * call gives a number (its return value, where the fmt wants one) and a text
 * (what it writes, for %s). process_defined_func() evaluates every INT, LONG
 * and PTR argument with eval_num_arg(): `__get_dynamic_array(x)` (cast or not)
 * is then the address of those bytes in the record, which the function reads.
 */
export interface PrintFunction {
  params: number;
  call(args: readonly bigint[], mem: PointerArgs): { value: bigint; text: string };
  /** The argument that gives a value (a one-parameter function read back from a number it printed), or null. */
  invertValue?(value: bigint): bigint | null;
  /** The bytes a pointer argument must hold to give a value (a function that reads the record), or null. */
  invertBytes?(value: bigint): Uint8Array | null;
  /** The argument that gives a text (a one-parameter function read back from its %s), or null. */
  invertText?(text: string): bigint | null;
}

/**
 * For a parameter that points into the record (a dynamic array): its byte k,
 * 0 past the record's end (trace-cmd would read whatever memory follows); null
 * for a parameter that is a plain number.
 */
export type PointerArgs = (param: number) => ((k: number) => number) | null;
