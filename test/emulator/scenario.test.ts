import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioEvents } from '../../src/emulator/record.ts';
import { applySet, loadScenario, parseDuration, preset, presetNames } from '../../src/emulator/scenario.ts';
import { tempDir } from '../helpers.ts';

const dir = tempDir();
function file(obj: unknown): string {
  const p = path.join(dir, `s${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return p;
}

describe('scenarios', () => {
  it('has the presets the issue asks for', () => {
    expect(presetNames()).toEqual(expect.arrayContaining(['isolation-ipi', 'isolation-ipi-syscalls', 'dataplane-strict', 'kprobe-trampolines', 'uprobe-batch']));
    for (const n of presetNames()) expect(preset(n).description.length).toBeGreaterThan(20);
  });

  it('isolation-ipi is the seed-004 machine with its filters', () => {
    const s = preset('isolation-ipi');
    expect([s.cpus, s.housekeeping, s.isolated, s.duration]).toEqual([80, '0-3', '4-79', '20m']);
    expect(scenarioEvents(s)).toEqual([
      { event: 'ipi:ipi_send_cpumask', filters: ['cpumask & CPUS{4-79}'] },
      { event: 'ipi:ipi_send_cpu', filters: ['cpu & CPUS{4-79}'] },
      { event: 'csd:csd_queue_cpu', filters: ['cpu & CPUS{4-79}'] },
    ]);
    expect(s.kernel.version).toBe('6.4');
  });

  it('$ISOLATED follows --set isolated', () => {
    const s = preset('isolation-ipi');
    applySet(s, 'isolated=8-79');
    expect(scenarioEvents(s)[1].filters).toEqual(['cpu & CPUS{8-79}']);
  });

  it('--set parses by the field type and names unknown keys', () => {
    const s = preset('isolation-ipi');
    applySet(s, 'kernel.defer_ipis=on');
    applySet(s, 'sources.vunmap_purges=2.5');
    expect(s.kernel.defer_ipis).toBe(true);
    expect(s.sources.vunmap_purges).toBe(2.5);
    expect(() => applySet(s, 'kernel.defer=on')).toThrow(/unknown key.*defer_ipis/);
    expect(() => applySet(s, 'kernel.defer_ipis=maybe')).toThrow(/on\/off/);
    expect(() => applySet(s, 'hz=fast')).toThrow(/expected a number/);
    expect(() => applySet(s, 'nokey')).toThrow(/key=value/);
  });

  it('scenario files are validated with the bad key named', () => {
    expect(loadScenario(file({ preset: 'isolation-ipi', cpus: 16, isolated: '4-15' })).cpus).toBe(16);
    expect(() => loadScenario(file({ kernel: { defer_ipi: true } }))).toThrow(/unknown key "kernel.defer_ipi"/);
    expect(() => loadScenario(file({ cpus: 'eight' }))).toThrow(/"cpus" must be a number/);
    expect(() => loadScenario(file({ hz: -5 }))).toThrow(/"hz" must be a number >= 0/);
    expect(() => loadScenario(file({ events: 'ipi' }))).toThrow(/"events" must be a list/);
    expect(() => loadScenario(file({ cpus: 8, housekeeping: '0-3', isolated: '3-7' }))).toThrow(/CPU 3 is both/);
    expect(() => loadScenario(file({ cpus: 8, isolated: '2-9' }))).toThrow(/"isolated" must be a cpulist/);
    expect(() => loadScenario(file({ duration: 'forever' }))).toThrow(/"duration"/);
    expect(() => loadScenario(file({ preset: 'nope' }))).toThrow(/"preset" must name a preset/);
    expect(() => loadScenario(file('{"cpus": 8,'))).toThrow(/not valid JSON/);
    expect(() => loadScenario(file([1, 2]))).toThrow(/JSON object/);
    expect(() => loadScenario('no-such-preset')).toThrow(/no scenario preset or file/);
  });

  it('refuses what would lose nanoseconds or run for hours: uptime past 2^53 ns, rates past real hardware; takes a file with a UTF-8 BOM', () => {
    for (const [set, msg] of [
      ['uptime=1e300', /"uptime" 1e\+300 s plus the duration is past 2\^53 ns \(104 days\)/],
      ['uptime=2e10', /"uptime" 20000000000 s plus the duration is past 2\^53 ns/],
      ['sources.bpf_jit=1e6', /"sources.bpf_jit" is 1000000, at most 10000 \(text_poke_bp_batch\(\)/],
      ['rcu.grace_periods_per_sec=5000', /"rcu.grace_periods_per_sec" is 5000, at most 1000/],
      ['probes.hits_per_sec=1e9', /"probes.hits_per_sec" is 1000000000, at most 10000000/],
    ] as const) {
      expect(() => applySet(preset('isolation-ipi'), set), set).toThrow(msg);
    }
    // every preset is inside the bounds
    for (const name of presetNames()) expect(() => applySet(preset(name), 'uptime=3500'), name).not.toThrow();
    const file = path.join(tempDir(), 'bom.json');
    fs.writeFileSync(file, '\ufeff{"preset": "isolation-ipi", "duration": "2s"}');
    expect(loadScenario(file).duration).toBe('2s');
  });

  it('durations', () => {
    expect(parseDuration('20m')).toBe(1200e9);
    expect(parseDuration('250ms')).toBe(250e6);
    expect(parseDuration('1.5s')).toBe(1.5e9);
    expect(parseDuration('7')).toBe(7e9);
    expect(() => parseDuration('0s')).toThrow();
    expect(() => parseDuration('3 weeks')).toThrow(/expected a time/);
  });
});

describe('scenario filters and an empty isolated set', () => {
  it('says which filter needs isolated CPUs instead of a bare kernel error', async () => {
    const { scenarioEvents } = await import('../../src/emulator/record.ts');
    const s = preset('isolation-ipi');
    applySet(s, 'isolated=');
    expect(() => scenarioEvents(s)).toThrow(/filter "ipi:ipi_send_cpumask: cpumask & CPUS\{\$ISOLATED\}" needs isolated CPUs, and "isolated" is empty/);
  });
});
