import * as fs from 'node:fs';
import * as path from 'node:path';
import { FormatRegistry } from './formats.ts';
import { packageRoot } from './package-root.ts';

/**
 * The built-in event catalog: real Linux 6.18 format files (samples/formats-6.18)
 * and the reconstructed ones that kernel lacks (samples/formats-reconstructed).
 * Used by the emulator (its trace.dat carries these formats) and by
 * `filter check` without a trace file.
 */
export interface Catalog {
  formats: FormatRegistry;
  headerPage: string;
  headerEvent: string;
}

let cached: Catalog | null = null;

/**
 * Where there are no sample files to read (the viewer's page, in a browser),
 * the catalog comes with the code: its formats by system and the header formats.
 */
export function provideCatalog(c: { systems: { system: string; texts: string[] }[]; headerPage: string; headerEvent: string }): void {
  const formats = new FormatRegistry(8);
  for (const { system, texts } of c.systems) for (const t of texts) formats.add(system, t);
  cached = { formats, headerPage: c.headerPage, headerEvent: c.headerEvent };
}

export function loadCatalog(): Catalog {
  if (cached) return cached;
  const base = path.join(packageRoot(), 'samples');
  const formats = new FormatRegistry(8);
  for (const dir of ['formats-6.18', 'formats-reconstructed']) {
    const root = path.join(base, dir);
    for (const system of fs.readdirSync(root).sort()) {
      const sdir = path.join(root, system);
      if (!fs.statSync(sdir).isDirectory()) continue;
      for (const file of fs.readdirSync(sdir).sort()) {
        if (!file.endsWith('.format')) continue;
        const text = fs.readFileSync(path.join(sdir, file), 'latin1');
        // uprobe-examples.format holds several formats one after another
        for (const one of text.split(/\n(?=name: )/)) formats.add(system, one.endsWith('\n') ? one : one + '\n');
      }
    }
  }
  const read = (f: string) => fs.readFileSync(path.join(base, 'formats-6.18', f), 'latin1');
  cached = { formats, headerPage: read('header_page'), headerEvent: read('header_event') };
  return cached;
}
