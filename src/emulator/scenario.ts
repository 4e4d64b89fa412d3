import * as fs from 'node:fs';
import { UserError } from '../core/errors.ts';
import { parseKernelCpulist } from '../filter/cpulist-kernel.ts';
import { isKernelVersion, KERNEL_VERSIONS } from './kernel-version.ts';
import { syscallSpec } from './syscalls.ts';

/**
 * What the emulated machine is and does. Every field is a knob a reviewer can
 * turn (`--set kernel.defer_ipis=true`), so "before" and "after" a patch series
 * are two runs of the same scenario with one switch flipped.
 */
export interface Scenario {
  name: string;
  description: string;
  /** CPUs in the machine (nr_cpu_ids). */
  cpus: number;
  /** Housekeeping CPUs (a cpulist): the workload and the IPI senders run here. */
  housekeeping: string;
  /** Isolated nohz_full CPUs (a cpulist): one user-space task each. */
  isolated: string;
  /** Default length of a recording, e.g. "10s", "20m". */
  duration: string;
  /** Timer tick rate of housekeeping CPUs. */
  hz: number;
  /** Uptime in seconds when the recording starts. */
  uptime: number;
  kernel: {
    /** The kernel modelled: "6.4" (the seed's, with the cpumask-filter patches) or "6.18"; it decides which IPI tracepoints fire and what they log. */
    version: string;
    /** Defer kernel-only IPIs to isolated CPUs in user space until their next kernel entry (seed 004). */
    defer_ipis: boolean;
    /** Strict task isolation (seed 003's PR_DATAPLANE_STRICT): the isolated tasks asked to be signalled on any synchronous kernel entry (a syscall other than prctl/exit/exit_group, a page fault). */
    dataplane_strict: boolean;
    /** The signal they asked for (PR_TASK_ISOLATION_SET_SIG): 9, SIGKILL, kills; a catchable one (10, SIGUSR1) runs their handler, which logs the violation and re-arms the mode. */
    dataplane_signal: number;
    /** Unregister probes in one batch, paying one RCU-tasks grace period (seed 002). */
    batch_unregister: boolean;
    /** What protects uprobe handlers (seed 002): "tasks_trace" (RCU Tasks Trace, mainline since 6.12) or "srcu" (SRCU, Peter Zijlstra's proposal). */
    uprobe_rcu: string;
    /** How irq on/off tracepoints make RCU watch (seed 000): "srcu" (5.6: SRCU and rcu_irq_enter_irqson() around every one), "watching_check" (the thread's proposal: only where RCU is idle), "noinstr" (6.3+: none in RCU idle). */
    rcuidle: string;
    /** trace_hardirqs_on/off()'s tracepoints are on (a tracer is attached to them): each local_irq_disable/enable pays its wrapper and handler. */
    irq_tracepoints: boolean;
    /** /proc/sys/kernel/sched_rt_runtime_us: RT tasks may run this long per period (-1: no throttling). */
    sched_rt_runtime_us: number;
    /** /proc/sys/kernel/sched_rt_period_us. */
    sched_rt_period_us: number;
  };
  /** Costs of the hardware, which the kernel's mechanisms are built from. */
  hw: {
    /** A locked read-modify-write on a cache line the CPU owns (context tracking does one per kernel entry and exit). */
    atomic_ns: number;
    /** Fetching a cache line another CPU wrote (a sender's cmpxchg on the target's context-tracking word, and the target's next access). */
    line_transfer_ns: number;
    /** Entry, the work and exit of the isolated task's syscall (getppid), atomics excluded. */
    syscall_ns: number;
    /** The stack tracer (-T) unwinding one frame (ORC), before it stamps the kernel_stack record. */
    unwind_frame_ns: number;
  };
  housekeeping_load: {
    /** Compiler processes: syscalls, forks and exits (freed vmalloc stacks lead to vunmap purges). */
    kernel_build: boolean;
    /** hackbench: message passing with many context switches and cross-CPU wakeups. */
    hackbench: boolean;
    context_switches_per_sec: number;
    syscalls_per_sec: number;
    device_irqs_per_sec: number;
    /** irqs-off sections (preemptirq irq_disable/irq_enable) per second per CPU. */
    irq_off_sections_per_sec: number;
  };
  isolated_load: {
    task: string;
    /** 0: stays in user space. Above 0: loops on this many µs of user work, then a getppid() (the "bad case": it really enters the kernel). */
    user_work_us: number;
    page_faults_per_sec: number;
    /** Stray syscalls per second of each isolated task (a log line, a forgotten clock read), drawn from `syscalls`. */
    syscalls_per_sec: number;
    /** The syscalls they make, by name (write, read, mmap, madvise, sched_yield, getppid, futex, prctl, exit_group). */
    syscalls: string[];
  };
  /** Interference sources: activity on housekeeping CPUs, per second for the whole machine. */
  sources: {
    /** BPF programs JIT-compiled: text_poke_bp_batch() syncs every CPU (do_sync_core) three times each. */
    bpf_jit: number;
    /** Static key flips: the same three text-poke syncs each. */
    static_keys: number;
    /** vmap purges (__purge_vmap_area_lazy): flush_tlb_kernel_range() -> do_flush_tlb_all on every CPU. */
    vunmap_purges: number;
    /** percpu reclaims (pcpu_balance_workfn): flush_tlb_all(), which the series does not defer. */
    pcpu_reclaims: number;
    /** Network devices with a TX watchdog: dev_watchdog() re-arms its timer on the CPU it runs on every watchdog period. */
    netdev_watchdogs: number;
    /** dev->watchdog_timeo in seconds (5 for most drivers). */
    watchdog_timeo_s: number;
  };
  rcu: {
    grace_periods_per_sec: number;
    callbacks_per_gp: number;
    /** rcupdate.rcu_task_stall_timeout, in seconds (the kernel's 10 minutes; 0 disables the stall report). */
    tasks_stall_timeout_s: number;
    /** rcupdate.rcu_task_stall_info, in seconds: the first "grace period ... is N jiffies old" message (then 3x, 9x ...). */
    tasks_stall_info_s: number;
  };
  probes: {
    /** kprobes: "func" or "func arg1=%di"; kretprobes with a leading "r:". */
    kprobes: string[];
    /** uprobes: "path:0xoffset"; uretprobes with a leading "r:". */
    uprobes: string[];
    hits_per_sec: number;
    /** When to unregister every probe ("" = never), e.g. "5s". */
    unregister_at: string;
    /** A housekeeping CPU running a task that reads through probed code (-1: none); the RT hog below preempts it there. */
    hog_cpu: number;
    /** When a SCHED_FIFO busy loop wakes on hog_cpu ("" = never), e.g. "5.5s". */
    rt_hog_at: string;
    /** How long it spins before it sleeps again, e.g. "3s". */
    rt_hog_spin: string;
  };
  /** A closed-loop benchmark (seed 000): its throughput is what the kernel's costs leave. */
  bench: {
    /** Housekeeping CPUs each running two tasks that ping-pong messages over a socket ("" = none); the other housekeeping CPUs idle. */
    hackbench_cpus: string;
    /** Kernel work of one message: the write, the wakeup, the read (its irq sections included). */
    msg_kernel_ns: number;
    /** local_irq_save/restore sections in one message's kernel path (socket lock, runqueue lock ...). */
    irq_sections_per_msg: number;
    /** Timer wakeups of each idle housekeeping CPU per second. */
    idle_wakeups_per_sec: number;
  };
  /** Events enabled when no -e is given. */
  events: string[];
  /** Their filters, "EVENT: FILTER" ($ISOLATED and $HOUSEKEEPING expand to the cpulists). */
  event_filters: string[];
}

