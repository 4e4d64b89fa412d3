import { EventFormat, parseEventFormat, peekFormatHeader } from './event-format.ts';

interface Entry {
  system: string;
  text: string;
  parsed: EventFormat | null;
  /** From the "name:" and "ID:" lines, read without parsing the format (-1: none). */
  name: string;
  id: number;
}

/** What a format says about itself before it is parsed. */
export interface FormatHeader {
  id: number;
  name: string;
  system: string;
  /** The format file's text, as given. */
  text: string;
}

/**
 * Every event format of a trace, by id. Format texts are kept as given (so a
 * writer can store them back byte for byte) and parsed on first use: a real
 * trace carries ~2000 formats and a report touches a few dozen.
 */
export class FormatRegistry {
  private byId = new Map<number, Entry>();
  private order: Entry[] = [];
  /** Problems found while registering (unreadable headers, duplicate ids). */
  readonly problems: string[] = [];

  constructor(private longSize = 8) {}

  setLongSize(n: number): void {
    this.longSize = n;
  }

  /** Forgets every format (a reader starting over). */
  clear(): void {
    this.firsts.clear();
    this.byId.clear();
    this.order.length = 0;
    this.problems.length = 0;
  }

  add(system: string, text: string): void {
    this.firsts.clear();
    const head = peekFormatHeader(text);
    const e: Entry = { system, text, parsed: null, name: head?.name ?? '', id: head?.id ?? -1 };
    this.order.push(e);
    if (!head) {
      this.problems.push(`format in system ${system} has no name/ID: ${JSON.stringify(text.slice(0, 60))}`);
      return;
    }
    if (!this.byId.has(head.id)) this.byId.set(head.id, e);
  }

  addParsed(ev: EventFormat): void {
    this.firsts.clear();
    const e: Entry = { system: ev.system, text: ev.text, parsed: ev, name: ev.name, id: ev.id };
    this.order.push(e);
    if (!this.byId.has(ev.id)) this.byId.set(ev.id, e);
  }

  get(id: number): EventFormat | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    return (e.parsed ??= parseEventFormat(e.text, e.system, this.longSize));
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** All formats in registration order (parsed: ~2000 of them in a real trace; headers() does not parse). */
  all(): EventFormat[] {
    const out: EventFormat[] = [];
    for (const e of this.order) if (e.id >= 0 && this.byId.get(e.id) === e) out.push(this.get(e.id)!);
    return out;
  }

  /** Every format's id, name and system, in registration order, none parsed. */
  headers(): FormatHeader[] {
    const out: FormatHeader[] = [];
    for (const e of this.order) if (e.id >= 0 && this.byId.get(e.id) === e) out.push({ id: e.id, name: e.parsed?.name ?? e.name, system: e.system, text: e.text });
    return out;
  }

  /** Systems with their format texts, in registration order (for writers). */
  systems(): { system: string; texts: string[] }[] {
    const m = new Map<string, string[]>();
    for (const e of this.order) {
      let l = m.get(e.system);
      if (!l) m.set(e.system, (l = []));
      l.push(e.text);
    }
    return [...m].map(([system, texts]) => ({ system, texts }));
  }

  /**
   * tep_find_event_by_name(): the first format of that name (and system, when given),
   * remembered: printers ask for a sibling event on every record (function_graph's exit).
   */
  first(name: string, system?: string): EventFormat | undefined {
    const key = `${system ?? ''}\0${name}`;
    if (this.firsts.has(key)) return this.firsts.get(key);
    const ev = this.find(name, system)[0];
    this.firsts.set(key, ev);
    return ev;
  }

  private readonly firsts = new Map<string, EventFormat | undefined>();

  /** Formats whose name (and system, when given) match; only those are parsed. */
  find(name: string, system?: string): EventFormat[] {
    const out: EventFormat[] = [];
    for (const e of this.order) {
      if (e.id < 0 || this.byId.get(e.id) !== e || (e.parsed?.name ?? e.name) !== name || (system !== undefined && e.system !== system)) continue;
      out.push(this.get(e.id)!);
    }
    return out;
  }
}
