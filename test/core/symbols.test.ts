import { describe, expect, it } from 'vitest';
import { CommTable } from '../../src/core/comms.ts';
import { PrintkTable } from '../../src/core/printk.ts';
import { SymbolTable } from '../../src/core/symbols.ts';

describe('kallsyms lookup (libtraceevent rules)', () => {
  const t = new SymbolTable(
    [
      'ffffffff81000000 T _stext',
      'ffffffff81000000 T _text',
      'ffffffff81001000 t foo',
      'ffffffff81001800 T bar\t[mymod]',
      '0000000000001234 A abs_symbol',
      'ffffffff81002000 T $x',
      'ffffffff81003000 D last_data',
    ].join('\n') + '\n',
  );
  const at = (a: bigint) => {
    const i = t.findBig(a);
    return i < 0 ? null : `${t.name(i)}+0x${(a - t.address(i)).toString(16)}`;
  };
  it('finds the containing symbol; skips absolute and $ symbols', () => {
    expect(at(0xffffffff81001000n)).toBe('foo+0x0');
    expect(at(0xffffffff81001234n)).toBe('foo+0x234');
    expect(at(0xffffffff81001800n)).toBe('bar+0x0');
    expect(at(0xffffffff81002100n)).toBe('bar+0x900');
    expect(at(0x1234n)).toBeNull();
    expect(t.module(t.findBig(0xffffffff81001800n))).toBe('mymod');
  });
  it('reads 0x, blank and CRLF lines and modules as sscanf() does, and stops at the first bad line', () => {
    const text = '0xffffffff81000000 T  start\r\n\n  ffffffff81000100 t mid\t[mod_a]\nffffffff81000200 W end \t[x]\nzz not a line\nffffffff81000300 T after_bad\n';
    const x = new SymbolTable(text);
    expect(Array.from({ length: x.size }, (_, i) => `${x.address(i).toString(16)} ${x.type(i)} ${x.name(i)} ${x.module(i)}`)).toEqual(['ffffffff81000000 T start null', 'ffffffff81000100 t mid mod_a', 'ffffffff81000200 W end null']);
    expect(x.warning).toBe('Failed to parse kallsyms line: zz not a line');
    expect(x.source).toBe(text);
  });
  it("the usual line's quick reading gives what the general one gives, line for line", () => {
    // lines near the quick path's shape (16 digits, blank, type, blank, name) and off it; a leading
    // blank sends every line through the general reading (sscanf skips it), so both must agree
    let seed = 11;
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
    const pick = <T,>(xs: readonly T[]) => xs[rnd(xs.length)];
    const hex = '0123456789abcdefABCDEF';
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) {
      let addr = '';
      for (let d = 0; d < 16; d++) addr += hex[rnd(hex.length)];
      const shape = rnd(12);
      if (shape === 0) addr = addr.slice(0, 1 + rnd(15)); // short (32-bit kernels)
      if (shape === 1) {
        const at = rnd(16);
        addr = addr.slice(0, at) + pick(['g', 'x', ' ', '\t']) + addr.slice(at + 1);
      }
      if (shape === 2) addr = '0x' + addr.slice(2);
      if (shape === 7) addr += hex[rnd(hex.length)]; // a 17th digit
      const sep1 = shape === 3 ? pick(['  ', '\t', ' \r']) : shape === 8 ? pick(['', 'z']) : ' ';
      const type = shape === 4 ? pick([' ', '\t', 'A', 'a']) : pick(['T', 't', 'W', 'd', 'b', 'r']);
      const sep2 = shape === 5 ? pick(['  ', '\t', '']) : ' ';
      const name = shape === 6 ? pick(['', '$x', ' lead', '\rcr']) : `f${i}${rnd(3) ? '' : '\t[mod]'}`;
      lines.push(addr + sep1 + type + sep2 + name);
    }
    // stop only at the end: a line the general reading refuses would end both tables there
    const refused = (l: string) => {
      const one = new SymbolTable(' ' + l + '\n');
      void one.size; // parses it: the warning is known after that
      return one.warning !== null;
    };
    const ok = lines.filter((l) => !refused(l));
    const quick = new SymbolTable(ok.join('\n') + '\n');
    const general = new SymbolTable(ok.map((l) => ' ' + l).join('\n') + '\n');
    const rows = (x: SymbolTable) => Array.from({ length: x.size }, (_, i) => `${x.address(i).toString(16)} ${x.type(i)} ${x.name(i)} ${x.module(i)}`);
    expect(rows(quick)).toEqual(rows(general));
    expect(quick.size).toBeGreaterThan(2500);
    expect([quick.warning, general.warning]).toEqual([null, null]);
  });
  it('keys at or beyond the last symbol: only the exact address matches', () => {
    expect(at(0xffffffff81003000n)).toBe('last_data+0x0');
    expect(at(0xffffffff81003001n)).toBeNull();
    expect(at(0n)).toBeNull();
  });
  it('a kallsyms out of address order (modules after the kernel): entries in reverse file order, sorted stably by address', () => {
    // addresses from a few values in every 16-bit digit, so the radix passes meet equal and unequal
    // digits and many equal addresses; the reference: a stable comparator sort of the reversed list
    let seed = 7;
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
    const digits = [0x0000, 0x0001, 0x8000, 0xffff];
    const lines: { addr: bigint; name: string }[] = [];
    for (let i = 0; i < 3000; i++) {
      let a = 0n;
      for (let d = 0; d < 4; d++) a = (a << 16n) | BigInt(digits[rnd(4)]);
      lines.push({ addr: a, name: `s${i}` });
    }
    const x = new SymbolTable(lines.map((l) => `${l.addr.toString(16).padStart(16, '0')} t ${l.name}`).join('\n') + '\n');
    const want = [...lines].reverse().sort((p, q) => (p.addr < q.addr ? -1 : p.addr > q.addr ? 1 : 0));
    expect(Array.from({ length: x.size }, (_, i) => `${x.address(i).toString(16)} ${x.name(i)}`)).toEqual(want.map((l) => `${l.addr.toString(16)} ${l.name}`));
  });
  it('a kallsyms in address order with runs of equal addresses (aliases): each run in reverse file order, as the stable sort gives it', () => {
    // the sorted file takes the path with no sort and no copy (ensure()): the same table as the reference
    const lines: { addr: bigint; name: string; type: string }[] = [];
    for (let i = 0; i < 2000; i++) lines.push({ addr: 0xffffffff81000000n + BigInt(Math.floor(i / (1 + (i % 4))) * 16), name: `s${i}`, type: 'tTdD'[i % 4] });
    lines.sort((p, q) => (p.addr < q.addr ? -1 : p.addr > q.addr ? 1 : 0));
    const x = new SymbolTable(lines.map((l) => `${l.addr.toString(16)} ${l.type} ${l.name}${l.addr % 64n === 0n ? '\t[m]' : ''}`).join('\n') + '\n');
    const want = [...lines].reverse().sort((p, q) => (p.addr < q.addr ? -1 : p.addr > q.addr ? 1 : 0));
    expect(new Set(lines.map((l) => l.addr)).size).toBeLessThan(lines.length);
    expect(Array.from({ length: x.size }, (_, i) => `${x.address(i).toString(16)} ${x.type(i)} ${x.name(i)} ${x.module(i)}`)).toEqual(
      want.map((l) => `${l.addr.toString(16)} ${l.type} ${l.name} ${l.addr % 64n === 0n ? 'm' : null}`),
    );
  });
  it('resolves names to addresses', () => {
    expect(t.addressOf('foo')).toBe(0xffffffff81001000n);
    expect(t.addressOf('nope')).toBe(0n);
  });
});

describe('printk strings and comms', () => {
  it('strips quotes and one trailing \\n, keeps other escapes', () => {
    const p = new PrintkTable('0xffffffff8281a5a4 : "Start context switch"\n0xffffffff8281a5b0 : "a\\tb: %d\\n"\n');
    expect(p.findBig(0xffffffff8281a5a4n)).toBe('Start context switch');
    expect(p.findBig(0xffffffff8281a5b0n)).toBe('a\\tb: %d');
    expect(p.findBig(1n)).toBeNull();
  });
  it('pid 0 is <idle>; unknown pids are <...>; learned comms never override', () => {
    const c = new CommTable('4259 bash\n1450 memfd:sealed-91\n');
    expect(c.get(0)).toBe('<idle>');
    expect(c.get(1450)).toBe('memfd:sealed-91');
    expect(c.get(7)).toBe('<...>');
    c.register(7, 'seven');
    c.register(4259, 'not-bash');
    expect(c.get(7)).toBe('seven');
    expect(c.get(4259)).toBe('bash');
  });
});
