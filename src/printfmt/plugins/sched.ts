import { commText, type Family, fieldVal, int32, type Plugin } from './plugin-api.ts';
import type { EventFormat } from '../../core/event-format.ts';
import { indexes, noValues, type Inverter } from '../invert.ts';

/** plugin_sched_switch.c: sched_switch and sched_wakeup(_new), which also teach the comm table. */
const STATES = 'SDTtZXxW';

function writeState(val: number): string {
  let s = '';
  for (let i = 0; i < STATES.length; i++) {
    if (!(val & (1 << i))) continue;
    if (s) s += '|';
    s += STATES[i];
  }
  return s || 'R';
}

export const schedSwitch: Plugin = (ev, r, env) => {
  let out = '';
  const pp = fieldVal(ev, r, env, 'prev_pid', true);
  if ('e' in pp) return pp.e + '!';
  const pc = commText(ev, r, 'prev_comm');
  if (pc !== null) {
    env.comms.register(int32(pp.v), pc);
    out += pc + ':';
  }
  out += BigInt.asIntN(64, pp.v).toString() + ' ';
  const prio = fieldVal(ev, r, env, 'prev_prio', true);
  if ('v' in prio) out += `[${int32(prio.v)}] `;
  else out += prio.e;
  const st = fieldVal(ev, r, env, 'prev_state', true);
  if ('v' in st) out += writeState(int32(st.v));
  else out += st.e;
  out += ' ==> ';
  const np = fieldVal(ev, r, env, 'next_pid', true);
  if ('e' in np) return out + np.e + '!';
  const nc = commText(ev, r, 'next_comm');
  if (nc !== null) {
    env.comms.register(int32(np.v), nc);
    out += nc + ':';
  }
  out += BigInt.asIntN(64, np.v).toString();
  const nprio = fieldVal(ev, r, env, 'next_prio', true);
  if ('v' in nprio) out += ` [${int32(nprio.v)}]`;
  else out += nprio.e;
  return out;
};

export const schedWakeup: Plugin = (ev, r, env) => {
  let out = '';
  const pid = fieldVal(ev, r, env, 'pid', true);
  if ('e' in pid) return pid.e + '!';
  const comm = commText(ev, r, 'comm');
  if (comm !== null) {
    env.comms.register(int32(pid.v), comm);
    out += comm + ':';
  }
  out += BigInt.asIntN(64, pid.v).toString();
  const prio = fieldVal(ev, r, env, 'prio', true);
  out += 'v' in prio ? ` [${BigInt.asIntN(64, prio.v)}]` : prio.e;
  const success = fieldVal(ev, r, env, 'success', false);
  if ('v' in success) out += ` success=${BigInt.asIntN(64, success.v)}`;
  const cpu = fieldVal(ev, r, env, 'target_cpu', true);
  out += 'v' in cpu ? ` CPU:${cpu.v.toString().padStart(3, '0')}` : cpu.e;
  return out;
};

const KERNEL_STATES: Record<string, number> = { S: 1, D: 2, T: 4, t: 8, X: 0x10, Z: 0x20, P: 0x40, I: 0x80 };

/** trace-cmd's sched_switch plugin form: `prev:pid [prio] S ==> next:pid [prio]`. */
function schedSwitchPlugin(ev: EventFormat): Inverter | null {
  const ix = indexes(ev, ['prev_comm', 'prev_pid', 'prev_prio', 'prev_state', 'next_comm', 'next_pid', 'next_prio']);
  if (ix.some((i) => i < 0)) return null;
  const re = /^(.*):(-?\d+) \[(-?\d+)\] (\S+) ==> (.*):(-?\d+) \[(-?\d+)\]$/;
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    let state = 0;
    if (m[4] !== 'R') {
      for (const s of m[4].split('|')) {
        const b = STATES.indexOf(s);
        if (b < 0 || s.length !== 1) return null;
        state |= 1 << b;
      }
    }
    const vals = noValues(ev);
    [m[1], Number(m[2]), Number(m[3]), state, m[5], Number(m[6]), Number(m[7])].forEach((v, k) => (vals[ix[k]] = v));
    return vals;
  };
}

/** The kernel's own sched_switch text: `prev_comm=.. prev_pid=.. prev_prio=.. prev_state=S ==> next_comm=..`. */
function schedSwitchKernel(ev: EventFormat): Inverter | null {
  const ix = indexes(ev, ['prev_comm', 'prev_pid', 'prev_prio', 'prev_state', 'next_comm', 'next_pid', 'next_prio']);
  if (ix.some((i) => i < 0)) return null;
  const re = /^prev_comm=(.*) prev_pid=(-?\d+) prev_prio=(-?\d+) prev_state=(\S+) ==> next_comm=(.*) next_pid=(-?\d+) next_prio=(-?\d+)$/;
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    let s = m[4];
    let state = 0;
    if (s.endsWith('+')) {
      state = 0x100;
      s = s.slice(0, -1);
    }
    if (s !== 'R') {
      for (const x of s.split('|')) {
        const b = Object.hasOwn(KERNEL_STATES, x) ? KERNEL_STATES[x] : 0;
        if (!b) return null;
        state |= b;
      }
    }
    const vals = noValues(ev);
    [m[1], Number(m[2]), Number(m[3]), state, m[5], Number(m[6]), Number(m[7])].forEach((v, k) => (vals[ix[k]] = v));
    return vals;
  };
}

/** trace-cmd's sched_wakeup plugin form: `comm:pid [prio] [success=1 ]CPU:003`. */
function schedWakeupPlugin(ev: EventFormat): Inverter | null {
  const [c, p, pr, s, t] = indexes(ev, ['comm', 'pid', 'prio', 'success', 'target_cpu']);
  if (c < 0 || p < 0 || pr < 0 || t < 0) return null;
  const re = s >= 0 ? /^(.*):(-?\d+) \[(-?\d+)\] success=(-?\d+) CPU:(\d+)$/ : /^(.*):(-?\d+) \[(-?\d+)\] CPU:(\d+)$/;
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    const vals = noValues(ev);
    vals[c] = m[1];
    vals[p] = Number(m[2]);
    vals[pr] = Number(m[3]);
    if (s >= 0) vals[s] = Number(m[4]);
    vals[t] = Number(m[s >= 0 ? 5 : 4]);
    return vals;
  };
}

/**
 * plugin_sched_switch.c registers sched_switch, sched_wakeup and
 * sched_wakeup_new (not sched_waking: its report line is the print fmt's).
 * The kernel's own sched_switch text has prev_state letters the print fmt's
 * inverse cannot read (a __print_flags of a masked value and a "+").
 */
export const sched: Family = {
  events: {
    'sched/sched_switch': { print: schedSwitch, invert: schedSwitchPlugin, invertKernel: schedSwitchKernel },
    'sched/sched_wakeup': { print: schedWakeup, invert: schedWakeupPlugin },
    'sched/sched_wakeup_new': { print: schedWakeup, invert: schedWakeupPlugin },
  },
};
