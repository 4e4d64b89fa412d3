import type { EventFormat } from '../../core/event-format.ts';
import type { PrintEnv, RecordRef } from '../record.ts';
import type { PrintFunction } from './print-function-api.ts';
import { type Family, fieldVal, type InverterMaker, type Plugin, thenFmt } from './plugin-api.ts';
import { genericInverter, indexes, noValues, type Inverter } from '../invert.ts';

/** plugin_kvm.c's exit reasons by number: VMX (isa 1, the default) and SVM (isa 2). */
export const VMX_EXIT_REASONS: Record<number, string> = { 0: 'EXCEPTION_NMI', 1: 'EXTERNAL_INTERRUPT', 2: 'TRIPLE_FAULT', 7: 'PENDING_INTERRUPT', 8: 'NMI_WINDOW', 9: 'TASK_SWITCH', 10: 'CPUID', 12: 'HLT', 13: 'INVD', 14: 'INVLPG', 15: 'RDPMC', 16: 'RDTSC', 18: 'VMCALL', 19: 'VMCLEAR', 20: 'VMLAUNCH', 21: 'VMPTRLD', 22: 'VMPTRST', 23: 'VMREAD', 24: 'VMRESUME', 25: 'VMWRITE', 26: 'VMOFF', 27: 'VMON', 28: 'CR_ACCESS', 29: 'DR_ACCESS', 30: 'IO_INSTRUCTION', 31: 'MSR_READ', 32: 'MSR_WRITE', 36: 'MWAIT_INSTRUCTION', 39: 'MONITOR_INSTRUCTION', 40: 'PAUSE_INSTRUCTION', 41: 'MCE_DURING_VMENTRY', 43: 'TPR_BELOW_THRESHOLD', 44: 'APIC_ACCESS', 45: 'EOI_INDUCED', 48: 'EPT_VIOLATION', 49: 'EPT_MISCONFIG', 50: 'INVEPT', 52: 'PREEMPTION_TIMER', 54: 'WBINVD', 55: 'XSETBV', 56: 'APIC_WRITE', 58: 'INVPCID', 62: 'PML_FULL', 63: 'XSAVES', 64: 'XRSTORS' };
export const SVM_EXIT_REASONS: Record<number, string> = { [-1]: 'EXIT_ERR', 0: 'EXIT_READ_CR0', 3: 'EXIT_READ_CR3', 4: 'EXIT_READ_CR4', 8: 'EXIT_READ_CR8', 16: 'EXIT_WRITE_CR0', 19: 'EXIT_WRITE_CR3', 20: 'EXIT_WRITE_CR4', 24: 'EXIT_WRITE_CR8', 32: 'EXIT_READ_DR0', 33: 'EXIT_READ_DR1', 34: 'EXIT_READ_DR2', 35: 'EXIT_READ_DR3', 36: 'EXIT_READ_DR4', 37: 'EXIT_READ_DR5', 38: 'EXIT_READ_DR6', 39: 'EXIT_READ_DR7', 48: 'EXIT_WRITE_DR0', 49: 'EXIT_WRITE_DR1', 50: 'EXIT_WRITE_DR2', 51: 'EXIT_WRITE_DR3', 52: 'EXIT_WRITE_DR4', 53: 'EXIT_WRITE_DR5', 54: 'EXIT_WRITE_DR6', 55: 'EXIT_WRITE_DR7', 64: 'EXIT_EXCP_DE', 65: 'EXIT_EXCP_DB', 67: 'EXIT_EXCP_BP', 68: 'EXIT_EXCP_OF', 69: 'EXIT_EXCP_BR', 70: 'EXIT_EXCP_UD', 71: 'EXIT_EXCP_NM', 72: 'EXIT_EXCP_DF', 74: 'EXIT_EXCP_TS', 75: 'EXIT_EXCP_NP', 76: 'EXIT_EXCP_SS', 77: 'EXIT_EXCP_GP', 78: 'EXIT_EXCP_PF', 80: 'EXIT_EXCP_MF', 81: 'EXIT_EXCP_AC', 82: 'EXIT_EXCP_MC', 83: 'EXIT_EXCP_XF', 96: 'EXIT_INTR', 97: 'EXIT_NMI', 98: 'EXIT_SMI', 99: 'EXIT_INIT', 100: 'EXIT_VINTR', 101: 'EXIT_CR0_SEL_WRITE', 102: 'EXIT_IDTR_READ', 103: 'EXIT_GDTR_READ', 104: 'EXIT_LDTR_READ', 105: 'EXIT_TR_READ', 106: 'EXIT_IDTR_WRITE', 107: 'EXIT_GDTR_WRITE', 108: 'EXIT_LDTR_WRITE', 109: 'EXIT_TR_WRITE', 110: 'EXIT_RDTSC', 111: 'EXIT_RDPMC', 112: 'EXIT_PUSHF', 113: 'EXIT_POPF', 114: 'EXIT_CPUID', 115: 'EXIT_RSM', 116: 'EXIT_IRET', 117: 'EXIT_SWINT', 118: 'EXIT_INVD', 119: 'EXIT_PAUSE', 120: 'EXIT_HLT', 121: 'EXIT_INVLPG', 122: 'EXIT_INVLPGA', 123: 'EXIT_IOIO', 124: 'EXIT_MSR', 125: 'EXIT_TASK_SWITCH', 126: 'EXIT_FERR_FREEZE', 127: 'EXIT_SHUTDOWN', 128: 'EXIT_VMRUN', 129: 'EXIT_VMMCALL', 130: 'EXIT_VMLOAD', 131: 'EXIT_VMSAVE', 132: 'EXIT_STGI', 133: 'EXIT_CLGI', 134: 'EXIT_SKINIT', 135: 'EXIT_RDTSCP', 136: 'EXIT_ICEBP', 137: 'EXIT_WBINVD', 138: 'EXIT_MONITOR', 139: 'EXIT_MWAIT', 140: 'EXIT_MWAIT_COND', 141: 'EXIT_XSETBV', 1024: 'EXIT_NPF', 1025: 'EXIT_AVIC_INCOMPLETE_IPI', 1026: 'EXIT_AVIC_UNACCELERATED_ACCESS' };

