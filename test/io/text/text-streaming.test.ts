import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../../src/io/open.ts';
import { readTextTrace } from '../../../src/io/text/text-trace.ts';
import { ROOT, reportOf, rowsOf, tempDir } from '../../helpers.ts';

/** Text traces are read in chunks: never held whole, the same events, cut lines said. */
const text = gunzipSync(fs.readFileSync(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz'))).toString('latin1');
const dir = tempDir('tracelab-text-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function* pieces(s: string, sizes: number[]): Generator<string> {
  let at = 0;
  for (let k = 0; at < s.length; k++) {
    const n = sizes[k % sizes.length];
    yield s.slice(at, at + n);
    at += n;
  }
}

describe('text traces in chunks', () => {
  it('reads the same events from chunks cut anywhere as from the whole text', () => {
    const whole = reportOf(readTextTrace(text, 'whole', 'report'));
    expect(whole).toBe(text);
    for (const sizes of [[1], [7, 4096, 13], [65536]]) {
      const t = sizes[0] === 1 ? readTextTrace(pieces(text.slice(0, 20000), sizes), 'bytes', 'report') : readTextTrace(pieces(text, sizes), 'pieces', 'report');
      expect(reportOf(t)).toBe(sizes[0] === 1 ? reportOf(readTextTrace(text.slice(0, text.lastIndexOf('\n', 20000) + 1), 'w', 'report')) : text);
    }
  });

  it('reads the same events from bytes, cut anywhere and read from one reused buffer (as a file is), as from the text', () => {
    // one buffer refilled for each piece: what the reader keeps of one (a cut line) must be a copy
    function* bytePieces(s: string, sizes: number[]): Generator<Uint8Array> {
      const buf = new Uint8Array(Math.max(...sizes));
      for (const piece of pieces(s, sizes)) {
        const b = buf.subarray(0, piece.length);
        for (let k = 0; k < piece.length; k++) b[k] = piece.charCodeAt(k);
        yield b;
      }
    }
    const head = text.slice(0, text.lastIndexOf('\n', 20000) + 1);
    expect(reportOf(readTextTrace(bytePieces(head, [1]), 'bytes', 'report'))).toBe(head);
    for (const sizes of [[7, 4096, 13], [65536]]) expect(reportOf(readTextTrace(bytePieces(text, sizes), 'pieces', 'report'))).toBe(text);
    // text after bytes: read on as text, the line the bytes began included
    const cut = text.indexOf('\n', 5000) - 10;
    expect(reportOf(readTextTrace([Buffer.from(text.slice(0, cut), 'latin1'), text.slice(cut)], 'mixed', 'report'))).toBe(text);
  });

  it('a line read from bytes is what it is read as text: -l columns, CRLF, a dash and spaces in a comm, dropped events, stacks, and a line seen before that the next line continues', () => {
    const lines = [
      'cpus=2',
      '            bash-1     [000]     1.000001: foo_ev:               hello',
      '            bash-1     [000]     1.000002: foo_ev:               hello\r',
      // a line seen before (kept once the line after it is read), continued by an indented line:
      // the same first line is another text
      '            bash-1     [000]     1.000003: foo_ev:               hello',
      '\tmore',
      'Web Content-a-77      [001]     1.000004: foo_ev:               hello',
      'CPU:1 [3 EVENTS DROPPED]',
      'Web Content-a-77      [001]     1.000005: foo_ev:               hello',
      'cpuhp/1-very-long-20  [001]     1.000006: foo_ev:               hello',
      '          <idle>-0     1d.h2.     1.000007: foo_ev:               hello',
      '          <idle>-0     1d.h2.     1.000008: foo_ev:               hello',
      '          <idle>-0     [001]     1.000009: kernel_stack:         <stack trace >',
      '=> do_idle (ffffffff81000100)',
      '          <idle>-0     [001]     1.000010: kernel_stack:         <stack trace >',
      '=> do_idle (ffffffff81000100)',
      '=> cpu_startup_entry (ffffffff81000200)',
      '            bash-1     [000]     1.000011: foo_ev:               hello',
    ];
    const input = lines.join('\n') + '\n';
    const asText = readTextTrace(input, 'in', 'report');
    const asBytes = readTextTrace(Buffer.from(input, 'latin1'), 'in', 'report');
    expect(rowsOf(asBytes)).toEqual(rowsOf(asText));
    expect(reportOf(asBytes)).toBe(reportOf(asText));
    expect(reportOf(asBytes)).toContain('1.000003: foo_ev:               hello\n\tmore\n');
    expect(rowsOf(asBytes).length).toBe(11);
  });

  it('times are exact whichever second comes first: a text that starts later than its earliest event is put in order on the earliest second', () => {
    const at = (t: string, n: number) => `            bash-1     [000] ${t}: foo_ev:               n=${n}`;
    const input = ['cpus=1', at('5168.999999999', 1), at('5167.000000001', 2), at('5168.000000000', 3), at('5169.123456789', 4)].join('\n') + '\n';
    for (const t of [readTextTrace(input, 't', 'report'), readTextTrace(Buffer.from(input, 'latin1'), 't', 'report')]) {
      expect(t.tsBaseSec).toBe(5167);
      const rows = rowsOf(t).map((r) => Number(r.split(' ')[0]));
      expect(rows).toEqual([1, 1e9, 1_999_999_999, 2_123_456_789]);
      expect(reportOf(t, { ns: true }).split('\n').slice(1, -1).map((l) => /n=(\d)/.exec(l)![1])).toEqual(['2', '3', '1', '4']);
    }
  });

  it('a file read from disk streams (its report is the file again)', async () => {
    const f = path.join(dir, 'r.txt');
    fs.writeFileSync(f, text, 'latin1');
    const t = await openTrace(f);
    expect(reportOf(t)).toBe(text);
    expect(t.warnings).toEqual([]);
  });

  it('a last line without its newline is a cut one: not read, and said', async () => {
    const cut = text.slice(0, text.lastIndexOf('\n', text.length - 2) + 30);
    const f = path.join(dir, 'cut.txt');
    fs.writeFileSync(f, cut, 'latin1');
    const t = await openTrace(f);
    expect(reportOf(t)).toBe(cut.slice(0, cut.lastIndexOf('\n') + 1));
    expect(t.warnings).toEqual([`${f}:${cut.split('\n').length}: the file ends inside a line (29 bytes without a newline): a cut line, not read`]);
  });

  it('a line past 16 MiB is skipped with a warning, the lines after it read', () => {
    const lines = text.split('\n');
    const huge = 'x'.repeat((16 << 20) + 10);
    const input = [lines.slice(0, 5).join('\n') + '\n', huge.slice(0, 9 << 20), huge.slice(9 << 20) + '\n' + lines.slice(5, 10).join('\n') + '\n'];
    for (const pieces of [input, input.map((p) => Buffer.from(p, 'latin1'))]) {
      const t = readTextTrace(pieces, 'big', 'report');
      expect(reportOf(t)).toBe(lines.slice(0, 10).join('\n') + '\n');
      expect(t.warnings).toEqual(['big:6: a line longer than 16777216 bytes: not read']);
    }
    // bytes: the long line begun in one piece, its end and the next lines in the next
    const joined = Buffer.from(input.join(''), 'latin1');
    const cut = joined.indexOf('xxxx');
    const t = readTextTrace([joined.subarray(0, cut + 100), joined.subarray(cut + 100)], 'big', 'report');
    expect(reportOf(t)).toBe(lines.slice(0, 10).join('\n') + '\n');
    expect(t.warnings).toEqual(['big:6: a line longer than 16777216 bytes: not read']);
  });
});

describe('gzip and stdin stream too', () => {
  it('gzip with trailing garbage: what decompresses is read, and the error said', async () => {
    const { gzipSync } = await import('node:zlib');
    const f = path.join(dir, 'g.txt.gz');
    fs.writeFileSync(f, Buffer.concat([gzipSync(Buffer.from(text.slice(0, 200000), 'latin1')), Buffer.from('garbage after the member\n')]));
    const t = await openTrace(f);
    expect(t.warnings.some((w) => /the gzip data ends in an error/.test(w))).toBe(true);
    // every event read is one of the text's, in order
    const got = reportOf(t);
    expect(text.startsWith(got.slice(0, got.lastIndexOf('\n') + 1))).toBe(true);
  });

  it('a small gzip file with trailing garbage (one write for member and garbage): read member by member, as gzip(1) does, with its warning', async () => {
    const { gzipSync } = await import('node:zlib');
    const head = text.slice(0, text.indexOf('\n', 3000) + 1);
    const tail = text.slice(head.length, text.indexOf('\n', 6000) + 1);
    const f = path.join(dir, 'small.txt.gz');
    // two members (as `cat a.gz b.gz`), then bytes that are no member
    fs.writeFileSync(f, Buffer.concat([gzipSync(Buffer.from(head, 'latin1')), gzipSync(Buffer.from(tail, 'latin1')), Buffer.from('garbage\n')]));
    const t = await openTrace(f);
    expect(reportOf(t)).toBe(head + tail);
    expect(t.warnings).toContain(`${f}: decompression OK, trailing garbage ignored (8 bytes after the last gzip member)`);
    // a file whose first member is damaged still says so
    const bad = path.join(dir, 'bad.txt.gz');
    const b = gzipSync(Buffer.from(head, 'latin1'));
    b[12] ^= 0xff;
    fs.writeFileSync(bad, Buffer.concat([b, Buffer.from('garbage\n')]));
    await expect(openTrace(bad)).rejects.toThrow(/does not decompress/);
  });

  it('a gzip bomb is refused after its first 64 KB, not once inflated', async () => {
    const { gzipSync } = await import('node:zlib');
    const f = path.join(dir, 'bomb.gz');
    fs.writeFileSync(f, gzipSync(Buffer.alloc(200 << 20)));
    const rss0 = process.memoryUsage().rss;
    await expect(openTrace(f)).rejects.toThrow(/not a trace tracelab reads/);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 << 20);
  });
});

describe('hostile format files for a text trace', () => {
  it('a print fmt of 50,000 conversions reads and prints (it once broke the inverting regex: internal error)', async () => {
    const n = 50_000;
    const fmt = [
      'name: big',
      'ID: 900',
      'format:',
      '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
      '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;',
      '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;',
      '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
      '',
      '\tfield:unsigned int a;\toffset:8;\tsize:4;\tsigned:0;',
      '',
      `print fmt: "${'%u '.repeat(n)}"${', REC->a'.repeat(n)}`,
      '',
    ].join('\n');
    const formatFile = path.join(dir, 'big.format');
    fs.writeFileSync(formatFile, fmt);
    const file = path.join(dir, 'big.txt');
    fs.writeFileSync(file, 'cpus=1\n   bash-1 [000] 1.000001: big: a=1\n');
    const { loadFormatFiles } = await import('../../../src/io/text/format-files.ts');
    const t = await openTrace(file, { formats: loadFormatFiles([formatFile]) });
    expect(reportOf(t, {})).toBe('cpus=1\n            bash-1     [000]     1.000001: big:                  a=1\n');
    t.close();
  });
});
