import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/core/catalog.ts';
import { FormatRegistry } from '../../src/core/formats.ts';
import { SymbolTable } from '../../src/core/symbols.ts';
import { applySet, loadScenario, preset } from '../../src/emulator/scenario.ts';
import { compileKernelFilter, type FilterRecord } from '../../src/filter/kernel-filter.ts';
import { openTrace } from '../../src/io/open.ts';
import { printReport } from '../../src/io/text/report-printer.ts';
import { printerFor } from '../../src/printfmt/event-text.ts';
import { PluginState } from '../../src/printfmt/plugins.ts';
import { CommTable } from '../../src/core/comms.ts';
import { PrintkTable } from '../../src/core/printk.ts';
import { readTextTrace } from '../../src/io/text/text-trace.ts';
import { ROOT, readText, rowsOf, tempDir } from '../helpers.ts';
import { params, survives } from './fuzz-helpers.ts';

const dir = tempDir('tracelab-fuzz-');
let n = 0;
const write = (text: string) => {
  const p = path.join(dir, `t${n++}`);
  fs.writeFileSync(p, text, 'latin1');
  return p;
};

const lines = readText(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz')).split('\n').slice(0, 400);

/** A line edited at random: characters inserted, deleted, replaced. */
const mutatedLine = fc.record({ line: fc.constantFrom(...lines.slice(1)), edits: fc.array(fc.record({ at: fc.nat(), ch: fc.string({ maxLength: 3 }), del: fc.nat({ max: 4 }) }), { maxLength: 4 }) }).map(({ line, edits }) => {
  let s = line;
  for (const e of edits) {
    const at = e.at % (s.length + 1);
    s = s.slice(0, at) + e.ch + s.slice(at + e.del);
  }
  return s;
});

describe('text readers under random and mutated lines', () => {
  it('never crash; bad lines are counted, the rest is read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mutatedLine, fc.constantFrom(...lines), fc.string({ maxLength: 80 })), { minLength: 1, maxLength: 60 }), fc.boolean(), async (ls, header) => {
        const file = write((header ? 'cpus=2\n' : '') + ls.join('\n') + '\n');
        await survives(file, async () => {
          const t = await openTrace(file);
          printReport(t, () => {});
        });
      }),
      params(150),
    );
  }, 300_000);

  it('report text read from its bytes holds what it holds read as text: lines mutated, repeated (read from bytes once seen), with CRLF, an instance prefix, a continuation', () => {
    // default and -l lines (the latency columns read from bytes too)
    const seen = [...lines.slice(1, 40), ...readText(path.join(ROOT, 'samples/real-ipi.dat.report-l.txt.gz')).split('\n').slice(1, 20)];
    const line = fc.oneof(mutatedLine, fc.constantFrom(...seen), fc.constantFrom(...seen).map((l) => `inst: ${l}`), fc.constantFrom(...seen).map((l) => `${l}\r`), fc.constant('\tcontinued'), fc.constant(''));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 80 }), (ls) => {
        // the same bytes both ways (a char above 0xff in a generated string is one byte of it)
        const bytes = Buffer.from(`cpus=2\n${ls.join('\n')}\n`, 'latin1');
        const asText = readTextTrace(bytes.toString('latin1'), 'f', 'report');
        const asBytes = readTextTrace(bytes, 'f', 'report');
        expect(rowsOf(asBytes)).toEqual(rowsOf(asText));
        expect(asBytes.warnings).toEqual(asText.warnings);
      }),
      params(200),
    );
  }, 300_000);

  it('kernel text with random flags, TGID columns and names', async () => {
    const flags = fc.stringMatching(/^[.dDbXNnpLlBhHsZz0-9a-f]{3,6}$/);
    const line = fc.tuple(fc.string({ maxLength: 20 }), fc.integer({ min: -5, max: 99999 }), fc.option(fc.integer({ min: -1, max: 99999 })), fc.nat({ max: 300 }), flags, fc.nat(), fc.string({ maxLength: 12 }), fc.string({ maxLength: 60 })).map(
      ([comm, pid, tgid, cpu, fl, us, name, text]) => `${comm.padStart(16)}-${pid} ${tgid === null ? '' : `(${tgid}) `}[${String(cpu).padStart(3, '0')}] ${fl} ${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}: ${name}: ${text}`,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 40 }), async (ls) => {
        const file = write('# tracer: nop\n#\n' + ls.join('\n') + '\n');
        await survives(file, async () => printReport(await openTrace(file), () => {}));
      }),
      params(100),
    );
  }, 300_000);
});

