import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventFormat } from '../../../src/core/event-format.ts';
import { openDat } from '../../../src/io/dat/reader.ts';
import { verboseLevel, verboseLog, type VerboseHost } from '../../../src/io/text/report-verbose.ts';
import { pluginLoadOrder, TEP_PLUGINS, TepHandlers } from '../../../src/printfmt/plugin-loader.ts';
import { families } from '../../../src/printfmt/plugins.ts';
import { ROOT, SHARED, hasShared, hasTraceCmd, tempDir } from '../../helpers.ts';
import { writeOracleTrace } from '../../printfmt/oracle-trace.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
/** Debian's libtraceevent1-plugin as this machine's ext4 lists it (readdir() order). */
const DEBIAN_LISTING = ['plugin_jbd2.so', 'plugin_kvm.so', 'plugin_xen.so', 'plugin_mac80211.so', 'plugin_sched_switch.so', 'plugin_cfg80211.so', 'plugin_kmem.so', 'plugin_hrtimer.so', 'plugin_tlb.so', 'plugin_function.so', 'plugin_futex.so', 'plugin_scsi.so'];
/** What the stored trace-cmd output was made under: stdout and stderr redirected to files, no ~/.local plugins. */
const HOST: VerboseHost = { stdoutNotTty: false, stderrReadWrite: false, exists: (d) => d.startsWith('/usr/'), env: { HOME: '/root' } };
const fmt = (system: string, name: string, id: number) => parseEventFormat(`name: ${name}\nID: ${id}\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\nprint fmt: "x"\n`, system, 8);

describe('report --verbose: trace_set_verbose(), the plugin loader', () => {
  it('takes levels as trace-cmd does: a name it starts with, or a number', () => {
    expect(verboseLevel(undefined)).toBe(4);
    expect(verboseLevel('info')).toBe(4);
    expect(verboseLevel('warning')).toBe(3);
    expect(verboseLevel('all')).toBe(6);
    expect(verboseLevel('0')).toBe(0);
    expect(verboseLevel('17')).toBe(6);
    expect(verboseLevel('inf')).toBeNull();
    expect(verboseLevel('loud')).toBeNull();
  });

  it('loads plugins in the directory order, then those it does not list', () => {
    expect(pluginLoadOrder(['plugin_tlb.so', 'plugin_python.so', 'plugin_kvm.so']).map((p) => p.file).slice(0, 3)).toEqual(['plugin_tlb.so', 'plugin_kvm.so', 'plugin_cfg80211.so']);
    expect(pluginLoadOrder(null)).toHaveLength(TEP_PLUGINS.length);
  });

  it('names every event a tracelab printer stands in for as some plugin\'s (or trace-cmd\'s) handler', () => {
    const registered = new Set([...TEP_PLUGINS.flatMap((p) => p.registers), 'ftrace/funcgraph_entry', 'ftrace/funcgraph_exit']);
    const printers = families().flatMap((f) => Object.entries(f.events).filter(([, h]) => h.print).map(([k]) => k));
    expect(printers.filter((k) => !registered.has(k))).toEqual([]);
  });

  it("gives ftrace:function to the function plugin, not trace-cmd's earlier handler, and only the plugin's go back", () => {
    const h = new TepHandlers(pluginLoadOrder(DEBIAN_LISTING), true);
    const fn = fmt('ftrace', 'function', 1);
    const fg = fmt('ftrace', 'funcgraph_entry', 11);
    expect(h.parsed(fn)).toBe('overriding event (1) ftrace:function with new print handler');
    expect(h.parsed(fg)).toBe('overriding event (11) ftrace:funcgraph_entry with new print handler');
    expect(h.parsed(fmt('oracle', 'x', 900))).toBeNull();
    const find = (name: string, system: string) => [fn, fg].find((e) => e.name === name && e.system === system);
    const plugin = TEP_PLUGINS.find((p) => p.file === 'plugin_function.so')!;
    expect(h.unload(plugin, find)).toEqual(['removing override handler for event (1) ftrace:function. Going back to default handler.']);
    expect(h.unload(plugin, find)).toEqual([]);
  });
});

