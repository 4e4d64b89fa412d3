import * as path from 'node:path';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { formatText, headerPageText, HEADER_EVENT_TEXT, type FormatSpec } from '../../src/core/format-writer.ts';
import { RecordEncoder, type FieldValue } from '../../src/core/record-encoder.ts';
import { openDat } from '../../src/io/dat/reader.ts';
import { DatWriter } from '../../src/io/dat/writer.ts';
import { ROOT } from '../helpers.ts';

/**
 * A synthetic trace.dat whose events exercise every print-fmt feature
 * libtraceevent has: helpers, operators, casts, widths, plugins, probes,
 * bprint, failures and unknown ids. trace-cmd's report of it is the oracle.
 */
const SYMS = [
  [0xffffffff81000000n, '_stext'],
  [0xffffffff81001000n, 'do_one_thing'],
  [0xffffffff81001200n, 'do_other_thing'],
  [0xffffffff81001800n, 'schedule'],
  [0xffffffff81002000n, 'do_syscall_64'],
  [0xffffffff81003000n, 'entry_SYSCALL_64_after_hwframe'],
  [0xffffffff81004000n, 'zz_end'],
] as const;

const PRINTK = [
  [0xffffffff82000000n, 'Start context switch'],
  [0xffffffff82000100n, 'a value: %d and %s, long %lx\\n'],
  [0xffffffff82000200n, 'pct %%d: %3d%% [%-6s] %p'],
] as const;

