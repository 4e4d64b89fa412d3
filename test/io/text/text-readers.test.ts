import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fieldReaders, ipiTargetReader } from '../../../src/analysis/field-values.ts';
import type { Trace } from '../../../src/core/trace.ts';
import { openTrace } from '../../../src/io/open.ts';
import { printFtrace } from '../../../src/io/text/ftrace-printer.ts';
import { loadFormatFiles } from '../../../src/io/text/format-files.ts';
import { ROOT, SHARED, findFiles, firstDiff, hasShared, readText, reportOf, tempDir } from '../../helpers.ts';
import { run } from '../../emulator/record-helpers.ts';

const dir = tempDir();
const write = (name: string, text: string | Buffer) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

/** Every event as plain values: time, cpu, pid, name, and its fields when it has its real format. */
function eventsOf(t: Trace, usRound = false): string[] {
  const out: string[] = [];
  const readers = new Map<number, ReturnType<typeof fieldReaders>>();
  for (const b of t.batches()) {
    for (let i = 0; i < b.length; i++) {
      const ev = t.formats.get(b.type[i])!;
      let rs = readers.get(ev.id);
      if (!rs) readers.set(ev.id, (rs = ev.system === 'text' ? [] : fieldReaders(t, ev)));
      const ns = t.tsBaseSec * 1e9 + b.ts[i];
      const ts = usRound ? Math.floor((ns + 500) / 1000) : ns;
      out.push(`${ts} ${b.cpu[i]} ${b.pid[i]} ${ev.name} ${rs.map((r) => `${r.name}=${r.read(b, i)}`).join(' ')}`);
    }
  }
  return out;
}

/** trace-cmd report outputs beside the real traces: the reader's input, and what printing it back must give. */
const reports = [...findFiles(path.join(ROOT, 'samples'), /\.report(-l|-t)?\.txt(\.gz)?$/), ...findFiles(SHARED, /\.dat\.report(-l|-t)?\.txt(\.gz)?$/)];

describe('report text: reading and printing back gives the same bytes', () => {
  // the samples' own three, and with ../shared/data beside the clone every stored report there
  it('has reports to read', () => expect(reports.length).toBeGreaterThan(hasShared ? 10 : 2));
  for (const file of reports) {
    it(path.relative(path.dirname(ROOT), file), async () => {
      const t = await openTrace(file);
      expect(t.kind).toBe('report-text');
      const mode = /-l\.txt/.test(file) ? { latency: true } : /-t\.txt/.test(file) ? { ns: true } : {};
      const want = readText(file);
      const got = reportOf(t, mode);
      if (got !== want) expect.fail(firstDiff(want, got));
    });
  }
});

