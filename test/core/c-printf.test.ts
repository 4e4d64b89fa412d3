import { describe, expect, it } from 'vitest';
import { formatInt, formatPointer, formatStr, parseSpec } from '../../src/core/c-printf.ts';

const i = (f: string, v: number | bigint, star?: number) => formatInt(parseSpec(f), v, star);

describe('C printf, as glibc prints', () => {
  it('formats integers by length and signedness', () => {
    expect(i('%d', 0xffffffff)).toBe('-1');
    expect(i('%u', 0xffffffff)).toBe('4294967295');
    expect(i('%d', 0xfffffffffffffffen)).toBe('-2');
    expect(i('%lld', 0xfffffffffffffffen)).toBe('-2');
    expect(i('%llu', 0xfffffffffffffffen)).toBe('18446744073709551614');
    expect(i('%hhd', 200)).toBe('-56');
    expect(i('%hu', -300 & 0xffffffff)).toBe('65236');
    expect(i('%lx', 2n ** 63n)).toBe('8000000000000000');
    expect(i('%X', 0xabc)).toBe('ABC');
    expect(i('%o', 8)).toBe('10');
  });
  it('applies flags, width and precision', () => {
    expect(i('%5d', 42)).toBe('   42');
    expect(i('%-5d', 42)).toBe('42   ');
    expect(i('%05d', -42)).toBe('-0042');
    expect(i('%#x', 42)).toBe('0x2a');
    expect(i('%#x', 0)).toBe('0');
    expect(i('%#o', 8)).toBe('010');
    expect(i('%.3d', 7)).toBe('007');
    expect(i('%.0d', 0)).toBe('');
    expect(i('%*d', 42, 6)).toBe('    42');
    expect(i('%*d', 42, -6)).toBe('42    ');
    expect(i('%03d', 7)).toBe('007');
  });
  it('formats strings and pointers', () => {
    expect(formatStr(parseSpec('%10s'), 'abc')).toBe('       abc');
    expect(formatStr(parseSpec('%-10s'), 'abc')).toBe('abc       ');
    expect(formatStr(parseSpec('%.2s'), 'abc')).toBe('ab');
    expect(formatStr(parseSpec('%.*s'), 'abcdef', 4)).toBe('abcd');
    expect(formatPointer(0n)).toBe('(nil)');
    expect(formatPointer(0xffff888104cf8038n)).toBe('0xffff888104cf8038');
  });
});