const custom: FormatSpec[] = [
  {
    name: 'flags_ev', id: 900,
    fields: [{ type: 'unsigned long', name: 'flags', size: 8 }, { type: 'int', name: 'sym', size: 4, signed: true }],
    printFmt: '"flags=%s sym=%s", __print_flags(REC->flags, "|", { 0x1, "A" }, { 0x2, "B" }, { 0x4, "C" }, { 0x100, "HUNDRED" }), __print_symbolic(REC->sym, { 0, "ZERO" }, { 1, "ONE" }, { -1, "MINUS" })',
  },
  {
    name: 'arith_ev', id: 901,
    fields: [
      { type: 'int', name: 'a', size: 4, signed: true },
      { type: 'int', name: 'b', size: 4, signed: true },
      { type: 'unsigned int', name: 'u', size: 4 },
      { type: 'long long', name: 'big', size: 8, signed: true },
      { type: 'unsigned char', name: 'c', size: 1 },
      { type: 'short', name: 's', size: 2, signed: true },
      { type: 'int', name: 'arr', size: 16, arrayLen: 4, signed: true },
    ],
    printFmt:
      '"sum=%d prod=%u sh=%x neg=%d big=%lld bigx=%llx c=%hhd s=%hd cond=%s idx=%d size=%d tern=%d mod=%d cast=%u lt=%d", REC->a + REC->b, REC->a * REC->b, REC->u >> 4, -REC->a, REC->big, REC->big, REC->c, REC->s, REC->a > REC->b ? "gt" : "le", REC->arr[2], sizeof(int), REC->a == 3 ? 10 : 20, REC->u % 7, (unsigned char)REC->u, REC->a < REC->b',
  },
  {
    name: 'dyn_ev', id: 902,
    fields: [
      { type: '__data_loc char[]', name: 'name', size: 4 },
      { type: '__data_loc unsigned long[]', name: 'mask', size: 4 },
      { type: '__data_loc cpumask_t', name: 'cpus', size: 4 },
      { type: '__data_loc u8[]', name: 'buf', size: 4 },
    ],
    printFmt: '"name=%s mask=%s cpus=%s hex=%s hexs=%s len=%d", __get_str(name), __get_bitmask(mask), __get_cpumask(cpus), __print_hex(__get_dynamic_array(buf), __get_dynamic_array_len(buf)), __print_hex_str(__get_dynamic_array(buf), __get_dynamic_array_len(buf)), __get_dynamic_array_len(buf)',
  },
  {
    name: 'ptr_ev', id: 903,
    fields: [
      { type: 'void *', name: 'p', size: 8 },
      { type: 'const char *', name: 'str', size: 8 },
      { type: 'unsigned long', name: 'fn', size: 8 },
    ],
    printFmt: '"p=%p str=%s fn=%pS fn2=%ps fnF=%pF", REC->p, REC->str, REC->fn, REC->fn, (void *)REC->fn',
  },
  {
    name: 'width_ev', id: 904,
    fields: [{ type: 'int', name: 'w', size: 4, signed: true }, { type: 'char', name: 'name', size: 16, arrayLen: 16 }, { type: 'int', name: 'n', size: 4, signed: true }],
    printFmt: '"[%5d][%-5d][%05d][%-10s][%10s][%.3s][%*d][%x][%#x][%o][%+d][%lu]", REC->w, REC->w, REC->w, REC->name, REC->name, REC->name, REC->n, REC->w, REC->w, REC->w, REC->w, REC->w, REC->w',
  },
  { name: 'fail_ev', id: 905, fields: [{ type: 'int', name: 'x', size: 4, signed: true }, { type: 'char', name: 'who', size: 8, arrayLen: 8 }], printFmt: '"x=%d", foo(REC->x)' },
  { name: 'array_ev', id: 906, fields: [{ type: 'unsigned int', name: 'arr', size: 16, arrayLen: 4 }], printFmt: '"arr=%s", __print_array(REC->arr, 4, 4)' },
  { name: 'char_ev', id: 907, fields: [{ type: 'char', name: 'ch', size: 1, signed: true }, { type: 'int', name: 'after', size: 4, signed: true }], printFmt: '"ch=%c after=%d", REC->ch, REC->after' },
  {
    name: 'irq_disable', id: 908,
    fields: [{ type: 's32', name: 'caller_offs', size: 4, signed: true }, { type: 's32', name: 'parent_offs', size: 4, signed: true }],
    printFmt: '"caller=%pS parent=%pS", (void *)((unsigned long)(_stext) + REC->caller_offs), (void *)((unsigned long)(_stext) + REC->parent_offs)',
  },
  {
    name: 'p_do_one_thing_0', id: 909,
    fields: [{ type: 'unsigned long', name: '__probe_ip', size: 8 }, { type: 'u64', name: 'arg1', size: 8 }, { type: '__data_loc char[]', name: 'path', size: 4, signed: true }],
    printFmt: '"(%lx) arg1=0x%Lx path=\\"%s\\"", REC->__probe_ip, REC->arg1, __get_str(path)',
  },
  {
    name: 'r_do_one_thing_0', id: 910,
    fields: [{ type: 'unsigned long', name: '__probe_func', size: 8 }, { type: 'unsigned long', name: '__probe_ret_ip', size: 8 }, { type: 's64', name: 'ret', size: 8, signed: true }],
    printFmt: '"(%lx <- %lx) ret=%Ld", REC->__probe_func, REC->__probe_ret_ip, REC->ret',
  },
  { name: 'unknown_fn_ev', id: 911, fields: [{ type: 'int', name: 'v', size: 4, signed: true }], printFmt: '"v=%d (%s)", REC->v, REC->v & 1 ? "odd" : "even"' },
  // a helper given what is not a field: libtraceevent names enum tep_print_arg_type (OP 11, DYNAMIC_ARRAY_LEN 14)
  { name: 'mac_op_ev', id: 921, fields: [{ type: 'int', name: 'a', size: 4, signed: true }, { type: '__data_loc u8[]', name: 'buf', size: 4 }], printFmt: '"mac=%pM ip=%pI4 len=%pM", REC->a + 1, REC->a + 1, __get_dynamic_array_len(buf)' },
  {
    name: 'xen_mc_entry', id: 920,
    fields: [{ type: 'unsigned int', name: 'op', size: 4 }, { type: 'unsigned int', name: 'nargs', size: 4 }],
    printFmt: '"op %u%s nargs %u", REC->op, xen_hypercall_name(REC->op), REC->nargs',
  },
  // libtraceevent 1.7.1's sizeof() knows int, long, long long, unsigned and REC->field only (u64 fails, silently)
  { name: 'sizeof_ev', id: 922, fields: [{ type: 'int', name: 'a', size: 4, signed: true }], printFmt: '"a=%d l=%d ll=%d", REC->a * sizeof(int), sizeof(long), sizeof(long long)' },
  { name: 'sizeof_u64_ev', id: 923, fields: [{ type: 'int', name: 'a', size: 4, signed: true }], printFmt: '"a=%d", REC->a * sizeof(u64)' },
  // a failure inside __print_array()'s arguments (alloc_and_process_delim() sets errno: report --verbose shows it)
  { name: 'delim_ev', id: 924, fields: [{ type: 'int', name: 'a', size: 4, signed: true }], printFmt: '"a=%s", __print_array(REC->a, 1 / sizeof(u32), 4)' },
  // an empty flag list: process_fields() warns it read no '{', and the event parses
  { name: 'noflags_ev', id: 925, fields: [{ type: 'int', name: 'a', size: 4, signed: true }], printFmt: '"a=%s", __print_flags(REC->a, "|")' },
];