describe('report --verbose on the sample, as trace-cmd 3.1.6 logged it (stored)', () => {
  it('logs the version, the plugins, each override as formats parse and each as plugins unload; warns on stderr', async () => {
    const t = await openDat(sample);
    const log = verboseLog(t, { level: 4, plugins: true, systemPlugins: true, pluginFiles: DEBIAN_LISTING }, HOST);
    t.close();
    expect(log.opened + log.headers + log.emptyCpus).toBe(fs.readFileSync(path.join(here, 'real-ipi.verbose-head.txt'), 'latin1'));
    expect(log.closed).toBe(fs.readFileSync(path.join(here, 'real-ipi.verbose-tail.txt'), 'latin1'));
    // errno: EINVAL from dma_unmap_sg's __print_array(... sizeof(u64) ...), which fails without a word
    expect(log.warnings.join('\n') + '\n').toBe(fs.readFileSync(path.join(here, 'real-ipi.verbose-err.txt'), 'latin1'));
  });

  it('logs nothing but the version with -N, and no warnings below the warning level', async () => {
    const t = await openDat(sample);
    const none = verboseLog(t, { level: 4, plugins: false, systemPlugins: true, pluginFiles: DEBIAN_LISTING }, HOST);
    const quiet = verboseLog(t, { level: 2, plugins: true, systemPlugins: true, pluginFiles: DEBIAN_LISTING }, HOST);
    t.close();
    expect(none.opened + none.headers + none.closed).toBe('version = 7\n');
    expect(quiet).toEqual({ opened: '', headers: '', warnings: [], emptyCpus: '', emptyInstanceCpus: '', closed: '', tep: null });
  });
});

describe.skipIf(!hasTraceCmd())('report --verbose against trace-cmd, live (needs trace-cmd)', () => {
  const tmp = tempDir('tracelab-verbose-');
  const oracle = path.join(tmp, 'oracle.dat');
  beforeAll(() => writeOracleTrace(oracle));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { maxBuffer: 1 << 28 });
    return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1') };
  };
  const both = (args: string[]) => [run('trace-cmd', ['report', ...args]), run(process.execPath, [cli, 'report', ...args])];

  it('prints the same log, stdout and stderr, in every mode that logs differently', () => {
    for (const args of [['--verbose'], ['-V', '-l'], ['--verbose=warn'], ['--verbose=none'], ['-N', '-V'], ['-L', '-V'], ['-w', '-V'], ['--stat', '-V'], ['-E', '-V'], ['-p', '-V'], ['--cpus', '-V']]) {
      const [want, got] = both([...args, '-i', sample]);
      expect(got.out, args.join(' ')).toBe(want.out);
      expect(got.err, args.join(' ')).toBe(want.err);
    }
  });

  it('logs what each failing print fmt of the oracle trace makes libtraceevent say, and what it says while it prints', () => {
    const [want, got] = both(['--verbose', oracle]);
    expect(got.out).toBe(want.out);
    expect(got.err).toBe(want.err);
    expect(got.err).toContain('[oracle:fail_ev] function foo not defined\nlibtraceevent: Invalid argument\n  Error: expected \',\' but read \')\'\n');
    // a bprint whose format runs out of arguments, after sched_switch taught a comm the table had (EEXIST)
    expect(got.err.endsWith('libtraceevent: File exists\n  [ftrace:bprint] no argument match\n')).toBe(true);
  });

  it.skipIf(!hasShared)('matches on every real trace.dat trace-cmd reads (needs ../shared)', () => {
    for (const f of ['real/vm-6.18/real-ipi-v6.dat', 'public/ARM-software-trappy/tests/trace_idle.dat', 'public/ARM-software-trappy/tests/raw_trace.dat', 'public/ARM-software-lisa/tests/trace.dat']) {
      const [want, got] = both(['--verbose', path.join(SHARED, f)]);
      expect(got.out, f).toBe(want.out);
      expect(got.err, f).toBe(want.err);
    }
  });
});
