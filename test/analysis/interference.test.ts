import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipiTargetReader } from '../../src/analysis/field-values.ts';
import { hist, interference, noise } from '../../src/analysis/arquero-reports.ts';
import { parseCpuList } from '../../src/core/cpulist.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, SHARED, hasShared, readText, reportOf } from '../helpers.ts';
import { run } from '../emulator/record-helpers.ts';

const ISO = parseCpuList('4-11');
const isIso = (c: number) => c >= 4 && c <= 11;

/**
 * The per-CPU figures computed a second way, from trace-cmd's own `report -t`
 * text with a plain loop: handler entries, a depth counter over entry/exit
 * pairs for irq pieces, runs from sched_switch, the longest-running task as
 * the CPU's own, pieces closer than 2 us merged.
 */
function fromReportText(text: string, cpus: number[]) {
  const ENTRY = /^(local_timer|call_function|call_function_single|reschedule|irq_work|[a-z_]+_apic|x86_platform_ipi|thermal_apic|spurious_apic|error_apic)_entry$|^irq_handler_entry$|^softirq_entry$|^ipi_entry$/;
  const EXIT = /_exit$/;
  const IPI = new Set(['call_function_entry', 'call_function_single_entry', 'reschedule_entry', 'irq_work_entry']);
  const per = new Map(cpus.map((c) => [c, { ipis: 0, depth: 0, since: 0, pieces: [] as [number, number][], runs: [] as [number, number, number][], pid: -1, runStart: 0, seen: 0 }]));
  let first = NaN;
  let last = NaN;
  for (const line of text.split('\n')) {
    const m = /^\s*(.*)-(\d+)\s+\[(\d+)\]\s+(\d+)\.(\d+):\s+(\S+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const t = Number(m[4]) * 1e9 + Number(m[5].padEnd(9, '0'));
    if (Number.isNaN(first)) first = t;
    last = t;
    const x = per.get(Number(m[3]));
    if (!x) continue;
    const name = m[6];
    const pid = Number(m[2]);
    if (x.pid < 0) {
      x.pid = pid;
      x.runStart = first;
    } else if (pid !== x.pid) {
      // a lost sched_switch: the old run ends where its task was last seen
      if (x.depth > 0) x.pieces.push([x.since, x.seen]);
      x.depth = 0;
      x.runs.push([x.runStart, x.seen, x.pid]);
      x.pid = pid;
      x.runStart = t;
    }
    x.seen = t;
    if (IPI.has(name)) x.ipis++;
    if (ENTRY.test(name)) {
      if (x.depth++ === 0) x.since = t;
    } else if (EXIT.test(name) && name !== 'sys_exit' && !name.startsWith('csd_') && x.depth > 0) {
      if (--x.depth === 0) x.pieces.push([x.since, t]);
    } else if (name === 'sched_switch') {
      const f = m[7];
      const next = Number(/next_pid=(\d+)/.exec(f)?.[1] ?? /==> .*:(\d+) \[/.exec(f)![1]);
      x.runs.push([x.runStart, t, x.pid]);
      x.pid = next;
      x.runStart = t;
    }
  }
  const out = new Map<number, { ipis: number; interruptions: number; noiseNs: number; maxNs: number; quietNs: number }>();
  for (const [cpu, x] of per) {
    if (x.depth > 0) x.pieces.push([x.since, last]);
    if (x.pid >= 0) x.runs.push([x.runStart, last, x.pid]);
    const runtime = new Map<number, number>();
    for (const [a, b, p] of x.runs) runtime.set(p, (runtime.get(p) ?? 0) + b - a);
    const resident = [...runtime].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
    const spans = [...x.pieces, ...x.runs.filter((r) => r[2] !== resident && r[2] !== 0 && r[1] > r[0]).map((r): [number, number] => [r[0], r[1]])].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged: [number, number][] = [];
    for (const s of spans) {
      const top = merged[merged.length - 1];
      if (top && s[0] - top[1] <= 2000) top[1] = Math.max(top[1], s[1]);
      else merged.push([s[0], s[1]]);
    }
    let quiet = 0;
    let prev = first;
    for (const s of merged) {
      quiet = Math.max(quiet, s[0] - prev);
      prev = Math.max(prev, s[1]);
    }
    quiet = Math.max(quiet, last - prev);
    out.set(cpu, { ipis: x.ipis, interruptions: merged.length, noiseNs: merged.reduce((s, v) => s + v[1] - v[0], 0), maxNs: Math.max(0, ...merged.map((v) => v[1] - v[0])), quietNs: quiet });
  }
  return out;
}

function expectSameFigures(res: ReturnType<typeof interference>, want: ReturnType<typeof fromReportText>, ipis = true) {
  for (const x of res.summary.perCpu) {
    const w = want.get(x.cpu)!;
    const got = { interruptions: x.noise.interruptions, maxNs: x.noise.maxNoiseNs, quietNs: x.noise.longestQuietNs, noiseNs: x.noise.noiseNs };
    // report -t prints ns exactly, so the figures agree to the nanosecond
    expect(got, `CPU ${x.cpu}`).toEqual({ interruptions: w.interruptions, maxNs: w.maxNs, quietNs: w.quietNs, noiseNs: w.noiseNs });
    if (ipis) expect(x.counts.ipi, `CPU ${x.cpu} IPIs`).toBe(w.ipis);
  }
}

describe('interference', () => {
  it('on the real 6.18 trace: IPIs received, interruptions, max single noise and longest quiet stretch equal a plain loop over trace-cmd report -t', async () => {
    const file = path.join(ROOT, 'samples/real-ipi.dat');
    const t = await openTrace(file);
    const want = fromReportText(readText(`${file}.report-t.txt.gz`), [0, 1]);
    for (const cpu of [0, 1]) {
      const res = interference(t, { isolated: [cpu] });
      expect(res.summary.ipiCounted).toBe('received');
      expectSameFigures(res, want);
      expect(res.summary.perCpu[0].noise.interruptions).toBeGreaterThan(1000);
    }
    // --episodes lists every interruption: as many as counted, and they add up to the noise
    const ep = noise(t, { measure: [0], episodes: true }).summary.perCpu[0];
    expect(ep.episodes!.start.length).toBe(ep.interruptions);
    expect(ep.episodes!.durationNs.reduce((a, b) => a + b, 0)).toBe(ep.noiseNs);
    expect(Math.max(...ep.episodes!.durationNs)).toBe(ep.maxNoiseNs);
    // the by-function table is hist --by func over csd_queue_cpu to that CPU
    const res = interference(t, { isolated: [1] });
    const h = hist(t, { by: 'func', event: 'csd_queue_cpu', filters: [{ arg: 'csd_queue_cpu: cpu == 1', negative: false }] });
    const byFunc = Object.fromEntries((h.table.objects() as { func: string; count: number }[]).map((r) => [r.func, r.count]));
    expect(Object.fromEntries(res.summary.ipis.functions.filter((f) => f.queued).map((f) => [f.function, f.queued]))).toEqual(byFunc);
    // syscalls were not recorded: n/a, not 0
    expect(res.summary.totals.syscall).toBeNull();
    expect(res.table.objects()[0]).toMatchObject({ syscall: null });
    expect(res.summary.notes.join('\n')).toMatch(/record -e raw_syscalls/);
  });

  it.skipIf(!hasShared)('on the LISA and TRAPpy traces (needs ../shared): thread noise from sched_switch alone equals a plain loop over report -t', async () => {
    for (const [rel, cpus] of [
      ['public/ARM-software-lisa/tests/trace.dat', [0, 1, 2, 3, 4, 5, 6, 7]],
      ['public/ARM-software-trappy/tests/raw_trace.dat', [0, 1, 2, 3]],
      ['public/ARM-software-trappy/tests/trace_idle.dat', [0, 1]],
    ] as const) {
      const file = path.join(SHARED, rel);
      const t = await openTrace(file);
      const res = interference(t, { isolated: [...cpus] });
      expectSameFigures(res, fromReportText(readText(`${file}.report-t.txt.gz`), [...cpus]), false);
      // no irq events in these traces: irq figures are n/a and the notes say what to record
      expect(res.summary.totals.irq).toBeNull();
      expect(res.summary.totals.ipi).toBeNull();
      expect(res.summary.notes.join('\n')).toMatch(/-e irq_vectors/);
    }
    // the case: CPU 1 of the LISA trace is quiet for about a second at a time, not 5 ms
    const lisa = interference(await openTrace(path.join(SHARED, 'public/ARM-software-lisa/tests/trace.dat')), { isolated: [1] });
    expect(lisa.summary.perCpu[0].noise.longestQuietNs!).toBeGreaterThan(0.9e9);
  });

  it('on an emulated 6.18 full trace: every figure equals the plain loop over its report, and IPIs received equal the emulator own count', async () => {
    const r = await run('isolation-ipi', ['kernel.version=6.18', 'cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'sources.netdev_watchdogs=4', 'sources.watchdog_timeo_s=1'], { duration: '30s', events: [{ event: 'all', filters: [] }] });
    const res = interference(r.trace, { isolated: ISO });
    // the emulator's report prints 6-digit timestamps; compare on the ns-exact -t form
    expectSameFigures(res, fromReportText(reportOf(r.trace, { ns: true }), ISO));
    expect(res.summary.totals.ipi).toBe(r.summary.isolated.ipisReceived);
    const ticks = r.report.split('\n').filter((l) => / local_timer_entry: /.test(l) && isIso(Number(/\[0*(\d+)\]/.exec(l)![1]))).length;
    expect(res.summary.totals.tick).toBe(ticks);
    // 6.18: the function is on csd_queue_cpu; the by-function table is hist --by func restricted to isolated targets
    const h = hist(r.trace, { by: 'func', event: 'csd_queue_cpu', filters: [{ arg: 'csd_queue_cpu: cpu & CPUS{4-11}', negative: false }] });
    const byFunc = Object.fromEntries((h.table.objects() as { func: string; count: number }[]).map((x) => [x.func, x.count]));
    expect(Object.fromEntries(res.summary.ipis.functions.filter((f) => f.queued).map((f) => [f.function, f.queued]))).toEqual(byFunc);
    expect(res.summary.ipis.functions.map((f) => f.function)).not.toContain('generic_smp_call_function_single_interrupt');
    expect(res.table.numRows()).toBe(8);
  });

  it('on an emulated 6.4 trace (only IPI sends, as the seed recorded): each broadcast counts once, under its function', async () => {
    const r = await run('isolation-ipi', ['sources.pcpu_reclaims=1'], { duration: '60s', stacks: true });
    const iso = parseCpuList('4-79');
    const res = interference(r.trace, { isolated: iso });
    let naive = 0;
    let once = 0;
    const byFunction = new Map<string, number>();
    let pending: string | null = null;
    for (const line of r.report.split('\n')) {
      const m = / ipi_send_cpu(mask)?: +(?:cpu=(\d+)|cpumask=(\S+)) callsite=\S+ callback=(\S+)/.exec(line);
      if (!m) continue;
      const sender = Number(/\[0*(\d+)\]/.exec(line)![1]);
      const targets = (m[2] ? [Number(m[2])] : parseCpuList(m[3])).filter((c) => iso.includes(c));
      naive += targets.length;
      const cb = m[4];
      if (cb.startsWith('generic_smp_call_function_single_interrupt')) {
        once += targets.length;
        byFunction.set(pending!, (byFunction.get(pending!) ?? 0) + targets.length);
      } else if (targets.length === 1 && targets[0] === sender) {
        once++;
        byFunction.set(cb.replace(/\+0x0$/, ''), (byFunction.get(cb.replace(/\+0x0$/, '')) ?? 0) + 1);
      } else pending = cb.replace(/\+0x0$/, '');
    }
    expect(naive).toBeGreaterThan(once * 1.8);
    expect(res.summary.totals.ipi).toBe(once);
    expect(res.summary.ipiCounted).toBe('sent');
    expect(new Map(res.summary.ipis.functions.map((f) => [f.function, f.ipiSent]))).toEqual(byFunction);
    const chain = res.summary.ipis.chains.find(([c]) => c.includes('pcpu_reclaim_populated'));
    expect(chain?.[0]).toBe('on_each_cpu_cond_mask <- pcpu_reclaim_populated <- pcpu_balance_workfn <- process_one_work <- worker_thread <- kthread');
    expect(res.summary.ipis.bySenderCpu.every(([c]) => c < 4 || iso.includes(c))).toBe(true);
    // nothing but IPI sends recorded: noise and the other sources are n/a, never 0
    expect(res.summary.noiseNs).toBeNull();
    for (const k of ['tick', 'irq', 'softirq', 'thread', 'syscall'] as const) expect(res.summary.totals[k]).toBeNull();
  });

  it('explodes a cpumask like 0-1,3-79', async () => {
    const r = await run('isolation-ipi', [], { duration: '30s' });
    const ev = r.trace.formats.find('ipi_send_cpumask')[0];
    const read = ipiTargetReader(r.trace, ev)!;
    const lines = r.report.split('\n').filter((l) => l.includes(' ipi_send_cpumask: '));
    let k = 0;
    for (const b of r.trace.batches()) {
      for (let i = 0; i < b.length; i++) {
        if (b.type[i] !== ev.id) continue;
        const text = /cpumask=(\S+)/.exec(lines[k++])![1];
        expect(read(b, i)).toEqual(parseCpuList(text));
        expect(read(b, i).length).toBe(79);
      }
    }
    expect(k).toBe(lines.length);
  });
});

describe('interference: what deferral cannot defer, and work queued besides IPIs', () => {
  it('IPIs that found their target in the kernel equal a plain loop over the report; with the series a lower bound of those it refused to defer', async () => {
    const r = await run('isolation-ipi-syscalls', ['kernel.version=6.18', 'kernel.defer_ipis=on', 'cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'isolated_load.user_work_us=10', 'sources.bpf_jit=20', 'sources.vunmap_purges=10', 'sources.watchdog_timeo_s=1'], {
      duration: '1s',
      events: ['ipi', 'irq_vectors', 'irq', 'raw_syscalls', 'sched:sched_switch', 'timer:timer_start'].map((event) => ({ event, filters: [] })),
    });
    const res = interference(r.trace, { isolated: ISO });
    // the loop: depth of syscall/irq/softirq per CPU, and each send's targets checked against it
    const depth = new Map<number, number>();
    const want = new Map<number, number>();
    for (const line of reportOf(r.trace, { ns: true }).split('\n')) {
      const m = /\[0*(\d+)\]\s+[\d.]+: (\S+):\s+(.*)$/.exec(line);
      if (!m) continue;
      const cpu = Number(m[1]);
      const ev = m[2];
      if (ev === 'ipi_send_cpu' || ev === 'ipi_send_cpumask') {
        const targets = ev === 'ipi_send_cpu' ? [Number(/cpu=(\d+)/.exec(m[3])![1])] : parseCpuList(/cpumask=(\S+)/.exec(m[3])![1]);
        for (const c of targets) if (isIso(c) && (depth.get(c) ?? 0) > 0) want.set(c, (want.get(c) ?? 0) + 1);
      } else if (/^(sys_enter|softirq_entry|irq_handler_entry)$|^[a-z_]+_entry$/.test(ev) && !ev.startsWith('csd_')) depth.set(cpu, (depth.get(cpu) ?? 0) + 1);
      else if (/^(sys_exit|softirq_exit|irq_handler_exit)$|^[a-z_]+_exit$/.test(ev) && !ev.startsWith('csd_')) depth.set(cpu, Math.max(0, (depth.get(cpu) ?? 0) - 1));
      else if (ev === 'sched_switch') depth.set(cpu, 0);
    }
    for (const x of res.summary.perCpu) expect(x.ipiInKernel, `CPU ${x.cpu}`).toBe(want.get(x.cpu) ?? 0);
    const inKernel = res.summary.perCpu.reduce((s, x) => s + x.ipiInKernel!, 0);
    // the trace shows the kernel only between sys_enter and sys_exit (and in handlers); the entry
    // and exit code around them is kernel too, where the series also refuses: a lower bound
    expect(inKernel).toBeGreaterThan(0);
    expect(inKernel).toBeLessThanOrEqual(r.summary.isolated.sentInKernel);
  });

  it('timers armed on isolated CPUs: the NIC watchdogs that re-arm themselves there, counted as the report shows them', async () => {
    const r = await run('isolation-ipi', ['kernel.version=6.18', 'cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'sources.netdev_watchdogs=4', 'sources.watchdog_timeo_s=1'], {
      duration: '10s',
      events: ['ipi', 'timer:timer_start', 'irq_vectors'].map((event) => ({ event, filters: [] })),
    });
    const res = interference(r.trace, { isolated: ISO });
    const wd = res.summary.queuedWork.work.find((w) => w.function === 'dev_watchdog');
    expect(wd?.kind).toBe('timer');
    const starts = r.report.split('\n').filter((l) => / timer_start: .*function=dev_watchdog .* cpu=(\d+) /.test(l) && isIso(Number(/ cpu=(\d+) /.exec(l)![1]))).length;
    expect(starts).toBeGreaterThan(0);
    expect(wd?.count).toBe(starts);
    expect(res.summary.perCpu.reduce((s, x) => s + (x.queuedWork ?? 0), 0)).toBe(starts);
    expect(res.summary.notes.join('\n')).toMatch(/-e workqueue:workqueue_queue_work/);
  });

  it('deferred work read from the trace: broadcasts that left a CPU in user space out, each counted as the emulator deferred it, run at its next user_exit', async () => {
    const sets = ['cpus=12', 'housekeeping=0-3', 'isolated=4-11', 'sources.bpf_jit=20', 'sources.vunmap_purges=10'];
    const sum = (r: Awaited<ReturnType<typeof interference>>, k: 'skipped' | 'deferred' | 'pending') => r.summary.perCpu.reduce((s, x) => s + (x.deferredWork?.[k] ?? 0), 0);
    for (const version of ['6.18', '6.4']) {
      const events = ['ipi', ...(version === '6.4' ? [] : ['csd']), 'irq_vectors', 'raw_syscalls', 'context_tracking'].map((event) => ({ event, filters: [] }));
      const on = await run('isolation-ipi-syscalls', [...sets, `kernel.version=${version}`, 'kernel.defer_ipis=on'], { duration: '500ms', events });
      const off = await run('isolation-ipi-syscalls', [...sets, `kernel.version=${version}`], { duration: '500ms', events });
      const a = interference(on.trace, { isolated: ISO });
      const b = interference(off.trace, { isolated: ISO });
      expect(a.summary.deferredWork.broadcasts).toBeGreaterThan(20);
      expect(a.summary.deferredWork.userState).toBe(true);
      // every CPU the series dropped from a broadcast is a hole in it; without the series there is none
      expect(sum(a, 'skipped')).toBe(on.summary.isolated.deferred);
      expect(sum(b, 'skipped')).toBe(0);
      // 6.6+ traces each try as it happens: the CPUs in user space then are exactly the deferred ones
      if (version === '6.18') expect(sum(a, 'deferred')).toBe(on.summary.isolated.deferred);
      else expect(sum(a, 'deferred')).toBeGreaterThan(0.95 * on.summary.isolated.deferred);
      for (const x of a.summary.perCpu) {
        const d = x.deferredWork!;
        expect(d.latency.count + d.pending).toBe(d.deferred);
        // the next kernel entry is the loop's next syscall at the latest: 20 us of work and the syscall
        if (d.latency.count) expect(d.latency.maxNs).toBeLessThanOrEqual(20_300 + 5_000);
      }
    }
  });

  it('context tracking with -T: a kernel_stack between user_exit and sys_enter does not turn the syscall entry into an interrupt entry', async () => {
    const events = ['raw_syscalls', 'context_tracking', 'irq_vectors'].map((event) => ({ event, filters: [] }));
    const sets = ['cpus=6', 'housekeeping=0-1', 'isolated=2-5', 'isolated_load.user_work_us=100'];
    const plain = await run('isolation-ipi-syscalls', sets, { duration: '200ms', events });
    const stacked = await run('isolation-ipi-syscalls', sets, { duration: '200ms', events, stacks: true });
    const iso = [2, 3, 4, 5];
    const a = interference(plain.trace, { isolated: iso }).summary.perCpu;
    const b = interference(stacked.trace, { isolated: iso }).summary.perCpu;
    for (let k = 0; k < iso.length; k++) {
      const sysEnters = plain.report.split('\n').filter((l) => l.includes(` [00${iso[k]}] `) && l.includes(' sys_enter: ')).length;
      expect(a[k].userTime!.syscallEntries).toBe(sysEnters);
      expect(b[k].userTime!).toEqual(a[k].userTime!);
    }
  });
});