/**
 * plugin_kvm.c, kvm_exit: `reason NAME rip 0x.. info %llx %llx` (trace-cmd's
 * guest-function lookup finds nothing with one input); a reason it lacks
 * prints `reason UNKNOWN (n)`, an isa it lacks `reason UNKNOWN-ISA`.
 */
export const kvmExit: Plugin = (ev, r, env, state) => {
  const out = exitReason(ev, r, env, 'exit_reason');
  if (out.failed) return thenFmt(state, out.text);
  const rip = fieldVal(ev, r, env, 'guest_rip', true);
  if ('e' in rip) return thenFmt(state, out.text + rip.e);
  let text = out.text + ` rip 0x${rip.v.toString(16)}`;
  const i1 = fieldVal(ev, r, env, 'info1', false);
  const i2 = fieldVal(ev, r, env, 'info2', false);
  if (!('e' in i1) && !('e' in i2)) text += ` info ${i1.v.toString(16)} ${i2.v.toString(16)}`;
  return text;
};

/** print_exit_reason(): "reason NAME" by the event's isa (VMX without one), or why not. */
function exitReason(ev: EventFormat, r: RecordRef, env: PrintEnv, field: string): { text: string; failed: boolean } {
  const reason = fieldVal(ev, r, env, field, true);
  if ('e' in reason) return { text: reason.e, failed: true };
  const isaVal = fieldVal(ev, r, env, 'isa', false);
  const isa = 'e' in isaVal ? 1n : isaVal.v;
  const table = isa === 1n ? VMX_EXIT_REASONS : isa === 2n ? SVM_EXIT_REASONS : null;
  const code = Number(BigInt.asIntN(32, reason.v));
  const name = table ? table[code] : 'UNKNOWN-ISA';
  return { text: name !== undefined ? `reason ${name}` : `reason UNKNOWN (${reason.v})`, failed: false };
}

