import { loadCatalog } from '../core/catalog.ts';
import { UserError } from '../core/errors.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { FormatRegistry } from '../core/formats.ts';
import { SymbolTable } from '../core/symbols.ts';
import { openTrace } from '../io/open.ts';
import { compileKernelFilter, FilterError, FILTER_ERRORS, type FilterContext } from './kernel-filter.ts';

export interface CheckRequest {
  /** SYSTEM:EVENT, SYSTEM/EVENT, EVENT, or SYSTEM */
  event: string;
  expr: string;
  file?: string;
  cpus?: number;
}

export type CheckResult = { ok: true; note?: string } | { ok: false; text: string; error: FilterError };

/** Finds the events a `-e` names, as trace-cmd record does (an event name, or a whole system). */
export function resolveEventSpec(formats: FormatRegistry, spec: string): { events: EventFormat[]; system: boolean } {
  const m = /^([^:/]+)[:/](.+)$/.exec(spec);
  const all = formats.all();
  if (m) {
    const events = all.filter((f) => f.system === m[1] && f.name === m[2]);
    if (!events.length) throw new UserError(`no event ${m[1]}:${m[2]}`);
    return { events, system: false };
  }
  const byName = all.filter((f) => f.name === spec);
  if (byName.length) return { events: byName.slice(0, 1), system: false };
  const bySystem = all.filter((f) => f.system === spec);
  if (bySystem.length) return { events: bySystem, system: true };
  throw new UserError(`no event or system named "${spec}"`);
}

/**
 * `filter check`: compiles a filter the way the kernel does when it is written
 * to events/SYSTEM/EVENT/filter (or to a subsystem's filter file).
 */
export async function checkFilter(req: CheckRequest): Promise<CheckResult> {
  let formats: FormatRegistry;
  let symbols: SymbolTable;
  let nrCpus = req.cpus ?? 8192;
  let littleEndian = true;
  let longSize = 8;
  if (req.file) {
    const t = await openTrace(req.file);
    formats = t.formats;
    symbols = t.symbols;
    nrCpus = req.cpus ?? t.cpus;
    littleEndian = !t.bigEndian;
    longSize = t.kernelLongSize;
  } else {
    formats = loadCatalog().formats;
    symbols = new SymbolTable();
  }
  const { events, system } = resolveEventSpec(formats, req.event);
  const ctx = (event: EventFormat): FilterContext => ({ event, nrCpus, littleEndian, longSize, symbols, written: true });
  if (!system) {
    try {
      compileKernelFilter(req.expr, ctx(events[0]));
      return { ok: true };
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      return { ok: false, text: e.kernelText, error: e };
    }
  }
  // A subsystem filter applies to every event that accepts it; if none does, it fails.
  let accepted = 0;
  for (const ev of events) {
    try {
      compileKernelFilter(req.expr, ctx(ev));
      accepted++;
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
    }
  }
  if (accepted) return { ok: true, note: `${accepted} of ${events.length} events in ${req.event} accept it` };
  const error = new FilterError('BAD_SUBSYS_FILTER', 0, req.expr);
  return { ok: false, text: `${req.expr}\n^\nparse_error: ${FILTER_ERRORS.BAD_SUBSYS_FILTER}\n`, error };
}
