import { UserError } from '../core/errors.ts';
import { parseEventFormat } from '../core/event-format.ts';
import { formatText, type FieldSpec } from '../core/format-writer.ts';
import type { Machine, Task } from './machine.ts';
import type { Rcu } from './rcu.ts';
import { parseDuration } from './scenario.ts';
import type { Sources } from './sources.ts';
import type { Tracepoint, Tracing } from './tracing.ts';

/** Dynamic event ids start above the catalog's. */
const FIRST_DYNAMIC_ID = 2500;
const UPROBE_BASE = 0x7f3a1c400000n;

interface Probe {
  kind: 'kprobe' | 'kretprobe' | 'uprobe';
  /** Probed function (kprobes) or "path:0xoff" (uprobes). */
  target: string;
  tp: Tracepoint;
  args: string[];
  /** Address of the probe (kprobes: the function; uprobes: the user address). */
  ip: bigint;
}

export interface ProbeTimeline {
  registered: number;
  unregisterStart: number;
  unregisterEnd: number;
  gracePeriods: number;
}

/**
 * kprobes and uprobes as the kernel defines them (the events' names, fields and
 * print fmts of trace_kprobe.c / trace_uprobe.c), their hits, and their
 * removal: disarming patches text again, and the memory is freed only after an
 * RCU-tasks grace period, one per probe or one per batch.
 */
export class Probes {
  readonly probes: Probe[] = [];
  readonly timeline: ProbeTimeline = { registered: -1, unregisterStart: -1, unregisterEnd: -1, gracePeriods: 0 };
  private hog: Task | null = null;
  /** Times the hog sleeps voluntarily (ascending). */
  private hogSleeps: number[] = [];

  /** Defines the scenario's probes as dynamic events (before events are enabled). */
  constructor(
    private m: Machine,
    tracing: Tracing,
  ) {
    let id = FIRST_DYNAMIC_ID;
    for (const spec of m.s.probes.kprobes) this.probes.push(this.kprobe(spec, id++, tracing));
    for (const spec of m.s.probes.uprobes) this.probes.push(this.uprobe(spec, id++, tracing));
  }

  private kprobe(spec: string, id: number, tracing: Tracing): Probe {
    const ret = spec.startsWith('r:');
    const [func, ...argSpecs] = spec.replace(/^[pr]:/, '').trim().split(/\s+/);
    try {
      this.m.sym.addr(func);
    } catch {
      throw new UserError(`probes.kprobes: "${func}" is not a function of the emulated kernel`);
    }
    const args = argSpecs.map((a, k) => {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : `arg${k + 1}`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UserError(`probes.kprobes: bad argument name "${name}" in "${spec}"`);
      return name;
    });
    const head: FieldSpec[] = ret
      ? [
          { type: 'unsigned long', name: '__probe_func', size: 8 },
          { type: 'unsigned long', name: '__probe_ret_ip', size: 8 },
        ]
      : [{ type: 'unsigned long', name: '__probe_ip', size: 8 }];
    const fields = [...head, ...args.map((name) => ({ type: 'u64', name, size: 8 }))];
    const name = `${ret ? 'r' : 'p'}_${func}_0`;
    const fmt = `"${ret ? '(%lx <- %lx)' : '(%lx)'}${args.map((a) => ` ${a}=%Lu`).join('')}", ${[...head.map((f) => `REC->${f.name}`), ...args.map((a) => `REC->${a}`)].join(', ')}`;
    const tp = tracing.addDynamic(parseEventFormat(formatText({ name, id, fields, printFmt: fmt }), 'kprobes'));
    return { kind: ret ? 'kretprobe' : 'kprobe', target: func, tp, args, ip: this.m.sym.addr(func) };
  }

  private uprobe(spec: string, id: number, tracing: Tracing): Probe {
    const m = /^(\/[^:\s]+):(0x[0-9a-fA-F]+|\d+)$/.exec(spec.trim());
    if (!m) throw new UserError(`probes.uprobes: expected PATH:OFFSET such as /usr/lib/libc.so.6:0x29d90, not "${spec}"`);
    const base = m[1].slice(m[1].lastIndexOf('/') + 1).split(/[.\-_]/)[0];
    const off = BigInt(m[2]);
    const name = `p_${base}_0x${off.toString(16)}`;
    const tp = tracing.addDynamic(parseEventFormat(formatText({ name, id, fields: [{ type: 'unsigned long', name: '__probe_ip', size: 8 }], printFmt: '"(%lx)", REC->__probe_ip' }), 'uprobes'));
    return { kind: 'uprobe', target: spec, tp, args: [], ip: UPROBE_BASE + off };
  }

  start(sources: Sources, rcu: Rcu): void {
    const m = this.m;
    const p = m.s.probes;
    if (p.hog_cpu >= 0) this.startHog(p.hog_cpu);
    if (!this.probes.length) return;
    const installer = m.newTask('perf');
    const cpu = m.hk[0];
    const kprobes = this.probes.filter((x) => x.kind !== 'uprobe');
    // arming a kprobe patches kernel text: do_sync_core IPIs to every CPU
    let t = 50_000_000;
    m.onCpu(cpu, t, (t0) =>
      m.borrow(cpu, t0, installer, 1, (t1) => {
        let now = t1;
        for (let k = 0; k < kprobes.length; k++) now = sources.patchText(cpu, now + 2000);
        this.timeline.registered = now;
        return now;
      }),
    );
    const until = p.unregister_at ? parseDuration(p.unregister_at) : Infinity;
    this.hits(t + 1_000_000, Math.min(until, m.end));
    if (until < m.end) m.at(until, () => this.unregister(cpu, until, installer, sources, rcu));
  }

