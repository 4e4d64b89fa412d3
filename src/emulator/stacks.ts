import type { KernelSymbols } from './kernel-symbols.ts';

/**
 * Call chains for kernel_stack records (-T), written innermost first as the
 * kernel's stack tracer reports them ("func+0xoff" return addresses), resolved
 * once per chain.
 */
export class Stacks {
  private cache = new Map<string, readonly bigint[]>();

  constructor(private sym: KernelSymbols) {}

  /** Frames such as "smp_call_function_many_cond+0x1a7"; a bare name means +0x0. */
  chain(...frames: string[]): readonly bigint[] {
    const key = frames.join(' ');
    let c = this.cache.get(key);
    if (!c) {
      c = frames.map((f) => this.sym.frame(f));
      this.cache.set(key, c);
    }
    return c;
  }
}

/** Frames shared by many chains. */
export const FROM_SYSCALL = ['do_syscall_64+0x82', 'entry_SYSCALL_64_after_hwframe+0x76'];
export const FROM_KWORKER = ['process_one_work+0x176', 'worker_thread+0x2c4', 'kthread+0xf6', 'ret_from_fork+0x31', 'ret_from_fork_asm+0x1a'];
export const FROM_TIMER_IRQ = ['__irq_exit_rcu+0x73', 'sysvec_apic_timer_interrupt+0x6f', 'asm_sysvec_apic_timer_interrupt+0x1a'];
