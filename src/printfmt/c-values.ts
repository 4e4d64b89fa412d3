/** C library number conversions as libtraceevent relies on them. */

function parseMagnitude(s: string, i: number, base: number): [bigint, number] {
  let v = 0n;
  const B = BigInt(base);
  let any = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 122) d = c - 87;
    else if (c >= 65 && c <= 90) d = c - 55;
    else break;
    if (d >= base) break;
    v = v * B + BigInt(d);
    any = true;
  }
  return [any ? v : 0n, i];
}

function strtoParts(s: string): { neg: boolean; mag: bigint } {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || (s.charCodeAt(i) >= 9 && s.charCodeAt(i) <= 13))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') base = 8;
  const [mag] = parseMagnitude(s, i, base);
  return { neg, mag };
}

/** strtoull(s, NULL, 0): wraps negatives, saturates at 2^64-1. */
export function cStrtoull(s: string): bigint {
  const { neg, mag } = strtoParts(s);
  if (mag > 0xffffffffffffffffn) return 0xffffffffffffffffn;
  return neg ? BigInt.asUintN(64, -mag) : mag;
}

/** strtoll(s, NULL, 0): saturates at the long long range. */
export function cStrtoll(s: string): bigint {
  const { neg, mag } = strtoParts(s);
  const v = neg ? -mag : mag;
  if (v > 0x7fffffffffffffffn) return 0x7fffffffffffffffn;
  if (v < -0x8000000000000000n) return -0x8000000000000000n;
  return v;
}

/** "%lld" of a u64 bit pattern. */
export function formatLld(v: bigint): string {
  return BigInt.asIntN(64, v).toString();
}

/**
 * eval_type_str: what a cast in a print fmt does to a value. libtraceevent only
 * masks to the type's width (it never sign-extends, even for "int").
 */
export function evalTypeStr(val: bigint, type: string, pointer: boolean): bigint {
  if (type.length < 2) return val;
  if (pointer) {
    if (type[type.length - 1] !== '*') return val;
    return evalTypeStr(val, type.slice(0, -2), false);
  }
  if (type[type.length - 1] === '*') return val;
  if (type.startsWith('struct')) return val;
  switch (type) {
    case 'u8': return val & 0xffn;
    case 'u16': return val & 0xffffn;
    case 'u32': return val & 0xffffffffn;
    case 'u64': case 's64': return val;
    case 's8': return BigInt.asUintN(8, BigInt.asIntN(8, val));
    case 's16': return BigInt.asUintN(16, BigInt.asIntN(16, val));
    case 's32': return BigInt.asUintN(32, BigInt.asIntN(32, val));
  }
  let t = type;
  if (t.startsWith('unsigned ')) t = t.slice(9);
  if (t === 'char') return val & 0xffn;
  if (t === 'short') return val & 0xffffn;
  if (t === 'int') return val & 0xffffffffn;
  return val;
}

/** eval_flag: a flag table value; names of softirqs and hrtimer modes are known. */
const FLAG_NAMES: Record<string, bigint> = {
  HI_SOFTIRQ: 0n, TIMER_SOFTIRQ: 1n, NET_TX_SOFTIRQ: 2n, NET_RX_SOFTIRQ: 3n, BLOCK_SOFTIRQ: 4n,
  IRQ_POLL_SOFTIRQ: 5n, TASKLET_SOFTIRQ: 6n, SCHED_SOFTIRQ: 7n, HRTIMER_SOFTIRQ: 8n, RCU_SOFTIRQ: 9n,
  HRTIMER_NORESTART: 0n, HRTIMER_RESTART: 1n,
};

/** Signed value of a flag/symbol table entry (-1 when unknown). */
export function evalFlag(flag: string): bigint {
  const c = flag.charCodeAt(0);
  if (c >= 48 && c <= 57) return BigInt.asIntN(64, cStrtoull(flag));
  // own keys only: a flag named "constructor" is not Object's
  return Object.hasOwn(FLAG_NAMES, flag) ? FLAG_NAMES[flag] : -1n;
}