/** plugin_kvm.c, kvm_entry: ` vcpu %u rip 0x..`. */
export const kvmEntry: Plugin = (ev, r, env, state) => {
  const vcpu = fieldVal(ev, r, env, 'vcpu_id', false);
  let out = 'e' in vcpu ? `CAN'T FIND FIELD "vcpu_id"` : ` vcpu ${BigInt.asUintN(32, vcpu.v)}`;
  const rip = fieldVal(ev, r, env, 'rip', true);
  if ('e' in rip) return thenFmt(state, out + rip.e);
  out += ` rip 0x${rip.v.toString(16)}`;
  return out;
};


/**
 * tep_print_num_field() with a "%u"/"%llx" format: the field's unsigned value,
 * or libtraceevent's text when the event lacks it (and null: the caller stops).
 */
function numText(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string, fmt: (v: bigint) => string): { text: string; ok: boolean } {
  const v = fieldVal(ev, r, env, name, false);
  if ('e' in v) return { text: `CAN'T FIND FIELD "${name}"`, ok: false };
  return { text: fmt(v.v), ok: true };
}

/**
 * plugin_kvm.c, kvm_emulate_insn: `csbase:rip: xx xx xx` (the instruction's
 * bytes: Debian's libtraceevent is built without udis86), " FAIL" when it failed.
 */
export const kvmEmulateInsn: Plugin = (ev, r, env, state) => {
  const v: bigint[] = [];
  for (const name of ['rip', 'csbase', 'len', 'flags', 'failed']) {
    const x = fieldVal(ev, r, env, name, true);
    if ('e' in x) return thenFmt(state, x.e);
    v.push(x.v);
  }
  const [rip, csbase, len, , failed] = v;
  const insn = ev.field('insn');
  if (!insn) return thenFmt(state, '<CANT FIND FIELD insn>');
  // disassemble() without udis86: "%02x " per byte into a 46-byte buffer, the last space cut
  const n = Number(len);
  const bytes: string[] = [];
  for (let i = 0; i < n; i++) bytes.push((insn.offset + i < r.size ? r.data[r.off + insn.offset + i] : 0).toString(16).padStart(2, '0'));
  return `${csbase.toString(16)}:${rip.toString(16)}: ${bytes.join(' ')}${failed ? ' FAIL' : ''}`;
};

/** plugin_kvm.c, kvm_nested_vmexit_inject: the exit reason and exit_info1/2, int_info(_err) in hex. */
export const kvmNestedVmexitInject: Plugin = (ev, r, env, state) => {
  const reason = exitReason(ev, r, env, 'exit_code');
  if (reason.failed) return thenFmt(state, reason.text);
  let out = reason.text;
  for (const [label, field] of [['info1', 'exit_info1'], ['info2', 'exit_info2'], ['int_info', 'exit_int_info'], ['int_info_err', 'exit_int_info_err']]) {
    const t = numText(ev, r, env, field, (x) => x.toString(16));
    out += t.ok ? ` ${label} ${t.text}` : t.text;
  }
  return out;
};

/** plugin_kvm.c, kvm_nested_vmexit: " rip %llx", then as kvm_nested_vmexit_inject (5.15's event names the field guest_rip: no rip, the fmt prints). */
export const kvmNestedVmexit: Plugin = (ev, r, env, state) => {
  const rip = fieldVal(ev, r, env, 'rip', true);
  if ('e' in rip) return thenFmt(state, rip.e);
  const rest = kvmNestedVmexitInject(ev, r, env, state);
  return ` rip ${rip.v.toString(16)}` + rest;
};

const ACCESS = ['---', '--x', 'w--', 'w-x', '-u-', '-ux', 'wu-', 'wux'];

/**
 * plugin_kvm.c, kvm_mmu_print_role(): union kvm_mmu_page_role decoded from
 * its bitfields (on a little-endian host, for a file of the same byte order;
 * else the word in hex), the root count, and "sync"/"unsync" followed by the
 * NUL the C prints (which ends what trace-cmd writes of the text).
 */