const BASE: Scenario = {
  name: 'custom',
  description: '',
  cpus: 8,
  housekeeping: '0-1',
  isolated: '2-7',
  duration: '10s',
  hz: 1000,
  uptime: 3500,
  kernel: { version: '6.18', defer_ipis: false, dataplane_strict: false, dataplane_signal: 9, batch_unregister: false, uprobe_rcu: 'tasks_trace', rcuidle: 'noinstr', irq_tracepoints: false, sched_rt_runtime_us: 950000, sched_rt_period_us: 1000000 },
  hw: { atomic_ns: 20, line_transfer_ns: 150, syscall_ns: 260, unwind_frame_ns: 300 },
  housekeeping_load: { kernel_build: true, hackbench: true, context_switches_per_sec: 3000, syscalls_per_sec: 4000, device_irqs_per_sec: 40, irq_off_sections_per_sec: 2000 },
  isolated_load: { task: 'rt-loop', user_work_us: 0, page_faults_per_sec: 0, syscalls_per_sec: 0, syscalls: ['write'] },
  sources: { bpf_jit: 0.12, static_keys: 0.04, vunmap_purges: 0.18, pcpu_reclaims: 0.017, netdev_watchdogs: 1, watchdog_timeo_s: 5 },
  rcu: { grace_periods_per_sec: 20, callbacks_per_gp: 6, tasks_stall_timeout_s: 600, tasks_stall_info_s: 10 },
  probes: { kprobes: [], uprobes: [], hits_per_sec: 0, unregister_at: '', hog_cpu: -1, rt_hog_at: '', rt_hog_spin: '3s' },
  bench: { hackbench_cpus: '', msg_kernel_ns: 2400, irq_sections_per_msg: 4, idle_wakeups_per_sec: 250 },
  events: ['ipi', 'csd', 'irq_vectors', 'irq', 'sched:sched_switch', 'sched:sched_wakeup', 'rcu:rcu_utilization'],
  event_filters: [],
};

