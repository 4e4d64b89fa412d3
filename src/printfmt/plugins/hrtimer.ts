import { funcField, numField, type Plugin } from './plugin-api.ts';

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

