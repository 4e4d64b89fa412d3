import type { EventFormat } from '../../core/event-format.ts';
import { readUnsigned } from '../../core/int64.ts';
import { cString } from '../evaluate.ts';
import type { PrintEnv, RecordRef } from '../record.ts';
import { indexes, noValues, type Inverter } from '../invert.ts';
import type { Family, Plugin } from './plugin-api.ts';

/**
 * plugin_mac80211.c (libtraceevent 1.7.1), drv_bss_info_changed: the wiphy and
 * vif names and the BSS settings on three more lines indented by 65 columns,
 * in place of the print fmt.
 */
const INDENT = '\n' + ' '.repeat(65);

/** print_string(): a char array or __data_loc string field, "NOTFOUND:name" without it. */
function str(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string): string {
  const f = ev.field(name);
  if (!f) return `NOTFOUND:${name}`;
  let offset = f.offset;
  let length = f.size;
  if (f.type.startsWith('__data_loc')) {
    if (f.size !== 4 && f.size !== 8) return 'invalid_data_loc';
    const v = Number(readUnsigned(r.dv, r.off + f.offset, f.size, env.littleEndian) & 0xffffffffn);
    offset = v & 0xffff;
    length = v >>> 16;
  }
  // "%.*s": at most length bytes, up to a NUL
  return cString(r, offset, Math.max(0, Math.min(length, r.size - offset)));
}

/**
 * tep_print_num_field() with a printf format taking the unsigned long long as
 * %d (its low 32 bits, signed) or %#x (low 32 bits; 0 prints as "0"); nothing,
 * or with `err` libtraceevent's text, when the field is missing or not 1/2/4/8 bytes.
 */
function num(ev: EventFormat, r: RecordRef, env: PrintEnv, name: string, how: 'd' | '#x', err: boolean): string {
  const f = ev.field(name);
  if (!f || (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8)) return err ? `CAN'T FIND FIELD "${name}"` : '';
  const v = f.offset + f.size > r.size ? 0n : readUnsigned(r.dv, r.off + f.offset, f.size, env.littleEndian);
  const low = Number(v & 0xffffffffn);
  if (how === 'd') return String(low | 0);
  return low ? '0x' + low.toString(16) : '0';
}

export const drvBssInfoChanged: Plugin = (ev, r, env) => {
  const sf = (name: string) => {
    const t = num(ev, r, env, name, 'd', false);
    return t ? `${name}:${t}` : '';
  };
  const sfx = (name: string) => {
    const t = num(ev, r, env, name, '#x', false);
    return t ? `${name}:${t}` : '';
  };
  const vifType = num(ev, r, env, 'vif_type', 'd', true);
  let out = `${str(ev, r, env, 'wiphy_name')} vif:${str(ev, r, env, 'vif_name')}${vifType.startsWith('CAN') ? vifType : `(${vifType})`}`;
  out += INDENT + `${sf('assoc')} ${sf('aid')} ${sf('cts')} ${sf('shortpre')} ${sf('shortslot')} ${sf('dtimper')} `;
  out += INDENT + `${sf('bcnint')} ${sfx('assoc_cap')} ${sfx('basic_rates')} ${sf('enable_beacon')}`;
  out += INDENT + sf('ht_operation_mode');
  return out;
};

/** drv_bss_info_changed's numbers, per line, and how each prints (%d or %#x of the low 32 bits). */
const BSS_LINES: [name: string, how: 'd' | '#x'][][] = [
  [['assoc', 'd'], ['aid', 'd'], ['cts', 'd'], ['shortpre', 'd'], ['shortslot', 'd'], ['dtimper', 'd']],
  [['bcnint', 'd'], ['assoc_cap', '#x'], ['basic_rates', '#x'], ['enable_beacon', 'd']],
  [['ht_operation_mode', 'd']],
];

/**
 * The four lines read back (the report reader joins the indented ones to
 * the event's text): names and the numbers the handler prints; the other
 * fields stay unset. Only an event with every field the handler prints.
 */
function bssInfoInverter(ev: EventFormat): Inverter | null {
  const names = BSS_LINES.flat();
  const [wiphy, vif, vifType] = indexes(ev, ['wiphy_name', 'vif_name', 'vif_type']);
  const at = indexes(ev, names.map(([n]) => n));
  if (wiphy < 0 || vif < 0 || vifType < 0 || at.some((i) => i < 0)) return null;
  const num = (how: 'd' | '#x') => (how === 'd' ? '(-?\\d+)' : '(0x[0-9a-f]+|0)');
  const lines = BSS_LINES.map((l, k) => l.map(([n, how]) => `${n}:${num(how)}`).join(' ') + (k === 0 ? ' ' : ''));
  const re = new RegExp(`^(.*?) vif:(.*)\\((-?\\d+)\\)${lines.map((l) => INDENT + l).join('')}$`);
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    const vals = noValues(ev);
    vals[wiphy] = m[1];
    vals[vif] = m[2];
    vals[vifType] = Number(m[3]);
    names.forEach(([, how], k) => (vals[at[k]] = how === 'd' ? Number(m[4 + k]) : Number(BigInt(m[4 + k]))));
    return vals;
  };
}

/** plugin_mac80211.c: drv_bss_info_changed. */
export const mac80211: Family = {
  events: { 'mac80211/drv_bss_info_changed': { print: drvBssInfoChanged, pure: true, invert: bssInfoInverter } },
};
