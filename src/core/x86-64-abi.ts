/**
 * x86_64's user ABI numbers that traces carry as plain integers: syscall
 * numbers (arch/x86/entry/syscalls/syscall_64.tbl, 6.18), signal numbers, and
 * the errno a refused-then-restarted syscall returns. The emulator makes
 * events with them and the analyses name them back.
 */
export const NR = {
  read: 0,
  write: 1,
  mmap: 9,
  rt_sigreturn: 15,
  sched_yield: 24,
  madvise: 28,
  getpid: 39,
  exit: 60,
  getppid: 110,
  prctl: 157,
  futex: 202,
  clock_gettime: 228,
  clock_nanosleep: 230,
  exit_group: 231,
  uretprobe: 335,
} as const;

const NAMES = new Map<number, string>(Object.entries(NR).map(([name, nr]) => [nr, name]));

/** A syscall's name, or null for a number not listed above. */
export function syscallName(nr: number): string | null {
  return NAMES.get(nr) ?? null;
}

export const SIGKILL = 9;
export const SIGUSR1 = 10;
const SIGNALS: Record<number, string> = { 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 31: 'SIGSYS' };

export function signalName(sig: number): string {
  return SIGNALS[sig] ?? `signal ${sig}`;
}

/** -ERESTARTNOINTR: the syscall did not run and restarts after the signal handler (include/linux/errno.h). */
export const ERESTARTNOINTR = 513;

/**
 * Strict task isolation (seed 003, task isolation v9's task_isolation_syscall()):
 * the syscalls it lets through, leaving the mode (prctl) and dying (exit,
 * exit_group), and the words of its warning before "syscall N" or the fault.
 */
export const TASK_ISOLATION_EXEMPT: ReadonlySet<number> = new Set([NR.prctl, NR.exit, NR.exit_group]);
export const TASK_ISOLATION_LOST = 'task_isolation mode lost due to ';
