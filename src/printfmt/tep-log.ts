/**
 * libtraceevent's warnings as tep_vprint() prints them (1.7.1,
 * src/parse-utils.c): when errno is set, perror()'s line first
 * ("libtraceevent: Invalid argument") and the warning led by two spaces.
 * errno is modelled where the code on trace-cmd's way sets it: what sets it
 * tells this log (`set()`), and perror() itself, whose fdopen(dup(2), "w+")
 * fails with EINVAL on a stderr opened write-only (a file or a pipe).
 */
export class TepLog {
  private errno: Errno | null = null;

  /** `out` takes each line (without its newline). */
  constructor(
    private readonly stderrReadWrite: boolean,
    public out: (line: string) => void,
  ) {}

  set(errno: Errno | null): void {
    this.errno = errno;
  }

  warn(msg: string): void {
    if (!this.errno) {
      this.out(msg);
      return;
    }
    this.out(`libtraceevent: ${STRERROR[this.errno]}`);
    this.out(`  ${msg}`);
    if (!this.stderrReadWrite) this.errno = 'EINVAL';
  }
}

/** The errno values the log meets, and strerror()'s words for them. */
export type Errno = 'ENOENT' | 'EINVAL' | 'ENOTTY' | 'EEXIST';
const STRERROR: Record<Errno, string> = {
  ENOENT: 'No such file or directory',
  EINVAL: 'Invalid argument',
  ENOTTY: 'Inappropriate ioctl for device',
  EEXIST: 'File exists',
};
