import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDat } from '../../../src/io/dat/reader.ts';
import { openTrace } from '../../../src/io/open.ts';
import type { Trace } from '../../../src/core/trace.ts';
import type { EventBatch } from '../../../src/core/batch.ts';
import { firstDiff, reportOf, tempDir } from '../../helpers.ts';
import { writeOracleTrace } from '../../printfmt/oracle-trace.ts';
import { writePluginFamiliesTrace } from '../../printfmt/plugin-families-trace.ts';
import { ROOT } from '../../oracles.ts';
import { CommTable } from '../../../src/core/comms.ts';
import { parseEventFormat } from '../../../src/core/event-format.ts';
import { formatText } from '../../../src/core/format-writer.ts';
import { RecordEncoder, type FieldValue } from '../../../src/core/record-encoder.ts';
import { SynthPrintk, SynthSymbols } from '../../../src/io/text/synth-tables.ts';
import { printerFor } from '../../../src/printfmt/event-text.ts';
import { inverterFor, PluginState } from '../../../src/printfmt/plugins.ts';
import { recordRef } from '../../../src/printfmt/record.ts';

/**
 * Report text read back (issue 15): each event family's printed text — the
 * libtraceevent plugins', trace-cmd's printers', and the print fmt helpers
 * (__print_flags, __print_symbolic past its table, __get_bitmask,
 * __print_hex, __print_array, MAJOR()/MINOR() parts, plugin print functions)
 * — comes back as its own event with its fields, and prints back byte for
 * byte. Only the lines whose text does not determine the record stay text
 * lines, each listed here with why.
 */
