import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventFormat } from '../../../src/core/event-format.ts';
import { formatText, headerPageText, HEADER_EVENT_TEXT } from '../../../src/core/format-writer.ts';
import { RecordEncoder } from '../../../src/core/record-encoder.ts';
import { UserError } from '../../../src/core/errors.ts';
import { DUMP_ALL, DumpItem, dumpDat } from '../../../src/io/dat/dump.ts';
import { DatWriter, type DatWriteOptions } from '../../../src/io/dat/writer.ts';
import { findFiles, firstDiff, hasShared, hasTraceCmd, ROOT, SHARED, tempDir } from '../../helpers.ts';

/**
 * `tracelab dump` against `trace-cmd dump` (3.1.6): files written here with
 * every option the writer has (stored outputs beside the test, FILE for the
 * path; UPDATE_ORACLE=1 rewrites them from the installed trace-cmd, which is
 * also asked live), the real files, and damaged copies.
 */
const here = path.join(ROOT, 'test/io/dat/dump');
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const ITEM_SETS: [string, string[]][] = [
  ['summary', []],
  ['all', ['--all']],
  ['sections', ['--sections', '--strings']],
  ['options', ['--options', '--flyrecord', '--clock']],
  ['validate', ['-v']],
];

async function dumpText(file: string, args: string[]): Promise<string> {
  let items = 0;
  for (const a of args) {
    if (a === '--all') items = DUMP_ALL;
    else if (a !== '-v') items |= DumpItem[a.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof typeof DumpItem];
  }
  let out = '';
  await dumpDat(file, { items, validate: args.includes('-v') }, (s) => (out += s));
  return out;
}

const traceCmdDump = (file: string, args: string[]) => spawnSync('trace-cmd', ['dump', ...args, file], { maxBuffer: 1 << 28 }).stdout.toString('latin1');

async function writeWithOptions(file: string, o: Pick<DatWriteOptions, 'version' | 'compression' | 'bigEndian'>): Promise<void> {
  const text = formatText({ name: 'tick', id: 700, fields: [{ type: 'int', name: 'n', size: 4, signed: true }], printFmt: '"n=%d", REC->n' }, 8);
  const enc = new RecordEncoder(parseEventFormat(text, 'test', 8), !o.bigEndian);
  const w = await DatWriter.create(
    file,
    {
      headerPage: headerPageText(8, 4096),
      headerEvent: HEADER_EVENT_TEXT,
      ftraceFormats: [],
      systems: [{ system: 'test', texts: [text] }],
      kallsyms: 'ffffffff81000000 T _stext\nffffffff81001000 T do_one_thing\n',
      printk: '0xffffffff82000000 : "hello %d\\n"\n',
      cmdlines: '1 task\n2 two words\n',
      cpus: 2,
      clock: 'x86-tsc',
      uname: 'Linux box 6.18.0 x86_64',
      version: '3.1.6 tracelab',
      provenance: 'tracelab record --scenario quiet',
      traceId: 0x1234abcdn,
      cpuStats: ['CPU: 0\nentries: 3\n', 'CPU: 1\nentries: 3\n'],
      date: '0x1000',
      offset: 1000000000n,
      tsc2nsec: { mult: 3000000, shift: 22, offset: 123456789n },
      timeShift: { traceId: 7n, flags: 1, cpus: [{ time: [5n, 9n], offset: [-1000n, 5000n], scaling: [1n, 3n], fraction: [0n, 1n] }, { time: [], offset: [], scaling: [] }] },
      instances: o.version === 7 ? ['second'] : undefined,
    },
    { ...o, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 5000000000123n },
  );
  for (let k = 0; k < 6; k++) w.add(k % 2, 1000 + k * 1234567, enc.encode({ pid: 1, flags: 0, preempt: 0 }, [k]));
  await w.close();
}

const FLAVOURS: [string, Pick<DatWriteOptions, 'version' | 'compression' | 'bigEndian'>][] = [
  ['v7-zstd', { version: 7, compression: 'zstd', bigEndian: false }],
  ['v7-none', { version: 7, compression: 'none', bigEndian: false }],
  ['v7-zstd-be', { version: 7, compression: 'zstd', bigEndian: true }],
  ['v6', { version: 6, compression: 'none', bigEndian: false }],
];