type Preset = { description: string; patch: DeepPartial<Scenario> };
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export const PRESETS: Record<string, Preset> = {
  'isolation-ipi': {
    description: 'seed 004: 80 CPUs, kernel build + hackbench on 0-3, a user-space loop on each of 4-79; IPIs reaching isolated CPUs',
    patch: {
      cpus: 80,
      housekeeping: '0-3',
      isolated: '4-79',
      duration: '20m',
      // the seed's kernel: v6.4 with the cpumask-filter patches (--set kernel.version=6.18 for today's)
      kernel: { version: '6.4' },
      events: ['ipi:ipi_send_cpumask', 'ipi:ipi_send_cpu', 'csd:csd_queue_cpu'],
      // the seed's recording: only IPIs aimed at isolated CPUs, so every event is interference
      // on 6.6+ also csd_queue_cpu, the only event there that names the function (6.4 has none)
      event_filters: ['ipi:ipi_send_cpumask: cpumask & CPUS{$ISOLATED}', 'ipi:ipi_send_cpu: cpu & CPUS{$ISOLATED}', 'csd:csd_queue_cpu: cpu & CPUS{$ISOLATED}'],
    },
  },
  'isolation-ipi-syscalls': {
    description: 'the bad case (Nadav Amit): as isolation-ipi, but isolated tasks loop on 20 µs of work and a getppid(), so IPIs find them in the kernel and deferred work runs on their entries',
    patch: {
      cpus: 80,
      housekeeping: '0-3',
      isolated: '4-79',
      duration: '20m',
      kernel: { version: '6.4' },
      isolated_load: { task: 'rt-syscaller', user_work_us: 20 },
      events: ['ipi:ipi_send_cpumask', 'ipi:ipi_send_cpu', 'csd:csd_queue_cpu'],
      // on 6.6+ also csd_queue_cpu, the only event there that names the function (6.4 has none)
      event_filters: ['ipi:ipi_send_cpumask: cpumask & CPUS{$ISOLATED}', 'ipi:ipi_send_cpu: cpu & CPUS{$ISOLATED}', 'csd:csd_queue_cpu: cpu & CPUS{$ISOLATED}'],
    },
  },
  'dataplane-strict': {
    description: 'seed 003: strict task isolation on 2-7; the tasks now and then write a log line, call prctl or touch a new page; a syscall or fault is a violation (SIGKILL, or --set kernel.dataplane_signal=10 to log it and go on), an interrupt never is',
    patch: {
      kernel: { version: '6.18', dataplane_strict: true },
      isolated_load: { task: 'dp-worker', user_work_us: 0, page_faults_per_sec: 0.3, syscalls_per_sec: 0.3, syscalls: ['write', 'write', 'prctl', 'futex'] },
      events: ['signal', 'sched:sched_process_exit', 'sched:sched_switch', 'raw_syscalls', 'exceptions:page_fault_user', 'printk:console', 'context_tracking', 'irq_vectors', 'ipi'],
    },
  },
  'kprobe-trampolines': {
    description: 'seed 001: optimized kprobes (trampolines) removed at 6 s; freeing the trampolines waits for RCU Tasks, held by a reader preempted in the kernel behind an RT hog (RT throttling hands it the CPU back)',
    patch: {
      probes: {
        kprobes: ['do_sys_openat2+0x13 dfd=%di', 'vfs_read+0x1f', 'r:vfs_write ret=$retval', 'tcp_sendmsg+0x21 size=%dx', 'synchronize_rcu_tasks', 'r:synchronize_rcu_tasks'],
        uprobes: [],
        hits_per_sec: 400,
        unregister_at: '6s',
        hog_cpu: 1,
        rt_hog_at: '5.5s',
        rt_hog_spin: '3s',
      },
      events: ['kprobes', 'ipi', 'csd:csd_queue_cpu', 'sched:sched_switch', 'sched:sched_wakeup', 'printk:console'],
    },
  },
  'uprobe-batch': {
    description: 'seed 002: 32 uprobes hit by the isolated tasks, unregistered at 5 s one by one (a grace period each) or in one batch (--set kernel.batch_unregister=on); handlers under RCU Tasks Trace or SRCU (--set kernel.uprobe_rcu=srcu)',
    patch: {
      probes: { kprobes: ['synchronize_rcu_tasks_trace', 'r:synchronize_rcu_tasks_trace', 'synchronize_srcu', 'r:synchronize_srcu'], uprobes: Array.from({ length: 32 }, (_, k) => `/usr/lib/libc.so.6:0x${(0x29d90 + k * 0x140).toString(16)}`), hits_per_sec: 2000, unregister_at: '5s', hog_cpu: -1 },
      events: ['uprobes', 'kprobes', 'ipi', 'csd:csd_queue_cpu', 'context_tracking'],
    },
  },
  'rcuidle-hackbench': {
    description: 'seed 000: irq on/off tracepoints on, a message ping-pong loop on CPUs 0-3 and idle CPUs 4-7; --set kernel.rcuidle=srcu|watching_check|noinstr picks how the tracepoint makes RCU watch (5.6, the thread\'s proposal, 6.3+)',
    patch: {
      cpus: 8,
      housekeeping: '0-7',
      isolated: '',
      duration: '1s',
      kernel: { version: '6.18', rcuidle: 'srcu', irq_tracepoints: true },
      housekeeping_load: { kernel_build: false, hackbench: false, context_switches_per_sec: 0, syscalls_per_sec: 0, device_irqs_per_sec: 0, irq_off_sections_per_sec: 0 },
      sources: { bpf_jit: 0, static_keys: 0, vunmap_purges: 0, pcpu_reclaims: 0, netdev_watchdogs: 0 },
      rcu: { grace_periods_per_sec: 0 },
      bench: { hackbench_cpus: '0-3' },
      events: ['preemptirq', 'raw_syscalls', 'sched:sched_switch', 'rcu:rcu_watching', 'irq_vectors:local_timer_entry', 'irq_vectors:local_timer_exit'],
    },
  },
};

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function merge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) merge(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    else target[k] = clone(v);
  }
}

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

