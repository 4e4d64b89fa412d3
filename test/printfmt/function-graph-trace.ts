import { parseEventFormat } from '../../src/core/event-format.ts';
import { formatText } from '../../src/core/format-writer.ts';
import { RecordEncoder, type FieldValue } from '../../src/core/record-encoder.ts';
import { testDat } from './test-dat.ts';

/**
 * A synthetic function_graph recording (the 6.9 x86-64 formats of
 * funcgraph_entry/funcgraph_exit) for trace-cmd's own printer: nested calls,
 * leaves (an entry whose next record is its own exit), a next record on
 * another CPU, of another pid or another function, every duration marker and
 * width, an unknown function, a negative depth, and an entry that ends the trace.
 */
const ENTRY = `name: funcgraph_entry
ID: 11
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:unsigned long func;\toffset:8;\tsize:8;\tsigned:0;
\tfield:int depth;\toffset:16;\tsize:4;\tsigned:1;

print fmt: "--> %ps (%d)", (void *)REC->func, REC->depth
`;
const EXIT = `name: funcgraph_exit
ID: 10
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:unsigned long func;\toffset:8;\tsize:8;\tsigned:0;
\tfield:unsigned long retval;\toffset:16;\tsize:8;\tsigned:0;
\tfield:int depth;\toffset:24;\tsize:4;\tsigned:1;
\tfield:unsigned int overrun;\toffset:28;\tsize:4;\tsigned:0;
\tfield:unsigned long long calltime;\toffset:32;\tsize:8;\tsigned:0;
\tfield:unsigned long long rettime;\toffset:40;\tsize:8;\tsigned:0;

print fmt: "<-- %ps (%d) (start: %llx  end: %llx) over: %d retval: %lx", (void *)REC->func, REC->depth, REC->calltime, REC->rettime, REC->depth, REC->retval
`;

const SYMS: Record<string, bigint> = {
  _stext: 0xffffffff81000000n,
  do_IRQ: 0xffffffff81001000n,
  irq_enter: 0xffffffff81001100n,
  handle_irq: 0xffffffff81001200n,
  note_interrupt: 0xffffffff81001300n,
  irq_exit: 0xffffffff81001400n,
  zz_end: 0xffffffff81002000n,
};
const UNKNOWN_FN = 0x1234n;

export async function writeFunctionGraphTrace(file: string): Promise<void> {
  const irq = formatText({ name: 'irq_handler_entry', id: 40, fields: [{ type: 'int', name: 'irq', size: 4, signed: true }], printFmt: '"irq=%d", REC->irq' }, 8);
  const entry = new RecordEncoder(parseEventFormat(ENTRY, 'ftrace', 8), true);
  const exit = new RecordEncoder(parseEventFormat(EXIT, 'ftrace', 8), true);
  const irqEnc = new RecordEncoder(parseEventFormat(irq, 'irq', 8), true);
  const w = await testDat(file, {
    ftraceFormats: [ENTRY, EXIT],
    systems: [{ system: 'irq', texts: [irq] }],
    kallsyms: Object.entries(SYMS).map(([n, a]) => `${a.toString(16)} T ${n}`).join('\n') + '\n',
    cmdlines: '100 worker\n200 other\n',
    cpus: 2,
  }, 500n * 1_000_000_000n);
  let ts = 1000;
  const put = (enc: RecordEncoder, cpu: number, pid: number, values: (FieldValue | undefined)[]) => {
    ts += 1000;
    w.add(cpu, ts, enc.encode({ pid, flags: 1, preempt: 0 }, values));
  };
  const enter = (fn: bigint, depth: number, cpu = 0, pid = 100) => put(entry, cpu, pid, [fn, depth]);
  const leave = (fn: bigint, depth: number, duration: bigint, cpu = 0, pid = 100) => {
    const call = 7_000_000n;
    put(exit, cpu, pid, [fn, 0n, depth, 0, call, (call + duration) & 0xffffffffffffffffn]);
  };
  // a call tree: nested calls, leaves, an event inside
  enter(SYMS.do_IRQ, 0);
  enter(SYMS.irq_enter, 1);
  leave(SYMS.irq_enter, 1, 345n);
  enter(SYMS.handle_irq, 1);
  put(irqEnc, 0, 100, [4]);
  enter(SYMS.note_interrupt, 2);
  leave(SYMS.note_interrupt, 2, 10_001n);
  enter(UNKNOWN_FN, 2);
  leave(UNKNOWN_FN, 2, 999n);
  leave(SYMS.handle_irq, 1, 100_001n);
  leave(SYMS.do_IRQ, 0, 1_000_001n);
  // every marker and width: $ over a second, 7 µs digits (no .nnn), a rettime before calltime
  for (const d of [0n, 1_000_000_001n, 9_999_999_999n, 123_456_789_012n, -5n]) {
    enter(SYMS.irq_exit, 0);
    leave(SYMS.irq_exit, 0, d);
  }
  // the next record is the same function's exit, but of another pid, then on another CPU (same pid: still a leaf)
  enter(SYMS.irq_exit, 3);
  leave(SYMS.irq_exit, 3, 50n, 1, 200);
  enter(SYMS.irq_enter, 1);
  leave(SYMS.irq_enter, 1, 60n, 1, 100);
  // the next record is another function's exit
  enter(SYMS.irq_enter, 1);
  leave(SYMS.irq_exit, 1, 70n);
  // a negative depth indents nothing
  enter(SYMS.handle_irq, -1);
  leave(SYMS.handle_irq, -1, 80n);
  // an entry that ends the trace
  enter(SYMS.do_IRQ, 0, 1);
  await w.close();
}
