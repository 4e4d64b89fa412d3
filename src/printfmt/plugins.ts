import type { EventFormat } from '../core/event-format.ts';
import { readUnsigned } from '../core/int64.ts';
import { cString } from './evaluate.ts';
import type { PrintEnv, RecordRef } from './record.ts';

/**
 * The libtraceevent plugins trace-cmd loads by default that replace an event's
 * print fmt: sched_switch / sched_wakeup (which also teach the comm table),
 * the ftrace function / kernel_stack printers, hrtimer's, tlb's, and kmem's
 * call-site prefix.
 */
export type Plugin = (ev: EventFormat, r: RecordRef, env: PrintEnv, state: PluginState) => string;

/** Per-report state of the plugins (the function plugin's call stacks per CPU). */
export class PluginState {
  funcStacks: (string | null)[][] = [];
  /**
   * Set by a plugin whose libtraceevent handler returned non-zero: the event's
   * print fmt follows its text (print_event_info() calls pretty_print()).
   * The printer clears it.
   */
  thenFmt = false;
  /** -O ftrace:parent, ftrace:offset, ftrace:indent */
  parent = false;
  offset = false;
  indent = true;
}

/** A handler's text that the print fmt follows (it returned non-zero). */
function thenFmt(state: PluginState, text: string): string {
  state.thenFmt = true;
  return text;
}

/** tep_get_field_val: value of an event field, or the error text libtraceevent prints. */
function fieldVal(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string, err: boolean): { v: bigint } | { e: string } {
  const f = ev.field(name);
  if (!f) return { e: err ? `<CANT FIND FIELD ${name}>` : '' };
  if (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8) return { e: err ? ` ${name}=INVALID` : '' };
  if (f.offset + f.size > r.size) return { v: 0n };
  return { v: readUnsigned(r.dv, r.off + f.offset, f.size, env.littleEndian) };
}

function commText(ev: EventFormat, r: RecordRef, name: string): string | null {
  const f = ev.anyField(name);
  if (!f) return null;
  return cString(r, f.offset, f.size);
}

const STATES = 'SDTtZXxW';

function writeState(val: number): string {
  let s = '';
  for (let i = 0; i < STATES.length; i++) {
    if (!(val & (1 << i))) continue;
    if (s) s += '|';
    s += STATES[i];
  }
  return s || 'R';
}

const int32 = (v: bigint) => Number(BigInt.asIntN(32, v));

const schedSwitch: Plugin = (ev, r, env) => {
  let out = '';
  const pp = fieldVal(ev, r, env, 'prev_pid', true);
  if ('e' in pp) return pp.e + '!';
  const pc = commText(ev, r, 'prev_comm');
  if (pc !== null) {
    env.comms.register(int32(pp.v), pc);
    out += pc + ':';
  }
  out += BigInt.asIntN(64, pp.v).toString() + ' ';
  const prio = fieldVal(ev, r, env, 'prev_prio', true);
  if ('v' in prio) out += `[${int32(prio.v)}] `;
  else out += prio.e;
  const st = fieldVal(ev, r, env, 'prev_state', true);
  if ('v' in st) out += writeState(int32(st.v));
  else out += st.e;
  out += ' ==> ';
  const np = fieldVal(ev, r, env, 'next_pid', true);
  if ('e' in np) return out + np.e + '!';
  const nc = commText(ev, r, 'next_comm');
  if (nc !== null) {
    env.comms.register(int32(np.v), nc);
    out += nc + ':';
  }
  out += BigInt.asIntN(64, np.v).toString();
  const nprio = fieldVal(ev, r, env, 'next_prio', true);
  if ('v' in nprio) out += ` [${int32(nprio.v)}]`;
  else out += nprio.e;
  return out;
};