export const kvmMmuRole: Plugin = (ev, r, env, state) => {
  const role = fieldVal(ev, r, env, 'role', true);
  if ('e' in role) return thenFmt(state, role.e);
  const w = Number(role.v & 0xffffffffn);
  let out: string;
  if (env.littleEndian) {
    const bit = (b: number) => (w >>> b) & 1;
    out = `${w & 0xf} q${(w >>> 5) & 3}${bit(7) ? ' direct' : ''} ${ACCESS[(w >>> 8) & 7]}${bit(11) ? ' invalid' : ''} ${bit(4) ? '' : '!'}pae ${bit(12) ? '' : '!'}nxe ${bit(13) ? '' : '!'}wp${bit(14) ? ' smep' : ''}${bit(15) ? ' smap' : ''}${w >>> 24 ? ' smm' : ''}`;
  } else out = `WORD: ${(w >>> 0).toString(16).padStart(8, '0')}`;
  const root = numText(ev, r, env, 'root_count', (x) => String(x & 0xffffffffn));
  out += root.ok ? ` root ${root.text} ` : root.text;
  const unsync = fieldVal(ev, r, env, 'unsync', true);
  if ('e' in unsync) return thenFmt(state, out + unsync.e);
  // the C then prints a NUL, which ends the text trace-cmd writes out
  return out + (unsync.v ? 'unsync' : 'sync');
};

/** plugin_kvm.c, kvm_mmu_get_page: "new"/"existing", the gfn, then the role. */
export const kvmMmuGetPage: Plugin = (ev, r, env, state) => {
  const created = fieldVal(ev, r, env, 'created', true);
  if ('e' in created) return thenFmt(state, created.e);
  let out = `${created.v ? 'new' : 'existing'} `;
  const gfn = fieldVal(ev, r, env, 'gfn', true);
  if ('e' in gfn) return thenFmt(state, out + gfn.e);
  out += `sp gfn ${gfn.v.toString(16)} `;
  return out + kvmMmuRole(ev, r, env, state);
};

/** plugin_kvm.c: process_is_writable_pte(), the PTE's writable bit (1 << 1) of an unsigned long. */
export const isWritablePte: PrintFunction = { params: 1, call: ([pte]) => ({ value: pte & 2n, text: '' }) };

/** Exit reason names to their number and isa (VMX first, as plugin_kvm.c looks them up), made once. */
let exitReasons: Map<string, { code: bigint; isa: bigint }> | null = null;

/** A kvm exit reason's number and isa from plugin_kvm.c's text: "NAME" (VMX or SVM), "UNKNOWN (n)" (VMX), "UNKNOWN-ISA". */
function exitReasonValue(name: string): { code: bigint; isa: bigint } | null {
  const unknown = /^UNKNOWN \((\d+)\)$/.exec(name);
  if (unknown) return { code: BigInt(unknown[1]), isa: 1n };
  // an isa plugin_kvm.c has no table for: any but 1 and 2 prints the same
  if (name === 'UNKNOWN-ISA') return { code: 0n, isa: 0n };
  if (!exitReasons) {
    exitReasons = new Map();
    for (const [table, isa] of [[SVM_EXIT_REASONS, 2n], [VMX_EXIT_REASONS, 1n]] as const) {
      for (const [code, n] of Object.entries(table)) exitReasons.set(n, { code: BigInt(code), isa });
    }
  }
  return exitReasons.get(name) ?? null;
}

/**
 * trace-cmd's kvm plugin forms (plugin_kvm.c): kvm_exit `reason NAME rip 0x..
 * info X Y` and kvm_entry ` vcpu N rip 0x..`. Fields the plugin leaves out
 * stay unset (an isa it has no table for is any other value); the caller keeps
 * the record only if it prints back the same.
 */
function kvmPlugin(ev: EventFormat): Inverter | null {
  if (ev.name === 'kvm_entry') {
    const [vcpu, rip] = indexes(ev, ['vcpu_id', 'rip']);
    if (vcpu < 0 || rip < 0) return null;
    return (text) => {
      const m = /^ vcpu (\d+) rip 0x([0-9a-f]+)$/.exec(text);
      if (!m) return null;
      const vals = noValues(ev);
      vals[vcpu] = BigInt(m[1]);
      vals[rip] = BigInt('0x' + m[2]);
      return vals;
    };
  }
  const [reason, rip, isa, info1, info2] = indexes(ev, ['exit_reason', 'guest_rip', 'isa', 'info1', 'info2']);
  if (reason < 0 || rip < 0) return null;
  return (text) => {
    const m = /^reason (UNKNOWN \(\d+\)|\S+) rip 0x([0-9a-f]+)(?: info ([0-9a-f]+) ([0-9a-f]+))?$/.exec(text);
    if (!m) return null;
    const r = exitReasonValue(m[1]);
    if (!r || (isa < 0 && r.isa !== 1n) || (m[3] !== undefined && (info1 < 0 || info2 < 0))) return null;
    const vals = noValues(ev);
    vals[reason] = r.code;
    if (isa >= 0) vals[isa] = r.isa === 0n ? 3n : r.isa;
    vals[rip] = BigInt('0x' + m[2]);
    if (m[3] !== undefined) {
      vals[info1] = BigInt('0x' + m[3]);
      vals[info2] = BigInt('0x' + m[4]);
    }
    return vals;
  };
}