export function preset(name: string): Scenario {
  const p = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (!p) throw new UserError(`no scenario preset "${name}" (presets: ${presetNames().join(', ')})`);
  const s = clone(BASE);
  merge(s as unknown as Record<string, unknown>, p.patch as Record<string, unknown>);
  s.name = name;
  s.description = p.description;
  return s;
}

/** Checks a scenario object against the schema; messages name the key and what it should be. */
function validate(obj: unknown, shape: unknown, where: string, path: string): void {
  if (Array.isArray(shape)) {
    if (!Array.isArray(obj)) throw new UserError(`${where}: "${path}" must be a list`);
    obj.forEach((x, k) => {
      if (typeof x !== 'string') throw new UserError(`${where}: "${path}[${k}]" must be a string`);
    });
    return;
  }
  if (shape && typeof shape === 'object') {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new UserError(`${where}: "${path || '(top)'}" must be an object`);
    for (const [k, v] of Object.entries(obj)) {
      const p = path ? `${path}.${k}` : k;
      if (!Object.hasOwn(shape as object, k)) throw new UserError(`${where}: unknown key "${p}" (known here: ${Object.keys(shape as object).join(', ')})`);
      validate(v, (shape as Record<string, unknown>)[k], where, p);
    }
    return;
  }
  if (typeof shape === 'number') {
    const min = path === 'probes.hog_cpu' || path === 'kernel.sched_rt_runtime_us' ? -1 : 0;
    if (typeof obj !== 'number' || !Number.isFinite(obj) || obj < min) throw new UserError(`${where}: "${path}" must be a number >= ${min}, not ${JSON.stringify(obj)}`);
    return;
  }
  if (typeof shape !== typeof obj) throw new UserError(`${where}: "${path}" must be a ${typeof shape}, not ${JSON.stringify(obj)}`);
}