const schedWakeup: Plugin = (ev, r, env) => {
  let out = '';
  const pid = fieldVal(ev, r, env, 'pid', true);
  if ('e' in pid) return pid.e + '!';
  const comm = commText(ev, r, 'comm');
  if (comm !== null) {
    env.comms.register(int32(pid.v), comm);
    out += comm + ':';
  }
  out += BigInt.asIntN(64, pid.v).toString();
  const prio = fieldVal(ev, r, env, 'prio', true);
  out += 'v' in prio ? ` [${BigInt.asIntN(64, prio.v)}]` : prio.e;
  const success = fieldVal(ev, r, env, 'success', false);
  if ('v' in success) out += ` success=${BigInt.asIntN(64, success.v)}`;
  const cpu = fieldVal(ev, r, env, 'target_cpu', true);
  out += 'v' in cpu ? ` CPU:${cpu.v.toString().padStart(3, '0')}` : cpu.e;
  return out;
};

function showFunction(name: string, addr: bigint, env: PrintEnv, state: PluginState): string {
  if (!state.offset) return name;
  const i = env.symbols.findBig(addr);
  const start = i >= 0 ? env.symbols.address(i) : 0n;
  return `${name}+0x${BigInt.asUintN(32, addr - start).toString(16)} `;
}

function indexFor(state: PluginState, parent: string, child: string | null, cpu: number): number {
  if (cpu < 0) return 0;
  const stacks = state.funcStacks;
  while (stacks.length <= cpu) stacks.push([]);
  const stack = stacks[cpu];
  const addChild = (c: string | null, pos: number) => {
    if (c === null) return;
    if (pos >= stack.length) for (let k = 0; k < 10; k++) stack.push(null);
    stack[pos] = c;
  };
  for (let i = 0; i < stack.length && stack[i] !== null; i++) {
    if (stack[i] === parent) {
      addChild(child, i + 1);
      return i;
    }
  }
  addChild(parent, 0);
  addChild(child, 1);
  return 0;
}

const functionPlugin: Plugin = (ev, r, env, state) => {
  const ip = fieldVal(ev, r, env, 'ip', true);
  if ('e' in ip) return ip.e + '!';
  const fi = env.symbols.findBig(ip.v);
  const func = fi >= 0 ? env.symbols.name(fi) : null;
  const pip = fieldVal(ev, r, env, 'parent_ip', true);
  if ('e' in pip) return pip.e + '!';
  const pi = env.symbols.findBig(pip.v);
  const parent = pi >= 0 ? env.symbols.name(pi) : null;
  let index = 0;
  if (parent !== null && state.indent) index = indexFor(state, parent, func, r.cpu);
  let out = ' '.repeat(index * 3);
  out += func !== null ? showFunction(func, ip.v, env, state) : '0x' + ip.v.toString(16);
  if (state.parent) {
    out += ' <-- ';
    out += parent !== null ? showFunction(parent, pip.v, env, state) : '0x' + pip.v.toString(16);
  }
  return out;
};

const kernelStack: Plugin = (ev, r, env, state) => {
  const f = ev.anyField('caller');
  if (!f) return '<CANT FIND FIELD caller>';
  let out = '<stack trace >\n';
  const ls = env.longSize;
  for (let p = f.offset; p < r.size; p += ls) {
    if (p + ls > r.size) break;
    const addr = readUnsigned(r.dv, r.off + p, ls, env.littleEndian);
    if ((ls === 8 && addr === 0xffffffffffffffffn) || (addr & 0xffffffffn) === 0xffffffffn) break;
    const i = env.symbols.findBig(addr);
    if (i >= 0) out += '=> ' + showFunction(env.symbols.name(i), addr, env, state) + ` (${addr.toString(16)})\n`;
    else out += `=> ${addr.toString(16)}\n`;
  }
  return out;
};

const rawData: Plugin = (ev, r, env) => {
  const id = fieldVal(ev, r, env, 'id', true);
  if ('e' in id) return id.e + '!';
  let out = `# ${id.v.toString(16)}`;
  const f = ev.anyField('buf');
  if (!f) return out + '<CANT FIND FIELD buf>';
  for (let p = f.offset; p < r.size; p += env.longSize) {
    const n = Math.min(8, r.size - p);
    for (let i = 0; i < n; i++) out += ' ' + r.data[r.off + p + i].toString(16).padStart(2, '0');
  }
  return out;
};

/**
 * tep_print_num_field(): a field printed with `fmt` (an unsigned value), or
 * nothing and null when the event lacks it (with `err`, libtraceevent's
 * "CAN'T FIND FIELD" text instead).
 */
