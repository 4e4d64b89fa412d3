import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../oracles.ts';
import { ROOT, tempDir } from '../helpers.ts';
import { openTrace } from '../../src/io/open.ts';

/** `tracelab view`: the offline page and the local server, opened in a real browser. */
const cli = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const dir = tempDir('tracelab-view-');
const page = path.join(dir, 'view.html');

/** The address `tracelab view` prints once it serves (rejects if it exits first). */
function servedUrl(p: ReturnType<typeof spawn>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (c) => {
      out += c;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) resolve(m[0]);
    });
    p.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
}
/** A page in the browser with what it errs and requests recorded (file: URLs aside). */
async function watchedTab(browser: import('playwright-core').Browser): Promise<{ tab: import('playwright-core').Page; errors: string[]; requests: string[] }> {
  const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors: string[] = [];
  const requests: string[] = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  tab.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  tab.on('request', (r) => void (!r.url().startsWith('file:') && requests.push(r.url())));
  return { tab, errors, requests };
}
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tracelab view', () => {
  it('writes one offline page with -o', () => {
    const r = spawnSync(process.execPath, [cli, 'view', sample, '-o', page, '--isolated', '1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const html = fs.readFileSync(page, 'utf8');
    expect(html).toContain("default-src 'none'");
    // the page's own markup and script name no address (the bundled reader's licence comments do;
    // that it fetches nothing is checked in Chromium below)
    expect(html).toContain('<script id="reader">');
    expect(html.replace(/<script id="reader">[\s\S]*?<\/script>/, '')).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    expect(spawnSync(process.execPath, [cli, 'view', sample, '--isolated', '2'], { encoding: 'utf8' }).stderr).toMatch(/--isolated 2: .* has CPUs 0-1/);
  });

  it('serves it on 127.0.0.1 until interrupted', async () => {
    const p = spawn(process.execPath, [cli, 'view', sample], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await servedUrl(p);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('tracelab view');
    expect((await fetch(url + 'nothing')).status).toBe(404);
    const code = await new Promise<number | null>((resolve) => {
      p.on('exit', resolve);
      p.kill('SIGINT');
    });
    expect(code).toBe(0);
  });

  it('draws a before/after pair on one page, one above the other', () => {
    const other = path.join(dir, 'pair.html');
    const r = spawnSync(process.execPath, [cli, 'view', sample, sample, '-o', other], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const data = JSON.parse(/<script id="data" type="application\/json">(.*?)<\/script>/s.exec(fs.readFileSync(other, 'utf8'))![1]);
    expect(data.traces.map((t: { source: string }) => t.source)).toEqual([sample, sample]);
  });

  it.skipIf(!fs.existsSync(CHROMIUM))('draws the trace in a real headless Chromium, zooms, lists the visible events, fetches nothing (needs chromium)', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const { tab, errors, requests } = await watchedTab(browser);
      await tab.goto('file://' + page);
      const all = await tab.evaluate(() => ({
        events: (window as never as { TRACELAB: { traces: { events: { ts: Float64Array } }[] } }).TRACELAB.traces[0].events.ts.length,
        info: document.querySelector('.info')!.textContent,
        rows: document.querySelectorAll('#list div[data-i]').length,
        first: document.querySelector('#list div[data-i]')!.textContent,
      }));
      expect(all.events).toBe(34304);
      expect(all.info).toMatch(/^2 CPUs, 34304 events, 2\.102820 s; 34304 events shown$/);
      expect(all.rows).toBe(2000);
      expect(all.first).toMatch(/^ +bash-4259 +\[001\] +5168\.583513: ipi_send_cpu: /);
      // something is drawn on the timeline
      const inked = await tab.evaluate(() => {
        const c = document.querySelector('canvas') as HTMLCanvasElement;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i] < 200) n++;
        return n;
      });
      expect(inked).toBeGreaterThan(2000);
      // zoom in with the wheel over the timeline: fewer events in the window, the list follows
      const box = (await tab.locator('canvas').first().boundingBox())!;
      await tab.mouse.move(box.x + 300, box.y + 40);
      for (let i = 0; i < 25; i++) await tab.mouse.wheel(0, -200);
      await tab.waitForTimeout(100);
      const zoomed = await tab.evaluate(() => ({ info: document.querySelector('.info')!.textContent!, rows: document.querySelectorAll('#list div[data-i]').length }));
      const shown = Number(/; (\d+) events shown/.exec(zoomed.info)![1]);
      expect(shown).toBeLessThan(34304);
      expect(zoomed.rows).toBe(Math.min(shown, 2000));
      // a row per task on demand: pid 4261's runs on any CPU, counted on the trace: a run begins
      // where a sched_switch puts the task on a CPU (next_pid), or with the trace when a CPU's first
      // switch takes it off (prev_pid); it lasts until that CPU's next switch or the trace's end
      const t = await openTrace(sample);
      const sw = t.formats.find('sched_switch')[0];
      const [prevPid, nextPid] = [sw.field('prev_pid')!, sw.field('next_pid')!];
      let runs = 0;
      const seen = new Set<number>();
      for (const b of t.batches()) {
        for (let i = 0; i < b.length; i++) {
          if (b.type[i] !== sw.id) continue;
          if (!seen.has(b.cpu[i]) && b.dv.getInt32(b.off[i] + prevPid.offset, true) === 4261) runs++;
          seen.add(b.cpu[i]);
          if (b.dv.getInt32(b.off[i] + nextPid.offset, true) === 4261) runs++;
        }
      }
      t.close();
      const h0 = await tab.evaluate(() => (document.querySelector('canvas') as HTMLCanvasElement).style.height);
      await tab.fill('#taskRows', '4261');
      await tab.press('#taskRows', 'Enter');
      const rowed = await tab.evaluate(() => ({ info: document.querySelector('.info')!.textContent!, height: (document.querySelector('canvas') as HTMLCanvasElement).style.height }));
      expect(rowed.info).toMatch(new RegExp(`; task rows: \\S+-4261 \\(${runs} runs\\)$`));
      expect(parseInt(rowed.height)).toBe(parseInt(h0) + 34);
      await tab.waitForTimeout(100);
      expect(await tab.evaluate(() => location.hash)).toContain('tasks=4261');
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it.skipIf(!fs.existsSync(CHROMIUM))('a file opened or dropped on the offline page is read in the page by the same reader: a zstd trace.dat, gzipped report text; a bad one gets the CLI\'s line; nothing is fetched (needs chromium)', async () => {
    const { chromium } = await import('playwright-core');
    const { reportEventTexts } = await import('../../src/io/text/report-printer.ts');
    const { viewFilterMatches } = await import('../../src/analysis/view-data.ts');
    const small = path.join(dir, 'small.html');
    // the page starts with another trace (a text one): what it shows after must be the opened file's
    const txt = path.join(dir, 'start.txt');
    fs.writeFileSync(txt, 'cpus=1\n          <idle>-0     [000]   100.000001: sched_waking:         comm=kworker/0:2 pid=91 prio=120 target_cpu=000\n');
    expect(spawnSync(process.execPath, [cli, 'view', txt, '-o', small], { encoding: 'utf8' }).status).toBe(0);
    const bad = path.join(dir, 'notes.txt');
    fs.writeFileSync(bad, 'hello world\n');
    const cliLine = spawnSync(process.execPath, [cli, 'report', bad], { encoding: 'utf8' }).stderr.trim();
    const t = await openTrace(sample);
    const want = reportEventTexts(t, 100000);
    const q = 'ipi_send_cpu: cpu & CPUS{0}';
    const hits = viewFilterMatches(t, q).length;
    t.close();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const { tab, errors, requests } = await watchedTab(browser);
      await tab.goto('file://' + small);
      const settled = () => tab.waitForFunction(() => !/^reading /.test(document.getElementById('ferr')!.textContent!), null, { timeout: 60000 });
      type Shown = { title: string; info: string; err: string; texts: string[] };
      const shown = () => tab.evaluate(() => ({ title: document.getElementById('title')!.textContent!, info: document.querySelector('.info')!.textContent!, err: document.getElementById('ferr')!.textContent!, texts: (window as never as { TRACELAB: { traces: { texts: string[] }[] } }).TRACELAB.traces[0].texts })) as Promise<Shown>;
      // the zstd-compressed v7 sample, with the button: the same events and report text as the CLI's page
      await tab.setInputFiles('#open', sample);
      await settled();
      const dat = await shown();
      expect(dat.err).toBe('');
      expect(dat.title).toBe('real-ipi.dat');
      expect(dat.info).toMatch(/^2 CPUs, 34304 events, 2\.102820 s; 34304 events shown$/);
      expect(dat.texts.length).toBe(want.length);
      expect(dat.texts.every((x, k) => x === want[k])).toBe(true);
      // its filter box works in the page, on the file as read there: the server's counts and errors
      const filter = async (arg: string) => {
        await tab.fill('#filter', arg);
        await tab.press('#filter', 'Enter');
        await tab.waitForFunction(() => /match|^-F /.test(document.getElementById('ferr')!.textContent!));
        return tab.textContent('#ferr');
      };
      expect(await filter(q)).toBe(`${hits} events match`);
      expect(await filter('ipi_send_cpu: cpu ==')).toMatch(/^-F ipi_send_cpu: cpu ==: .+/);
      // dropped: gzipped report text (the reader's catalog gives its formats), then a file that is no trace
      const drop = async (file: string) => {
        const dt = await tab.evaluateHandle(([name, b64]) => {
          const d = new DataTransfer();
          d.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
          return d;
        }, [path.basename(file), fs.readFileSync(file).toString('base64')] as const);
        await tab.dispatchEvent('body', 'drop', { dataTransfer: dt });
        await settled();
        return shown();
      };
      const text = await drop(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz'));
      expect([text.title, text.err]).toEqual(['real-ipi.dat.report.txt.gz', '']);
      expect(text.texts.length).toBe(34304);
      expect(text.texts[0]).toBe(want[0]);
      const wrong = await drop(bad);
      // the CLI's line (its message names the file by the path it was given; the page by the file's name)
      expect(wrong.err).toBe(cliLine.replace(bad, 'notes.txt'));
      expect(wrong.title).toBe('real-ipi.dat.report.txt.gz');
      // the CLI's offline page carries a copy of its trace: the filter box works there too
      await tab.goto('file://' + page);
      expect(await filter(q)).toBe(`${hits} events match`);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it.skipIf(!fs.existsSync(CHROMIUM))('an emulated 80-CPU trace: 80 rows, a task span per sched_switch (and the last run) on each CPU, and a click on an IPI arrow gives its function, callsite, sender, target, latency and the stack of the sender (needs chromium)', async () => {
    const dat = path.join(dir, 'iso80.dat');
    const rec = spawnSync(process.execPath, [cli, 'record', '--scenario', 'isolation-ipi', '--duration', '1s', '-e', 'ipi', '-e', 'irq_vectors', '-e', 'sched:sched_switch', '-T', '-q', '-o', dat], { encoding: 'utf8' });
    expect(rec.status, rec.stderr).toBe(0);
    const html = path.join(dir, 'iso80.html');
    expect(spawnSync(process.execPath, [cli, 'view', dat, '-o', html, '--isolated', '4-79'], { encoding: 'utf8' }).status).toBe(0);
    // counted on the trace itself: sched_switch per CPU
    const t = await openTrace(dat);
    const switches = new Array<number>(t.cpus).fill(0);
    for (const b of t.batches()) for (let i = 0; i < b.length; i++) if (t.formats.get(b.type[i])?.name === 'sched_switch') switches[b.cpu[i]]++;
    expect(t.cpus).toBe(80);
    t.close();
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const { tab, errors } = await watchedTab(browser);
      await tab.goto('file://' + html);
      const got = await tab.evaluate(() => {
        const T = (window as never as { TRACELAB: { traces: { tasks: { cpu: Uint16Array }; arrows: { from: Uint16Array; to: Uint16Array; send: Float64Array; recv: Float64Array; label: Uint32Array }; labels: string[] }[] } }).TRACELAB.traces[0];
        const spans = new Array(80).fill(0);
        for (const c of T.tasks.cpu) spans[c]++;
        const A = T.arrows;
        let k = 0;
        while (k < A.to.length && A.to[k] !== 4) k++;
        return { height: (document.querySelector('canvas') as HTMLCanvasElement).style.height, spans, arrow: k < A.to.length ? { from: A.from[k], send: A.send[k], recv: A.recv[k], label: T.labels[A.label[k]] } : null };
      });
      // a row of 34 px per CPU under an 18 px axis
      expect(got.height).toBe(`${18 + 80 * 34 + 4}px`);
      for (let c = 0; c < 80; c++) if (switches[c]) expect(got.spans[c], `CPU ${c}`).toBe(switches[c] + 1);
      expect(got.arrow).not.toBeNull();
      const a = got.arrow!;
      // a window around that IPI, set by the URL; then a click where its arrow ends, on CPU 4's row
      const v0 = Math.floor(a.send) - 2000;
      const v1 = Math.ceil(a.recv) + 2000;
      await tab.goto('file://' + html + `#t0=${v0}&t1=${v1}`);
      await tab.reload();
      const box = (await tab.locator('canvas').first().boundingBox())!;
      await tab.mouse.click(box.x + 90 + ((a.recv - v0) / (v1 - v0)) * (box.width - 94), box.y + 18 + 4 * 34 + 21);
      const detail = await tab.textContent('#detail');
      // the function, where it was sent from, sender, target, latency; then the sender's stack (-T)
      const [head, ...stack] = detail!.split('\n');
      expect(head).toMatch(new RegExp(`^IPI ${a.label.replace(/[+.]/g, '\\$&')}: sent on CPU ${a.from} at \\d+\\.\\d{9} from [\\w.]+\\+0x[0-9a-f]+, handled on CPU 4 at \\d+\\.\\d{9} \\(${((a.recv - a.send) / 1e3).toFixed(3)} us later\\)$`));
      expect(stack[0]).toBe('<stack trace >');
      expect(stack.length).toBeGreaterThan(2);
      for (const l of stack.slice(1)) expect(l).toMatch(/^=> \S+ \([0-9a-f]+\)$/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it.skipIf(!fs.existsSync(CHROMIUM))('passing over a pixel column\'s sub-pixel spans and IPI arrows at once draws what visiting each of them draws, zoomed out and in (needs chromium)', async () => {
    // nested spans: a short irq, a long softirq and an irq inside it start in one pixel column
    // (the long one must be drawn, not counted with the others); kernel text, read as the CLI reads it
    const nested = path.join(dir, 'nested.txt');
    const line = (ts: string, flags: string, ev: string) => `          <idle>-0       [000] ${flags}  ${ts}: ${ev}\n`;
    fs.writeFileSync(
      nested,
      '# tracer: nop\n#\n' +
        line('1000.000000', 'd.h1.', 'irq_handler_entry: irq=11 name=eth0') +
        line('1000.000001', 'd.h1.', 'irq_handler_exit: irq=11 ret=handled') +
        line('1000.000002', '..s1.', 'softirq_entry: vec=1 [action=TIMER]') +
        line('1000.000003', 'd.H2.', 'irq_handler_entry: irq=11 name=eth0') +
        line('1000.000004', 'd.H2.', 'irq_handler_exit: irq=11 ret=handled') +
        line('1000.000500', '..s1.', 'softirq_exit: vec=1 [action=TIMER]') +
        line('1000.100000', 'd.h1.', 'irq_handler_entry: irq=11 name=eth0') +
        line('1000.100001', 'd.h1.', 'irq_handler_exit: irq=11 ret=handled'),
    );
    // an emulated trace with thousands of irq spans and IPIs per pixel column when zoomed out
    const dat = path.join(dir, 'lod.dat');
    const rec = spawnSync(process.execPath, [cli, 'record', '--scenario', 'isolation-ipi', '--duration', '2s', '-e', 'ipi', '-e', 'irq_vectors', '-e', 'irq', '-e', 'sched:sched_switch', '-q', '-o', dat], { encoding: 'utf8' });
    expect(rec.status, rec.stderr).toBe(0);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      for (const [trace, rounds] of [[nested, 1], [dat, 14]] as const) {
        const html = trace + '.html';
        const made = spawnSync(process.execPath, [cli, 'view', trace, '-o', html, ...(trace === dat ? ['--isolated', '4-79'] : [])], { encoding: 'utf8' });
        expect(made.status, made.stderr).toBe(0);
        const { tab, errors } = await watchedTab(browser);
        await tab.goto('file://' + html);
        // the canvas as drawn with and without window.TRACELAB.exact (a redraw: the arrows box, twice)
        const both = () =>
          tab.evaluate(() => {
            const w = window as never as { TRACELAB: { exact?: boolean } };
            const box = document.getElementById('showArrows') as HTMLInputElement;
            const draw = (exact: boolean) => {
              w.TRACELAB.exact = exact;
              for (let k = 0; k < 2; k++) {
                box.checked = !box.checked;
                box.dispatchEvent(new Event('change'));
              }
              return (document.querySelector('canvas') as HTMLCanvasElement).toDataURL();
            };
            const [fast, exact] = [draw(false), draw(true)];
            w.TRACELAB.exact = false;
            return { fast, exact };
          });
        const counts = await tab.evaluate(() => {
          const D = (window as never as { TRACELAB: { traces: { arrows: { send: Float64Array }; kspans: { start: Float64Array } }[] } }).TRACELAB.traces[0];
          return { arrows: D.arrows.send.length, kspans: D.kspans.start.length };
        });
        if (trace === nested) expect(counts.kspans).toBe(4);
        else expect(counts.arrows).toBeGreaterThan(1000);
        // 3 wheel steps a round: the emulated 2 s down to ~0.3 ms in 14 rounds (a pixel from ~2 ms to ~0.3 µs)
        for (let z = 0; z < rounds; z++) {
          const { fast, exact } = await both();
          expect(fast === exact, `${path.basename(trace)}, zoom round ${z}`).toBe(true);
          for (let k = 0; k < 3; k++) await tab.evaluate(() => document.querySelector('canvas')!.dispatchEvent(new WheelEvent('wheel', { deltaY: -200, clientX: 500, clientY: 60, bubbles: true, cancelable: true })));
        }
        expect(errors).toEqual([]);
        await tab.close();
      }
    } finally {
      await browser.close();
    }
  });

  it.skipIf(!fs.existsSync(CHROMIUM))('served: the filter box takes report -F\'s kernel language, markers give their delta, the URL restores the view, KernelShark keys work (needs chromium)', async () => {
    const p = spawn(process.execPath, [cli, 'view', sample], { stdio: ['ignore', 'pipe', 'pipe'] });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const url = await servedUrl(p);
      // what the filter must select, counted on the trace itself
      const t = await openTrace(sample);
      const want: number[] = [];
      let k = 0;
      const cpuField = t.formats.find('ipi_send_cpu')[0].field('cpu')!;
      for (const b of t.batches()) {
        for (let i = 0; i < b.length; i++, k++) if (t.formats.get(b.type[i])?.name === 'ipi_send_cpu' && b.dv.getUint32(b.off[i] + cpuField.offset, true) === 0) want.push(k);
      }
      t.close();
      const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const errors: string[] = [];
      const requests: string[] = [];
      tab.on('pageerror', (e) => errors.push(String(e)));
      tab.on('request', (r) => void requests.push(r.url()));
      await tab.goto(url);
      await tab.fill('#filter', 'ipi_send_cpu: cpu & CPUS{0}');
      await tab.press('#filter', 'Enter');
      await tab.waitForFunction(() => /match/.test(document.getElementById('ferr')!.textContent!));
      const listed = await tab.evaluate(() => Array.from(document.querySelectorAll('#list div[data-i]'), (d) => Number((d as HTMLElement).dataset.i)));
      expect(listed.length).toBeGreaterThan(100);
      expect(listed).toEqual(want.slice(0, listed.length));
      expect(await tab.textContent('#ferr')).toBe(`${want.length} events match`);
      expect(await tab.evaluate(() => document.querySelectorAll('#list div[data-i]')[0].textContent)).toMatch(/ ipi_send_cpu: +cpu=0 /);
      // a bad filter: the CLI's one-line error, in the page
      await tab.fill('#filter', 'ipi_send_cpu: cpu ==');
      await tab.press('#filter', 'Enter');
      await tab.waitForFunction(() => /Invalid/.test(document.getElementById('ferr')!.textContent!));
      expect(await tab.textContent('#ferr')).toMatch(/^-F ipi_send_cpu: cpu ==: .+/);
      await tab.fill('#filter', 'ipi_send_cpu: cpu & CPUS{0}');
      await tab.press('#filter', 'Enter');
      await tab.waitForFunction(() => /match/.test(document.getElementById('ferr')!.textContent!));
      // markers: shift-click A, ctrl-click B, on the events picked; their delta in µs
      const box = (await tab.locator('canvas').first().boundingBox())!;
      const clickWith = async (key: string, x: number, y: number) => {
        await tab.keyboard.down(key);
        await tab.mouse.click(x, y);
        await tab.keyboard.up(key);
      };
      await clickWith('Shift', box.x + 300, box.y + 18 + 5);
      await clickWith('Control', box.x + 700, box.y + 18 + 34 + 5);
      const marks = await tab.textContent('#marks');
      const m = /^A (\d+\.\d{9})  B (\d+\.\d{9})  B-A (-?\d+\.\d{3}) us$/.exec(marks!);
      expect(m, JSON.stringify(marks)).not.toBeNull();
      const ns = (x: string) => BigInt(x.replace('.', ''));
      expect(Number(ns(m![2]) - ns(m![1])) / 1e3).toBeCloseTo(Number(m![3]), 3);
      // zoom, then open the page's own URL afresh: the same window, filter and markers
      await tab.mouse.move(box.x + 500, box.y + 40);
      for (let i = 0; i < 10; i++) await tab.mouse.wheel(0, -200);
      await tab.waitForTimeout(100);
      const before = await tab.evaluate(() => ({ t0: (document.getElementById('t0') as HTMLInputElement).value, t1: (document.getElementById('t1') as HTMLInputElement).value, marks: document.getElementById('marks')!.textContent, url: location.href }));
      expect(before.url).toContain('#t0=');
      const again = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      again.on('request', (r) => void requests.push(r.url()));
      await again.goto(before.url);
      await again.waitForFunction(() => /match/.test(document.getElementById('ferr')!.textContent!));
      const after = await again.evaluate(() => ({ t0: (document.getElementById('t0') as HTMLInputElement).value, t1: (document.getElementById('t1') as HTMLInputElement).value, marks: document.getElementById('marks')!.textContent, filter: (document.getElementById('filter') as HTMLInputElement).value }));
      expect(after).toEqual({ t0: before.t0, t1: before.t1, marks: before.marks, filter: 'ipi_send_cpu: cpu & CPUS{0}' });
      // KernelShark's keys: down / up step through the (filtered) list, shift+A / shift+B put the
      // markers on the selected event, ctrl+D takes the last one away, + zooms
      const selected = () => again.evaluate(() => { const d = document.querySelector('#list div.sel') as HTMLElement | null; return d ? { i: Number(d.dataset.i), time: /(\d+\.\d{6}):/.exec(d.textContent!)![1] } : null; });
      await again.locator('#list div[data-i]').nth(2).click();
      const k0 = want.indexOf((await selected())!.i);
      expect(k0).toBeGreaterThanOrEqual(0);
      await again.keyboard.press('ArrowDown');
      await again.keyboard.press('ArrowDown');
      expect((await selected())!.i).toBe(want[k0 + 2]);
      await again.keyboard.press('ArrowUp');
      const a = (await selected())!;
      expect(a.i).toBe(want[k0 + 1]);
      await again.keyboard.press('Shift+A');
      await again.keyboard.press('ArrowDown');
      const b = (await selected())!;
      await again.keyboard.press('Shift+B');
      const km = /^A (\d+\.\d{9})  B (\d+\.\d{9})  B-A (-?\d+\.\d{3}) us$/.exec((await again.textContent('#marks'))!);
      expect(km).not.toBeNull();
      // the list prints µs (rounded), the markers ns
      expect(Math.abs(Number(km![1]) - Number(a.time))).toBeLessThan(1e-6);
      expect(Math.abs(Number(km![2]) - Number(b.time))).toBeLessThan(1e-6);
      await again.keyboard.press('Control+D');
      expect(await again.textContent('#marks')).toMatch(/^A \d+\.\d{9}$/);
      await again.keyboard.press('Control+D');
      expect(await again.textContent('#marks')).toBe('');
      const w0 = await again.evaluate(() => Number((document.getElementById('t1') as HTMLInputElement).value) - Number((document.getElementById('t0') as HTMLInputElement).value));
      await again.keyboard.press('+');
      await again.waitForTimeout(50);
      const w1 = await again.evaluate(() => Number((document.getElementById('t1') as HTMLInputElement).value) - Number((document.getElementById('t0') as HTMLInputElement).value));
      expect(w1 / w0).toBeCloseTo(0.5, 2);
      expect(errors).toEqual([]);
      // nothing leaves 127.0.0.1
      expect(requests.filter((r) => !r.startsWith(url))).toEqual([]);
    } finally {
      await browser.close();
      p.kill('SIGINT');
    }
  });
});