describe('report text holds the same events and fields as the trace.dat', () => {
  it('real-ipi: -t text (exact ns) and default text (µs) against the .dat', async () => {
    const dat = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    const ns = await openTrace(path.join(ROOT, 'samples/real-ipi.dat.report-t.txt.gz'));
    const us = await openTrace(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz'));
    const a = eventsOf(dat);
    const b = eventsOf(ns);
    expect(b.length).toBe(a.length);
    // every event recovers its real format and fields; the one thing the text cannot hold is
    // a preempted task's state (TASK_REPORT_MAX, 0x100), which trace-cmd's plugin prints as R
    const textOnly = b.filter((l) => /^\S+ \S+ \S+ \S+ $/.test(l)).length;
    expect(textOnly).toBe(0);
    for (let k = 0; k < a.length; k++) {
      const want = a[k].replace(' prev_state=256 ', ' prev_state=0 ').replace(/ prev_state_text=R\+$/, ' prev_state_text=R');
      if (b[k] !== want) expect.fail(`event ${k}:\n  dat:  ${want}\n  text: ${b[k]}`);
    }
    // µs text: times rounded as trace-cmd prints them
    const c = eventsOf(us, true).map((l) => l.split(' ').slice(0, 4).join(' '));
    const d = eventsOf(dat, true).map((l) => l.split(' ').slice(0, 4).join(' '));
    expect(c).toEqual(d);
    // the analyses see the same IPIs
    const ev = ns.formats.find('ipi_send_cpu').find((f) => f.system === 'ipi')!;
    expect(ipiTargetReader(ns, ev)).not.toBeNull();
  });
});

describe('kernel trace text', () => {
  it('an emulated run printed as the kernel would reads back as the same events and prints the same text', async () => {
    const r = await run('kprobe-trampolines', [], { duration: '7s', stacks: true, events: [{ event: 'all', filters: [] }, { event: 'kprobes', filters: [] }] });
    const chunks: Uint8Array[] = [];
    printFtrace(r.trace, (c) => chunks.push(c));
    const text = Buffer.concat(chunks).toString('latin1');
    const file = write('emu.trace', text);
    // the probes' formats are the run's own: give them as format files, as a user would
    const fdir = path.join(dir, 'fmt', 'kprobes');
    fs.mkdirSync(fdir, { recursive: true });
    for (const f of r.trace.formats.all().filter((x) => x.system === 'kprobes')) fs.writeFileSync(path.join(fdir, `${f.name}.format`), f.text);
    const { loadFormatFiles } = await import('../../../src/io/text/format-files.ts');
    const t = await openTrace(file, { formats: loadFormatFiles([path.join(dir, 'fmt')]) });
    expect(t.kind).toBe('ftrace-text');
    const back: Uint8Array[] = [];
    printFtrace(t, (c) => back.push(c));
    const again = Buffer.concat(back).toString('latin1');
    if (again !== text) expect.fail(firstDiff(text, again));
    // same events: count per type, cpu, pid, time (µs), fields (addresses aside: symbols are re-made)
    // kernel text has no addresses: fields holding them are re-made; everything else must match
    const key = (l: string) => l.replace(/\b(caller_offs|parent_offs|caller|__probe_ip|__probe_func|__probe_ret_ip)=\S+/g, '$1=ADDR');
    const a = eventsOf(r.trace, true).map(key);
    const b = eventsOf(t, true).map(key);
    expect(b.length).toBe(a.length);
    const counts = (xs: string[]) => xs.reduce((m, l) => m.set(l.split(' ')[3], (m.get(l.split(' ')[3]) ?? 0) + 1), new Map<string, number>());
    expect(counts(b)).toEqual(counts(a));
    const textOnly = [...t.formats.all()].filter((f) => f.system === 'text').map((f) => f.name);
    expect(textOnly).toEqual([]);
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) expect.fail(`event ${k}:\n  dat:  ${a[k]}\n  text: ${b[k]}`);
  });

  it.skipIf(!hasShared)('TGID column, 4-character flags, unsorted per-CPU text, systrace HTML, legacy systrace (needs ../shared/data)', async () => {
    const sys = await openTrace(path.join(SHARED, 'public/ARM-software-trappy/tests/trace_systrace.html'));
    expect(sys.kind).toBe('ftrace-text');
    const lines = eventsOf(sys);
    expect(lines.length).toBe(10);
    expect(lines.filter((l) => l.includes(' sched_switch ')).length).toBe(4);
    const legacy = await openTrace(path.join(SHARED, 'public/ARM-software-trappy/tests/trace_legacy_systrace.html'));
    expect(eventsOf(legacy).length).toBeGreaterThan(10);
    const unsorted = await openTrace(path.join(SHARED, 'public/ARM-software-trappy/tests/trace_idle_unsorted.txt'));
    const ts = eventsOf(unsorted).map((l) => Number(l.split(' ')[0]));
    for (let k = 1; k < ts.length; k++) expect(ts[k]).toBeGreaterThanOrEqual(ts[k - 1]);
  }, 60_000);
});