/** A scenario from a preset name or a JSON file (a preset may be named with "preset"). */
export function loadScenario(nameOrFile: string): Scenario {
  if (Object.hasOwn(PRESETS, nameOrFile)) return preset(nameOrFile);
  if (!fs.existsSync(nameOrFile)) throw new UserError(`no scenario preset or file "${nameOrFile}" (presets: ${presetNames().join(', ')})`);
  let json: unknown;
  try {
    // a UTF-8 byte order mark (editors on Windows write one) is not part of the JSON
    json = JSON.parse(fs.readFileSync(nameOrFile, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UserError(`${nameOrFile}: not valid JSON: ${(e as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UserError(`${nameOrFile}: a scenario must be a JSON object`);
  const { preset: base, ...rest } = json as { preset?: unknown };
  if (base !== undefined && (typeof base !== 'string' || !Object.hasOwn(PRESETS, base))) throw new UserError(`${nameOrFile}: "preset" must name a preset (${presetNames().join(', ')})`);
  const s = base ? preset(base as string) : clone(BASE);
  validate(rest, BASE, nameOrFile, '');
  merge(s as unknown as Record<string, unknown>, rest as Record<string, unknown>);
  if (!(rest as { name?: string }).name) s.name = base ? (base as string) : nameOrFile;
  check(s, nameOrFile);
  return s;
}

/** Applies several `--set`s, checking the result once (cpus=16 then isolated=4-15 is fine). */
export function applySets(s: Scenario, assignments: readonly string[]): void {
  for (const a of assignments) applySet(s, a, false);
  check(s, '--set');
}

/** Applies `--set a.b=value` (the value parsed as the field's type). */
export function applySet(s: Scenario, assignment: string, checkNow = true): void {
  const eq = assignment.indexOf('=');
  if (eq < 0) throw new UserError(`--set ${assignment}: expected key=value`);
  const key = assignment.slice(0, eq).trim();
  const raw = assignment.slice(eq + 1).trim();
  const parts = key.split('.');
  let obj = s as unknown as Record<string, unknown>;
  let shape = BASE as unknown as Record<string, unknown>;
  for (let k = 0; k < parts.length - 1; k++) {
    if (!Object.hasOwn(shape, parts[k]) || !shape[parts[k]] || typeof shape[parts[k]] !== 'object' || Array.isArray(shape[parts[k]])) throw new UserError(`--set ${key}: unknown key "${parts.slice(0, k + 1).join('.')}"`);
    obj = obj[parts[k]] as Record<string, unknown>;
    shape = shape[parts[k]] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (!Object.hasOwn(shape, last)) throw new UserError(`--set ${key}: unknown key (known here: ${Object.keys(shape).join(', ')})`);
  const type = shape[last];
  let value: unknown;
  if (typeof type === 'boolean') {
    if (!['true', 'false', 'on', 'off', '1', '0', 'yes', 'no'].includes(raw)) throw new UserError(`--set ${key}: expected on/off, got "${raw}"`);
    value = ['true', 'on', '1', 'yes'].includes(raw);
  } else if (typeof type === 'number') {
    value = Number(raw);
    if (!Number.isFinite(value)) throw new UserError(`--set ${key}: expected a number, got "${raw}"`);
  } else if (Array.isArray(type)) value = raw ? raw.split(',') : [];
  else value = raw;
  obj[last] = value;
  if (checkNow) check(s, '--set');
}

/** Cross-field checks: CPU lists inside the machine, no overlap. */
export function check(s: Scenario, where: string): void {
  if (!Number.isInteger(s.cpus) || s.cpus < 1 || s.cpus > 4096) throw new UserError(`${where}: "cpus" must be an integer from 1 to 4096`);
  const hk = parseKernelCpulist(s.housekeeping, s.cpus);
  const iso = parseKernelCpulist(s.isolated, s.cpus);
  if (!hk || !hk.size) throw new UserError(`${where}: "housekeeping" must be a cpulist of CPUs below ${s.cpus}, not "${s.housekeeping}"`);
  if (!iso) throw new UserError(`${where}: "isolated" must be a cpulist of CPUs below ${s.cpus}, not "${s.isolated}"`);
  for (const c of iso) if (hk.has(c)) throw new UserError(`${where}: CPU ${c} is both housekeeping and isolated`);
  if (s.hz < 1 || s.hz > 10000) throw new UserError(`${where}: "hz" must be between 1 and 10000`);
  if (!isKernelVersion(s.kernel.version)) throw new UserError(`${where}: "kernel.version" must be one of ${KERNEL_VERSIONS.join(', ')}, not "${s.kernel.version}"`);
  if (!Number.isInteger(s.sources.netdev_watchdogs) || s.sources.netdev_watchdogs > 64) throw new UserError(`${where}: "sources.netdev_watchdogs" must be an integer from 0 to 64`);
  if (!(s.sources.watchdog_timeo_s >= 1)) throw new UserError(`${where}: "sources.watchdog_timeo_s" must be at least 1`);
  parseDuration(s.duration, `${where}: "duration"`);
  if (s.probes.unregister_at) parseDuration(s.probes.unregister_at, `${where}: "probes.unregister_at"`);
  if (s.probes.rt_hog_at) parseDuration(s.probes.rt_hog_at, `${where}: "probes.rt_hog_at"`);
  if (s.probes.rt_hog_spin) parseDuration(s.probes.rt_hog_spin, `${where}: "probes.rt_hog_spin"`);
  const rt = s.kernel;
  if (!Number.isInteger(rt.sched_rt_period_us) || rt.sched_rt_period_us < 1000) throw new UserError(`${where}: "kernel.sched_rt_period_us" must be an integer of at least 1000`);
  if (!Number.isInteger(rt.sched_rt_runtime_us) || rt.sched_rt_runtime_us < -1 || rt.sched_rt_runtime_us > rt.sched_rt_period_us) throw new UserError(`${where}: "kernel.sched_rt_runtime_us" must be -1 or an integer up to sched_rt_period_us (${rt.sched_rt_period_us})`);
  if (!['srcu', 'watching_check', 'noinstr'].includes(s.kernel.rcuidle)) throw new UserError(`${where}: "kernel.rcuidle" must be srcu, watching_check or noinstr, not "${s.kernel.rcuidle}"`);
  if (s.bench.hackbench_cpus) {
    const b = parseKernelCpulist(s.bench.hackbench_cpus, s.cpus);
    if (!b || [...b].some((c) => !hk.has(c))) throw new UserError(`${where}: "bench.hackbench_cpus" must be a cpulist of housekeeping CPUs, not "${s.bench.hackbench_cpus}"`);
    if (!Number.isInteger(s.bench.irq_sections_per_msg) || s.bench.irq_sections_per_msg > 64) throw new UserError(`${where}: "bench.irq_sections_per_msg" must be an integer from 0 to 64`);
    if (s.bench.msg_kernel_ns < 100 || s.bench.msg_kernel_ns > 1e9) throw new UserError(`${where}: "bench.msg_kernel_ns" must be from 100 to 1e9`);
  }
  if (s.kernel.uprobe_rcu !== 'tasks_trace' && s.kernel.uprobe_rcu !== 'srcu') throw new UserError(`${where}: "kernel.uprobe_rcu" must be tasks_trace or srcu, not "${s.kernel.uprobe_rcu}"`);
  const sig = s.kernel.dataplane_signal;
  if (!Number.isInteger(sig) || sig < 1 || sig > 64 || sig === 19) throw new UserError(`${where}: "kernel.dataplane_signal" must be a signal number from 1 to 64 other than SIGSTOP (19), not ${sig}`);
  for (const n of s.isolated_load.syscalls) syscallSpec(n, `${where}: "isolated_load.syscalls"`);
  if (s.probes.hog_cpu >= 0 && !hk.has(s.probes.hog_cpu)) throw new UserError(`${where}: "probes.hog_cpu" must be a housekeeping CPU`);
  // the trace's clock is u64 ns; JS numbers keep every ns below 2^53 (104 days of uptime)
  const endNs = s.uptime * 1e9 + parseDuration(s.duration, `${where}: "duration"`);
  if (!(endNs <= Number.MAX_SAFE_INTEGER)) throw new UserError(`${where}: "uptime" ${s.uptime} s plus the duration is past 2^53 ns (104 days), where time stamps would lose nanoseconds; at most ${Math.floor((Number.MAX_SAFE_INTEGER - parseDuration(s.duration)) / 1e9)} s`);
  // rates past anything a real machine does: a typo (1e6 for 1e0) is refused, not run for hours
  for (const [path, value, most, why] of rateBounds(s)) {
    if (value > most) throw new UserError(`${where}: "${path}" is ${value}, at most ${most} (${why})`);
  }
}

const TEXT_POKE = 'text_poke_bp_batch() syncs every CPU three times and takes tens of µs';
/**
 * Upper bounds of the scenario's rates, each above what real hardware does, with why; a path
 * names the value (one place to add a rate).
 */
const RATE_BOUNDS: [path: string, most: number, why: string][] = [
  ['sources.bpf_jit', 10_000, TEXT_POKE],
  ['sources.static_keys', 10_000, TEXT_POKE],
  ['sources.vunmap_purges', 10_000, 'a purge flushes every CPU\'s TLB'],
  ['sources.pcpu_reclaims', 10_000, 'a reclaim flushes every CPU\'s TLB'],
  ['housekeeping_load.context_switches_per_sec', 1_000_000, 'a context switch takes about a microsecond'],
  ['housekeeping_load.syscalls_per_sec', 10_000_000, 'a syscall takes about 100 ns'],
  ['housekeeping_load.device_irqs_per_sec', 1_000_000, 'an interrupt takes about a microsecond'],
  ['housekeeping_load.irq_off_sections_per_sec', 1_000_000, 'per CPU'],
  ['isolated_load.page_faults_per_sec', 1_000_000, 'a fault takes about a microsecond'],
  ['isolated_load.syscalls_per_sec', 10_000_000, 'a syscall takes about 100 ns'],
  ['rcu.grace_periods_per_sec', 1_000, 'a grace period waits for every CPU to pass a quiescent state'],
  ['rcu.callbacks_per_gp', 1_000_000, 'per grace period'],
  ['probes.hits_per_sec', 10_000_000, 'a probe hit traps'],
  ['bench.idle_wakeups_per_sec', 100_000, 'per idle CPU'],
];

/** Each bounded rate with its value in `s` (a path that names no number is this table's bug: thrown). */
function rateBounds(s: Scenario): [string, number, number, string][] {
  return RATE_BOUNDS.map(([path, most, why]) => {
    const value = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], s);
    if (typeof value !== 'number') throw new Error(`rate bound ${path}: not a number in the scenario`);
    return [path, value, most, why];
  });
}

/** "20m", "10s", "250ms", "1h", "1.5s" or plain seconds, as nanoseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|min|h)?\s*$/.exec(text);
  if (!m) throw new UserError(`${what}: expected a time such as 10s, 500ms or 20m, not "${text}"`);
  const v = Number(m[1]);
  const unit = m[2] ?? 's';
  const mult = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, min: 60e9, h: 3600e9 }[unit]!;
  const ns = Math.round(v * mult);
  if (ns <= 0 || ns > 24 * 3600e9) throw new UserError(`${what}: must be between 1ns and 24h, not "${text}"`);
  return ns;
}

export function cpuSets(s: Scenario): { hk: number[]; iso: number[] } {
  const hk = [...parseKernelCpulist(s.housekeeping, s.cpus)!].sort((a, b) => a - b);
  const iso = [...parseKernelCpulist(s.isolated, s.cpus)!].sort((a, b) => a - b);
  return { hk, iso };
}
