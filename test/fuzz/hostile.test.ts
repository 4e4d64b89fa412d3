import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { exportEvents } from '../../src/analysis/export.ts';
import { hist } from '../../src/analysis/arquero-reports.ts';
import { eventTable } from '../../src/analysis/table.ts';
import { loadCatalog } from '../../src/core/catalog.ts';
import { formatText } from '../../src/core/format-writer.ts';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { RecordEncoder } from '../../src/core/record-encoder.ts';
import { loadScenario } from '../../src/emulator/scenario.ts';
import { buildEventSelection } from '../../src/filter/trace-filter.ts';
import { DatWriter } from '../../src/io/dat/writer.ts';
import { openTrace } from '../../src/io/open.ts';
import { compiledPrint } from '../../src/printfmt/render.ts';
import { ROOT, reportOf, tempDir } from '../helpers.ts';

const dir = tempDir('tracelab-hostile-');
const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'prototype', 'valueOf'];

describe('hostile nesting', () => {
  it('a print fmt nested 100000 parentheses deep fails to parse (the event prints [FAILED TO PARSE]) instead of overflowing the stack', () => {
    const base = fs.readFileSync(path.join(ROOT, 'samples/formats-6.18/irq/softirq_entry.format'), 'latin1');
    for (const depth of [100, 100_000]) {
      const ev = parseEventFormat(base.replace(/print fmt: .*/, `print fmt: "%d", ${'('.repeat(depth)}REC->vec${')'.repeat(depth)}`), 'irq');
      const f = compiledPrint(ev, 8).fmt;
      expect(f.failed).toBe(depth === 100 ? null : 'print fmt nested too deeply');
    }
  });
});

describe('hostile depth and size in print fmts and filters', () => {
  const base = () => fs.readFileSync(path.join(ROOT, 'samples/formats-6.18/irq/softirq_entry.format'), 'latin1');
  /** A one-event trace.dat (zstd) of softirq_entry with this print fmt. */
  async function traceWith(printFmt: string): Promise<string> {
    const text = base().replace(/print fmt: .*/, `print fmt: ${printFmt}`);
    const ev = parseEventFormat(text, 'irq');
    const cat = loadCatalog();
    const file = path.join(dir, `fmt-${printFmt.length}.dat`);
    const w = await DatWriter.create(file, { headerPage: cat.headerPage, headerEvent: cat.headerEvent, ftraceFormats: [], systems: [{ system: 'irq', texts: [text] }], kallsyms: '', printk: '', cmdlines: '', cpus: 1, clock: 'local' }, { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 0n });
    w.add(0, 1000, new RecordEncoder(ev, true).encode({ pid: 1, flags: 0, preempt: 0 }, [3]));
    await w.close();
    return file;
  }

  it('evaluates a 500-term sum, and prints a 4,000-term one as [FAILED TO PARSE] with a warning instead of overflowing the stack', async () => {
    const sum = (n: number) => `"v=%d", ${Array(n).fill('REC->vec').join(' + ')}`;
    const ok = await openTrace(await traceWith(sum(500)));
    expect(reportOf(ok)).toContain('softirq_entry:        v=1500\n');
    expect(ok.warnings).toEqual([]);
    const deep = await openTrace(await traceWith(sum(4000)));
    expect(reportOf(deep)).toContain('softirq_entry:        [FAILED TO PARSE] vec=3\n');
    expect(deep.warnings).toEqual(['irq:softirq_entry: print fmt nested too deeply (4000 levels; tracelab evaluates up to 1000): its events print as [FAILED TO PARSE] with their fields, where trace-cmd evaluates it']);
  });

  it('reads a zstd section that expands over 1000 times (a 50,000-conversion print fmt), as trace-cmd does', async () => {
    const t = await openTrace(await traceWith(`"${'%u '.repeat(50_000)}", ${Array(50_000).fill('REC->vec').join(', ')}`));
    expect(reportOf(t)).toContain(`softirq_entry:        ${'3 '.repeat(50_000)}\n`);
  });
});

