import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { writeFileAtomically } from '../core/atomic-file.ts';
import { UserError } from '../core/errors.ts';
import type { TopLevelSpec } from 'vega-lite';

const require = createRequire(import.meta.url);

/** The fonts the charts name; without font files resvg drops every text silently. */
const FONT_FILES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];

/** A vega-lite spec as SVG, rendered headless by vega. */
export async function toSVG(spec: TopLevelSpec): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The same as PNG (resvg, twice the size, DejaVu Sans). */
export async function toPNG(spec: TopLevelSpec): Promise<Uint8Array> {
  const svg = await toSVG(spec);
  const missing = FONT_FILES.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new UserError(`PNG charts need the DejaVu fonts (apt-get install fonts-dejavu-core): missing ${missing.join(', ')}`);
  const { Resvg } = await import('@resvg/resvg-js');
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' } }).render().asPng();
  return new Uint8Array(png);
}

/** vega, vega-lite and vega-embed, read from node_modules to be inlined (no network). */
export function vegaScripts(): string[] {
  return [
    ['vega', 'build/vega.min.js'],
    ['vega-lite', 'build/vega-lite.min.js'],
    ['vega-embed', 'build/vega-embed.min.js'],
  ].map(([pkg, file]) => fs.readFileSync(path.join(packageDir(pkg), file), 'utf8'));
}

/** A package's folder (its exports hide the build files from require.resolve). */
function packageDir(pkg: string): string {
  let d = path.dirname(require.resolve(pkg));
  while (path.basename(d) !== pkg && path.dirname(d) !== d) d = path.dirname(d);
  if (path.basename(d) !== pkg) throw new Error(`cannot find the ${pkg} package folder`);
  return d;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Inline JSON in a script element without letting the data close it. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

export interface HtmlSection {
  title: string;
  /** Preformatted text (a table for a mail, commands). */
  text?: string;
  spec?: TopLevelSpec;
}

/** A self-contained offline page: the scripts inlined, each chart embedded, text sections as they are. */
export function htmlPage(title: string, sections: HtmlSection[]): string {
  const scripts = vegaScripts()
    .map((s) => `<script>${s.replace(/<\/script/gi, '<\\/script')}</script>`)
    .join('\n');
  const body = sections
    .map((s, k) => `<section><h2>${escapeHtml(s.title)}</h2>${s.text ? `<pre>${escapeHtml(s.text)}</pre>` : ''}${s.spec ? `<div class="chart" id="chart${k}"></div>` : ''}</section>`)
    .join('\n');
  const embeds = sections
    .map((s, k) => (s.spec ? `vegaEmbed('#chart${k}', ${scriptJson(s.spec)}, { renderer: 'svg', actions: false });` : ''))
    .filter(Boolean)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:'DejaVu Sans',sans-serif;margin:2em;max-width:1100px}pre{background:#f6f6f6;padding:1em;overflow:auto}h2{margin-top:2em}</style>
${scripts}
</head><body><h1>${escapeHtml(title)}</h1>
${body}
<script>${embeds}</script>
</body></html>
`;
}

/** Writes a chart by its file extension: .svg, .png or .html. */
export async function writeChart(spec: TopLevelSpec, out: string, title = 'tracelab'): Promise<void> {
  const ext = path.extname(out).toLowerCase();
  if (ext === '.svg') writeFileAtomically(out, await toSVG(spec));
  else if (ext === '.png') writeFileAtomically(out, await toPNG(spec));
  else if (ext === '.html') writeFileAtomically(out, htmlPage(title, [{ title, spec }]));
  else throw new UserError(`--chart ${out}: the file must end in .svg, .png or .html`);
}
