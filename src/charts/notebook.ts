import type * as aq from 'arquero';
import type { TopLevelSpec } from 'vega-lite';
import { toPNG } from './render.ts';
import { textTable } from './text-table.ts';

/**
 * Rich outputs for notebooks. The Deno Jupyter kernel shows any value that has a
 * `Symbol.for("Jupyter.display")` method as the MIME bundle it returns, so this
 * needs no Deno API and stays importable from Node. Charts are PNG: Debian's
 * nbconvert drops image/svg+xml.
 */
export interface Displayable {
  [key: symbol]: () => Record<string, string>;
}

function display(bundle: Record<string, string>): Displayable {
  return { [Symbol.for('Jupyter.display')]: () => bundle };
}

const esc = (s: string) => s.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A table: HTML for the notebook, the mail-ready text as plain text. */
export function showTable(table: aq.ColumnTable, caption?: string, limit = 50): Displayable {
  const html = (caption ? `<p><b>${esc(caption)}</b></p>` : '') + table.toHTML({ limit });
  return display({ 'text/html': html, 'text/plain': textTable(table.slice(0, limit)) });
}

/** Preformatted text (a summary, a table for a mail). */
export function showText(text: string): Displayable {
  return display({ 'text/html': `<pre>${esc(text)}</pre>`, 'text/plain': text });
}

/** A chart as PNG. */
export async function showChart(spec: TopLevelSpec): Promise<Displayable> {
  const png = await toPNG(spec);
  const title = typeof spec.title === 'object' && spec.title && 'text' in spec.title ? String(spec.title.text) : 'chart';
  return display({ 'image/png': Buffer.from(png).toString('base64'), 'text/plain': title });
}