describe('hostile bytes and sizes in names and patterns', () => {
  it('a tab, VT, FF or 0xA0 in a report text event name: the line reads and prints back as it was', async () => {
    // the sample's report text, its first 20 lines, each ending with a newline
    const lines = [...gunzipSync(fs.readFileSync(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz'))).toString('latin1').split('\n').slice(0, 20), ''];
    for (const b of ['\t', '\v', '\f', '\xa0']) {
      const text = [...lines];
      text[3] = text[3].replace('reschedule_exit:', `resched${b}ule_exit:`);
      const f = path.join(dir, 'odd-name.txt');
      fs.writeFileSync(f, text.join('\n'), 'latin1');
      expect(reportOf(await openTrace(f))).toBe(text.join('\n'));
    }
  });

  it('a 100,000-character -F event pattern is a one-line error, not an internal one', async () => {
    const t = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    expect(() => buildEventSelection(t, [{ arg: 'x'.repeat(100_000), negative: false }])).toThrow(/^bad event pattern "x{80}… \(100000 characters\)": Regular expression too large$/);
  });
});

describe('hostile names in traces, formats, filters and scenarios', () => {
  it('fields and events named like Object internals are plain data everywhere', async () => {
    const fields = HOSTILE.map((name) => ({ type: 'int', name, size: 4, signed: true }));
    const printFmt = `"${HOSTILE.map((n) => `${n}=%d`).join(' ')}", ${HOSTILE.map((n) => `REC->${n}`).join(', ')}`;
    const text = formatText({ name: '__proto__', id: 3000, fields, printFmt });
    const ev = parseEventFormat(text, 'constructor');
    const cat = loadCatalog();
    const file = path.join(dir, 'hostile.dat');
    const w = await DatWriter.create(file, { headerPage: cat.headerPage, headerEvent: cat.headerEvent, ftraceFormats: [], systems: [{ system: 'constructor', texts: [text] }], kallsyms: '', printk: '', cmdlines: '1 __proto__\n2 constructor\n', cpus: 1, clock: 'local' }, { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 1_000_000_000_000n });
    const enc = new RecordEncoder(ev, true);
    for (let k = 0; k < 10; k++) {
      const p = enc.encode({ pid: 1 + (k % 2) }, HOSTILE.map((_, j) => k * 10 + j));
      w.add(0, k * 1000, p);
    }
    await w.close();
    const t = await openTrace(file);
    const out = reportOf(t);
    expect(out).toContain('__proto__-1     [000]  1000.000000: __proto__:            constructor=0 __proto__=1 toString=2');
    const keep = buildEventSelection(t, [{ arg: '__proto__: __proto__ > 30 && constructor != 90', negative: false }]);
    let kept = 0;
    for (const b of t.batches()) for (let i = 0; i < b.length; i++) if (keep(b, i, t.formats.get(b.type[i]))) kept++;
    // __proto__ = 10k+1 > 30 for k = 3..9, constructor = 10k != 90 drops k = 9
    expect(kept).toBe(6);
    const h = hist(t, { by: '__proto__' });
    expect(h.summary.total).toBe(10);
    const tb = eventTable(t, { event: '__proto__' });
    // names Object.prototype has become field_NAME columns
    expect(tb.columnNames()).toEqual(expect.arrayContaining(HOSTILE.map((h) => (h in Object.prototype ? `field_${h}` : h))));
    expect((tb.array('field_constructor') as number[])[3]).toBe(30);
    await exportEvents(t, 'json', path.join(dir, 'h.json'), { event: '__proto__' });
    const rows = JSON.parse(fs.readFileSync(path.join(dir, 'h.json'), 'utf8')) as Record<string, unknown>[];
    expect(rows[2].field___proto__).toBe(21);
    expect(rows[2].comm).toBe('__proto__');
    await exportEvents(t, 'csv', path.join(dir, 'h.csv'), { event: '__proto__' });
    expect(fs.readFileSync(path.join(dir, 'h.csv'), 'utf8').split('\n')[0]).toContain('field_constructor,field___proto__,field_toString');
    // nothing leaked into every object
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });

  it('scenario keys like __proto__ are refused, not merged', () => {
    const file = path.join(dir, 's.json');
    fs.writeFileSync(file, '{"__proto__": {"polluted": true}, "kernel": {"constructor": 1}}');
    expect(() => loadScenario(file)).toThrow(/unknown key "(__proto__|kernel.constructor)"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('nothing in src evaluates text as code', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(path.join(ROOT, 'src'));
    walk(path.join(ROOT, 'cli'));
    for (const f of files) {
      const s = fs.readFileSync(f, 'utf8');
      expect(/\beval\s*\(|new\s+Function\s*\(/.test(s), f).toBe(false);
    }
    // binary-parser compiles code from layouts: only layouts.ts builds them, from names written in the source
    const users = files.filter((f) => /from 'binary-parser'/.test(fs.readFileSync(f, 'utf8')));
    expect(users.map((f) => path.basename(f))).toEqual(['layouts.ts']);
  });
});
