import type { EventFormat } from '../core/event-format.ts';
import type { FieldValue } from '../core/record-encoder.ts';
import { symbolAddress, type Inverter } from './invert.ts';

/**
 * `report -R` text: " name=value" for every field in order. Values are read by
 * the field's type (strings, ARRAY[..] bytes, hex, decimal, symbols with their
 * offset, printk strings); the caller keeps the record only if the raw printer
 * gives the same text back.
 */
export function rawInverter(ev: EventFormat): Inverter | null {
  const fields = ev.fields;
  if (!fields.length) return null;
  const markers = fields.map((f) => ` ${f.name}=`);
  return (text, ctx) => {
    const vals: (FieldValue | undefined)[] = new Array(fields.length);
    let pos = 0;
    for (let k = 0; k < fields.length; k++) {
      if (!text.startsWith(markers[k], pos)) return null;
      const start = pos + markers[k].length;
      const next = k + 1 < fields.length ? text.indexOf(markers[k + 1], start) : text.length;
      if (next < 0) return null;
      const v = text.slice(start, next);
      pos = next;
      const f = fields[k];
      if (v.startsWith('ARRAY[') && v.endsWith(']')) {
        const bytes = v.slice(6, -1).split(', ').filter((x) => x).map((x) => parseInt(x, 16));
        if (bytes.some((x) => !(x >= 0 && x < 256))) return null;
        vals[k] = Uint8Array.from(bytes);
      } else if (f.isArray || f.isDynamic) vals[k] = v;
      else if (/^-?\d+$/.test(v.trim())) vals[k] = f.size === 8 ? BigInt(v.trim()) : Number(v.trim());
      else if (/^0x[0-9a-f]+$/.test(v)) vals[k] = f.size === 8 ? BigInt(v) : Number(BigInt(v));
      else if (v === '(nil)') vals[k] = 0n;
      else if (f.isPointer || f.size === 8) {
        const sym = symbolAddress(v, ctx, v.includes('+0x')) ;
        vals[k] = sym ?? ctx.printk.address(v);
      } else return null;
    }
    return pos === text.length ? vals : null;
  };
}

/**
 * A print fmt libtraceevent could not parse: `[FAILED TO PARSE]` then each
 * field as " name=value" (print_fields()), read as -R text is.
 */
export function failedInverter(ev: EventFormat): Inverter | null {
  const raw = rawInverter(ev);
  if (!raw) return null;
  return (text, ctx) => (text.startsWith('[FAILED TO PARSE] ') ? raw(text.slice(17), ctx) : null);
}
