import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProvenance, recreateCommand } from '../../src/core/provenance.ts';
import { applySets, preset } from '../../src/emulator/scenario.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, hasTraceCmd, tempDir, traceCmdReport } from '../helpers.ts';

const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const tracelab = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, maxBuffer: 1 << 26 });

describe('provenance: a recorded trace says how it was made', () => {
  it('stores scenario, --set, seed, duration and events; the command it gives makes the same bytes again; trace-cmd reads it without a word', async () => {
    const dir = tempDir();
    const args = ['record', '--scenario', 'isolation-ipi', '--set', 'kernel.version=6.18', '--set', 'kernel.defer_ipis=on', '--duration', '20s', '--seed', '7', '-e', 'ipi', '-e', 'csd:csd_queue_cpu', '-f', 'cpu & CPUS{4-79}', '-T', '-o', 'first.dat', '-q'];
    expect(tracelab(args, dir).status).toBe(0);
    const t = await openTrace(path.join(dir, 'first.dat'));
    const p = parseProvenance(t.options.provenance)!;
    expect(p).toMatchObject({ scenario: 'isolation-ipi', sets: ['kernel.version=6.18', 'kernel.defer_ipis=on'], seed: 7, durationNs: 20e9, stacks: true, format: 'dat' });
    expect(p.events).toEqual([{ event: 'ipi', filters: [] }, { event: 'csd:csd_queue_cpu', filters: ['cpu & CPUS{4-79}'] }]);
    const s = preset('isolation-ipi');
    applySets(s, ['kernel.version=6.18', 'kernel.defer_ipis=on']);
    expect(p.scenarioJson).toEqual(JSON.parse(JSON.stringify(s)));
    const again = recreateCommand(p, 'second.dat');
    expect(again).toBe("tracelab record --scenario isolation-ipi --set kernel.version=6.18 --set kernel.defer_ipis=on --duration 20s --seed 7 -e ipi -e csd:csd_queue_cpu -f 'cpu & CPUS{4-79}' -T -o second.dat");
    // run it as a shell would split it
    const argv = [...again.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]).slice(1);
    expect(tracelab([...argv, '-q'], dir).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'second.dat')).equals(fs.readFileSync(path.join(dir, 'first.dat')))).toBe(true);
    if (hasTraceCmd()) {
      const r = traceCmdReport(path.join(dir, 'first.dat'));
      expect(r.status).toBe(0);
      expect(r.err).toBe('');
    }
    // the compare table and the review page say it
    const c = tracelab(['compare', 'first.dat', 'second.dat', '--isolated', '4-79'], dir).stdout.toString();
    expect(c).toContain(`before made by: ${recreateCommand(p, 'first.dat')}`);
  });

  it('is absent from traces recorded elsewhere, and a foreign or broken one is ignored', async () => {
    const t = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    expect(parseProvenance(t.options.provenance)).toBeNull();
    expect(parseProvenance('{"x":1}')).toBeNull();
    expect(parseProvenance('not json')).toBeNull();
  });
});