const dir = tempDir('tracelab-plugin-inverters-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The .dat's report, written as text and read back with the .dat's formats: events read per name, and those kept as text. */
async function readBack(dat: string): Promise<{ text: string; back: Trace; read: Map<string, number>; asText: Map<string, number> }> {
  const t = await openDat(dat);
  const text = reportOf(t);
  const formats = [...t.formats.all()].map((f) => ({ system: f.system, text: f.text }));
  t.close();
  const file = dat.replace(/\.dat$/, '.txt');
  fs.writeFileSync(file, text, 'latin1');
  const back = await openTrace(file, { formats });
  const read = new Map<string, number>();
  const asText = new Map<string, number>();
  for (const b of back.batches()) {
    for (let i = 0; i < b.length; i++) {
      const ev = back.formats.get(b.type[i])!;
      const m = ev.system === 'text' ? asText : read;
      m.set(ev.name, (m.get(ev.name) ?? 0) + 1);
    }
  }
  return { text, back, read, asText };
}

describe('report text read back into each family\'s events', () => {
  it('the oracle trace: every event but those whose text cannot say their record comes back, and the report prints back the same', async () => {
    const dat = path.join(dir, 'oracle.dat');
    await writeOracleTrace(dat);
    const { text, back, read, asText } = await readBack(dat);
    expect(Object.fromEntries(asText)).toEqual({
      // expressions of several fields (a + b, a * b, ...): the text gives their result only
      arith_ev: 3,
      // libtraceevent's %+d prints ">+<d", and %.3s cuts the string
      width_ev: 2,
      // caller=0x80fffff0: an address in no symbol, relative to a _stext the text never gives
      irq_disable: 1,
      // [FAILED TO PARSE] after an earlier failure (sticky) and NO FORMAT FOUND: the arguments are not printed
      bprint: 2,
      // a=REC->a * sizeof(int): a product, like arith_ev's
      sizeof_ev: 1,
    });
    for (const [name, n] of Object.entries({ tlb_flush: 5, kvm_exit: 5, kvm_entry: 1, kfree: 1, kmem_cache_free: 1, sys_enter_futex: 7, kmalloc: 2, kmem_cache_alloc: 1, jbd2_run_stats: 1, jbd2_checkpoint_stats: 1, flags_ev: 6, dyn_ev: 2, array_ev: 1, fail_ev: 1, softirq_entry: 4, ipi_send_cpumask: 1, bprint: 3, xen_mc_entry: 5, function: 5 })) {
      expect(read.get(name), name).toBe(n);
    }
    // the last line is the file's deliberate [UNKNOWN EVENT], whose id no format has
    const lines = (s: string) => s.split('\n').filter((l) => !l.includes('[UNKNOWN EVENT]'));
    const want = lines(text).join('\n');
    const again = lines(reportOf(back)).join('\n');
    if (again !== want) expect.fail(firstDiff(want, again));
    back.close();
  });

  it('the plugin-families trace (scsi CDBs, cfg80211, kvm emulate/nested/mmu): all read back, the four-line drv_bss_info_changed too, but a 5.15 kvm_nested_vmexit', async () => {
    const dat = path.join(dir, 'families.dat');
    await writePluginFamiliesTrace(dat);
    const { text, back, read, asText } = await readBack(dat);
    // the plugin cannot print it (no rip field) and its fmt picks the reason's table by isa, of
    // exit_reason & 0xffff: a choice and a mask the fmt's inverse does not solve
    expect(Object.fromEntries(asText)).toEqual({ kvm_nested_vmexit: 1 });
    expect(Object.fromEntries(read)).toMatchObject({ drv_bss_info_changed: 2, scsi_dispatch_cmd_start: 17, cfg80211_rx_mlme_mgmt: 3, kvm_emulate_insn: 2, kvm_nested_vmexit_inject: 3, kvm_mmu_get_page: 2, kvm_mmu_sync_page: 1, kvm_mmu_prepare_zap_page: 1 });
    const again = reportOf(back);
    if (again !== text) expect.fail(firstDiff(text, again));
    back.close();
  });

  it('sched_waking, which no plugin prints, is read by its print fmt (not as text)', async () => {
    const fmt = fs.readFileSync(path.join(ROOT, 'samples/formats-6.18/sched/sched_waking.format'), 'latin1');
    const line = '          <idle>-0     [001]   100.000001: sched_waking:         comm=kworker/1:2 pid=91 prio=120 target_cpu=001\n';
    const file = path.join(dir, 'waking.txt');
    fs.writeFileSync(file, 'cpus=2\n' + line);
    const t = await openTrace(file, { formats: [{ system: 'sched', text: fmt }] });
    expect([...t.formats.all()].filter((f) => f.system === 'text')).toEqual([]);
    expect(reportOf(t)).toBe('cpus=2\n' + line);
  });
});

describe('a handler and its inverter as a pair, record by record', () => {
  it('kvm_nested_vmexit of kernels whose event has rip and the exit_* fields: " rip X" and the inject text read back', () => {
    const u = (name: string, size: number) => ({ type: size === 8 ? 'u64' : 'u32', name, size });
    const ev = parseEventFormat(formatText({ name: 'kvm_nested_vmexit', id: 77, fields: [u('rip', 8), u('exit_code', 4), u('exit_info1', 8), u('exit_info2', 8), u('exit_int_info', 4), u('exit_int_info_err', 4), u('isa', 4)], printFmt: '"rip: 0x%016llx", REC->rip' }, 8), 'kvm', 8);
    const syms = new SynthSymbols();
    const printk = new SynthPrintk();
    const env = { littleEndian: true, longSize: 8, symbols: syms.symbols, printk: printk.printk, comms: new CommTable(''), kernel: false };
    const enc = new RecordEncoder(ev, true);
    const print = (vals: (FieldValue | undefined)[]) => {
      const p = enc.encode({ pid: 1, flags: 0, preempt: 0 }, vals).slice();
      const r = recordRef();
      r.data = p;
      r.dv = new DataView(p.buffer);
      r.size = p.length;
      return printerFor(ev, 8, false)(r, env, new PluginState());
    };
    const text = print([0xffffffff81000010n, 48, 0x1234n, 0n, 0x80000b0e, 0, 1]);
    expect(text).toBe(' rip ffffffff81000010reason EPT_VIOLATION info1 1234 info2 0 int_info 80000b0e int_info_err 0');
    const vals = inverterFor(ev, 8, false)!(text, { syms, printk, kernel: false, maskBytes: 8 })!;
    expect(print(vals)).toBe(text);
  });
});

describe('function tracer text read back (its indentation is the printer\'s call stacks)', () => {
  it('calls nested at random on two CPUs: every line comes back as a function event, with its ip, and its parent wherever the text shows it (depth > 0); the report prints back byte for byte', async () => {
    const { testDat } = await import('../../printfmt/test-dat.ts');
    const real = await openDat(path.join(ROOT, 'samples/real-ipi.dat'));
    const fmt = real.formats.find('function')[0];
    real.close();
    const ev = parseEventFormat(fmt.text, 'ftrace', 8);
    // 40 functions, 0x100 apart
    const names = Array.from({ length: 40 }, (_, k) => `fn_${k}`);
    const addr = (k: number) => 0xffffffff81000000n + BigInt(k) * 0x100n;
    const kallsyms = names.map((n, k) => `${addr(k).toString(16)} T ${n}`).join('\n') + `\n${addr(40).toString(16)} T _etext\n`;
    const dat = path.join(dir, 'function.dat');
    const w = await testDat(dat, { ftraceFormats: [fmt.text], systems: [], kallsyms, cpus: 2, cmdlines: '7 worker\n' }, 50n * 1_000_000_000n);
    const enc = new RecordEncoder(ev, true);
    // a call stack per CPU: a call is entered from the function on top (ip inside it), or a return
    // pops; now and then a call comes from a function never seen (the plugin starts its stack again)
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const stacks: number[][] = [[], []];
    const sent: [bigint, bigint][] = [];
    let ts = 0;
    for (let k = 0; k < 3000; k++) {
      const cpu = rnd(2);
      const st = stacks[cpu];
      if (st.length > 1 && rnd(3) === 0) st.pop();
      const callee = rnd(40);
      const fresh = !st.length || rnd(25) === 0;
      const caller = fresh ? rnd(40) : st[st.length - 1];
      if (fresh) st.length = 0, st.push(caller);
      const vals: [bigint, bigint] = [addr(callee), addr(caller) + BigInt(1 + rnd(0xf0))];
      sent.push(vals);
      w.add(cpu, (ts += 1000), enc.encode({ pid: 7, flags: 0, preempt: 0 }, vals).slice());
      st.push(callee);
      if (st.length > 12) st.splice(1, 1);
    }
    await w.close();
    const { text, back, read, asText } = await readBack(dat);
    expect(Object.fromEntries(asText)).toEqual({});
    expect(read.get('function')).toBe(3000);
    const again = reportOf(back);
    if (again !== text) expect.fail(firstDiff(text, again));
    // the fields: ip always; the parent where the line is indented (its function is on the stack)
    const lines = text.split('\n').filter((l) => l.includes(' function: '));
    const ipF = back.formats.find('function')[0];
    const [ipAt, parentAt] = [ipF.field('ip')!.offset, ipF.field('parent_ip')!.offset];
    const sym = (a: bigint) => back.symbols.name(back.symbols.findBig(a));
    let k = 0;
    let checkedParents = 0;
    for (const b of back.batches()) {
      for (let i = 0; i < b.length; i++, k++) {
        expect(sym(b.dv.getBigUint64(b.off[i] + ipAt, true))).toBe(names[Number((sent[k][0] - addr(0)) / 0x100n)]);
        if (/function: {13} {3}/.test(lines[k])) {
          expect(sym(b.dv.getBigUint64(b.off[i] + parentAt, true))).toBe(names[Number((sent[k][1] - addr(0)) / 0x100n)]);
          checkedParents++;
        }
      }
    }
    expect(checkedParents).toBeGreaterThan(1000);
    back.close();
  });
});

describe('function_graph text read back (trace-cmd merges a leaf\'s entry and exit into one line)', () => {
  /**
   * Calls nested at random on two CPUs as the kernel's function_graph tracer records them:
   * an entry when a call starts, an exit (calltime: the entry's time, rettime: its own) when
   * it returns, so a call that makes no other on its CPU before returning, with no event of
   * the other CPU between, prints as one leaf line. Durations of ns to over a second.
   */
  async function graphTrace(file: string) {
    const { testDat } = await import('../../printfmt/test-dat.ts');
    const texts = ['funcgraph_entry', 'funcgraph_exit'].map((n) => fs.readFileSync(path.join(ROOT, `samples/formats-6.18/ftrace/${n}.format`), 'utf8'));
    const [entry, exit] = texts.map((t) => parseEventFormat(t, 'ftrace', 8));
    const names = Array.from({ length: 30 }, (_, k) => `gfn_${k}`);
    const addr = (k: number) => 0xffffffff81000000n + BigInt(k) * 0x100n;
    const kallsyms = names.map((n, k) => `${addr(k).toString(16)} T ${n}`).join('\n') + `\n${addr(30).toString(16)} T _etext\n`;
    const w = await testDat(file, { ftraceFormats: texts, systems: [], kallsyms, cpus: 2, cmdlines: '7 worker\n8 other\n' }, 50n * 1_000_000_000n);
    const [ent, ex] = [new RecordEncoder(entry, true), new RecordEncoder(exit, true)];
    let seed = 4242;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const stacks: { fn: number; at: bigint }[][] = [[], []];
    // every record in time order: [cpu, ts, type, func, depth, calltime, rettime]
    const sent: [number, bigint, 'entry' | 'exit', bigint, number, bigint, bigint][] = [];
    const base = 50n * 1_000_000_000n;
    let rel = 0;
    for (let k = 0; k < 4000; k++) {
      const r = rnd(1000);
      rel += r < 5 ? 1_100_000_000 + rnd(1000) : r < 30 ? 1_000_000 + rnd(100_000) : r < 150 ? 10_000 + rnd(100_000) : 1 + rnd(9000);
      const ts = base + BigInt(rel);
      const cpu = rnd(2);
      const st = stacks[cpu];
      const pid = 7 + cpu;
      if (st.length && (st.length > 10 || rnd(2) === 0)) {
        const c = st.pop()!;
        sent.push([cpu, ts, 'exit', addr(c.fn), st.length, c.at, ts]);
        w.add(cpu, rel, ex.encode({ pid, flags: 0, preempt: 0 }, [addr(c.fn), st.length, 0, c.at, ts]).slice());
      } else {
        const fn = rnd(30);
        sent.push([cpu, ts, 'entry', addr(fn), st.length, 0n, 0n]);
        w.add(cpu, rel, ent.encode({ pid, flags: 0, preempt: 0 }, [addr(fn), st.length]).slice());
        st.push({ fn, at: ts });
      }
    }
    await w.close();
    return { sent, names, addr, counts: { entry: sent.filter((s) => s[2] === 'entry').length, exit: sent.filter((s) => s[2] === 'exit').length } };
  }

  it('every line comes back as its records (a leaf as its entry and exit), with func, depth, calltime and rettime as recorded; the report prints back byte for byte', async () => {
    const dat = path.join(dir, 'graph.dat');
    const { sent, names, addr, counts } = await graphTrace(dat);
    const { text, back, read, asText } = await readBack(dat);
    expect(Object.fromEntries(asText)).toEqual({});
    expect(Object.fromEntries(read)).toEqual({ funcgraph_entry: counts.entry, funcgraph_exit: counts.exit });
    const leaves = text.split('\n').filter((l) => / funcgraph_entry: .*\(\);$/.test(l)).length;
    expect(leaves).toBeGreaterThan(500);
    expect(text).toMatch(/\$ \d{7,} us \|/);
    const again = reportOf(back);
    if (again !== text) expect.fail(firstDiff(text, again));
    const [entry, exit] = ['funcgraph_entry', 'funcgraph_exit'].map((n) => back.formats.find(n, 'ftrace')[0]);
    const at = (ev: typeof entry, n: string) => ev.field(n)!.offset;
    const sym = (a: bigint) => back.symbols.name(back.symbols.findBig(a));
    // report prints times rounded to µs
    const us = (ns: bigint) => ((ns + 500n) / 1000n) * 1000n;
    const tsOf = (b: EventBatch, i: number) => BigInt(back.tsBaseSec) * 1_000_000_000n + BigInt(b.ts[i]);
    let k = 0;
    let leafExits = 0;
    for (const b of back.batches()) {
      for (let i = 0; i < b.length; i++, k++) {
        const [cpu, ts, type, func, depth, calltime, rettime] = sent[k];
        const ev = back.formats.get(b.type[i])!;
        const o = b.off[i];
        // (the text names functions; the reader makes up their addresses)
        const got = { cpu: b.cpu[i], type: ev.name, func: sym(b.dv.getBigUint64(o + at(ev, 'func'), true)), depth: b.dv.getUint32(o + at(ev, 'depth'), true) };
        expect(got).toEqual({ cpu, type: `funcgraph_${type}`, func: names[Number((func - addr(0)) / 0x100n)], depth });
        if (type === 'exit') {
          // the ns a duration of a second or more does not print: the least that gives its marker
          const dur = rettime - calltime;
          const d0 = (dur / 1000n) * 1000n;
          const shown = dur < 1_000_000_000n || d0 > 1_000_000_000n || d0 === dur ? (dur < 1_000_000_000n ? dur : d0) : d0 + 999n;
          expect(b.dv.getBigUint64(o + at(exit, 'rettime'), true) - b.dv.getBigUint64(o + at(exit, 'calltime'), true)).toBe(shown);
          // a leaf (the exit right after its own entry, same task) prints one line, whose time is the entry's:
          // its exit comes back with that time stamp and the entry's calltime; any other exit with its rettime
          const [pc, , pt, pf] = sent[k - 1];
          const leaf = pt === 'entry' && pc === cpu && pf === func;
          if (leaf) expect(b.dv.getBigUint64(o + at(exit, 'calltime'), true)).toBe(tsOf(b, i - 1 >= 0 ? i - 1 : i));
          else expect(b.dv.getBigUint64(o + at(exit, 'rettime'), true)).toBe(tsOf(b, i));
          if (leaf) {
            leafExits++;
            expect(tsOf(b, i)).toBe(us(calltime));
            continue;
          }
        }
        expect(tsOf(b, i)).toBe(us(ts));
      }
    }
    expect(k).toBe(sent.length);
    expect(leafExits).toBe(leaves);
    back.close();
  });

  it('with -O fgraph:tailprint and fgraph:depth, the text read back prints back the same with them', async () => {
    const dat = path.join(dir, 'graph-o.dat');
    await graphTrace(dat);
    const t = await openDat(dat);
    const o = { plugin: { tailprint: true, depth: true } };
    const text = reportOf(t, o);
    const formats = [...t.formats.all()].map((f) => ({ system: f.system, text: f.text }));
    t.close();
    const file = path.join(dir, 'graph-o.txt');
    fs.writeFileSync(file, text, 'latin1');
    const back = await openTrace(file, { formats });
    expect(text).toContain(' /* gfn_');
    const again = reportOf(back, o);
    if (again !== text) expect.fail(firstDiff(text, again));
    for (const b of back.batches()) for (let i = 0; i < b.length; i++) expect(back.formats.get(b.type[i])!.system).toBe('ftrace');
    back.close();
  });
});
