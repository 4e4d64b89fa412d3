import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDat } from '../../../src/io/dat/reader.ts';
import { openTrace } from '../../../src/io/open.ts';
import { firstDiff, reportOf, tempDir } from '../../helpers.ts';
import { writeOracleTrace } from '../../printfmt/oracle-trace.ts';

/**
 * Report text of plugin output read back (issue 15): the events whose text a
 * libtraceevent plugin prints (tlb, kvm, kmem, futex here; sched and hrtimer in
 * text-readers.test.ts) are read into their own format and fields, not kept
 * as text, and print back byte for byte.
 */
const dir = tempDir('tracelab-plugin-inverters-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('plugin output in report text, read back', () => {
  it('tlb_flush, kvm_exit, kvm_entry, kfree, kmem_cache_free, sys_enter_futex and a kmalloc with its (func+off) prefix come back as their events and print the same', async () => {
    const dat = path.join(dir, 'oracle.dat');
    await writeOracleTrace(dat);
    const t = await openDat(dat);
    const text = reportOf(t);
    const formats = [...t.formats.all()].map((f) => ({ system: f.system, text: f.text }));
    t.close();
    const file = path.join(dir, 'oracle.txt');
    fs.writeFileSync(file, text, 'latin1');
    const back = await openTrace(file, { formats });
    const wanted = ['tlb_flush', 'kvm_exit', 'kvm_entry', 'kfree', 'kmem_cache_free', 'sys_enter_futex', 'kmalloc'];
    const read = new Map<string, number>();
    const asText = new Map<string, number>();
    for (const b of back.batches()) {
      for (let i = 0; i < b.length; i++) {
        const ev = back.formats.get(b.type[i])!;
        const m = ev.system === 'text' ? asText : read;
        m.set(ev.name, (m.get(ev.name) ?? 0) + 1);
      }
    }
    expect(read.get('tlb_flush')).toBe(5);
    expect(read.get('kvm_exit')).toBe(5);
    expect(read.get('kvm_entry')).toBe(1);
    expect(read.get('kfree')).toBe(1);
    expect(read.get('kmem_cache_free')).toBe(1);
    // six in the plugin's form (every command's argument set), one command it does not know in the print fmt's
    expect(read.get('sys_enter_futex')).toBe(7);
    // the one with a symbol for its call site (the other's gfp_flags/accounted are expressions the reader cannot solve)
    expect(read.get('kmalloc')).toBe(1);
    for (const n of wanted.slice(0, 6)) expect(asText.get(n), n).toBeUndefined();
    // their lines print back the same (the file's deliberate oddities, an [UNKNOWN EVENT] line, aside)
    const mine = (s: string) => s.split('\n').filter((l) => wanted.some((n) => l.includes(` ${n}: `))).join('\n');
    const want = mine(text);
    expect(want.split('\n')).toHaveLength(22);
    const again = mine(reportOf(back));
    if (again !== want) expect.fail(firstDiff(want, again));
  });
});
