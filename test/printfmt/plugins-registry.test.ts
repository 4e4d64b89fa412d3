import { describe, expect, it } from 'vitest';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { families, handlerFor, peeksNext, pluginOption, pluginOptions, printsPurely } from '../../src/printfmt/plugins.ts';

/** The one registry of event families (issue 15): what the printer, the text readers and -O ask. */
const ev = (system: string, name: string) => parseEventFormat(`name: ${name}\nID: 1\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\nprint fmt: ""\n`, system, 8);

describe('event family registry', () => {
  it('no event is claimed by two families', () => {
    const seen = new Map<string, number>();
    for (const f of families()) for (const k of Object.keys(f.events)) seen.set(k, (seen.get(k) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
  });

  it('finds handlers by system/name and by system/*; plugin_sched_switch.c has no sched_waking', () => {
    expect(handlerFor(ev('sched', 'sched_switch'))?.print).toBeTypeOf('function');
    expect(handlerFor(ev('sched', 'sched_waking'))).toBeUndefined();
    expect(handlerFor(ev('kprobes', 'p_anything_0'))?.invertKernel).toBeTypeOf('function');
    expect(peeksNext(ev('ftrace', 'funcgraph_entry'))).toBe(true);
    expect(peeksNext(ev('ftrace', 'funcgraph_exit'))).toBe(false);
  });

  it('says which texts report may cache: print fmts and pure handlers, not state-keeping ones nor bprint', () => {
    expect(printsPurely(ev('irq', 'irq_handler_entry'), true)).toBe(true);
    expect(printsPurely(ev('timer', 'hrtimer_start'), true)).toBe(true);
    expect(printsPurely(ev('sched', 'sched_switch'), true)).toBe(false);
    // with -N / -n the print fmt prints it
    expect(printsPurely(ev('sched', 'sched_switch'), false)).toBe(true);
    expect(printsPurely(ev('ftrace', 'function'), true)).toBe(false);
    expect(printsPurely(ev('ftrace', 'bprint'), true)).toBe(false);
    expect(printsPurely(ev('ftrace', 'bprint'), false)).toBe(false);
  });

  it('-O takes NAME or PLUGIN:NAME with =0/=1, as trace-cmd; unknown ones are not options', () => {
    expect(pluginOptions().map((o) => `${o.plugin}:${o.name}`)).toEqual(['ftrace:parent', 'ftrace:indent', 'ftrace:offset', 'fgraph:tailprint', 'fgraph:depth']);
    expect(pluginOption('ftrace:parent')).toEqual(['parent', true]);
    expect(pluginOption('parent')).toEqual(['parent', true]);
    expect(pluginOption('indent=0')).toEqual(['indent', false]);
    expect(pluginOption('ftrace:indent=1')).toEqual(['indent', true]);
    expect(pluginOption('fgraph:depth')).toEqual(['depth', true]);
    expect(pluginOption('ftrace:depth')).toBeNull();
    expect(pluginOption('bogus')).toBeNull();
  });
});
