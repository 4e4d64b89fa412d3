import { describe, expect, it } from 'vitest';
import { formatCpuList, maskCpus, parseCpuList, writeMask } from '../../src/core/cpulist.ts';

describe('cpulists and cpumasks', () => {
  it('prints ranges as the kernel does', () => {
    expect(formatCpuList([0, 1, 3, 4, 5, 6, 79])).toBe('0-1,3-6,79');
    expect(formatCpuList([])).toBe('');
    expect(formatCpuList([5])).toBe('5');
  });
  it('parses option lists, rejecting what makes no sense', () => {
    expect(parseCpuList('0-1,3')).toEqual([0, 1, 3]);
    expect(parseCpuList('2:4')).toEqual([2, 4]);
    expect(() => parseCpuList('3-1')).toThrow(/backwards/);
    expect(() => parseCpuList('x')).toThrow(/bad part/);
  });
  it('round-trips masks of any length, both byte orders', () => {
    const cpus = [0, 1, 3, ...Array.from({ length: 77 }, (_, k) => k + 3)].filter((c, k, a) => a.indexOf(c) === k && c < 80);
    for (const be of [false, true]) {
      const m = writeMask(cpus, 16, be);
      expect(maskCpus(m, 0, 16, be)).toEqual(cpus);
    }
    expect(formatCpuList(maskCpus(writeMask([0, 1, ...Array.from({ length: 77 }, (_, k) => k + 3)], 16, false), 0, 16, false))).toBe('0-1,3-79');
  });
});