/** plugin_kvm.c's kvm_emulate_insn text: `csbase:rip: xx xx ..[ FAIL]` (flags are not printed and stay unset). */
function kvmEmulateInsnPlugin(ev: EventFormat): Inverter | null {
  const [rip, csbase, len, failed, insn] = indexes(ev, ['rip', 'csbase', 'len', 'failed', 'insn']);
  if ([rip, csbase, len, failed, insn].some((i) => i < 0)) return null;
  const size = ev.fields[insn].size;
  return (text) => {
    const m = /^([0-9a-f]+):([0-9a-f]+): ((?:[0-9a-f]{2}(?: [0-9a-f]{2})*)?)( FAIL)?$/.exec(text);
    if (!m) return null;
    const bytes = m[3] ? m[3].split(' ').map((x) => parseInt(x, 16)) : [];
    if (bytes.length > size) return null;
    const vals = noValues(ev);
    vals[csbase] = BigInt('0x' + m[1]);
    vals[rip] = BigInt('0x' + m[2]);
    vals[len] = bytes.length;
    vals[failed] = m[4] ? 1 : 0;
    const buf = new Uint8Array(size);
    buf.set(bytes);
    vals[insn] = buf;
    return vals;
  };
}

/**
 * plugin_kvm.c's kvm_nested_vmexit_inject text: `reason NAME info1 X info2 X
 * int_info X int_info_err X` (hex without 0x); read as kvm_exit's reason.
 */
function kvmNestedInjectPlugin(ev: EventFormat): Inverter | null {
  const [code, isa, i1, i2, ii, iie] = indexes(ev, ['exit_code', 'isa', 'exit_info1', 'exit_info2', 'exit_int_info', 'exit_int_info_err']);
  if ([code, i1, i2, ii, iie].some((i) => i < 0)) return null;
  return (text) => {
    const m = /^reason (UNKNOWN \(\d+\)|\S+) info1 ([0-9a-f]+) info2 ([0-9a-f]+) int_info ([0-9a-f]+) int_info_err ([0-9a-f]+)$/.exec(text);
    if (!m) return null;
    const r = exitReasonValue(m[1]);
    if (!r || (isa < 0 && r.isa !== 1n)) return null;
    const vals = noValues(ev);
    vals[code] = r.code;
    if (isa >= 0) vals[isa] = r.isa === 0n ? 3n : r.isa;
    [i1, i2, ii, iie].forEach((k, j) => (vals[k] = BigInt('0x' + m[j + 2])));
    return vals;
  };
}

/**
 * kvm_nested_vmexit: ` rip X` then kvm_nested_vmexit_inject's text; an event
 * without a rip field (5.15 names it guest_rip) prints libtraceevent's
 * `<CANT FIND FIELD rip>` and then its print fmt, read by the fmt's inverse.
 */
function kvmNestedVmexitInverter(ev: EventFormat, longSize: number): Inverter | null {
  const rip = indexes(ev, ['rip'])[0];
  if (rip < 0) {
    const fmt = genericInverter(ev, longSize);
    const missing = '<CANT FIND FIELD rip>';
    return fmt && ((text, ctx) => (text.startsWith(missing) ? fmt(text.slice(missing.length), ctx) : null));
  }
  const rest = kvmNestedInjectPlugin(ev);
  if (!rest) return genericInverter(ev, longSize);
  return (text, ctx) => {
    const m = /^ rip ([0-9a-f]+)([\s\S]*)$/.exec(text);
    const vals = m ? rest(m[2], ctx) : null;
    if (vals) vals[rip] = BigInt('0x' + m![1]);
    return vals;
  };
}