describe('dump of files written with every option (stored trace-cmd 3.1.6 output; live too when installed)', () => {
  const tmp = tempDir('tracelab-dump-');
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  for (const [name, flavour] of FLAVOURS) {
    it(name, async () => {
      const file = path.join(tmp, `${name}.dat`);
      await writeWithOptions(file, flavour);
      for (const [label, args] of ITEM_SETS) {
        const ours = (await dumpText(file, args)).split(file).join('FILE');
        const stored = path.join(here, `${name}.${label}.txt`);
        if (process.env.UPDATE_ORACLE && hasTraceCmd()) fs.writeFileSync(stored, traceCmdDump(file, args).split(file).join('FILE'), 'latin1');
        const want = fs.readFileSync(stored, 'latin1');
        if (ours !== want) expect.fail(`${name} ${label}: ${firstDiff(want, ours)}`);
        if (hasTraceCmd()) {
          const live = traceCmdDump(file, args).split(file).join('FILE');
          if (live !== ours) expect.fail(`live trace-cmd, ${name} ${label}: ${firstDiff(live, ours)}`);
        }
      }
    });
  }
});

describe('dump of the real traces', () => {
  it.skipIf(!hasTraceCmd())('samples/real-ipi.dat and every trace.dat in ../shared print as trace-cmd dump prints them, each item alone and --all (needs trace-cmd; ../shared for the others)', async () => {
    const files = [sample, ...(hasShared ? findFiles(SHARED, /\.dat$/) : [])];
    const each = Object.keys(DumpItem).map((k) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`]);
    let compared = 0;
    for (const file of files) {
      const probe = spawnSync('trace-cmd', ['dump', file]);
      if (probe.status !== 0) continue; // Debian's trace-cmd has no zlib: the stored upstream dump below covers that file
      for (const args of [[], ['--all'], ...each]) {
        const ours = await dumpText(file, args);
        const live = traceCmdDump(file, args);
        if (ours !== live) expect.fail(`${file} ${args.join(' ')}: ${firstDiff(live, ours)}`);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(16);
  }, 120_000);

  it.skipIf(!hasShared)("a zlib v7 trace from a KVM host prints as upstream trace-cmd's stored dump (needs ../shared)", async () => {
    const file = path.join(SHARED, 'real/thirdparty/HIP24-Masterarbeit-host/trace.dat');
    const want = fs.readFileSync(`${file}.dump.txt`, 'latin1');
    const stored = /in file (.*):\n/.exec(want)![1];
    expect((await dumpText(file, [])).split(file).join(stored)).toBe(want);
  });
});

describe('dump of damaged and wrong input', () => {
  const tmp = tempDir('tracelab-dump-bad-');
  let full = '';
  let bytes: Buffer;
  beforeAll(async () => {
    bytes = fs.readFileSync(sample);
    full = await dumpText(sample, ['--all']);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a copy cut anywhere prints what trace-cmd prints of it (checked live when installed), then one line naming the file and where it ends', async () => {
    const file = path.join(tmp, 'cut.dat');
    const cuts = [1, 3, 12, 17, 20, 29, 36, 40, 60, 300, 2100, 124459, 1137100, 1138700, 1139300, 1276700, 1276800];
    for (const cut of cuts) {
      fs.writeFileSync(file, bytes.subarray(0, cut));
      let out = '';
      const warnings: string[] = [];
      const err = await dumpDat(file, { items: DUMP_ALL, warn: (w) => warnings.push(w) }, (s) => (out += s)).then(
        () => null,
        (e: unknown) => e,
      );
      // what it printed before stopping is what trace-cmd prints before it dies
      if (hasTraceCmd()) expect(out, `cut at ${cut}`).toBe(traceCmdDump(file, ['--all']));
      else if (cut > 40) expect(out.startsWith(full.slice(0, full.indexOf('\t\t1.5.4\t[Compression version]\n')).split(sample).join(file))).toBe(true);
      if (err === null) {
        // trace-cmd passes over a cut strings section: tracelab says so
        expect(warnings.join('\n'), `cut at ${cut}`).toMatch(/the strings section at byte \d+ .*sections are named "Unknown"/);
        continue;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(UserError);
      const msg = (err as Error).message;
      expect(msg.startsWith(`${file}: `), msg).toBe(true);
      expect(msg, `cut at ${cut}`).toMatch(/truncated at byte \d+: |ends at byte \d+ of its data|does not decompress/);
      expect(msg).not.toContain('\n');
    }
  });

  it('the CLI: empty, a directory, a text file, a missing file: one line, exit 1', () => {
    const empty = path.join(tmp, 'empty.dat');
    fs.writeFileSync(empty, '');
    const text = path.join(tmp, 'text.dat');
    fs.writeFileSync(text, 'cpus=1\n  bash-1 [000] 1.000000: x: y\n');
    for (const [file, re] of [[empty, /empty \(0 bytes\)/], [tmp, /is a directory/], [text, /wrong file magic/], [path.join(tmp, 'none.dat'), /no such file/]] as const) {
      const r = spawnSync(process.execPath, [cli, 'dump', file]);
      expect(r.status, file).toBe(1);
      const err = r.stderr.toString();
      expect(err).toMatch(re);
      expect(err.trim().split('\n')).toHaveLength(1);
    }
  });
});