  /** Probe hits: kprobes in the housekeeping load's kernel paths, uprobes in its user code. */
  private hits(from: number, until: number): void {
    const m = this.m;
    const rate = m.s.probes.hits_per_sec;
    if (!(rate > 0)) return;
    const r = m.rng.get('probes.hits');
    const mean = 1e9 / rate;
    const next = (t: number) => {
      if (t >= until) return;
      const probe = r.pick(this.probes);
      const cpu = r.pick(m.hk);
      m.onCpu(cpu, t, (t0) => {
        const values: (number | bigint)[] = [];
        if (probe.kind === 'kretprobe') values.push(probe.ip, m.sym.at('ksys_write', 0x73));
        else values.push(probe.ip);
        for (const a of probe.args) values.push(a === 'ret' ? BigInt(r.int(4096)) : a === 'dfd' ? 0xffffff9cn : BigInt(r.int(65536)));
        m.emit(probe.tp, cpu, t0, 0, probe.kind === 'uprobe' ? 0 : 1, values, m.stacks.chain(probe.kind === 'uprobe' ? 'handle_swbp+0x1d4' : 'kprobe_ftrace_handler+0x116', 'do_syscall_64+0x82', 'entry_SYSCALL_64_after_hwframe+0x76'));
        return t0 + 800;
      });
      m.at(t + r.exp(mean), () => next(m.now));
    };
    m.at(from + r.exp(mean), () => next(m.now));
  }

  /**
   * Unregistering: kprobes are disarmed (text patching again), then freed after
   * an RCU-tasks grace period; uprobes wait for RCU-tasks-trace. One grace
   * period per probe, or one for the batch.
   */
  private unregister(cpu: number, t: number, installer: Task, sources: Sources, rcu: Rcu): void {
    const m = this.m;
    this.timeline.unregisterStart = t;
    const batch = m.s.kernel.batch_unregister;
    const groups = batch ? [this.probes] : this.probes.map((p) => [p]);
    const r = m.rng.get('probes.gp');
    const one = (k: number, t: number) => {
      if (k >= groups.length) {
        this.timeline.unregisterEnd = t;
        return;
      }
      const group = groups[k];
      const disarm = group.filter((p) => p.kind !== 'uprobe');
      m.onCpu(cpu, t, (t0) =>
        m.borrow(cpu, t0, installer, 1, (t1) => {
          let now = t1;
          for (let j = 0; j < disarm.length; j++) now = sources.patchText(cpu, now + 2000);
          const flavour = disarm.length ? 'rcu_tasks' : 'rcu_tasks_trace';
          this.timeline.gracePeriods++;
          rcu.tasksGp(flavour, now + 1000, (s) => this.gpEnd(flavour, s, r.exp(1)), (e) => one(k + 1, e));
          return now + 1000;
        }),
      );
    };
    one(0, t);
  }

  /**
   * When a tasks grace period that starts at s can end: RCU-tasks polls its
   * holdout list (first after 100 ms, as rcu_tasks_wait_gp backs off) until
   * every task has been seen voluntarily off the CPU; a preempted CPU hog holds
   * it until its next voluntary sleep. Tasks-trace periods are short.
   */
  private gpEnd(flavour: string, s: number, x: number): number {
    if (flavour === 'rcu_tasks_trace') return s + 3_000_000 + Math.round(x * 9_000_000);
    let free = s + 20_000_000 + Math.round(x * 30_000_000);
    if (this.hog) {
      const sleep = this.hogSleeps.find((v) => v > s);
      if (sleep !== undefined && sleep > free) free = sleep;
    }
    const poll = 100_000_000;
    return s + Math.ceil((free - s) / poll) * poll;
  }

  /** A CPU-bound task on a housekeeping CPU: preempted often (R+), sleeping voluntarily rarely (S). */
  private startHog(cpu: number): void {
    const m = this.m;
    const hog = (this.hog = m.newTask('cpu-hog'));
    const kworker = m.newTask(`kworker/${cpu}:2`);
    const r = m.rng.get('probes.hog');
    for (let t = r.exp(2.5e9); t < m.end; t += r.exp(2.5e9)) this.hogSleeps.push(Math.round(t));
    m.onCpu(cpu, 1000, (t0) => {
      m.switchTo(cpu, t0, hog, 0x100);
      return t0 + 300;
    });
    for (const s of this.hogSleeps) {
      m.onCpu(cpu, s, (t0) => {
        m.switchTo(cpu, t0, m.cpus[cpu].idle, 1);
        m.switchTo(cpu, t0 + 150_000, hog, 0);
        return t0 + 150_300;
      });
    }
    const preempt = (t: number) => {
      if (t >= m.end) return;
      m.onCpu(cpu, t, (t0) => {
        if (m.cpus[cpu].task !== hog) return t0;
        m.switchTo(cpu, t0, kworker, 0x100);
        m.switchTo(cpu, t0 + 6000, hog, 0x80);
        return t0 + 6300;
      });
      m.at(t + r.exp(40_000_000), () => preempt(m.now));
    };
    m.at(r.exp(40_000_000), () => preempt(m.now));
  }
}
