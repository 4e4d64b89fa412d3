import { commText, fieldVal, int32, type Plugin } from './plugin-api.ts';

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