describe('print fmt parser under malformed format files', () => {
  const cat = loadCatalog();
  const texts = cat.formats.systems().flatMap((s) => s.texts.map((t) => ({ system: s.system, text: t })));
  it('parsing and printing random records never crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...texts), fc.array(fc.record({ at: fc.nat(), ch: fc.constantFrom('(', ')', '"', ',', '%', 'REC->', '__print_flags(', '?', ':', '[', ']', '\\', '', '*', '&&', 'x'), del: fc.nat({ max: 6 }) }), { maxLength: 6 }), fc.uint8Array({ minLength: 0, maxLength: 96 }), async (f, edits, payload) => {
        let text = f.text;
        const pf = text.indexOf('print fmt:');
        for (const e of edits) {
          const at = pf + (e.at % Math.max(1, text.length - pf));
          text = text.slice(0, at) + e.ch + text.slice(at + e.del);
        }
        await survives('format', () => {
          const reg = new FormatRegistry(8);
          reg.add(f.system, text);
          for (const ev of reg.all()) {
            const p = new Uint8Array(Math.max(payload.length, 8));
            p.set(payload);
            new DataView(p.buffer).setUint16(0, ev.id, true);
            const env = { littleEndian: true, longSize: 8, symbols: new SymbolTable(''), printk: new PrintkTable(''), comms: new CommTable('') };
            printerFor(ev, 8, false)({ data: p, dv: new DataView(p.buffer), off: 0, size: p.length, cpu: 0, sec: 0, nsec: 0 }, env, new PluginState());
            printerFor(ev, 8, true)({ data: p, dv: new DataView(p.buffer), off: 0, size: p.length, cpu: 0, sec: 0, nsec: 0 }, env, new PluginState());
          }
        });
      }),
      params(300),
    );
  }, 300_000);
});

describe('filter language under random input', () => {
  const ev = loadCatalog().formats.find('ipi_send_cpumask')[0];
  const token = fc.constantFrom('cpumask', 'callsite', 'callback', 'common_pid', 'CPU', 'COMM', 'comm', '.function', ' ', '==', '!=', '&', '~', '<', '<=', '>', '&&', '||', '!', '(', ')', 'CPUS{', '}', '0-3', ',', '"', "'", 'x*', '0x10', '-1', '18446744073709551616', 'do_sync_core', '\\', '');
  it('only the kernel\'s errors, and compiled filters evaluate any record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(token, { maxLength: 16 }).map((t) => t.join('')), fc.string({ maxLength: 40 })), fc.uint8Array({ minLength: 0, maxLength: 64 }), async (expr, bytes) => {
        await survives(expr, () => {
          const f = compileKernelFilter(expr, { event: ev, nrCpus: 8, littleEndian: true, longSize: 8, symbols: new SymbolTable('ffffffff81000000 T do_sync_core\nffffffff81000100 T other\n') });
          const r: FilterRecord = { data: bytes, dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), off: 0, size: bytes.length, cpu: 3, pid: 7 };
          f.test(r);
        });
      }),
      params(500),
    );
  }, 300_000);
});

describe('scenario files under random JSON', () => {
  it('are loaded or refused with a message naming the key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.record({ preset: fc.constantFrom('isolation-ipi', 'uprobe-batch', 'nope'), cpus: fc.oneof(fc.integer({ min: -2, max: 5000 }), fc.string()), isolated: fc.string({ maxLength: 8 }), kernel: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue()) }, { requiredKeys: [] }).map((o) => JSON.stringify(o))), async (json) => {
        const file = write(json);
        const r = await survives(file, () => loadScenario(file));
        expect(['ok', 'rejected']).toContain(r);
      }),
      params(200),
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (a) => {
        await survives(a, () => applySet(preset('isolation-ipi'), a));
      }),
      params(200),
    );
  }, 300_000);
});
