import { formatText, headerPageText, HEADER_EVENT_TEXT } from '../../../src/core/format-writer.ts';
import { parseEventFormat } from '../../../src/core/event-format.ts';
import { RecordEncoder, type FieldValue } from '../../../src/core/record-encoder.ts';
import { DatWriter, type DatWriteOptions } from '../../../src/io/dat/writer.ts';

/**
 * Builds small synthetic trace.dat files with chosen byte order, long sizes,
 * versions and timings, for tests that real traces cannot cover.
 */
export interface SynthEvent {
  cpu: number;
  /** ns relative to the base */
  ts: number;
  pid: number;
  value: number;
  addr: bigint;
  comm: string;
  name: string;
  flags?: number;
  preempt?: number;
  /** write an absolute time stamp record before this event */
  absolute?: boolean;
  /** events lost before this one (starts a new page) */
  lostBefore?: number;
}

export const SAMPLE_ID = 700;
export const SYMBOLS = [
  { addr: 0xffffffff81000000n, name: '_stext' },
  { addr: 0xffffffff81001000n, name: 'do_one_thing' },
  { addr: 0xffffffff81001200n, name: 'do_other_thing' },
  { addr: 0xffffffff81002000n, name: 'zzz_end' },
];

/** Symbols of a 32-bit kernel live below 4 GiB. */
export function symbolsFor(kernelLong: number) {
  return kernelLong === 8 ? SYMBOLS : SYMBOLS.map((s) => ({ addr: s.addr & 0xffffffffn, name: s.name }));
}

export function sampleFormat(longSize: number): string {
  return formatText(
    {
      name: 'sample_event',
      id: SAMPLE_ID,
      fields: [
        { type: 'int', name: 'value', size: 4, signed: true },
        { type: 'unsigned long', name: 'addr', size: longSize },
        { type: 'char', name: 'comm', size: 16, arrayLen: 16 },
        { type: '__data_loc char[]', name: 'name', size: 4, signed: false },
      ],
      printFmt: '"value=%d addr=%pS comm=%s name=%s", REC->value, REC->addr, REC->comm, __get_str(name)',
    },
    longSize,
  );
}

export async function writeSynthetic(path: string, events: SynthEvent[], o: Omit<DatWriteOptions, 'pageSize'> & { pageSize?: number; cpus: number }): Promise<void> {
  const le = !o.bigEndian;
  const text = sampleFormat(o.kernelLongSize);
  const fmt = parseEventFormat(text, 'synthetic', o.kernelLongSize);
  const enc = new RecordEncoder(fmt, le);
  const kallsyms = symbolsFor(o.kernelLongSize).map((s) => `${s.addr.toString(16).padStart(o.kernelLongSize * 2, '0')} T ${s.name}`).join('\n') + '\n';
  const pageSize = o.pageSize ?? 4096;
  const w = await DatWriter.create(
    path,
    {
      headerPage: headerPageText(o.kernelLongSize, pageSize),
      headerEvent: HEADER_EVENT_TEXT,
      ftraceFormats: [],
      systems: [{ system: 'synthetic', texts: [text] }],
      kallsyms,
      printk: '',
      cmdlines: '100 worker\n200 other task\n',
      cpus: o.cpus,
      clock: 'local',
    },
    { ...o, pageSize },
  );
  for (const e of events) {
    if (e.lostBefore !== undefined) w.markLost(e.cpu, e.lostBefore);
    if (e.absolute) w.addAbsolute(e.cpu, e.ts);
    const values: FieldValue[] = [e.value, o.kernelLongSize === 8 ? e.addr : e.addr & 0xffffffffn, e.comm, e.name];
    w.add(e.cpu, e.ts, enc.encode({ pid: e.pid, flags: e.flags, preempt: e.preempt }, values));
  }
  await w.close();
}

/** The line tracelab and trace-cmd should print for an event (default report). */
export function expectedLine(e: SynthEvent, baseSec: number, kernelLong: number): string {
  const total = BigInt(baseSec) * 1_000_000_000n + BigInt(e.ts);
  const us = (total + 500n) / 1000n;
  const sec = us / 1_000_000n;
  const frac = (us % 1_000_000n).toString().padStart(6, '0');
  const comm = e.pid === 100 ? 'worker' : e.pid === 200 ? 'other task' : e.pid === 0 ? '<idle>' : '<...>';
  const syms = symbolsFor(kernelLong);
  const addr = kernelLong === 8 ? e.addr : e.addr & 0xffffffffn;
  const last = syms[syms.length - 1];
  const sym = [...syms].reverse().find((s) => s.addr <= addr && (addr < last.addr || addr === last.addr));
  const where = sym && addr >= syms[0].addr ? `${sym.name}+0x${(addr - sym.addr).toString(16)}` : `0x${addr.toString(16)}`;
  return `${comm.padStart(16)}-${String(e.pid).padEnd(5)} [${String(e.cpu).padStart(3, '0')}] ${sec.toString().padStart(5)}.${frac}: sample_event:         value=${e.value} addr=${where} comm=${e.comm} name=${e.name}`;
}
