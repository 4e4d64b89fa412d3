/**
 * Arguments as one line a POSIX shell splits back into them: words of safe
 * characters as they are, anything else in single quotes (braces too: bash
 * would expand {a,b}).
 */
export function shellLine(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}
