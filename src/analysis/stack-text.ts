import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import { stackFrames } from '../core/kernel-stack.ts';
import type { Trace } from '../core/trace.ts';

/** A kernel_stack as one line, innermost first, skipping the tracing frames. */
export function stackText(trace: Trace, ev: EventFormat, b: EventBatch, i: number): string {
  const names: string[] = [];
  for (const a of stackFrames(ev, b.dv, b.off[i], b.size[i], !trace.bigEndian, trace.longSize)) {
    const s = trace.symbols.findBig(a);
    const name = s >= 0 ? trace.symbols.name(s) : '0x' + a.toString(16);
    if (name.startsWith('trace_event_raw_event_') || name.startsWith('trace_buffer_') || name === 'smp_call_function_many_cond' || name === '__irq_work_queue_local') continue;
    names.push(name);
  }
  return names.slice(0, 6).join(' <- ');
}
