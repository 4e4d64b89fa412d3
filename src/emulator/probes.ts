import { UserError } from '../core/errors.ts';
import { parseEventFormat } from '../core/event-format.ts';
import { formatText, type FieldSpec } from '../core/format-writer.ts';
import { HARDIRQ, IRQS_OFF, NEED_RESCHED, type Machine, type Task } from './machine.ts';
import { rcuGracePeriodNs, type Rcu } from './rcu.ts';
import type { Ipis } from './ipi.ts';
import { RcuTasks, type FunctionHooks, type HoldoutSource } from './rcu-tasks.ts';
import { Uprobes, type UprobeSite } from './uprobes.ts';
import { parseDuration } from './scenario.ts';
import type { Sources } from './sources.ts';
import type { Rng } from './rng.ts';
import type { Tracepoint, Tracing } from './tracing.ts';

/** Dynamic event ids start above the catalog's. */
const FIRST_DYNAMIC_ID = 2500;
const UPROBE_BASE = 0x7f3a1c400000n;

interface Probe {
  kind: 'kprobe' | 'kretprobe' | 'uprobe' | 'uretprobe';
  /** Probed function (kprobes) or "path:0xoff" (uprobes). */
  target: string;
  /** Offset into the function: a kprobe past the entry is jump-optimized (an optprobe with its own trampoline); at the entry it rides ftrace. */
  offset: number;
  tp: Tracepoint;
  args: string[];
  /** Address of the probe (kprobes: the function; uprobes: the user address). */
  ip: bigint;
  /** A uprobe's place in user code (uprobes.ts hits and disarms it). */
  site?: UprobeSite;
}

export interface ProbeTimeline {
  registered: number;
  unregisterStart: number;
  unregisterEnd: number;
  gracePeriods: number;
  /** RCU-tasks grace periods waited for (synchronize_rcu_tasks()): start, end, the tasks that held them. */
  tasksGracePeriods: { start: number; end: number; holdouts: string[]; stallWarnings: number }[];
}

/** Functions the emulated kernel runs itself: a probe on one fires when it runs, not at the load's hit rate. */
const RUN_BY_KERNEL = new Set(['synchronize_rcu_tasks', 'synchronize_rcu_tasks_trace', 'synchronize_srcu']);

/**
 * kprobes and uprobes as the kernel defines them (the events' names, fields and
 * print fmts of trace_kprobe.c / trace_uprobe.c), their hits, and their
 * removal: disarming patches text again, and the memory is freed only after an
 * RCU-tasks grace period, one per probe or one per batch.
 */
export class Probes {
  readonly probes: Probe[] = [];
  readonly timeline: ProbeTimeline = { registered: -1, unregisterStart: -1, unregisterEnd: -1, gracePeriods: 0, tasksGracePeriods: [] };
  private rcuTasks!: RcuTasks;
  private uprobes!: Uprobes;

  /** Defines the scenario's probes as dynamic events (before events are enabled). */
  constructor(
    private m: Machine,
    tracing: Tracing,
  ) {
    let id = FIRST_DYNAMIC_ID;
    for (const spec of m.s.probes.kprobes) this.probes.push(this.kprobe(spec, id++, tracing));
    for (const spec of m.s.probes.uprobes) this.probes.push(this.uprobe(spec, id++, tracing));
  }

  /** kprobes and kretprobes on functions the emulated kernel runs (synchronize_rcu_tasks()) fire when it runs them. */
  private functionHooks(): FunctionHooks {
    const m = this.m;
    const on = (func: string, kind: Probe['kind']) => this.probes.filter((p) => p.target === func && p.kind === kind && p.offset === 0);
    return {
      entry: (func, cpu, t) => {
        for (const p of on(func, 'kprobe')) m.emit(p.tp, cpu, t, 0, 1, [p.ip, ...p.args.map(() => 0n)], m.stacks.chain('kprobe_ftrace_handler+0x116', `${func}+0x4`));
      },
      exit: (func, cpu, t, caller) => {
        // the kretprobe fires in its trampoline handler, on the way back to the caller
        for (const p of on(func, 'kretprobe')) m.emit(p.tp, cpu, t, 0, 1, [p.ip, m.sym.frame(caller), ...p.args.map(() => 0n)], m.stacks.chain('kretprobe_trampoline_handler+0x4a', caller));
      },
    };
  }

