/// <reference lib="dom" />
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare } from '../../src/analysis/compare.ts';
import { hist, interference, interferenceOverTime } from '../../src/analysis/arquero-reports.ts';
import { irqOffSpans } from '../../src/analysis/spans.ts';
import { eventTimeline } from '../../src/analysis/timeline.ts';
import { htmlPage, toPNG, toSVG } from '../../src/charts/render.ts';
import { reviewPage, reviewSections } from '../../src/charts/review.ts';
import { compareSpec, heatmapSpec, histSpec, interferenceSpec, irqOffSpec, timelineSpec } from '../../src/charts/specs.ts';
import { showTable } from '../../src/charts/notebook.ts';
import { textBars, textTable } from '../../src/charts/text-table.ts';
import { tempDir } from '../helpers.ts';
import { CHROMIUM } from '../oracles.ts';
import { overlaps, textBoxes } from './svg-text-boxes.ts';
import { run } from '../emulator/record-helpers.ts';

const dir = tempDir();
const ISO = Array.from({ length: 8 }, (_, k) => k + 4);
const SMALL = ['cpus=12', 'housekeeping=0-3', 'isolated=4-11'];

describe('charts', async () => {
  const before = await run('isolation-ipi', SMALL, { duration: '120s', stacks: true });
  const after = await run('isolation-ipi', [...SMALL, 'kernel.defer_ipis=on'], { duration: '120s' });
  const full = await run('isolation-ipi', SMALL, { duration: '2s', events: [{ event: 'all', filters: [] }] });

  it('every chart renders to SVG with its marks, titles and axis titles', async () => {
    const h = hist(before.trace, { by: 'callback' });
    const c = compare(before.trace, after.trace);
    const i = interference(full.trace, { isolated: ISO });
    const o = interferenceOverTime(before.trace, { isolated: ISO, bins: 20 });
    const s = irqOffSpans(full.trace);
    const t = eventTimeline(full.trace, { limit: 2000 });
    const specs = [
      [histSpec(h.table, h.summary, 'b.dat'), 'callback', 'mark-rect'],
      [compareSpec(c.table, c.summary), 'before and after', 'mark-rect'],
      [interferenceSpec(i.summary, 'f.dat'), 'What interrupted each isolated CPU', 'mark-rect'],
      [heatmapSpec(o.table, o.summary.binSeconds, 'b.dat'), 'over time', 'mark-rect'],
      [irqOffSpec(s.table, s.summary, 'f.dat'), 'irqs-off sections by length', 'mark-rect'],
      [timelineSpec(t.values, t.values.length, t.total, 'f.dat'), 'Events per CPU over time', 'mark-rect'],
    ] as const;
    for (const [spec, title, mark] of specs) {
      const svg = await toSVG(spec);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain(title);
      expect(svg).toContain(`class="mark-${mark.slice(5)}`);
      expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(3);
    }
    expect(t.values.length).toBeLessThanOrEqual(2000);
    expect(t.total).toBe(full.summary.events);
  });

  it('the text-box check sees overlaps, through nested groups and rotated titles', () => {
    const svg = '<svg><g transform="translate(10,10)"><text transform="translate(0,0)" font-size="10px">hello</text><g transform="translate(5,2)"><text font-size="10px">world</text></g></g>'
      + '<text text-anchor="middle" transform="translate(200,50) rotate(-90) translate(0,-2)" font-size="11px">a title</text><text transform="translate(195,45)" font-size="10px">x</text>'
      + '<text transform="translate(400,400)" font-size="10px" opacity="0">hidden</text><text transform="translate(400,400)" font-size="10px">shown</text></svg>';
    const boxes = textBoxes(svg);
    expect(boxes.map((b) => b.text)).toEqual(['hello', 'world', 'a title', 'x', 'shown']);
    expect(overlaps(boxes).map(([a, b]) => `${a.text}/${b.text}`)).toEqual(['hello/world', 'a title/x']);
  });

  it('no two text boxes of any chart overlap, and the labels the reader needs are all there', async () => {
    const h = hist(before.trace, { by: 'callback' });
    const c = compare(before.trace, after.trace);
    const ci = compare(before.trace, after.trace, { isolated: ISO });
    const i = interference(full.trace, { isolated: ISO });
    const o = interferenceOverTime(before.trace, { isolated: ISO, bins: 20 });
    const s = irqOffSpans(full.trace);
    const t = eventTimeline(full.trace, { limit: 2000 });
    const cases = [
      // every bar labelled with its count (a sliver still says what it is)
      [histSpec(h.table, h.summary, 'b.dat'), [...(h.table.array('callback') as string[]), ...[...(h.table.array('count') as number[])].map((n) => n.toLocaleString('en-US'))]],
      [compareSpec(c.table, c.summary), c.table.array('callback') as string[]],
      [compareSpec(ci.table, ci.summary), ci.table.array('function') as string[]],
      [interferenceSpec(i.summary, 'f.dat'), ['isolated CPU', 'disturbances (count)']],
      [heatmapSpec(o.table, o.summary.binSeconds, 'b.dat'), ['time since the trace began (s)', 'isolated CPU']],
      [irqOffSpec(s.table, s.summary, 'f.dat'), ['irqs-off sections by length']],
      [timelineSpec(t.values, t.values.length, t.total, 'f.dat'), ['Events per CPU over time']],
    ] as const;
    for (const [spec, labels] of cases) {
      const svg = await toSVG(spec);
      const boxes = textBoxes(svg);
      for (const l of labels) expect(boxes.map((b) => b.text)).toContain(String(l));
      const bad = overlaps(boxes);
      expect(bad.map(([a, b]) => `"${a.text}" / "${b.text}"`), JSON.stringify((spec as { title?: unknown }).title)).toEqual([]);
    }
  });

  it('PNG through resvg keeps its text (fonts loaded)', async () => {
    const c = compare(before.trace, after.trace);
    const png = await toPNG(compareSpec(c.table, c.summary));
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // text makes the file: a render with every label is far larger than bars alone (~5 KB)
    expect(png.length).toBeGreaterThan(20_000);
    fs.writeFileSync(path.join(dir, 'compare.png'), png);
  });

  it('notebook tables format numbers by their unit, never as raw floats; n/a where not recorded', () => {
    const h = hist(before.trace, { by: 'callback' });
    const html = showTable(h.table, 'callbacks')[Symbol.for('Jupyter.display')]()['text/html'];
    const share = h.table.array('share') as number[];
    expect(html).toContain(`${(share[0] * 100).toFixed(1)}%`);
    expect(html).not.toContain(String(share[0]));
    const i = interference(before.trace, { isolated: ISO });
    const b = showTable(i.table)[Symbol.for('Jupyter.display')]();
    expect(b['text/html']).toMatch(/<td style="text-align:right">n\/a<\/td>/);
    // every number in the page has at most the digits its unit gives it
    for (const m of b['text/html'].matchAll(/>(-?\d+\.(\d+))</g)) expect(m[2].length, m[1]).toBeLessThanOrEqual(5);
    expect(b['text/plain']).toContain('n/a');
  });

  it('text tables and bars for a mail', () => {
    const c = compare(before.trace, after.trace);
    const t = textTable(c.table);
    expect(t.split('\n')[0]).toMatch(/^callback +before +after +delta +ratio +ratio_95 +change$/);
    expect(t.split('\n').every((l) => l === l.trimEnd())).toBe(true);
    expect(textBars(['a', 'bb'], [10, 5], 10)).toBe('a   10  ##########\nbb   5  #####\n');
  });

  it('the review page draws before and after on one scale: the same count axis, the same colour scale from 0', () => {
    const sections = reviewSections(before.trace, after.trace, { isolated: ISO, commands: [] });
    const spec = (title: RegExp) => sections.find((x) => title.test(x.title))!.spec as unknown as { encoding: Record<string, { scale?: { domain?: number[] } }> };
    const yb = spec(/^Before: what interrupted/).encoding.y.scale!.domain!;
    const ya = spec(/^After: what interrupted/).encoding.y.scale!.domain!;
    expect(yb).toEqual(ya);
    expect(yb[0]).toBe(0);
    const cb = spec(/^Before: when/).encoding.color.scale!.domain!;
    const ca = spec(/^After: when/).encoding.color.scale!.domain!;
    expect(cb).toEqual(ca);
    expect(cb[0]).toBe(0);
    // the after run has far fewer IPIs, yet its axis reaches as high as the before run's
    const ib = interference(before.trace, { isolated: ISO }).summary;
    expect(yb[1]).toBe(Math.max(...ib.perCpu.map((x) => x.total)));
  });

  it('the review page is one offline file', () => {
    const html = reviewPage(before.trace, after.trace, { isolated: ISO, commands: ['tracelab record ...'] });
    // nothing fetched: no script, stylesheet or image from elsewhere (Chromium checks requests below)
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
    expect(/<(script|link|img)[^>]+(src|href)=/i.test(markup)).toBe(false);
    expect((html.match(/<script>/g) ?? []).length).toBe(4);
    expect(html.includes('vegaEmbed(')).toBe(true);
    expect(html.includes('Functions before and after (IPIs sent to isolated CPUs')).toBe(true);
    expect(html.length).toBeGreaterThan(500_000);
    const page = htmlPage('x', [{ title: '</script><b>', text: '<i>' }]);
    expect(page).toContain('&#60;/script&#62;&#60;b&#62;');
  });

  const chromium = CHROMIUM;
  it.skipIf(!fs.existsSync(chromium))('renders in a real headless Chromium: charts drawn, no console errors, no network (needs chromium)', async () => {
    const file = path.join(dir, 'review.html');
    fs.writeFileSync(file, reviewPage(before.trace, after.trace, { isolated: ISO, commands: ['tracelab record --scenario isolation-ipi ...'] }));
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({ executablePath: chromium, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && requests.push(r.url()));
      await page.goto(`file://${file}`);
      await page.waitForFunction(() => document.querySelectorAll('.chart svg').length === 5, null, { timeout: 20_000 });
      const marks = await page.evaluate(() => Array.from(document.querySelectorAll(".chart svg")).map((s) => s.querySelectorAll('.mark-rect path, .mark-rect rect').length));
      expect(marks.every((n) => n > 0)).toBe(true);
      await page.screenshot({ path: path.join(dir, 'review.png'), fullPage: true });
      expect(fs.statSync(path.join(dir, 'review.png')).size).toBeGreaterThan(50_000);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
