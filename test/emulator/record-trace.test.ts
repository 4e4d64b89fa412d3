import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { recordTrace } from '../../src/emulator/record.ts';
import { preset } from '../../src/emulator/scenario.ts';
import { reportOf } from '../helpers.ts';

describe('recordTrace', () => {
  it('hands back the recorded trace in memory and leaves no file behind', async () => {
    const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('tracelab-record-'));
    const { summary, trace } = await recordTrace({ scenario: preset('isolation-ipi'), durationNs: 60e9 });
    let n = 0;
    for (const b of trace.batches()) n += b.length;
    expect(n).toBe(summary.events);
    expect(n).toBeGreaterThan(0);
    expect(reportOf(trace).split('\n')[0]).toBe('cpus=80');
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('tracelab-record-'))).toEqual(before);
    trace.close();
  });
});
