import type { FieldFormat } from '../core/event-format.ts';

/** Kinds of print-fmt argument nodes (libtraceevent's tep_print_arg types). */
export type ArgKind =
  | 'null' | 'atom' | 'field' | 'flags' | 'symbol' | 'hex' | 'hexstr' | 'intarray'
  | 'type' | 'string' | 'bstring' | 'bitmask' | 'cpumask' | 'dynarray' | 'dynarraylen' | 'op' | 'func';

export interface FlagSym {
  value: string;
  str: string;
}

/**
 * One node of a print-fmt argument tree. Mutable on purpose: the parser rewrites
 * nodes in place (operator rotation, casts) exactly as libtraceevent does, and
 * the shape of the resulting tree is part of what gets printed.
 */
export class Arg {
  kind: ArgKind = 'null';
  atom = '';
  /** field: REC->name; string/bitmask/cpumask: the field name given to the helper. */
  name = '';
  field: FieldFormat | null = null;
  /** flags/symbol */
  flagField: Arg | null = null;
  delim: string | null = null;
  list: FlagSym[] = [];
  /** Numeric values of `list` entries, computed on first use. */
  listValues: bigint[] | null = null;
  /** hex/hexstr/intarray */
  a: Arg | null = null;
  b: Arg | null = null;
  c: Arg | null = null;
  /** type cast */
  castType = '';
  item: Arg | null = null;
  /** op */
  op = '';
  left: Arg | null = null;
  right: Arg | null = null;
  prio = 0;
  /** A parenthesised sub-expression, kept whole when parsing as C does (the kernel's own printing). */
  paren = false;
  /** func: a print function a plugin registered (print-functions.ts), and its arguments. */
  funcName = '';
  params: Arg[] = [];

  static of(kind: ArgKind): Arg {
    const a = new Arg();
    a.kind = kind;
    return a;
  }

  copyFrom(o: Arg): this {
    Object.assign(this, o);
    return this;
  }

  clone(): Arg {
    return new Arg().copyFrom(this);
  }

  /** Clears the node (C memset before reuse). */
  reset(): this {
    return this.copyFrom(new Arg());
  }
}

/** One piece of the parsed format string (libtraceevent's print cache). */
export interface Segment {
  kind: 'text' | 'digit' | 'pointer' | 'string';
  /** For text: the literal; otherwise the conversion text, e.g. "%-5d". */
  format: string;
  arg: Arg | null;
  lenArg: Arg | null;
  ls: number;
}

/** A parsed print fmt: format string, argument trees and the segment list. */
export interface PrintFmt {
  format: string;
  args: Arg[];
  segments: Segment[];
  /** Why this event prints as [FAILED TO PARSE]; null when it parsed. */
  failed: string | null;
  /** What libtraceevent logs while it parses this fmt (report --verbose), when it logs anything. */
  log?: ParseLog[];
}

/**
 * One thing libtraceevent's parser does that shows in its log: a warning
 * (do_warning_event() leads it with "[system:event] ", do_warning() not), or
 * errno set (alloc_and_process_delim() sets EINVAL as it fails, and
 * tep_vprint() puts perror()'s line before every later warning). `args`:
 * parse_args()'s, which warns even for an event a plugin handler took.
 */
export type ParseLog = { warn: string; event: boolean; args?: true } | { errno: 'EINVAL' };

/** The deepest chain of nested arguments (walked with an explicit stack: the tree may be hostile). */
export function argDepth(args: readonly Arg[]): number {
  let max = 0;
  const stack: [Arg, number][] = args.map((a) => [a, 1]);
  while (stack.length) {
    const [a, d] = stack.pop()!;
    if (d > max) max = d;
    for (const c of [a.flagField, a.a, a.b, a.c, a.item, a.left, a.right, ...a.params]) if (c) stack.push([c, d + 1]);
  }
  return max;
}
