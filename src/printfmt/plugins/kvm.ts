import { fieldVal, thenFmt, type Plugin } from './plugin-api.ts';

/** plugin_kvm.c's exit reasons by number: VMX (isa 1, the default) and SVM (isa 2). */
const VMX_EXIT_REASONS: Record<number, string> = { 0: 'EXCEPTION_NMI', 1: 'EXTERNAL_INTERRUPT', 2: 'TRIPLE_FAULT', 7: 'PENDING_INTERRUPT', 8: 'NMI_WINDOW', 9: 'TASK_SWITCH', 10: 'CPUID', 12: 'HLT', 13: 'INVD', 14: 'INVLPG', 15: 'RDPMC', 16: 'RDTSC', 18: 'VMCALL', 19: 'VMCLEAR', 20: 'VMLAUNCH', 21: 'VMPTRLD', 22: 'VMPTRST', 23: 'VMREAD', 24: 'VMRESUME', 25: 'VMWRITE', 26: 'VMOFF', 27: 'VMON', 28: 'CR_ACCESS', 29: 'DR_ACCESS', 30: 'IO_INSTRUCTION', 31: 'MSR_READ', 32: 'MSR_WRITE', 36: 'MWAIT_INSTRUCTION', 39: 'MONITOR_INSTRUCTION', 40: 'PAUSE_INSTRUCTION', 41: 'MCE_DURING_VMENTRY', 43: 'TPR_BELOW_THRESHOLD', 44: 'APIC_ACCESS', 45: 'EOI_INDUCED', 48: 'EPT_VIOLATION', 49: 'EPT_MISCONFIG', 50: 'INVEPT', 52: 'PREEMPTION_TIMER', 54: 'WBINVD', 55: 'XSETBV', 56: 'APIC_WRITE', 58: 'INVPCID', 62: 'PML_FULL', 63: 'XSAVES', 64: 'XRSTORS' };
const SVM_EXIT_REASONS: Record<number, string> = { [-1]: 'EXIT_ERR', 0: 'EXIT_READ_CR0', 3: 'EXIT_READ_CR3', 4: 'EXIT_READ_CR4', 8: 'EXIT_READ_CR8', 16: 'EXIT_WRITE_CR0', 19: 'EXIT_WRITE_CR3', 20: 'EXIT_WRITE_CR4', 24: 'EXIT_WRITE_CR8', 32: 'EXIT_READ_DR0', 33: 'EXIT_READ_DR1', 34: 'EXIT_READ_DR2', 35: 'EXIT_READ_DR3', 36: 'EXIT_READ_DR4', 37: 'EXIT_READ_DR5', 38: 'EXIT_READ_DR6', 39: 'EXIT_READ_DR7', 48: 'EXIT_WRITE_DR0', 49: 'EXIT_WRITE_DR1', 50: 'EXIT_WRITE_DR2', 51: 'EXIT_WRITE_DR3', 52: 'EXIT_WRITE_DR4', 53: 'EXIT_WRITE_DR5', 54: 'EXIT_WRITE_DR6', 55: 'EXIT_WRITE_DR7', 64: 'EXIT_EXCP_DE', 65: 'EXIT_EXCP_DB', 67: 'EXIT_EXCP_BP', 68: 'EXIT_EXCP_OF', 69: 'EXIT_EXCP_BR', 70: 'EXIT_EXCP_UD', 71: 'EXIT_EXCP_NM', 72: 'EXIT_EXCP_DF', 74: 'EXIT_EXCP_TS', 75: 'EXIT_EXCP_NP', 76: 'EXIT_EXCP_SS', 77: 'EXIT_EXCP_GP', 78: 'EXIT_EXCP_PF', 80: 'EXIT_EXCP_MF', 81: 'EXIT_EXCP_AC', 82: 'EXIT_EXCP_MC', 83: 'EXIT_EXCP_XF', 96: 'EXIT_INTR', 97: 'EXIT_NMI', 98: 'EXIT_SMI', 99: 'EXIT_INIT', 100: 'EXIT_VINTR', 101: 'EXIT_CR0_SEL_WRITE', 102: 'EXIT_IDTR_READ', 103: 'EXIT_GDTR_READ', 104: 'EXIT_LDTR_READ', 105: 'EXIT_TR_READ', 106: 'EXIT_IDTR_WRITE', 107: 'EXIT_GDTR_WRITE', 108: 'EXIT_LDTR_WRITE', 109: 'EXIT_TR_WRITE', 110: 'EXIT_RDTSC', 111: 'EXIT_RDPMC', 112: 'EXIT_PUSHF', 113: 'EXIT_POPF', 114: 'EXIT_CPUID', 115: 'EXIT_RSM', 116: 'EXIT_IRET', 117: 'EXIT_SWINT', 118: 'EXIT_INVD', 119: 'EXIT_PAUSE', 120: 'EXIT_HLT', 121: 'EXIT_INVLPG', 122: 'EXIT_INVLPGA', 123: 'EXIT_IOIO', 124: 'EXIT_MSR', 125: 'EXIT_TASK_SWITCH', 126: 'EXIT_FERR_FREEZE', 127: 'EXIT_SHUTDOWN', 128: 'EXIT_VMRUN', 129: 'EXIT_VMMCALL', 130: 'EXIT_VMLOAD', 131: 'EXIT_VMSAVE', 132: 'EXIT_STGI', 133: 'EXIT_CLGI', 134: 'EXIT_SKINIT', 135: 'EXIT_RDTSCP', 136: 'EXIT_ICEBP', 137: 'EXIT_WBINVD', 138: 'EXIT_MONITOR', 139: 'EXIT_MWAIT', 140: 'EXIT_MWAIT_COND', 141: 'EXIT_XSETBV', 1024: 'EXIT_NPF', 1025: 'EXIT_AVIC_INCOMPLETE_IPI', 1026: 'EXIT_AVIC_UNACCELERATED_ACCESS' };

/**
 * plugin_kvm.c, kvm_exit: `reason NAME rip 0x.. info %llx %llx` (trace-cmd's
 * guest-function lookup finds nothing with one input); a reason it lacks
 * prints `reason UNKNOWN (n)`, an isa it lacks `reason UNKNOWN-ISA`.
 */
export const kvmExit: Plugin = (ev, r, env, state) => {
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
export const kvmEntry: Plugin = (ev, r, env, state) => {
  const vcpu = fieldVal(ev, r, env, 'vcpu_id', false);
  let out = 'e' in vcpu ? `CAN'T FIND FIELD "vcpu_id"` : ` vcpu ${BigInt.asUintN(32, vcpu.v)}`;
  const rip = fieldVal(ev, r, env, 'rip', true);
  if ('e' in rip) return thenFmt(state, out + rip.e);
  out += ` rip 0x${rip.v.toString(16)}`;
  return out;
};

