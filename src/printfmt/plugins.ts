import type { EventFormat } from '../core/event-format.ts';
import type { Plugin } from './plugins/plugin-api.ts';
import { schedSwitch, schedWakeup } from './plugins/sched.ts';
import { functionPlugin, kernelStack, rawData } from './plugins/function.ts';
import { funcgraphEntry, funcgraphExit } from './plugins/function-graph.ts';
import { hrtimerExpire, hrtimerStart } from './plugins/hrtimer.ts';
import { tlbFlush } from './plugins/tlb.ts';
import { kmemCallSite } from './plugins/kmem.ts';
import { futexEnter } from './plugins/futex.ts';
import { kvmEmulateInsn, kvmEntry, kvmExit, kvmMmuGetPage, kvmMmuRole, kvmNestedVmexit, kvmNestedVmexitInject } from './plugins/kvm.ts';
import { drvBssInfoChanged } from './plugins/mac80211.ts';

export { PluginState, type Plugin, type NextRecord } from './plugins/plugin-api.ts';

/**
 * The event printers trace-cmd 3.1.6 uses in place of a print fmt: the
 * libtraceevent 1.7 plugins it loads by default and trace-cmd's own ftrace
 * printers, one module per event family under plugins/.
 */
const PLUGINS: Record<string, Plugin> = {
  'mac80211/drv_bss_info_changed': drvBssInfoChanged,
  'kvm/kvm_exit': kvmExit,
  'kvm/kvm_entry': kvmEntry,
  'kvm/kvm_emulate_insn': kvmEmulateInsn,
  'kvm/kvm_nested_vmexit': kvmNestedVmexit,
  'kvm/kvm_nested_vmexit_inject': kvmNestedVmexitInject,
  'kvmmmu/kvm_mmu_get_page': kvmMmuGetPage,
  'kvmmmu/kvm_mmu_sync_page': kvmMmuRole,
  'kvmmmu/kvm_mmu_unsync_page': kvmMmuRole,
  'kvmmmu/kvm_mmu_zap_page': kvmMmuRole,
  'kvmmmu/kvm_mmu_prepare_zap_page': kvmMmuRole,
  'syscalls/sys_enter_futex': futexEnter,
  'tlb/tlb_flush': tlbFlush,
  'kmem/kfree': kmemCallSite,
  'kmem/kmalloc': kmemCallSite,
  'kmem/kmalloc_node': kmemCallSite,
  'kmem/kmem_cache_alloc': kmemCallSite,
  'kmem/kmem_cache_alloc_node': kmemCallSite,
  'kmem/kmem_cache_free': kmemCallSite,
  'timer/hrtimer_expire_entry': hrtimerExpire,
  'timer/hrtimer_start': hrtimerStart,
  'sched/sched_switch': schedSwitch,
  'sched/sched_wakeup': schedWakeup,
  'sched/sched_wakeup_new': schedWakeup,
  'ftrace/function': functionPlugin,
  'ftrace/funcgraph_entry': funcgraphEntry,
  'ftrace/funcgraph_exit': funcgraphExit,
  'ftrace/kernel_stack': kernelStack,
  'ftrace/raw_data': rawData,
};

export function pluginFor(ev: EventFormat): Plugin | undefined {
  const key = `${ev.system}/${ev.name}`;
  return Object.hasOwn(PLUGINS, key) ? PLUGINS[key] : undefined;
}

/** Printers that read the record after theirs (function_graph's leaf entries): report defers them by one record. */
export function peeksNext(ev: EventFormat): boolean {
  return ev.system === 'ftrace' && ev.name === 'funcgraph_entry';
}