function numField(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string, fmt: 'hex' | 'dec', err: boolean): string | null {
  const v = fieldVal(ev, r, env, name, false);
  if ('e' in v) return err ? `CAN'T FIND FIELD "${name}"` : null;
  return fmt === 'hex' ? '0x' + v.v.toString(16) : v.v.toString();
}

/**
 * tep_print_func_field(): the function containing the address as
 * "name/0x<func->addr - val>" (libtraceevent subtracts the other way round,
 * so an address inside the function prints a wrapped 64-bit offset), or the
 * address as 0x%08llx when no symbol holds it.
 */
function funcField(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string, err: boolean): string | null {
  const v = fieldVal(ev, r, env, name, false);
  if ('e' in v) return err ? `CAN'T FIND FIELD "${name}"` : null;
  const i = env.symbols.findBig(v.v);
  if (i < 0) return '0x' + v.v.toString(16).padStart(8, '0');
  return `${env.symbols.name(i)}/0x${BigInt.asUintN(64, env.symbols.address(i) - v.v).toString(16)}`;
}

/** plugin_hrtimer.c, hrtimer_expire_entry: `hrtimer=0x.. now=.. function=name/0x..` (the print fmt's order is hrtimer, function, now). */
const hrtimerExpire: Plugin = (ev, r, env) => {
  const timer = numField(ev, r, env, 'timer', 'hex', false) ?? numField(ev, r, env, 'hrtimer', 'hex', true);
  const fn = funcField(ev, r, env, 'function', false);
  return `hrtimer=${timer} now=${numField(ev, r, env, 'now', 'dec', true)}${fn === null ? '' : ` function=${fn}`}`;
};

/** plugin_hrtimer.c, hrtimer_start: `hrtimer=0x.. function=name/0x.. expires=.. softexpires=..` (mode and was_armed not printed). */
const hrtimerStart: Plugin = (ev, r, env) => {
  const timer = numField(ev, r, env, 'timer', 'hex', false) ?? numField(ev, r, env, 'hrtimer', 'hex', true);
  const fn = funcField(ev, r, env, 'function', false);
  return `hrtimer=${timer}${fn === null ? '' : ` function=${fn}`} expires=${numField(ev, r, env, 'expires', 'dec', true)} softexpires=${numField(ev, r, env, 'softexpires', 'dec', true)}`;
};

/**
 * plugin_tlb.c, tlb_flush: `pages=%ld reason=<name> (%lld)` in place of the
 * print fmt's `pages:%ld reason:%s (%d)`; reasons past the four it knows
 * print no name. Without a reason field it prints what it has and returns
 * -1, which libtraceevent takes as "print the fmt too".
 */
const tlbFlush: Plugin = (ev, r, env, state) => {
  let out = 'pages=';
  const pages = fieldVal(ev, r, env, 'pages', false);
  out += 'e' in pages ? `CAN'T FIND FIELD "pages"` : BigInt.asIntN(64, pages.v).toString();
  const reason = fieldVal(ev, r, env, 'reason', true);
  if ('e' in reason) return thenFmt(state, out + reason.e);
  return out + ` reason=${TLB_REASONS[Number(reason.v)] ?? ''} (${BigInt.asIntN(64, reason.v)})`;
};
const TLB_REASONS = ['flush on task switch', 'remote shootdown', 'local shootdown', 'local mm shootdown'];


/**
 * plugin_kmem.c, kmalloc/kfree/kmem_cache_*: `(func+0xoff) ` before the print
 * fmt (the handler returns 1), when call_site lies in a known function.
 */
const kmemCallSite: Plugin = (ev, r, env, state) => {
  const cs = fieldVal(ev, r, env, 'call_site', false);
  if ('e' in cs) return thenFmt(state, '');
  const v = cs.v;
  const i = env.symbols.findBig(v);
  if (i < 0) return thenFmt(state, '');
  // "%x" of (int)(val - addr)
  return thenFmt(state, `(${env.symbols.name(i)}+0x${(Number(BigInt.asIntN(32, v - env.symbols.address(i))) >>> 0).toString(16)}) `);
};