describe('text input handling', () => {
  it.skipIf(!hasShared)('seed-004 excerpts: cpumask exploded, callback as a symbol, stack frames with their addresses (needs ../shared/seeds)', async () => {
    const seed = fs.readFileSync(findFiles(path.resolve(SHARED, '../seeds'), /^004_/)[0], 'latin1').split('\n');
    // the mail wrapped one line and indented all by two spaces
    const a = seed.findIndex((l) => l.includes('kworker/2:0-13856 [002]  3517.445719'));
    const excerpt = [seed[a].slice(2) + seed[a + 1].slice(2), ...seed.slice(a + 2, a + 11).map((l) => l.slice(2))].join('\n') + '\n';
    const t = await openTrace(write('seed.txt', 'cpus=80\n' + excerpt.replace(' \ncallback', ' callback')));
    const ev = t.formats.find('ipi_send_cpumask').find((f) => f.system === 'ipi')!;
    const b = [...t.batches()][0];
    expect(t.formats.get(b.type[0])).toBe(ev);
    expect(ipiTargetReader(t, ev)!(b, 0)).toEqual([0, 1, ...Array.from({ length: 77 }, (_, k) => k + 3)]);
    const cb = fieldReaders(t, ev).find((r) => r.name === 'callback')!;
    expect(cb.read(b, 0)).toBe('do_flush_tlb_all+0x0');
    const out = reportOf(t);
    expect(out).toContain('=> pcpu_reclaim_populated (ffffffffa996b451)\n');
    expect(out).toContain('cpumask=0-1,3-79 callsite=on_each_cpu_cond_mask+0x20 callback=do_flush_tlb_all+0x0\n');
  });

  it('bad lines are counted and shown with line numbers, the rest is read', async () => {
    const good = readText(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz')).split('\n');
    const mixed = [good[0], good[1], 'garbage line one', good[2], '!!!', ...Array.from({ length: 6 }, (_, k) => `junk ${k}`), good[3], ''].join('\n');
    const t = await openTrace(write('bad.txt', mixed));
    expect(eventsOf(t).length).toBe(3);
    expect(t.warnings[0]).toMatch(/bad\.txt:3: not a trace-cmd report line .*"garbage line one"/);
    expect(t.warnings.length).toBe(6);
    expect(t.warnings[5]).toMatch(/8 lines in all could not be read \(first 5 shown\); the rest of the file was read/);
  });

  it('gzip by content, stdin, and a clear refusal of anything else', async () => {
    const text = readText(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz'));
    const gz = write('no-extension', zlib.gzipSync(Buffer.from(text, 'latin1')));
    expect(reportOf(await openTrace(gz))).toBe(text);
    const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
    const r = spawnSync(process.execPath, [cli, 'report', '-'], { input: Buffer.from(text, 'latin1'), maxBuffer: 1 << 28 });
    expect(r.stdout.toString('latin1')).toBe(text);
    await expect(openTrace(write('x.txt', 'hello world\nthis is not a trace\n'))).rejects.toThrow(/x\.txt: not a trace tracelab reads: .* the first line is "hello world"/);
    // a Parquet export or binary data is named, not printed as a first line of escapes
    await expect(openTrace(write('x.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(200, 0x15), Buffer.from('PAR1')])))).rejects.toThrow(/x\.parquet: not a trace tracelab reads: .*; it is a Parquet file \(tracelab convert writes these/);
    await expect(openTrace(write('x.bin', Buffer.from(Array.from({ length: 300 }, (_, k) => (k * 7) & 0x1f))))).rejects.toThrow(/x\.bin: not a trace tracelab reads: .*; it is binary data \(first bytes: 00 07 0e 15 1c 03/);
    await expect(openTrace(write('z.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3])))).rejects.toThrow(/gzip file that does not decompress/);
  });
});

describe('report text of instance buffers', () => {
  it('"name: " prefixes put lines back in their buffers; printing gives the same bytes', async () => {
    const { DatWriter } = await import('../../../src/io/dat/writer.ts');
    const { parseEventFormat } = await import('../../../src/core/event-format.ts');
    const { RecordEncoder } = await import('../../../src/core/record-encoder.ts');
    const { loadCatalog } = await import('../../../src/core/catalog.ts');
    const cat = loadCatalog();
    const ev = cat.formats.find('ipi_send_cpu')[0];
    const file = path.join(dir, 'inst.dat');
    const w = await DatWriter.create(file, { headerPage: cat.headerPage, headerEvent: cat.headerEvent, ftraceFormats: [], systems: [{ system: 'ipi', texts: [ev.text] }], kallsyms: 'ffffffff81000000 T _stext\nffffffff81000100 T wakeup_preempt\n', printk: '', cmdlines: '7 seven\n', cpus: 2, clock: 'local', instances: ['foo', 'longer_name'] }, { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 42n * 1_000_000_000n });
    const enc = new RecordEncoder(parseEventFormat(ev.text, 'ipi'), true);
    for (let i = 0; i < 30; i++) w.add(i % 2, 1000 * i, enc.encode({ pid: 7 }, [i % 2, 0xffffffff81000155n, 0n]), 0, undefined, i % 3);
    await w.close();
    const text = reportOf(await openTrace(file));
    expect(text).toContain('longer_name:            seven-7     [');
    const t = await openTrace(write('inst.txt', text));
    expect(t.buffers.map((b) => b.name)).toEqual(['', 'foo', 'longer_name']);
    expect(reportOf(t)).toBe(text);
    const perBuffer = [0, 0, 0];
    for (const b of t.batches()) for (let i = 0; i < b.length; i++) perBuffer[b.buffer[i]]++;
    expect(perBuffer).toEqual([10, 10, 10]);
  });
});

describe('report -R text', () => {
  it('reads back into real records: printing -R gives the same bytes, the default form what the .dat gives', async () => {
    const dat = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    const raw = reportOf(dat, { raw: true });
    const t = await openTrace(write('raw.txt', raw));
    expect([...t.formats.all()].filter((f) => f.system === 'text')).toEqual([]);
    const back = reportOf(t, { raw: true });
    if (back !== raw) expect.fail(firstDiff(raw, back));
    const def = reportOf(t);
    const want = readText(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz'));
    if (def !== want) expect.fail(firstDiff(want, def));
  });
});

describe('kernel text edge cases', () => {
  it('an hrtimer_start line whose mode is several flags of an enum the print fmt names (mode=ABS|PINNED|HARD) reads, and prints back as it was', async () => {
    const line = '          <idle>-0       [001] d.h2.  5168.586928: hrtimer_start: hrtimer=00000000a3b2c1d0 function=tick_nohz_handler expires=5168587000000 softexpires=5168587000000 mode=ABS|PINNED|HARD was_armed=0';
    const f = write('hrtimer-start.txt', `# tracer: nop\n#\n${line}\n`);
    const formats = loadFormatFiles([path.join(ROOT, 'samples/formats-6.18')]);
    const t = await openTrace(f, { formats });
    const want = 'cpus=2\n          <idle>-0     [001]  5168.586928: hrtimer_start:        hrtimer=00000000a3b2c1d0 function=tick_nohz_handler expires=5168587000000 softexpires=5168587000000 mode=ABS|PINNED|HARD was_armed=0\n';
    expect(reportOf(t)).toBe(want);
    // -R of an event kept as its text prints the text, not text= and key=value copies of it
    expect(reportOf(t, { raw: true })).toBe(want);
  });
});
