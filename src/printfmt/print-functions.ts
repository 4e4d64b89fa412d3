import { le16ToCpup } from './plugins/cfg80211.ts';
import { jbd2DevToName, jiffiesToMsecs } from './plugins/jbd2.ts';
import { isWritablePte } from './plugins/kvm.ts';
import type { PrintFunction } from './plugins/print-function-api.ts';
import { scsiTraceParseCdb } from './plugins/scsi.ts';
import { xenHypercallName } from './plugins/xen.ts';

export type { PrintFunction, PointerArgs } from './plugins/print-function-api.ts';

/**
 * The functions libtraceevent 1.7's plugins register for print fmts, which
 * trace-cmd loads by default (each in its family's module under plugins/).
 */
let table: Readonly<Record<string, PrintFunction>> | null = null;

/** Made on first use: the family modules import the printer's modules, which import this one. */
const functions = (): Readonly<Record<string, PrintFunction>> => (table ??= {
  xen_hypercall_name: xenHypercallName,
  jiffies_to_msecs: jiffiesToMsecs,
  jbd2_dev_to_name: jbd2DevToName,
  __le16_to_cpup: le16ToCpup,
  scsi_trace_parse_cdb: scsiTraceParseCdb,
  is_writable_pte: isWritablePte,
});

export function printFunction(name: string): PrintFunction | undefined {
  const t = functions();
  return Object.hasOwn(t, name) ? t[name] : undefined;
}
