import { IRQ_WORK_VECTOR, TIMER_VALUES, type CallSpec, type Ipis } from './ipi.ts';
import { DEFER_SINGLE_SYNC, DEFER_SYNC_CORE, DEFER_TLB_FLUSH, HARDIRQ, IRQS_OFF, SOFTIRQ, type Machine, type Task } from './machine.ts';
import { FROM_KWORKER, FROM_SYSCALL, FROM_TIMER_IRQ } from './stacks.ts';

const SOFTIRQ_TIMER = 1;

/**
 * The interference sources of seed 004, each an independent Poisson process
 * with its own random stream: text patching (BPF JIT, static keys), kernel TLB
 * flushes (vunmap purges, percpu reclaim), single-CPU syncs, and the
 * dev_watchdog timer kicking nohz_full CPUs.
 */
export class Sources {
  private kworkers: Task[] = [];
  private jitTask: Task;
  private readonly allCpus: number[];

  constructor(
    private m: Machine,
    private ipis: Ipis,
  ) {
    for (const c of m.hk) this.kworkers[c] = m.newTask(`kworker/${c}:1`);
    this.jitTask = m.newTask('systemd-network');
    this.allCpus = m.cpus.map((c) => c.id);
  }

  start(): void {
    const s = this.m.s.sources;
    this.poisson('bpf_jit', s.bpf_jit, (t, cpu) => this.m.borrow(cpu, t, this.jitTask, 1, (t) => this.textPoke(cpu, t, 'bpf')));
    this.poisson('static_keys', s.static_keys, (t, cpu) => this.m.borrow(cpu, t, this.kworkers[cpu], 0x80, (t) => this.textPoke(cpu, t, 'jump_label')));
    this.poisson('vunmap_purges', s.vunmap_purges, (t, cpu) => this.m.borrow(cpu, t, this.kworkers[cpu], 0x80, (t) => this.tlbFlushAll(cpu, t, true)));
    this.poisson('pcpu_reclaims', s.pcpu_reclaims, (t, cpu) => this.m.borrow(cpu, t, this.kworkers[cpu], 0x80, (t) => this.tlbFlushAll(cpu, t, false)));
    const single = this.m.rng.get('single_cpu_syncs.kind');
    this.poisson('single_cpu_syncs', s.single_cpu_syncs, (t, cpu) => {
      const target = this.m.rng.get('single_cpu_syncs.target').pick(this.m.iso.length ? this.m.iso : this.m.hk);
      const deferrable = single.chance(s.single_cpu_syncs_deferrable);
      return this.m.borrow(cpu, t, this.kworkers[cpu], 0x80, (t) => this.ipis.single(cpu, t, target, this.singleSpec(deferrable)));
    });
    if (this.m.iso.length && s.watchdog_kicks > 0) this.watchdog(s.watchdog_kicks);
  }

  /** Arrivals at `rate` per second, each an episode on a random housekeeping CPU. */
  private poisson(name: string, rate: number, episode: (t: number, cpu: number) => number): void {
    if (!(rate > 0)) return;
    const r = this.m.rng.get(name);
    const mean = 1e9 / rate;
    const next = (t: number) => {
      if (t >= this.m.end) return;
      const cpu = r.pick(this.m.hk);
      this.m.onCpu(cpu, t, (t0) => episode(t0, cpu));
      this.m.at(t + r.exp(mean), () => next(this.m.now));
    };
    this.m.at(r.exp(mean), () => next(this.m.now));
  }

  private stacks(...frames: string[]): readonly bigint[] {
    return this.m.stacks.chain(...frames);
  }

  /** text_poke_bp_batch: three on_each_cpu(do_sync_core) rounds. */
  private textPoke(cpu: number, t: number, why: 'bpf' | 'jump_label' | 'kprobe'): number {
    const tail =
      why === 'bpf'
        ? ['bpf_int_jit_compile+0x4f1', 'bpf_prog_select_runtime+0x10f', 'bpf_prepare_filter+0x4b3', 'sk_attach_filter+0x13', 'sock_setsockopt+0x8d4', '__sys_setsockopt+0x100', '__x64_sys_setsockopt+0x1f', ...FROM_SYSCALL]
        : why === 'jump_label'
          ? ['text_poke_finish+0x1b', 'arch_jump_label_transform_apply+0x1a', '__jump_label_update+0xb9', 'static_key_enable_cpuslocked+0x71', ...FROM_KWORKER]
          : ['arm_kprobe+0x5d', 'register_kprobe+0x4ca', ...FROM_SYSCALL];
    const spec: CallSpec = {
      func: 'do_sync_core',
      callsite: 'on_each_cpu_cond_mask+0x20',
      kind: DEFER_SYNC_CORE,
      cost: 250,
      stack: this.stacks('trace_event_raw_event_ipi_send_cpumask+0xe5', 'smp_call_function_many_cond+0x3f2', 'on_each_cpu_cond_mask+0x20', 'text_poke_bp_batch+0x1c7', ...tail),
    };
    let now = t;
    for (let k = 0; k < 3; k++) now = this.ipis.many(cpu, now + 800, this.allCpus, spec, true);
    return now;
  }