  private kprobe(spec: string, id: number, tracing: Tracing): Probe {
    const ret = spec.startsWith('r:');
    const [where, ...argSpecs] = spec.replace(/^[pr]:/, '').trim().split(/\s+/);
    const plus = where.indexOf('+');
    const func = plus < 0 ? where : where.slice(0, plus);
    const offset = plus < 0 ? 0 : Number(where.slice(plus + 1));
    try {
      this.m.sym.addr(func);
    } catch {
      throw new UserError(`probes.kprobes: "${func}" is not a function of the emulated kernel`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.m.sym.size(func) || (ret && offset)) throw new UserError(`probes.kprobes: "${where}" is not a place in ${func} (0 to 0x${(this.m.sym.size(func) - 1).toString(16)}; a kretprobe sits at the entry)`);
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
    // trace_kprobe.c names an unnamed probe "%c_%s_%ld": kind, symbol, offset in decimal
    const name = `${ret ? 'r' : 'p'}_${func}_${offset}`;
    const fmt = `"${ret ? '(%lx <- %lx)' : '(%lx)'}${args.map((a) => ` ${a}=%Lu`).join('')}", ${[...head.map((f) => `REC->${f.name}`), ...args.map((a) => `REC->${a}`)].join(', ')}`;
    const tp = tracing.addDynamic(parseEventFormat(formatText({ name, id, fields, printFmt: fmt }), 'kprobes'));
    return { kind: ret ? 'kretprobe' : 'kprobe', target: func, offset, tp, args, ip: this.m.sym.addr(func) + BigInt(offset) };
  }

  private uprobe(spec: string, id: number, tracing: Tracing): Probe {
    const ret = spec.startsWith('r:');
    const m = /^(\/[^:\s]+):(0x[0-9a-fA-F]+|\d+)$/.exec(spec.replace(/^[pr]:/, '').trim());
    if (!m) throw new UserError(`probes.uprobes: expected [r:]PATH:OFFSET such as /usr/lib/libc.so.6:0x29d90, not "${spec}"`);
    const base = m[1].slice(m[1].lastIndexOf('/') + 1).split(/[.\-_]/)[0];
    const off = BigInt(m[2]);
    // trace_uprobe.c: "%c_%s_0x%lx", and a uretprobe's two addresses as a kretprobe's
    const name = `${ret ? 'r' : 'p'}_${base}_0x${off.toString(16)}`;
    const fields: FieldSpec[] = ret
      ? [
          { type: 'unsigned long', name: '__probe_func', size: 8 },
          { type: 'unsigned long', name: '__probe_ret_ip', size: 8 },
        ]
      : [{ type: 'unsigned long', name: '__probe_ip', size: 8 }];
    const tp = tracing.addDynamic(parseEventFormat(formatText({ name, id, fields, printFmt: ret ? '"(%lx <- %lx)", REC->__probe_func, REC->__probe_ret_ip' : '"(%lx)", REC->__probe_ip' }), 'uprobes'));
    const ip = UPROBE_BASE + off;
    const site: UprobeSite = {
      ret,
      ip,
      disarmedAt: Infinity,
      fire: (cpu, t, retIp) => this.m.emit(tp, cpu, t, 0, 0, ret ? [ip, retIp] : [ip], this.m.stacks.chain('uprobe_dispatcher+0x2e', 'handler_chain+0x8d', 'handle_swbp+0x1d4', 'uprobe_notify_resume+0x4f', 'irqentry_exit_to_user_mode+0x10b', 'irqentry_exit+0x1d', 'exc_int3+0x6a', 'asm_exc_int3+0x3a')),
    };
    return { kind: ret ? 'uretprobe' : 'uprobe', target: spec, offset: 0, tp, args: [], ip, site };
  }

  start(sources: Sources, rcu: Rcu, ipis: Ipis): void {
    this.rcuTasks = new RcuTasks(this.m, rcu.tasksTask, rcu.traceTask);
    this.rcuTasks.hooks = this.functionHooks();
    this.uprobes = new Uprobes(this.m, ipis, this.rcuTasks);
    const m = this.m;
    const p = m.s.probes;
    if (p.hog_cpu >= 0) this.rcuTasks.holdoutSources.push(this.startHoldout(p.hog_cpu));
    if (!this.probes.length) return;
    const installer = m.newTask('perf');
    const cpu = m.hk[0];
    const kprobes = this.probes.filter((x) => (x.kind === 'kprobe' || x.kind === 'kretprobe') && !RUN_BY_KERNEL.has(x.target));
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
    this.hits(t + 1_000_000, until);
    if (until < m.end) m.at(until, () => this.unregister(cpu, until, installer, sources));
  }

  /**
   * Probe hits: kprobes in the housekeeping load's kernel paths (until they
   * are unregistered), uprobes in the user code of the tasks (each until its
   * own removal from their mms, uprobes.ts).
   */
  private hits(from: number, until: number): void {
    const m = this.m;
    const rate = m.s.probes.hits_per_sec;
    if (!(rate > 0)) return;
    const r = m.rng.get('probes.hits');
    const mean = 1e9 / rate;
    const load = this.probes.filter((p) => !RUN_BY_KERNEL.has(p.target));
    if (!load.length) return;
    // a library's uprobes are hit by the tasks that run it: the isolated CPUs' tasks when there are some
    const userCpus = m.iso.length ? m.iso : m.hk;
    const stop = load.some((p) => p.site) ? m.end : Math.min(until, m.end);
    const next = (t: number) => {
      if (t >= stop) return;
      const probe = r.pick(load);
      if (probe.site) this.uprobes.hit(probe.site, r.pick(userCpus), t);
      else if (t < until) this.kprobeHit(probe, r.pick(m.hk), t, r);
      m.at(t + r.exp(mean), () => next(m.now));
    };
    m.at(from + r.exp(mean), () => next(m.now));
  }

  /** A kprobe hit by the housekeeping load's kernel path on `cpu`. */
  private kprobeHit(probe: Probe, cpu: number, t: number, r: Rng): void {
    const m = this.m;
    m.onCpu(cpu, t, (t0) => {
      const values: (number | bigint)[] = [];
      if (probe.kind === 'kretprobe') values.push(probe.ip, m.sym.at('ksys_write', 0x73));
      else values.push(probe.ip);
      for (const a of probe.args) values.push(a === 'ret' ? BigInt(r.int(4096)) : a === 'dfd' ? 0xffffff9cn : BigInt(r.int(65536)));
      // an optprobe's handler is called from its trampoline (optimized_callback()); one at the entry from ftrace's
      const handler = probe.offset ? 'optimized_callback+0x6d' : 'kprobe_ftrace_handler+0x116';
      m.emit(probe.tp, cpu, t0, 0, 1, values, m.stacks.chain(handler, 'do_syscall_64+0x82', 'entry_SYSCALL_64_after_hwframe+0x76'));
      return t0 + 800;
    });
  }

  /**
   * Unregistering (6.18 kernel/kprobes.c). unregister_kprobes() disarms each
   * probe (text patching: do_sync_core IPIs) and ends with synchronize_rcu(),
   * once per call: one call for the batch, one per probe otherwise. A probe
   * past a function's entry was jump-optimized: its trampoline (the optprobe
   * detour buffer) is unoptimized and freed by kprobe_optimizer(), delayed
   * work (OPTIMIZE_DELAY, 5 jiffies, re-armed by each call) that runs once for
   * every probe queued by then and calls synchronize_rcu_tasks() before
   * do_free_cleaned_kprobes(): a task preempted on a trampoline must have
   * left it first. Probes at the entry ride ftrace (no trampoline of their
   * own to free). uprobes wait for RCU Tasks Trace, one grace period per
   * uprobe_unregister_sync() (per probe, or once for the batch).
   */
  private unregister(cpu: number, t: number, installer: Task, sources: Sources): void {
    const m = this.m;
    this.timeline.unregisterStart = t;
    const batch = m.s.kernel.batch_unregister;
    const kprobes = this.probes.filter((p) => (p.kind === 'kprobe' || p.kind === 'kretprobe') && !RUN_BY_KERNEL.has(p.target));
    const uprobes = this.probes.filter((p) => p.site);
    const calls = kprobes.length ? (batch ? [kprobes] : kprobes.map((p) => [p])) : [];
    const r = m.rng.get('probes.gp');
    const jiffy = 1e9 / m.s.hz;
    const optimized = kprobes.some((p) => p.offset > 0);
    const done = (e: number) => {
      this.timeline.unregisterEnd = e;
    };
    const kcall = (k: number, at: number) => {
      if (k >= calls.length) {
        if (!optimized) return uprobeCall(0, at);
        // the optimizer's delayed work, on a kworker of this CPU
        const kworker = this.optimizerWorker ??= m.newTask(`kworker/${cpu}:2`);
        m.onCpu(cpu, at + 5 * jiffy, (t0) => m.borrow(cpu, t0, kworker, 2, (t1) => {
          this.timeline.gracePeriods++;
          this.rcuTasks.synchronize(cpu, t1 + 800, kworker, 'kprobe_optimizer+0x15b', (e) => {
            const gp = this.rcuTasks.done[this.rcuTasks.done.length - 1];
            this.timeline.tasksGracePeriods.push({ start: gp.start, end: gp.end, holdouts: gp.holdouts.map((x) => `${x.comm}-${x.pid}`), stallWarnings: gp.stallWarnings });
            // do_free_cleaned_kprobes(): the trampolines go back to the insn cache
            uprobeCall(0, e + 1500);
            return e + 1500;
          });
          return t1 + 1500;
        }));
        return;
      }
      m.onCpu(cpu, at, (t0) =>
        m.borrow(cpu, t0, installer, 2, (t1) => {
          let now = t1;
          for (let j = 0; j < calls[k].length; j++) now = sources.patchText(cpu, now + 2000);
          // synchronize_rcu() at the end of unregister_kprobes(): one normal grace period
          kcall(k + 1, now + rcuGracePeriodNs(r));
          return now + 1000;
        }),
      );
    };
    // the other processes that map the library: the housekeeping load's user tasks
    const others = m.tasks.filter((x) => !/^(kworker|rcu_|swapper|ksoftirqd|migration|perf$)/.test(x.comm) && !m.iso.some((c) => m.cpus[c].task === x)).length;
    const ugroups = uprobes.length ? (batch ? [uprobes] : uprobes.map((p) => [p])) : [];
    const uprobeCall = (k: number, at: number) => {
      if (k >= ugroups.length) return done(at);
      m.onCpu(cpu, at, (t0) =>
        m.borrow(cpu, t0, installer, 1, (t1) => {
          let now = t1;
          for (const p of ugroups[k]) now = this.uprobes.unregisterNosync(p.site!, cpu, now, others);
          this.timeline.gracePeriods++;
          this.uprobes.unregisterSync(cpu, now + 1000, installer, (e) => {
            uprobeCall(k + 1, e);
            return e;
          });
          return now + 1000;
        }),
      );
    };
    kcall(0, t);
  }

  private optimizerWorker: Task | null = null;

  /**
   * The holdout of seed 001 on a housekeeping CPU: a CFS task ("stress-read")
   * looping on reads through probed kernel code, and, from probes.rt_hog_at,
   * a SCHED_FIFO 99 busy loop ("rt-hog", kernel prio 0) woken there for
   * probes.rt_hog_spin. Its wakeup preempts the reader in the kernel (R+), on
   * whatever trampoline it was executing. RT throttling (sched_rt_runtime_us
   * of every sched_rt_period_us; 6.18 sched_rt_runtime_exceeded() and
   * do_sched_rt_period_timer(), RT_RUNTIME_SHARE off) hands the reader the
   * rest of each period; with -1 it runs again only when the hog sleeps.
   * Running again, it leaves the trampoline and its read, and the next tick
   * in user space (rcu_sched_clock_irq() -> rcu_tasks_qs()) is its quiescent
   * state.
   */
  private startHoldout(cpu: number): HoldoutSource {
    const m = this.m;
    const p = m.s.probes;
    const k = m.s.kernel;
    const reader = m.newTask('stress-read');
    // SCHED_FIFO 99: the kernel's prio 0, what sched_switch prints
    const hog = m.newTask('rt-hog', 0);
    m.onCpu(cpu, 1000, (t0) => {
      m.switchTo(cpu, t0, reader, 0);
      return t0 + 300;
    });
    const wake = p.rt_hog_at ? parseDuration(p.rt_hog_at) : Infinity;
    const sleep = wake + (p.rt_hog_spin ? parseDuration(p.rt_hog_spin) : 0);
    const period = k.sched_rt_period_us * 1000;
    const runtime = k.sched_rt_runtime_us < 0 ? Infinity : k.sched_rt_runtime_us * 1000;
    // the reader's runs between the hog's wakeup and its sleep: [throttled, next period) in each period
    const runs: [number, number][] = [];
    if (runtime < period) for (let s0 = wake; s0 + runtime < sleep && s0 < m.end; s0 += period) runs.push([s0 + runtime, Math.min(s0 + period, sleep)]);
    const back = (t: number) => {
      for (const [a, b] of runs) if (t < b) return Math.max(a, t);
      return Math.max(sleep, t);
    };
    if (wake < m.end) {
      // hrtimer_wakeup() from the timer interrupt, then the preemption on the way out of it
      m.onCpu(cpu, wake, (t0) => {
        m.emit(m.tp.sched_wakeup, cpu, t0, IRQS_OFF | HARDIRQ | NEED_RESCHED, 1, [hog.comm, hog.pid, hog.prio, cpu]);
        m.switchTo(cpu, t0 + 1500, hog, 0x100);
        return t0 + 1800;
      });
      let throttledOnce = false;
      for (const [a, b] of runs) {
        m.onCpu(cpu, a, (t0) => {
          // the tick finds the RT runqueue over its runtime: throttled (printk_deferred_once)
          if (!throttledOnce) m.emit(m.tp.console, cpu, t0, IRQS_OFF | HARDIRQ, 1, ['sched: RT throttling activated']);
          throttledOnce = true;
          m.switchTo(cpu, t0 + 2000, reader, 0x100);
          return t0 + 2300;
        });
        if (b < sleep) {
          m.onCpu(cpu, b, (t0) => {
            m.switchTo(cpu, t0 + 1000, hog, 0x100);
            return t0 + 1300;
          });
        }
      }
      if (sleep < m.end) {
        m.onCpu(cpu, sleep, (t0) => {
          if (m.cpus[cpu].task !== hog) return t0;
          m.switchTo(cpu, t0, reader, 1);
          return t0 + 300;
        });
      }
    }
    const tick = 1e9 / m.s.hz;
    return {
      task: reader,
      cpu,
      preemptedAt: (t) => t >= wake && back(t) > t,
      // back on the CPU, it finishes its read (a few µs) and the next tick in user space clears it
      quiescentAt: (t) => Math.ceil((back(t) + 5000) / tick) * tick,
    };
  }
}
