import { type Family, funcField, numField, type Plugin } from './plugin-api.ts';
import type { EventFormat } from '../../core/event-format.ts';
import { indexes, noValues, type Inverter } from '../invert.ts';

/** plugin_hrtimer.c, hrtimer_expire_entry: `hrtimer=0x.. now=.. function=name/0x..` (the print fmt's order is hrtimer, function, now). */
export const hrtimerExpire: Plugin = (ev, r, env) => {
  const timer = numField(ev, r, env, 'timer', 'hex', false) ?? numField(ev, r, env, 'hrtimer', 'hex', true);
  const fn = funcField(ev, r, env, 'function', false);
  return `hrtimer=${timer} now=${numField(ev, r, env, 'now', 'dec', true)}${fn === null ? '' : ` function=${fn}`}`;
};

/** plugin_hrtimer.c, hrtimer_start: `hrtimer=0x.. function=name/0x.. expires=.. softexpires=..` (mode and was_armed not printed). */
export const hrtimerStart: Plugin = (ev, r, env) => {
  const timer = numField(ev, r, env, 'timer', 'hex', false) ?? numField(ev, r, env, 'hrtimer', 'hex', true);
  const fn = funcField(ev, r, env, 'function', false);
  return `hrtimer=${timer}${fn === null ? '' : ` function=${fn}`} expires=${numField(ev, r, env, 'expires', 'dec', true)} softexpires=${numField(ev, r, env, 'softexpires', 'dec', true)}`;
};

/**
 * trace-cmd's hrtimer plugin forms (plugin_hrtimer.c): hrtimer_expire_entry
 * `hrtimer=0x.. now=N function=name/0xOFF` and hrtimer_start `hrtimer=0x..
 * function=name/0xOFF expires=N softexpires=N`, where OFF is the symbol's
 * address minus the value (64-bit wrap). Fields the plugin leaves out (mode,
 * was_armed) stay unset; the caller keeps a record only if it prints back the same.
 */
function hrtimerPlugin(ev: EventFormat): Inverter | null {
  const [hrtimer, timerField, fn, expires, softexpires, now] = indexes(ev, ['hrtimer', 'timer', 'function', 'expires', 'softexpires', 'now']);
  const timer = hrtimer >= 0 ? hrtimer : timerField;
  if (timer < 0 || fn < 0) return null;
  const start = ev.name === 'hrtimer_start';
  const [a, b] = start ? [expires, softexpires] : [now, -1];
  if (a < 0 || (start && b < 0)) return null;
  const re = start ? /^hrtimer=0x([0-9a-f]+) function=(\S+) expires=(\d+) softexpires=(\d+)$/ : /^hrtimer=0x([0-9a-f]+) now=(\d+) function=(\S+)$/;
  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return null;
    const func = start ? m[2] : m[3];
    const f = /^([\w.$]+)\/0x([0-9a-f]+)$/.exec(func);
    const addr = f ? ctx.syms.address(f[1], BigInt.asUintN(64, -BigInt('0x' + f[2]))) : /^0x[0-9a-f]+$/.test(func) ? BigInt(func) : null;
    if (addr === null) return null;
    const vals = noValues(ev);
    vals[timer] = BigInt('0x' + m[1]);
    vals[fn] = addr;
    vals[a] = BigInt(start ? m[3] : m[2]);
    if (start) vals[b] = BigInt(m[4]);
    return vals;
  };
}

/** plugin_hrtimer.c: its two handlers (text from the record and kallsyms alone). */
export const hrtimer: Family = {
  events: {
    'timer/hrtimer_expire_entry': { print: hrtimerExpire, pure: true, invert: hrtimerPlugin },
    'timer/hrtimer_start': { print: hrtimerStart, pure: true, invert: hrtimerPlugin },
  },
};