const REAL = ['sched_switch', 'sched_wakeup', 'ipi_send_cpumask', 'irq_handler_exit', 'softirq_entry', 'rcu_utilization', 'csd_queue_cpu', 'kmalloc', 'kfree', 'kmem_cache_alloc', 'kmem_cache_free', 'tlb_flush', 'jbd2_run_stats', 'jbd2_checkpoint_stats', 'sys_enter_futex', 'kvm_exit', 'kvm_entry'];
const FTRACE = ['function', 'kernel_stack', 'print', 'bprint'];

export async function writeOracleTrace(file: string): Promise<void> {
  const real = await openDat(path.join(ROOT, 'samples/real-ipi.dat'));
  const pick = (name: string) => real.formats.find(name)[0];
  const ftraceTexts = FTRACE.map((n) => pick(n).text);
  const realTexts = new Map<string, string[]>();
  for (const n of REAL) {
    const f = pick(n);
    realTexts.set(f.system, [...(realTexts.get(f.system) ?? []), f.text]);
  }
  real.close();
  const customText = custom.map((c) => formatText(c, 8));
  const systems = [{ system: 'oracle', texts: customText.slice(0, 9) }, { system: 'kprobes', texts: customText.slice(9, 11) }, { system: 'oracle2', texts: customText.slice(11) }, ...[...realTexts].map(([system, texts]) => ({ system, texts }))];
  const enc = new Map<string, RecordEncoder>();
  for (const s of [...systems, { system: 'ftrace', texts: ftraceTexts }]) {
    for (const t of s.texts) {
      const f = parseEventFormat(t, s.system, 8);
      enc.set(f.name, new RecordEncoder(f, true));
    }
  }
  const w = await DatWriter.create(
    file,
    {
      headerPage: headerPageText(8, 4096),
      headerEvent: HEADER_EVENT_TEXT,
      ftraceFormats: ftraceTexts,
      systems,
      kallsyms: SYMS.map(([a, n]) => `${a.toString(16)} T ${n}`).join('\n') + '\n',
      printk: PRINTK.map(([a, s]) => `0x${a.toString(16)} : "${s}"`).join('\n') + '\n',
      cmdlines: '100 worker\n200 two words\n300 a-b-c\n',
      cpus: 2,
      clock: 'local',
    },
    { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 1234n * 1_000_000_000n },
  );
  let ts = 1000;
  const add = (name: string, values: (FieldValue | undefined)[], pid = 100, cpu = 0, flags = 0) => {
    ts += 777;
    w.add(cpu, ts, enc.get(name)!.encode({ pid, flags, preempt: 1 }, values));
  };
  for (const [flags, sym] of [[0n, 0], [1n, 1], [3n, 5], [8n, -1], [0x107n, -2], [0xffffffffffffffffn, 1]] as const) add('flags_ev', [flags, sym]);
  for (const [a, b, u, big] of [[3, 4, 0xfffffff0, -5n], [-7, 2, 17, 1n << 62n], [0, 0, 0, 0n], [2147483647, 2, 255, -1n]] as const) {
    const arr = new Uint8Array(16);
    new DataView(arr.buffer).setInt32(8, a * 10, true);
    add('arith_ev', [a, b, u, big, 200, -300, arr]);
  }
  const mask16 = new Uint8Array(16);
  for (const c of [0, 1, 3, 4, 5, 64, 65, 79]) mask16[c >> 3] |= 1 << (c & 7);
  add('dyn_ev', ['hello', new Uint8Array([0xb, 0, 0, 0, 0, 0, 0, 0]), mask16, new Uint8Array([1, 2, 0xab, 0xff])]);
  add('dyn_ev', ['', new Uint8Array(8), new Uint8Array(8), new Uint8Array(0)]);
  add('ptr_ev', [0xffff888104cf8038n, 0xffffffff82000000n, 0xffffffff81001234n]);
  add('ptr_ev', [0n, 0xffffffff99999999n, 0xffffffff81000000n]);
  add('ptr_ev', [1n, 0n, 0x1234n]);
  add('width_ev', [42, 'abcdefghij', 7]);
  // a negative '*' width is undefined behaviour in trace-cmd (it prints stack garbage): not tested
  add('width_ev', [-42, 'x', 3]);
  add('fail_ev', [5, 'failing']);
  const arr = new Uint8Array(16);
  new DataView(arr.buffer).setUint32(0, 7, true);
  new DataView(arr.buffer).setUint32(4, 8, true);
  new DataView(arr.buffer).setUint32(12, 0xffffffff, true);
  add('array_ev', [arr]);
  add('char_ev', [65, 99]);
  add('irq_disable', [0x1010, 0x1804]);
  add('irq_disable', [-16, 0x3000]);
  add('p_do_one_thing_0', [0xffffffff81001000n, 0xdeadn, '/etc/passwd']);
  add('r_do_one_thing_0', [0xffffffff81001000n, 0xffffffff81002010n, -2n]);
  add('unknown_fn_ev', [3]);
  add('unknown_fn_ev', [4], 300);
  // real kernel formats, including the plugins
  for (const [state, next] of [[0, 'bash'], [1, 'sleeper'], [2, 'disk'], [0x80, 'rcu_preempt'], [0x100, 'preempted'], [3, 'x']] as const) {
    add('sched_switch', ['worker', 100, 120, BigInt(state), next, 400 + state, 120], 100, 1);
  }
  add('sched_wakeup', ['newbie', 555, 120, 1]);
  add('ipi_send_cpumask', [mask16, 0xffffffff81001200n, 0xffffffff81001000n], 200, 1);
  add('irq_handler_exit', [36, 1]);
  add('irq_handler_exit', [36, 0]);
  for (const vec of [0, 7, 9, 12]) add('softirq_entry', [vec]);
  add('rcu_utilization', [0xffffffff82000000n]);
  add('rcu_utilization', [0xffffffff82000008n]);
  add('csd_queue_cpu', [1, 0xffffffff81001210n, 0xffffffff81001800n, 0xffff888104cf8038n]);
  // plugin_kmem: "(func+0xoff) " before the print fmt when call_site is in a known function
  add('kmalloc', [0xffffffff81001010n, 0xffff888104c00000n, 64n, 64n, 0xcc0n, -1]);
  add('kmalloc', [0x1234n, 0xffff888104c00100n, 100n, 128n, 0n, 0]);
  add('kfree', [0xffffffff81001234n, 0xffff888104c00000n]);
  add('kmem_cache_alloc', [0xffffffff81002010n, 0xffff888104c00200n, 'task_struct', 9792n, 9792n, 0xdc0n, 0, 1]);
  add('kmem_cache_free', [0xffffffff81000000n, 0xffff888104c00200n, 'task_struct']);
  // plugin_tlb: pages=%ld reason=<name> (%lld), no name past the four it knows
  for (const [reason, pages] of [[0, 1n], [1, 512n], [3, 0xffffffffffffffffn], [4, 2n], [-1, 7n]] as const) add('tlb_flush', [reason, pages]);
  // plugin_jbd2's print function jiffies_to_msecs(): its argument, as the fmt's %u prints it
  add('jbd2_run_stats', [(8 << 20) | 1, 4242, 5n, 0n, 1234n, 7n, 0xffffffffffffffffn, 3n, 17, 40, 41]);
  add('jbd2_checkpoint_stats', [(259 << 20) | 3, 7, 99n, 1, 2, 3]);
  // plugin_kvm: exit reasons by isa (VMX 1, SVM 2), unknown ones, and the entry's vcpu and rip
  for (const [reason, isa] of [[49, 1], [99, 1], [0x60, 2], [0xffffffff, 2], [1, 3]] as const) add('kvm_exit', [reason, 0xffffffffa0632f49n, isa, 0x380n, 0n, 0, 0, 1, 0n]);
  add('kvm_entry', [3, 0xffffffffa13f2e30n, 0, 0, 0]);
  add('mac_op_ev', [3, new Uint8Array([1, 2])]);
  // plugin_xen's print function: the hypercall's name, nothing for a number it does not know
  for (const op of [1, 13, 38, 55, 1000]) add('xen_mc_entry', [op, 3]);
  for (const ev of ['sizeof_ev', 'sizeof_u64_ev', 'delim_ev', 'noflags_ev']) add(ev, [3]);
  // plugin_futex: the command's name and flags, then the arguments it uses; an unknown command keeps the fmt
  for (const op of [0x81, 0x80, 0x189, 4, 6, 13, 0x87]) add('sys_enter_futex', [202, 0x7f0012345678n, BigInt(op), 1n, 0x7ffc00001000n, 0x7f0012340000n, 0xffffffffn]);
  // ftrace: function calls with parents (indentation), a stack, trace_marker, trace_printk
  for (const [ip, parent] of [[0xffffffff81002000n, 0xffffffff81003000n], [0xffffffff81001800n, 0xffffffff81002004n], [0xffffffff81001000n, 0xffffffff81001810n], [0xffffffff81001800n, 0xffffffff81002004n], [0x5n, 0x6n]] as const) add('function', [ip, parent]);
  const stack = new Uint8Array(64);
  const sdv = new DataView(stack.buffer);
  [0xffffffff81001810n, 0xffffffff81002010n, 0xffffffff81003000n, 0x1234n, 0xffffffffffffffffn].forEach((a, i) => sdv.setBigUint64(i * 8, a, true));
  add('kernel_stack', [5, stack]);
  add('print', [0xffffffff81001000n, 'hello from user space\n']);
  /** A bprint's binary arguments: an int, a NUL-ended string after it, and a long at `longAt`. */
  const bprintArgs = (size: number, int: number, str: string, longAt: number, long: bigint) => {
    const buf = new Uint8Array(size);
    const dv = new DataView(buf.buffer);
    dv.setInt32(0, int, true);
    buf.set(Buffer.from(`${str}\0`), 4);
    dv.setBigUint64(longAt, long, true);
    return buf;
  };
  add('bprint', [0xffffffff81001000n, 0xffffffff82000100n, bprintArgs(24, -12, 'str', 8, 0xabcdefn)]);
  // the same format again, other values and a longer string (the long after it moves)
  add('bprint', [0xffffffff81001200n, 0xffffffff82000100n, bprintArgs(32, 7, 'a longer one', 20, 0x1234n)]);
  // a format not in printk_formats: "(NO FORMAT FOUND at ...)" (before the one below fails the event)
  add('bprint', [0xffffffff81001000n, 0xffffffff82000998n, new Uint8Array(8)]);
  add('bprint', [0xffffffff81001200n, 0xffffffff82000200n, bprintArgs(24, 42, 'ok', 8, 0xffff888000000000n)]);
  // the format above ran out of arguments (TEP_EVENT_FL_FAILED): from here on bprint fails
  add('bprint', [0xffffffff81001200n, 0xffffffff82000999n, new Uint8Array(8)]);
  // an id with no format
  ts += 777;
  const unknown = new Uint8Array(12);
  new DataView(unknown.buffer).setUint16(0, 4000, true);
  w.add(1, ts, unknown);
  await w.close();
}