/**
 * kvm_mmu_print_role()'s text read back into the role word (little-endian
 * files: a big-endian one prints `WORD: ..`, read as that word), then
 * ` root N ` and sync/unsync; kvm_mmu_get_page's `new|existing sp gfn X `
 * before it. Bits the text does not show (16-23, 24-31 past "smm") stay 0.
 */
function kvmMmuPlugin(ev: EventFormat): Inverter | null {
  const [role, root, unsync, created, gfn] = indexes(ev, ['role', 'root_count', 'unsync', 'created', 'gfn']);
  const getPage = ev.name === 'kvm_mmu_get_page';
  if (role < 0 || root < 0 || unsync < 0 || (getPage && (created < 0 || gfn < 0))) return null;
  const head = getPage ? '(new|existing) sp gfn ([0-9a-f]+) ' : '()()';
  const re = new RegExp(`^${head}(?:WORD: ([0-9a-f]{8})|(\\d+) q(\\d)( direct)? (${ACCESS.map((a) => a.replace(/-/g, '\\-')).join('|')})( invalid)? (!?)pae (!?)nxe (!?)wp( smep)?( smap)?( smm)?) root (\\d+) (sync|unsync)$`);
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    let w: number;
    if (m[3] !== undefined) w = parseInt(m[3], 16);
    else {
      const level = Number(m[4]);
      const quadrant = Number(m[5]);
      if (level > 15 || quadrant > 3) return null;
      w = level | (quadrant << 5) | (m[6] ? 1 << 7 : 0) | (ACCESS.indexOf(m[7]) << 8) | (m[8] ? 1 << 11 : 0);
      w |= (m[9] ? 0 : 1 << 4) | (m[10] ? 0 : 1 << 12) | (m[11] ? 0 : 1 << 13) | (m[12] ? 1 << 14 : 0) | (m[13] ? 1 << 15 : 0) | (m[14] ? 1 << 24 : 0);
    }
    const vals = noValues(ev);
    vals[role] = w >>> 0;
    vals[root] = Number(m[15]);
    vals[unsync] = m[16] === 'unsync' ? 1 : 0;
    if (getPage) {
      vals[created] = m[1] === 'new' ? 1 : 0;
      vals[gfn] = BigInt('0x' + m[2]);
    }
    return vals;
  };
}

/** The handler's inverse, or (a field it needs missing) the print fmt's. */
const orFmt = (make: (ev: EventFormat) => Inverter | null): InverterMaker => (ev, longSize) => make(ev) ?? genericInverter(ev, longSize);

/** plugin_kvm.c: its handlers (text from the record alone) and their inverses. */
export const kvm: Family = {
  events: {
    'kvm/kvm_exit': { print: kvmExit, pure: true, invert: orFmt(kvmPlugin) },
    'kvm/kvm_entry': { print: kvmEntry, pure: true, invert: orFmt(kvmPlugin) },
    'kvm/kvm_emulate_insn': { print: kvmEmulateInsn, pure: true, invert: orFmt(kvmEmulateInsnPlugin) },
    'kvm/kvm_nested_vmexit': { print: kvmNestedVmexit, pure: true, invert: kvmNestedVmexitInverter },
    'kvm/kvm_nested_vmexit_inject': { print: kvmNestedVmexitInject, pure: true, invert: orFmt(kvmNestedInjectPlugin) },
    'kvmmmu/kvm_mmu_get_page': { print: kvmMmuGetPage, pure: true, invert: orFmt(kvmMmuPlugin) },
    'kvmmmu/kvm_mmu_sync_page': { print: kvmMmuRole, pure: true, invert: orFmt(kvmMmuPlugin) },
    'kvmmmu/kvm_mmu_unsync_page': { print: kvmMmuRole, pure: true, invert: orFmt(kvmMmuPlugin) },
    'kvmmmu/kvm_mmu_zap_page': { print: kvmMmuRole, pure: true, invert: orFmt(kvmMmuPlugin) },
    'kvmmmu/kvm_mmu_prepare_zap_page': { print: kvmMmuRole, pure: true, invert: orFmt(kvmMmuPlugin) },
  },
};
