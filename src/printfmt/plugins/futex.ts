import { fieldVal, thenFmt, type Plugin } from './plugin-api.ts';

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

