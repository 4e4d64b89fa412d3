import { describe, expect, it } from 'vitest';
import { LineTable } from '../../../src/io/text/line-table.ts';

/** A line as the reader sees it: some header, the name, padding, the text; where each lies. */
function line(name: string, text: string, pad = 3) {
  const s = `  x-1 [000] 1.000001: ${name}:${' '.repeat(pad)}${text}`;
  const b = Uint8Array.from(s, (c) => c.charCodeAt(0));
  const n0 = s.indexOf(`: ${name}:`) + 2;
  return { b, dv: new DataView(b.buffer), n0, n1: n0 + name.length, t: n0 + name.length + 1 + pad, end: b.length };
}
const find = (tab: LineTable<number>, name: string, text: string, pad?: number) => {
  const l = line(name, text, pad);
  return tab.find(l.b, l.dv, l.n0, l.n1, l.t, l.end);
};

describe('the table of event texts read before', () => {
  it('finds a name and text whatever the padding between them, and nothing else', () => {
    const tab = new LineTable<number>();
    expect(tab.add('ipi_send_cpu', 'cpu=1 callsite=x callback=y', 7)).toBe(true);
    expect(tab.values[find(tab, 'ipi_send_cpu', 'cpu=1 callsite=x callback=y', 8)]).toBe(7);
    expect(tab.values[find(tab, 'ipi_send_cpu', 'cpu=1 callsite=x callback=y', 1)]).toBe(7);
    // a byte more, a byte less, another byte, the same bytes split elsewhere between name and text
    expect(find(tab, 'ipi_send_cpu', 'cpu=1 callsite=x callback=yy')).toBe(-1);
    expect(find(tab, 'ipi_send_cpu', 'cpu=1 callsite=x callback=')).toBe(-1);
    expect(find(tab, 'ipi_send_cpu', 'cpu=2 callsite=x callback=y')).toBe(-1);
    expect(find(tab, 'ipi_send_cp', 'ucpu=1 callsite=x callback=y')).toBe(-1);
    expect(find(tab, 'ipi_send_cpu', '')).toBe(-1);
  });

  it('keeps every entry apart as it grows (20,000 texts of every length, short ones included)', () => {
    const tab = new LineTable<number>();
    const texts = Array.from({ length: 20000 }, (_, k) => `v=${k}${'.'.repeat(k % 9)}`);
    texts.forEach((t, k) => tab.add(k % 2 ? 'a' : 'bb', t, k));
    expect(tab.size).toBe(20000);
    texts.forEach((t, k) => {
      const e = find(tab, k % 2 ? 'a' : 'bb', t);
      expect(e >= 0 && tab.values[e] === k && tab.texts[e] === t && tab.names[e] === (k % 2 ? 'a' : 'bb')).toBe(true);
      // the same text under the other name is another entry's, or none
      const other = find(tab, k % 2 ? 'bb' : 'a', t);
      expect(other === -1 || tab.values[other] !== k).toBe(true);
    });
  });

  it('does not take a text with a char that is not one byte (bytes could never match it)', () => {
    const tab = new LineTable<number>();
    expect(tab.add('ev', 'caf\u00e9', 1)).toBe(true);
    expect(tab.add('ev', 'x\u20acy', 2)).toBe(false);
    expect(tab.size).toBe(1);
    expect(tab.values[find(tab, 'ev', 'caf\u00e9')]).toBe(1);
  });
});

describe('a hit is exact even when hashes collide', () => {
  it('two texts with one hash (found by trying 2^20 of them): each finds itself, not the other', async () => {
    const { keyHash } = await import('../../../src/io/text/line-table.ts');
    // texts that differ in two words (one word alone maps to hashes one to one): by the birthday
    // bound some two of ~2^17 share a 32-bit hash
    const c = (v: number) => String.fromCharCode(48 + (v & 63));
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let k = 0; k < 1 << 20 && !pair; k++) {
      const text = `cb=0${c(k)}${c(k >> 6)}xy${c(k >> 12)}${c(k >> 18)}zw`;
      const l = line('ev', text);
      const h = keyHash(l.dv, l.b, l.n0, l.n1, l.t, l.end, 0);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, text];
      else seen.set(h, text);
    }
    expect(pair).not.toBeNull();
    const [a, b] = pair!;
    expect(a).not.toBe(b);
    const tab = new LineTable<string>(0);
    tab.add('ev', a, a);
    const fb = line('ev', b);
    expect(tab.find(fb.b, fb.dv, fb.n0, fb.n1, fb.t, fb.end)).toBe(-1);
    tab.add('ev', b, b);
    for (const t of [a, b]) {
      const l = line('ev', t);
      expect(tab.values[tab.find(l.b, l.dv, l.n0, l.n1, l.t, l.end)]).toBe(t);
    }
  });
});
