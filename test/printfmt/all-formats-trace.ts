import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { headerPageText, HEADER_EVENT_TEXT } from '../../src/core/format-writer.ts';
import { RecordEncoder } from '../../src/core/record-encoder.ts';
import { openDat } from '../../src/io/dat/reader.ts';
import { DatWriter } from '../../src/io/dat/writer.ts';
import { ROOT, SHARED } from '../helpers.ts';

/** The trace.dat files in ../shared whose formats Debian's trace-cmd reads, and the sample. */
const DATS = ['real/vm-6.18/real-ipi.dat', 'public/ARM-software-lisa/tests/trace.dat', 'public/ARM-software-trappy/tests/trace.dat', 'real/thirdparty/wsdias-LabSisOp/trace.dat'];

/**
 * Every distinct event format of the real sources in ../shared (the traces'
 * and formats-thirdparty's: kernels 4.14 to 6.18), as lists of format texts
 * per trace: the k-th list holds the k-th version of each system:event, so no
 * trace has two formats of one name (libtraceevent gives a plugin's handler
 * to the first only, which a real trace never asks of it).
 */
export async function allFormatVersions(): Promise<{ system: string; text: string }[][]> {
  const versions = new Map<string, { system: string; text: string }[]>();
  const seen = new Set<string>();
  const add = (system: string, text: string) => {
    if (system === 'ftrace') return;
    const body = text.replace(/^ID: \d+$/m, '');
    if (seen.has(`${system}\0${body}`)) return;
    seen.add(`${system}\0${body}`);
    const key = `${system}:${/^name: (.*)$/m.exec(text)?.[1] ?? ''}`;
    let l = versions.get(key);
    if (!l) versions.set(key, (l = []));
    l.push({ system, text });
  };
  for (const f of DATS) {
    const t = await openDat(path.join(SHARED, f));
    for (const h of t.formats.headers()) add(h.system, h.text);
    t.close();
  }
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])).sort();
  for (const f of walk(path.join(SHARED, 'formats-thirdparty'))) {
    if (f.endsWith('.format') || f.endsWith('/format')) add(path.basename(path.dirname(f)), fs.readFileSync(f, 'latin1'));
  }
  const rounds: { system: string; text: string }[][] = [];
  for (const l of versions.values()) l.forEach((v, k) => (rounds[k] ??= []).push(v));
  return rounds;
}

/** A trace.dat with these formats (ids renumbered) and one record of each, every field zero. Returns how many events it holds. */
export async function writeAllFormatsTrace(file: string, formats: { system: string; text: string }[]): Promise<number> {
  let id = 3000;
  const bySystem = new Map<string, string[]>();
  for (const f of formats) {
    let l = bySystem.get(f.system);
    if (!l) bySystem.set(f.system, (l = []));
    l.push(f.text.replace(/^ID: \d+$/m, `ID: ${id++}`));
  }
  const systems = [...bySystem].map(([system, texts]) => ({ system, texts }));
  const sample = await openDat(path.join(ROOT, 'samples/real-ipi.dat'));
  const w = await DatWriter.create(
    file,
    {
      headerPage: headerPageText(8, 4096),
      headerEvent: HEADER_EVENT_TEXT,
      ftraceFormats: sample.formats.all().filter((f) => f.system === 'ftrace').map((f) => f.text),
      systems,
      kallsyms: sample.symbols.source,
      printk: '',
      cmdlines: '100 worker\n',
      cpus: 1,
      clock: 'local',
    },
    { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 1000n * 1_000_000_000n },
  );
  sample.close();
  let ts = 0;
  let n = 0;
  for (const s of systems) {
    for (const t of s.texts) {
      const f = parseEventFormat(t, s.system, 8);
      if (f.fieldError) continue;
      w.add(0, (ts += 1000), new RecordEncoder(f, true).encode({ pid: 100 }, []));
      n++;
    }
  }
  await w.close();
  return n;
}
