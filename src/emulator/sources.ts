import type { CallSpec, Ipis } from './ipi.ts';
import { DEFER_SYNC_CORE, DEFER_TLB_FLUSH, FLUSH_TLB_ALL_NS, SYNC_CORE_NS, type Machine, type Task } from './machine.ts';
import { FROM_KWORKER, FROM_SYSCALL } from './stacks.ts';

/**
 * The interference sources of seed 004, each an independent Poisson process
 * with its own random stream: text patching (BPF JIT, static keys) and kernel
 * TLB flushes (vunmap purges, percpu reclaim), all on_each_cpu() calls from
 * housekeeping CPUs. (The dev_watchdog timers are in timers.ts.)
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
  }

  /**
   * Arrivals at `rate` per second, each an episode on a random housekeeping
   * CPU. The next arrival is drawn and put on its CPU as soon as one starts,
   * so its slot is reserved long before it comes (the load yields to it).
   */
  private poisson(name: string, rate: number, episode: (t: number, cpu: number) => number): void {
    if (!(rate > 0)) return;
    const r = this.m.rng.get(name);
    const mean = 1e9 / rate;
    const schedule = (t: number) => {
      if (t >= this.m.end) return;
      const cpu = r.pick(this.m.hk);
      this.m.onCpu(cpu, t, (t0) => {
        schedule(t0 + r.exp(mean));
        return episode(t0, cpu);
      });
    };
    schedule(r.exp(mean));
  }

  private stacks(...frames: string[]): readonly bigint[] {
    return this.m.stacks.chain(...frames);
  }

  /**
   * text_poke_bp_batch(): three text_poke_sync() rounds, each
   * on_each_cpu(do_sync_core, NULL, 1) (arch/x86/kernel/alternative.c, 6.4;
   * smp_text_poke_batch_finish() in 6.18 does the same three syncs).
   */
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
      cost: SYNC_CORE_NS,
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
      // the series defers only flush_tlb_kernel_range() (v1 patches 13-14): pcpu's flush_tlb_all() still IPIs
      kind: vunmap ? DEFER_TLB_FLUSH : 0,
      cost: FLUSH_TLB_ALL_NS,
      stack: this.stacks('trace_event_raw_event_ipi_send_cpumask+0xe5', 'smp_call_function_many_cond+0x3f2', 'on_each_cpu_cond_mask+0x20', ...tail),
    }, true);
  }
}
