/**
 * Errors a user can cause (bad file, bad expression, bad option). The CLI prints
 * `message` without a stack trace; anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A file that is not what it claims: names the file, the byte offset and what was expected. */
export class FormatError extends UserError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly expected: string,
    readonly found?: string,
  ) {
    super(`${file}: at byte ${offset} (0x${offset.toString(16)}): expected ${expected}${found !== undefined ? `, found ${found}` : ''}`);
    this.name = 'FormatError';
  }
}

/** A file that ends before what it holds: "FILE: truncated at byte SIZE: WHAT". */
export class TruncatedError extends FormatError {
  constructor(file: string, offset: number, expected: string, size: number) {
    super(file, offset, expected, `the file ends at byte ${size}`);
    this.message = `${file}: truncated at byte ${size}: it ends before ${expected} at byte ${offset} (0x${offset.toString(16)})`;
  }
}

