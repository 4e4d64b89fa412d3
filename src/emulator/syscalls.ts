import { UserError } from '../core/errors.ts';

/**
 * The syscalls the emulated isolated tasks make: x86_64 numbers
 * (arch/x86/entry/syscalls/syscall_64.tbl, 6.18), the arguments sys_enter
 * logs, the return value and what the work costs between sys_enter and
 * sys_exit. None of them blocks: a task that slept would leave its CPU.
 */
export interface SyscallSpec {
  nr: number;
  args: readonly bigint[];
  ret: number;
  /** The syscall's own work, entry and exit code excluded. */
  ns: number;
}

const BUF = 0x55d0c1a2b2a0n;

export const SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  // a log line to stdout, a pipe: pipe_write() copies it and wakes the reader
  write: { nr: 1, args: [1n, BUF, 64n], ret: 64, ns: 1500 },
  read: { nr: 0, args: [3n, BUF, 4096n], ret: 64, ns: 900 },
  // a new anonymous mapping (the next touch of it faults)
  mmap: { nr: 9, args: [0n, 0x200000n, 3n, 0x22n, 0xffffffffffffffffn, 0n], ret: 0x7f3a1c600000, ns: 1800 },
  madvise: { nr: 28, args: [0x7f3a1c600000n, 0x200000n, 4n], ret: 0, ns: 2500 },
  sched_yield: { nr: 24, args: [], ret: 0, ns: 400 },
  getppid: { nr: 110, args: [], ret: 3900, ns: 60 },
  // FUTEX_WAKE|FUTEX_PRIVATE_FLAG with no waiter: a hash-bucket look-up
  futex: { nr: 202, args: [BUF + 0x40n, 0x81n, 1n], ret: 0, ns: 350 },
  // PR_SET_TASK_ISOLATION (48 in the series' uapi) with ENABLE|USERSIG|SET_SIG(SIGUSR1): re-arming strict mode
  prctl: { nr: 157, args: [48n, 0xa03n], ret: 0, ns: 500 },
  rt_sigreturn: { nr: 15, args: [], ret: 0, ns: 700 },
  exit_group: { nr: 231, args: [0n], ret: 0, ns: 0 },
};

export const NR_PRCTL = SYSCALLS.prctl.nr;
export const NR_EXIT = 60;
export const NR_EXIT_GROUP = SYSCALLS.exit_group.nr;
export const NR_RT_SIGRETURN = SYSCALLS.rt_sigreturn.nr;

/** A syscall by name, or a clear error naming the ones there are. */
export function syscallSpec(name: string, where: string): SyscallSpec {
  const s = Object.hasOwn(SYSCALLS, name) ? SYSCALLS[name] : undefined;
  if (!s) throw new UserError(`${where}: no syscall "${name}" in the emulator (it has: ${Object.keys(SYSCALLS).join(', ')})`);
  return s;
}

/** sys_enter's args[6] as bytes (unsigned longs, little endian). */
export function argBytes(args: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(48);
  const dv = new DataView(b.buffer);
  args.forEach((a, k) => dv.setBigUint64(8 * k, a, true));
  return b;
}
