import type * as aq from 'arquero';
import type { TopLevelSpec } from 'vega-lite';
import { toPNG } from './render.ts';
import { tableCells, textTable, unitOptions } from './text-table.ts';

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

/**
 * A table: HTML for the notebook, the mail-ready text as plain text; numbers
 * formatted by their unit as the CLI prints them (share as %, µs with 1
 * decimal, n/a where not recorded), never as raw floats.
 */
export function showTable(table: aq.ColumnTable, caption?: string, limit = 50): Displayable {
  const shown = table.slice(0, limit);
  const o = unitOptions(table.columnNames());
  const { names, rows, numeric } = tableCells(shown, o);
  const td = (v: string, k: number, tag: 'td' | 'th') => `<${tag}${numeric[k] ? ' style="text-align:right"' : ''}>${esc(v)}</${tag}>`;
  const more = table.numRows() > limit ? `<p>(${limit} of ${table.numRows()} rows)</p>` : '';
  const html = (caption ? `<p><b>${esc(caption)}</b></p>` : '') + `<table><thead><tr>${names.map((n, k) => td(n, k, 'th')).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v, k) => td(v, k, 'td')).join('')}</tr>`).join('')}</tbody></table>${more}`;
  return display({ 'text/html': html, 'text/plain': textTable(shown, o) });
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
