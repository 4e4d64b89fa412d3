import { type Family, fieldVal, type Plugin, thenFmt } from './plugin-api.ts';
import type { EventFormat } from '../../core/event-format.ts';
import { genericInverter, indexes, noValues, type Inverter } from '../invert.ts';

/** plugin_futex.c's table: per command, how val, utime (or val2), uaddr2 and val3 print (null: not at all). */
export const FUTEX_OPS: [name: string, val: 'x' | 'u' | null, utime: 'x' | 'u' | null, uaddr2: boolean, val3: boolean][] = [
  ['FUTEX_WAIT', 'x', 'x', false, false],
  ['FUTEX_WAKE', 'u', null, false, false],
  ['FUTEX_FD', 'u', null, false, false],
  ['FUTEX_REQUEUE', 'u', 'u', true, false],
  ['FUTEX_CMP_REQUEUE', 'u', 'u', true, true],
  ['FUTEX_WAKE_OP', 'u', 'u', true, true],
  ['FUTEX_LOCK_PI', null, 'x', false, false],
  ['FUTEX_UNLOCK_PI', null, null, false, false],
  ['FUTEX_TRYLOCK_PI', null, null, false, false],
  ['FUTEX_WAIT_BITSET', 'x', 'x', false, true],
  ['FUTEX_WAKE_BITSET', 'u', null, false, true],
  ['FUTEX_WAIT_REQUEUE_PI', 'x', 'x', true, true],
  ['FUTEX_CMP_REQUEUE_PI', 'u', 'u', true, true],
];
export const FUTEX_PRIVATE_FLAG = 128n;
export const FUTEX_CLOCK_REALTIME = 256n;

/**
 * plugin_futex.c, syscalls:sys_enter_futex: `op=FUTEX_WAKE|FUTEX_PRIVATE_FLAG
 * uaddr=0x%08llx ...` with the arguments each command uses; a missing field
 * or an unknown command leaves the print fmt.
 */
export const futexEnter: Plugin = (ev, r, env, state) => {
  const v: bigint[] = [];
  let out = '';
  for (const name of ['uaddr', 'op', 'val', 'utime', 'uaddr2', 'val3']) {
    const x = fieldVal(ev, r, env, name, true);
    if ('e' in x) return thenFmt(state, out + x.e);
    v.push(x.v);
  }
  const [uaddr, op, val, utime, uaddr2, val3] = v;
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) & 0xffffffffffffffffn;
  if (cmd >= BigInt(FUTEX_OPS.length)) return thenFmt(state, '');
  const [name, fv, fu, fa, f3] = FUTEX_OPS[Number(cmd)];
  const hex = (n: bigint) => '0x' + n.toString(16).padStart(8, '0');
  out = `op=${name}${op & FUTEX_PRIVATE_FLAG ? '|FUTEX_PRIVATE_FLAG' : ''}${op & FUTEX_CLOCK_REALTIME ? '|FUTEX_CLOCK_REALTIME' : ''} uaddr=${hex(uaddr)}`;
  if (fv) out += ` val=${fv === 'x' ? hex(val) : val.toString()}`;
  if (fu) out += fu === 'x' ? ` utime=${hex(utime)}` : ` val2=${utime.toString()}`;
  if (fa) out += ` uaddr2=${hex(uaddr2)}`;
  if (f3) out += ` val3=${hex(val3)}`;
  return out;
};

/** futex command names to their numbers (plugin_futex.c's table order). */
const FUTEX_CMDS = new Map(FUTEX_OPS.map(([name], k) => [name, k]));

/**
 * trace-cmd's futex plugin form (plugin_futex.c) of sys_enter_futex:
 * `op=CMD[|FUTEX_PRIVATE_FLAG][|FUTEX_CLOCK_REALTIME] uaddr=0x.. [val=..]
 * [utime=0x..|val2=N] [uaddr2=0x..] [val3=0x..]`, the arguments the command
 * uses; the others stay unset. Without the plugin's form (an unknown
 * command) the print fmt is read. The caller keeps the record only if it
 * prints back the same.
 */
function futexPlugin(ev: EventFormat, longSize: number): Inverter | null {
  const gen = genericInverter(ev, longSize, false);
  const at = indexes(ev, ['uaddr', 'op', 'val', 'utime', 'uaddr2', 'val3']);
  if (at.some((i) => i < 0)) return gen;
  const [uaddr, op, val, utime, uaddr2, val3] = at;
  const re = /^op=(FUTEX_[A-Z_]+?)(\|FUTEX_PRIVATE_FLAG)?(\|FUTEX_CLOCK_REALTIME)? uaddr=0x([0-9a-f]+)(?: val=(0x[0-9a-f]+|\d+))?(?: utime=0x([0-9a-f]+)| val2=(\d+))?(?: uaddr2=0x([0-9a-f]+))?(?: val3=0x([0-9a-f]+))?$/;
  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return gen ? gen(text, ctx) : null;
    const cmd = FUTEX_CMDS.get(m[1]);
    if (cmd === undefined) return null;
    const vals = noValues(ev);
    vals[op] = BigInt(cmd) | (m[2] ? FUTEX_PRIVATE_FLAG : 0n) | (m[3] ? FUTEX_CLOCK_REALTIME : 0n);
    vals[uaddr] = BigInt('0x' + m[4]);
    if (m[5] !== undefined) vals[val] = BigInt(m[5]);
    if (m[6] !== undefined) vals[utime] = BigInt('0x' + m[6]);
    if (m[7] !== undefined) vals[utime] = BigInt(m[7]);
    if (m[8] !== undefined) vals[uaddr2] = BigInt('0x' + m[8]);
    if (m[9] !== undefined) vals[val3] = BigInt('0x' + m[9]);
    return vals;
  };
}

/** plugin_futex.c: sys_enter_futex. */
export const futex: Family = {
  events: { 'syscalls/sys_enter_futex': { print: futexEnter, pure: true, invert: futexPlugin } },
};