/** plugin_futex.c's table: per command, how val, utime (or val2), uaddr2 and val3 print (null: not at all). */
const FUTEX_OPS: [name: string, val: 'x' | 'u' | null, utime: 'x' | 'u' | null, uaddr2: boolean, val3: boolean][] = [
  ['FUTEX_WAIT', 'x', 'x', false, false],
  ['FUTEX_WAKE', 'u', null, false, false],
  ['FUTEX_FD', 'u', null, false, false],
  ['FUTEX_REQUEUE', 'u', 'u', true, false],
  ['FUTEX_CMP_REQUEUE', 'u', 'u', true, true],
  ['FUTEX_WAKE_OP', 'u', 'u', true, true],
  ['FUTEX_LOCK_PI', null, 'x', false, false],
  ['FUTEX_UNLOCK_PI', null, null, false, false],
  ['FUTEX_TRYLOCK_PI', null, null, false, false],
  ['FUTEX_WAIT_BITSET', 'x', 'x', false, true],
  ['FUTEX_WAKE_BITSET', 'u', null, false, true],
  ['FUTEX_WAIT_REQUEUE_PI', 'x', 'x', true, true],
  ['FUTEX_CMP_REQUEUE_PI', 'u', 'u', true, true],
];
const FUTEX_PRIVATE_FLAG = 128n;
const FUTEX_CLOCK_REALTIME = 256n;

/**
 * plugin_futex.c, syscalls:sys_enter_futex: `op=FUTEX_WAKE|FUTEX_PRIVATE_FLAG
 * uaddr=0x%08llx ...` with the arguments each command uses; a missing field
 * or an unknown command leaves the print fmt.
 */
const futexEnter: Plugin = (ev, r, env, state) => {
  const v: bigint[] = [];
  let out = '';
  for (const name of ['uaddr', 'op', 'val', 'utime', 'uaddr2', 'val3']) {
    const x = fieldVal(ev, r, env, name, true);
    if ('e' in x) return thenFmt(state, out + x.e);
    v.push(x.v);
  }
  const [uaddr, op, val, utime, uaddr2, val3] = v;
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) & 0xffffffffffffffffn;
  if (cmd >= BigInt(FUTEX_OPS.length)) return thenFmt(state, '');
  const [name, fv, fu, fa, f3] = FUTEX_OPS[Number(cmd)];
  const hex = (n: bigint) => '0x' + n.toString(16).padStart(8, '0');
  out = `op=${name}${op & FUTEX_PRIVATE_FLAG ? '|FUTEX_PRIVATE_FLAG' : ''}${op & FUTEX_CLOCK_REALTIME ? '|FUTEX_CLOCK_REALTIME' : ''} uaddr=${hex(uaddr)}`;
  if (fv) out += ` val=${fv === 'x' ? hex(val) : val.toString()}`;
  if (fu) out += fu === 'x' ? ` utime=${hex(utime)}` : ` val2=${utime.toString()}`;
  if (fa) out += ` uaddr2=${hex(uaddr2)}`;
  if (f3) out += ` val3=${hex(val3)}`;
  return out;
};

