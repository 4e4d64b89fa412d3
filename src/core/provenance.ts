import { shellLine } from './shell-quote.ts';

/**
 * How tracelab record made a trace, stored in the trace.dat (an option
 * trace-cmd skips silently) so that every picture and table can say what it
 * shows and a reviewer can make the same trace again.
 */
export interface Provenance {
  tracelab: string;
  /** The preset or file the scenario came from, and the --set changes applied to it. */
  scenario: string;
  sets: string[];
  seed: number;
  durationNs: number;
  /** -e/-f as given; empty: the scenario's own events. */
  events: { event: string; filters: string[] }[];
  stacks: boolean;
  format: string;
  /** The whole scenario after the changes, so the trace can be made again without this version's presets. */
  scenarioJson: unknown;
}

/** The stored text: one JSON object. */
export function provenanceText(p: Provenance): string {
  return JSON.stringify(p);
}

/** Reads the stored text back; null when absent or not tracelab's. Nothing in it is run. */
export function parseProvenance(text: string | undefined): Provenance | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<Provenance>;
    if (typeof v !== 'object' || v === null || typeof v.tracelab !== 'string' || typeof v.scenario !== 'string') return null;
    return { sets: [], events: [], stacks: false, format: 'dat', seed: 1, durationNs: 0, scenarioJson: null, ...v } as Provenance;
  } catch {
    return null;
  }
}

/** The shell-quoted command that makes the same trace again (into FILE). */
export function recreateCommand(p: Provenance, file: string): string {
  const args = ['tracelab', 'record', '--scenario', p.scenario];
  for (const s of p.sets) args.push('--set', s);
  args.push('--duration', `${p.durationNs / 1e9}s`);
  if (p.seed !== 1) args.push('--seed', String(p.seed));
  for (const e of p.events) {
    args.push('-e', e.event);
    for (const f of e.filters) args.push('-f', f);
  }
  if (p.stacks) args.push('-T');
  if (p.format !== 'dat') args.push('--output-format', p.format);
  args.push('-o', file);
  return shellLine(args);
}

/** "the command that made it", for a trace that says how it was made; null otherwise. */
export function madeBy(options: { provenance?: string }, source: string): string | null {
  const p = parseProvenance(options.provenance);
  return p ? recreateCommand(p, source.split('/').pop() || source) : null;
}