  /** Exposed for kprobe arming and disarming. */
  patchText(cpu: number, t: number): number {
    return this.textPoke(cpu, t, 'kprobe');
  }

  /** flush_tlb_all / flush_tlb_kernel_range: on_each_cpu(do_flush_tlb_all). */
  private tlbFlushAll(cpu: number, t: number, vunmap: boolean): number {
    const tail = vunmap
      ? ['flush_tlb_kernel_range+0xa4', '__purge_vmap_area_lazy+0x1c3', '_vm_unmap_aliases+0x15e', ...FROM_KWORKER]
      : ['pcpu_reclaim_populated+0x1e1', 'pcpu_balance_workfn+0x429', ...FROM_KWORKER];
    return this.ipis.many(cpu, t + 500, this.allCpus, {
      func: 'do_flush_tlb_all',
      callsite: 'on_each_cpu_cond_mask+0x20',
      kind: vunmap ? DEFER_TLB_FLUSH : 0,
      cost: 1200,
      stack: this.stacks('trace_event_raw_event_ipi_send_cpumask+0xe5', 'smp_call_function_many_cond+0x3f2', 'on_each_cpu_cond_mask+0x20', ...tail),
    }, true);
  }

  private singleSpec(deferrable: boolean): CallSpec {
    return {
      func: deferrable ? 'do_sync_core' : 'flush_tlb_func',
      callsite: 'generic_exec_single+0x36',
      kind: deferrable ? DEFER_SINGLE_SYNC : 0,
      cost: deferrable ? 250 : 900,
      stack: this.stacks('trace_event_raw_event_ipi_send_cpu+0x8d', 'generic_exec_single+0x36', 'smp_call_function_single+0xef', ...FROM_KWORKER),
    };
  }

  /**
   * dev_watchdog re-arms its timer from the timer softirq of a residual tick on
   * an isolated CPU: __mod_timer kicks the nohz_full CPU with an irq_work
   * self-IPI (ipi_send_cpu to itself, callback nohz_full_kick_func).
   */
  private watchdog(rate: number): void {
    const r = this.m.rng.get('watchdog_kicks');
    const mean = 1e9 / rate;
    const m = this.m;
    const tp = m.tp;
    const kick = m.sym.addr('nohz_full_kick_func');
    const callsite = m.sym.at('irq_work_queue_on', 0x77);
    const stack = this.stacks('trace_event_raw_event_ipi_send_cpu+0x88', '__irq_work_queue_local+0x5d', 'irq_work_queue_on+0x77', '__mod_timer+0x2b1', 'dev_watchdog+0x230', 'call_timer_fn+0x24', '__run_timers+0x1fe', 'run_timer_softirq+0x66', '__do_softirq+0xc8', ...FROM_TIMER_IRQ);
    const next = (t: number) => {
      if (t >= m.end) return;
      const cpu = r.pick(m.iso);
      m.onCpu(cpu, t, (t0) => {
        let now = m.kernelEntry(cpu, t0);
        const f = IRQS_OFF | HARDIRQ;
        m.emit(tp.local_timer_entry, cpu, now, f, 0, TIMER_VALUES);
        m.emit(tp.softirq_raise, cpu, now + 900, f, 0, [SOFTIRQ_TIMER]);
        now += 1800;
        m.emit(tp.local_timer_exit, cpu, now, f, 0, TIMER_VALUES);
        now += 200;
        m.emit(tp.softirq_entry, cpu, now, SOFTIRQ, 0, [SOFTIRQ_TIMER]);
        now += 1400;
        m.emit(tp.ipi_send_cpu, cpu, now, SOFTIRQ | IRQS_OFF, 0, [cpu, callsite, kick], stack);
        now += 900;
        m.emit(tp.softirq_exit, cpu, now, SOFTIRQ, 0, [SOFTIRQ_TIMER]);
        now += 300;
        m.emit(tp.irq_work_entry, cpu, now, f, 0, [IRQ_WORK_VECTOR]);
        now += 400;
        m.emit(tp.irq_work_exit, cpu, now, f, 0, [IRQ_WORK_VECTOR]);
        now += 300;
        m.cpus[cpu].stats.ipisReceived++;
        m.kernelStay(cpu, t0, now);
        return now;
      });
      m.at(t + r.exp(mean), () => next(m.now));
    };
    m.at(r.exp(mean), () => next(m.now));
  }
}