/** plugin_kvm.c's exit reasons by number: VMX (isa 1, the default) and SVM (isa 2). */
const VMX_EXIT_REASONS: Record<number, string> = { 0: 'EXCEPTION_NMI', 1: 'EXTERNAL_INTERRUPT', 2: 'TRIPLE_FAULT', 7: 'PENDING_INTERRUPT', 8: 'NMI_WINDOW', 9: 'TASK_SWITCH', 10: 'CPUID', 12: 'HLT', 13: 'INVD', 14: 'INVLPG', 15: 'RDPMC', 16: 'RDTSC', 18: 'VMCALL', 19: 'VMCLEAR', 20: 'VMLAUNCH', 21: 'VMPTRLD', 22: 'VMPTRST', 23: 'VMREAD', 24: 'VMRESUME', 25: 'VMWRITE', 26: 'VMOFF', 27: 'VMON', 28: 'CR_ACCESS', 29: 'DR_ACCESS', 30: 'IO_INSTRUCTION', 31: 'MSR_READ', 32: 'MSR_WRITE', 36: 'MWAIT_INSTRUCTION', 39: 'MONITOR_INSTRUCTION', 40: 'PAUSE_INSTRUCTION', 41: 'MCE_DURING_VMENTRY', 43: 'TPR_BELOW_THRESHOLD', 44: 'APIC_ACCESS', 45: 'EOI_INDUCED', 48: 'EPT_VIOLATION', 49: 'EPT_MISCONFIG', 50: 'INVEPT', 52: 'PREEMPTION_TIMER', 54: 'WBINVD', 55: 'XSETBV', 56: 'APIC_WRITE', 58: 'INVPCID', 62: 'PML_FULL', 63: 'XSAVES', 64: 'XRSTORS' };
const SVM_EXIT_REASONS: Record<number, string> = { [-1]: 'EXIT_ERR', 0: 'EXIT_READ_CR0', 3: 'EXIT_READ_CR3', 4: 'EXIT_READ_CR4', 8: 'EXIT_READ_CR8', 16: 'EXIT_WRITE_CR0', 19: 'EXIT_WRITE_CR3', 20: 'EXIT_WRITE_CR4', 24: 'EXIT_WRITE_CR8', 32: 'EXIT_READ_DR0', 33: 'EXIT_READ_DR1', 34: 'EXIT_READ_DR2', 35: 'EXIT_READ_DR3', 36: 'EXIT_READ_DR4', 37: 'EXIT_READ_DR5', 38: 'EXIT_READ_DR6', 39: 'EXIT_READ_DR7', 48: 'EXIT_WRITE_DR0', 49: 'EXIT_WRITE_DR1', 50: 'EXIT_WRITE_DR2', 51: 'EXIT_WRITE_DR3', 52: 'EXIT_WRITE_DR4', 53: 'EXIT_WRITE_DR5', 54: 'EXIT_WRITE_DR6', 55: 'EXIT_WRITE_DR7', 64: 'EXIT_EXCP_DE', 65: 'EXIT_EXCP_DB', 67: 'EXIT_EXCP_BP', 68: 'EXIT_EXCP_OF', 69: 'EXIT_EXCP_BR', 70: 'EXIT_EXCP_UD', 71: 'EXIT_EXCP_NM', 72: 'EXIT_EXCP_DF', 74: 'EXIT_EXCP_TS', 75: 'EXIT_EXCP_NP', 76: 'EXIT_EXCP_SS', 77: 'EXIT_EXCP_GP', 78: 'EXIT_EXCP_PF', 80: 'EXIT_EXCP_MF', 81: 'EXIT_EXCP_AC', 82: 'EXIT_EXCP_MC', 83: 'EXIT_EXCP_XF', 96: 'EXIT_INTR', 97: 'EXIT_NMI', 98: 'EXIT_SMI', 99: 'EXIT_INIT', 100: 'EXIT_VINTR', 101: 'EXIT_CR0_SEL_WRITE', 102: 'EXIT_IDTR_READ', 103: 'EXIT_GDTR_READ', 104: 'EXIT_LDTR_READ', 105: 'EXIT_TR_READ', 106: 'EXIT_IDTR_WRITE', 107: 'EXIT_GDTR_WRITE', 108: 'EXIT_LDTR_WRITE', 109: 'EXIT_TR_WRITE', 110: 'EXIT_RDTSC', 111: 'EXIT_RDPMC', 112: 'EXIT_PUSHF', 113: 'EXIT_POPF', 114: 'EXIT_CPUID', 115: 'EXIT_RSM', 116: 'EXIT_IRET', 117: 'EXIT_SWINT', 118: 'EXIT_INVD', 119: 'EXIT_PAUSE', 120: 'EXIT_HLT', 121: 'EXIT_INVLPG', 122: 'EXIT_INVLPGA', 123: 'EXIT_IOIO', 124: 'EXIT_MSR', 125: 'EXIT_TASK_SWITCH', 126: 'EXIT_FERR_FREEZE', 127: 'EXIT_SHUTDOWN', 128: 'EXIT_VMRUN', 129: 'EXIT_VMMCALL', 130: 'EXIT_VMLOAD', 131: 'EXIT_VMSAVE', 132: 'EXIT_STGI', 133: 'EXIT_CLGI', 134: 'EXIT_SKINIT', 135: 'EXIT_RDTSCP', 136: 'EXIT_ICEBP', 137: 'EXIT_WBINVD', 138: 'EXIT_MONITOR', 139: 'EXIT_MWAIT', 140: 'EXIT_MWAIT_COND', 141: 'EXIT_XSETBV', 1024: 'EXIT_NPF', 1025: 'EXIT_AVIC_INCOMPLETE_IPI', 1026: 'EXIT_AVIC_UNACCELERATED_ACCESS' };

