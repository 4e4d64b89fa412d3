import type { EventFormat } from '../core/event-format.ts';

/**
 * The bookkeeping of libtraceevent 1.7.1's event handlers, as `trace-cmd
 * report --verbose` logs it (tep_info(), on stdout): which plugin files the
 * loader registers (src/event-plugin.c, load_plugin()), which events a
 * waiting handler takes over as their formats are parsed (src/event-parse.c,
 * find_event_handle()), and which take-overs each plugin's unloader undoes
 * (tep_unregister_event_handler()). Nothing prints through this: the printers
 * are the plugins/ modules; this says who libtraceevent thinks owns an event.
 */

/** One plugin file of Debian's libtraceevent1-plugin 1.7.1 and the handlers its loader and unloader pass. */
export interface TepPluginFile {
  file: string;
  /** TEP_PLUGIN_LOADER's tep_register_event_handler() calls, in source order ("system/event") */
  registers: readonly string[];
  /** TEP_PLUGIN_UNLOADER's tep_unregister_event_handler() calls, in source order */
  unregisters: readonly string[];
}

const KMEM = ['kmem/kfree', 'kmem/kmalloc', 'kmem/kmalloc_node', 'kmem/kmem_cache_alloc', 'kmem/kmem_cache_alloc_node', 'kmem/kmem_cache_free'];
const KVM = [
  'kvm/kvm_exit', 'kvm/kvm_entry', 'kvm/kvm_emulate_insn', 'kvm/kvm_nested_vmexit', 'kvm/kvm_nested_vmexit_inject',
  'kvmmmu/kvm_mmu_get_page', 'kvmmmu/kvm_mmu_sync_page', 'kvmmmu/kvm_mmu_unsync_page', 'kvmmmu/kvm_mmu_zap_page', 'kvmmmu/kvm_mmu_prepare_zap_page',
];
const SCHED = ['sched/sched_switch', 'sched/sched_wakeup', 'sched/sched_wakeup_new'];
const HRTIMER = ['timer/hrtimer_expire_entry', 'timer/hrtimer_start'];

/**
 * libtraceevent 1.7.1's plugins/ (each file's TEP_PLUGIN_LOADER and
 * TEP_PLUGIN_UNLOADER), by file name. jbd2, cfg80211, scsi and xen register
 * print functions only (print-functions.ts has them), which the log does not name.
 */
export const TEP_PLUGINS: readonly TepPluginFile[] = [
  { file: 'plugin_cfg80211.so', registers: [], unregisters: [] },
  // plugin_function.c: the unloader gives back ftrace:function only
  { file: 'plugin_function.so', registers: ['ftrace/function', 'ftrace/kernel_stack', 'ftrace/raw_data', 'ftrace/func_repeats'], unregisters: ['ftrace/function'] },
  { file: 'plugin_futex.so', registers: ['syscalls/sys_enter_futex'], unregisters: ['syscalls/sys_enter_futex'] },
  { file: 'plugin_hrtimer.so', registers: HRTIMER, unregisters: HRTIMER },
  { file: 'plugin_jbd2.so', registers: [], unregisters: [] },
  { file: 'plugin_kmem.so', registers: KMEM, unregisters: KMEM },
  { file: 'plugin_kvm.so', registers: KVM, unregisters: KVM },
  { file: 'plugin_mac80211.so', registers: ['mac80211/drv_bss_info_changed'], unregisters: ['mac80211/drv_bss_info_changed'] },
  { file: 'plugin_sched_switch.so', registers: SCHED, unregisters: SCHED },
  { file: 'plugin_scsi.so', registers: [], unregisters: [] },
  { file: 'plugin_tlb.so', registers: ['tlb/tlb_flush'], unregisters: ['tlb/tlb_flush'] },
  { file: 'plugin_xen.so', registers: [], unregisters: [] },
];

/**
 * trace-cmd 3.1.6's own handlers (lib/trace-cmd/trace-ftrace.c,
 * tracecmd_ftrace_overrides()), registered before any plugin loads and never
 * unregistered. The function plugin registers ftrace:function after it, so
 * the plugin's handler is the one found first.
 */
export const TRACECMD_FTRACE_OVERRIDES: readonly string[] = ['ftrace/function', 'ftrace/funcgraph_entry', 'ftrace/funcgraph_exit'];

/** The owner of trace-cmd's own handlers. */
const TRACE_CMD = 'trace-cmd';

/**
 * The plugin files in the order libtraceevent loads them: load_plugins_dir()
 * takes readdir()'s order, which is the file system's, not sorted. `names`
 * is that directory's listing when the machine has one; the plugins it does
 * not list follow in name order.
 */
export function pluginLoadOrder(names: readonly string[] | null): TepPluginFile[] {
  const byFile = new Map(TEP_PLUGINS.map((p) => [p.file, p]));
  const out: TepPluginFile[] = [];
  for (const n of names ?? []) {
    const p = byFile.get(n);
    if (p) {
      out.push(p);
      byFile.delete(n);
    }
  }
  return [...out, ...byFile.values()];
}

/**
 * One tep handle's handlers: registered (all before any format is parsed, as
 * tracecmd_alloc_fd() does), taken over as formats are parsed, given back
 * as plugins unload. Each method returns the line tep_info() prints, or null.
 */
export class TepHandlers {
  /** tep->handlers: waiting handlers, the last registered first (tep_register_event_handler() pushes at the head). */
  private waiting: { key: string; owner: string }[] = [];
  /** The owner of each event's handler, by event id, once a format took one. */
  private owner = new Map<number, string>();

  /** trace-cmd's ftrace overrides, then each plugin's loader, in load order. */
  constructor(plugins: readonly TepPluginFile[], tracecmdOverrides: boolean) {
    if (tracecmdOverrides) for (const key of TRACECMD_FTRACE_OVERRIDES) this.waiting.unshift({ key, owner: TRACE_CMD });
    for (const p of plugins) for (const key of p.registers) this.waiting.unshift({ key, owner: p.file });
  }

  /** find_event_handle(): a format parsed; the first waiting handler for it takes it (and stops waiting). */
  parsed(ev: EventFormat): string | null {
    const key = `${ev.system}/${ev.name}`;
    const i = this.waiting.findIndex((h) => h.key === key);
    if (i < 0) return null;
    this.owner.set(ev.id, this.waiting[i].owner);
    this.waiting.splice(i, 1);
    return `overriding event (${ev.id}) ${ev.system}:${ev.name} with new print handler`;
  }

  /** Whether a handler took this event (libtraceevent then parses its print fmt without warnings). */
  overridden(ev: EventFormat): boolean {
    return this.owner.has(ev.id);
  }

  /**
   * tep_unload_plugins() for one plugin: each tep_unregister_event_handler()
   * of its unloader names the event, which gives its handler back when it is
   * this plugin's. `find` is search_event() by system and name.
   */
  unload(p: TepPluginFile, find: (name: string, system: string) => EventFormat | undefined): string[] {
    const out: string[] = [];
    for (const key of p.unregisters) {
      const [system, name] = key.split('/');
      const ev = find(name, system);
      if (!ev || this.owner.get(ev.id) !== p.file) continue;
      this.owner.delete(ev.id);
      out.push(`removing override handler for event (${ev.id}) ${ev.system}:${ev.name}. Going back to default handler.`);
    }
    return out;
  }
}
