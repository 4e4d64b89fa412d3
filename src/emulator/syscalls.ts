import { UserError } from '../core/errors.ts';
import { NR } from '../core/x86-64-abi.ts';

/**
 * The syscalls the emulated isolated tasks make: x86_64 numbers
 * (arch/x86/entry/syscalls/syscall_64.tbl, 6.18), the arguments sys_enter
 * logs, the return value and what the work costs between sys_enter and
 * sys_exit. None of them blocks: a task that slept would leave its CPU.
 */
export interface SyscallSpec {
  nr: number;
  /** sys_enter's args[6], made once. */
  argv: Uint8Array;
  ret: number;
  /** The syscall's own work, entry and exit code excluded. */
  ns: number;
}

const BUF = 0x55d0c1a2b2a0n;

const spec = (nr: number, args: readonly bigint[], ret: number, ns: number): SyscallSpec => ({ nr, argv: argBytes(args), ret, ns });

export const SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  // a log line to stdout, a pipe: pipe_write() copies it and wakes the reader
  write: spec(NR.write, [1n, BUF, 64n], 64, 1500),
  read: spec(NR.read, [3n, BUF, 4096n], 64, 900),
  // a new anonymous mapping (the next touch of it faults)
  mmap: spec(NR.mmap, [0n, 0x200000n, 3n, 0x22n, 0xffffffffffffffffn, 0n], 0x7f3a1c600000, 1800),
  madvise: spec(NR.madvise, [0x7f3a1c600000n, 0x200000n, 4n], 0, 2500),
  sched_yield: spec(NR.sched_yield, [], 0, 400),
  getppid: spec(NR.getppid, [], 3900, 60),
  // FUTEX_WAKE|FUTEX_PRIVATE_FLAG with no waiter: a hash-bucket look-up
  futex: spec(NR.futex, [BUF + 0x40n, 0x81n, 1n], 0, 350),
  // PR_SET_TASK_ISOLATION (48 in the series' uapi) with ENABLE|USERSIG|SET_SIG(SIGUSR1): re-arming strict mode
  prctl: spec(NR.prctl, [48n, 0xa03n], 0, 500),
  rt_sigreturn: spec(NR.rt_sigreturn, [], 0, 700),
  exit_group: spec(NR.exit_group, [0n], 0, 0),
};

/** From a syscall's entry tracepoint (or context tracking's) to the next hook: irqs enabled, the syscall work's checks. */
export const SYSCALL_HOOK_NS = 40;

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