/**
 * plugin_kvm.c, kvm_exit: `reason NAME rip 0x.. info %llx %llx` (trace-cmd's
 * guest-function lookup finds nothing with one input); a reason it lacks
 * prints `reason UNKNOWN (n)`, an isa it lacks `reason UNKNOWN-ISA`.
 */
const kvmExit: Plugin = (ev, r, env, state) => {
  const reason = fieldVal(ev, r, env, 'exit_reason', true);
  if ('e' in reason) return thenFmt(state, reason.e);
  const isaVal = fieldVal(ev, r, env, 'isa', false);
  const isa = 'e' in isaVal ? 1n : isaVal.v;
  const table = isa === 1n ? VMX_EXIT_REASONS : isa === 2n ? SVM_EXIT_REASONS : null;
  const code = Number(BigInt.asIntN(32, reason.v));
  const name = table ? table[code] : 'UNKNOWN-ISA';
  let out = name !== undefined ? `reason ${name}` : `reason UNKNOWN (${reason.v})`;
  const rip = fieldVal(ev, r, env, 'guest_rip', true);
  if ('e' in rip) return thenFmt(state, out + rip.e);
  out += ` rip 0x${rip.v.toString(16)}`;
  const i1 = fieldVal(ev, r, env, 'info1', false);
  const i2 = fieldVal(ev, r, env, 'info2', false);
  if (!('e' in i1) && !('e' in i2)) out += ` info ${i1.v.toString(16)} ${i2.v.toString(16)}`;
  return out;
};

/** plugin_kvm.c, kvm_entry: ` vcpu %u rip 0x..`. */
const kvmEntry: Plugin = (ev, r, env, state) => {
  const vcpu = fieldVal(ev, r, env, 'vcpu_id', false);
  let out = 'e' in vcpu ? `CAN'T FIND FIELD "vcpu_id"` : ` vcpu ${BigInt.asUintN(32, vcpu.v)}`;
  const rip = fieldVal(ev, r, env, 'rip', true);
  if ('e' in rip) return thenFmt(state, out + rip.e);
  out += ` rip 0x${rip.v.toString(16)}`;
  return out;
};

const PLUGINS: Record<string, Plugin> = {
  'kvm/kvm_exit': kvmExit,
  'kvm/kvm_entry': kvmEntry,
  'syscalls/sys_enter_futex': futexEnter,
  'tlb/tlb_flush': tlbFlush,
  'kmem/kfree': kmemCallSite,
  'kmem/kmalloc': kmemCallSite,
  'kmem/kmalloc_node': kmemCallSite,
  'kmem/kmem_cache_alloc': kmemCallSite,
  'kmem/kmem_cache_alloc_node': kmemCallSite,
  'kmem/kmem_cache_free': kmemCallSite,
  'timer/hrtimer_expire_entry': hrtimerExpire,
  'timer/hrtimer_start': hrtimerStart,
  'sched/sched_switch': schedSwitch,
  'sched/sched_wakeup': schedWakeup,
  'sched/sched_wakeup_new': schedWakeup,
  'ftrace/function': functionPlugin,
  'ftrace/kernel_stack': kernelStack,
  'ftrace/raw_data': rawData,
};

export function pluginFor(ev: EventFormat): Plugin | undefined {
  const key = `${ev.system}/${ev.name}`;
  return Object.hasOwn(PLUGINS, key) ? PLUGINS[key] : undefined;
}
