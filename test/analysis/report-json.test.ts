import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.ts';

const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/report-json.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addSchema(schema);
const check = (def: string) => ajv.getSchema(`${schema.$id}#/$defs/${def}`)!;

function json(args: string[]): unknown {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { maxBuffer: 1 << 28 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return JSON.parse(r.stdout.toString());
}

function expectValid(def: string, v: unknown): void {
  const f = check(def);
  const ok = f(v);
  expect(ok, JSON.stringify(f.errors?.slice(0, 3))).toBe(true);
}

describe('--json of the analyses follows docs/report-json.schema.json', () => {
  const dir = tempDir();
  const before = path.join(dir, 'before.dat');
  const after = path.join(dir, 'after.dat');
  spawnSync(process.execPath, [cli, 'record', '--duration', '60s', '-o', before, '-q']);
  spawnSync(process.execPath, [cli, 'record', '--duration', '60s', '--set', 'kernel.defer_ipis=on', '-o', after, '-q']);

  it('interference, noise and ipi on a real trace and an emulated one', () => {
    expectValid('interference', json(['interference', sample, '--isolated', '0-1']));
    expectValid('interference', json(['interference', before, '--isolated', '4-79']));
    expectValid('noise', json(['noise', sample]));
    expectValid('noise', json(['noise', before, '--measure', '4-7']));
    expectValid('ipi', json(['ipi', sample]));
    expectValid('ipi', json(['ipi', before, '--isolated', '4-79']));
  });

  it('violations and interference on a strict task isolation recording (seed 003)', () => {
    const strict = path.join(dir, 'strict.dat');
    spawnSync(process.execPath, [cli, 'record', '--scenario', 'dataplane-strict', '-T', '-o', strict, '-q']);
    const v = json(['violations', strict, '--isolated', '2-7']) as { summary: { kills: number; violations: { stack: string | null }[] } };
    expectValid('violations', v);
    expect(v.summary.kills).toBe(6);
    expect(v.summary.violations.every((x) => x.stack?.includes('task_isolation_deliver_signal'))).toBe(true);
    expectValid('violations', json(['violations', sample]));
    const i = json(['interference', strict, '--isolated', '2-7']) as { summary: { strict: { kills: number } } };
    expectValid('interference', i);
    expect(i.summary.strict.kills).toBe(6);
  });

  it('compare, by events and by IPIs', () => {
    expectValid('compare', json(['compare', before, after]));
    expectValid('compare', json(['compare', before, after, '--isolated', '4-79', '--by', 'cpu']));
    expectValid('compare', json(['compare', before, after, '--isolated', '4-79', '--by', 'noise']));
  });

  it('rejects what the schema does not describe: a duration as text, a lost field, an unknown enum value, "n/a" where JSON says null', () => {
    const v = json(['interference', sample, '--isolated', '1']) as { summary: Record<string, unknown> };
    expectValid('interference', v);
    const f = check('interference');
    expect(f({ ...v, summary: { ...v.summary, noiseNs: '51282306' } })).toBe(false);
    const { notes: _, ...lost } = v.summary;
    expect(f({ ...v, summary: lost })).toBe(false);
    expect(f({ ...v, summary: { ...v.summary, ipiCounted: 'maybe' } })).toBe(false);
    // not recorded is null in JSON, never the text of the table
    expect(f({ ...v, summary: { ...v.summary, totals: { ...(v.summary.totals as object), syscall: 'n/a' } } })).toBe(false);
  });
});
