import type { EventFormat } from '../../core/event-format.ts';
import { readUnsigned } from '../../core/int64.ts';
import { cString } from '../evaluate.ts';
import type { PrintEnv, RecordRef } from '../record.ts';
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

/** plugin_mac80211.c: drv_bss_info_changed (its text spans four lines; not read back). */
export const mac80211: Family = {
  events: { 'mac80211/drv_bss_info_changed': { print: drvBssInfoChanged, pure: true } },
};
