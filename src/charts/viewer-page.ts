import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ViewData } from '../analysis/view-data.ts';
import { UserError } from '../core/errors.ts';
import { packageRoot } from '../core/package-root.ts';

/**
 * `tracelab view`: one self-contained offline page (no network, no library)
 * that draws a trace as KernelShark does: a row per CPU with the task that ran
 * (colour per task, its comm where the span is wide enough), the kernel's irq,
 * softirq and IPI-handler spans nested under it, a strip of every event (each
 * pixel column shows how many it holds, nothing dropped), and IPIs as arrows
 * from the sending CPU to the handler that served them. Wheel or w/s zoom
 * around the pointer, drag or a/d pan, the window can be typed in seconds;
 * the list below shows the visible events in `trace-cmd report`'s format and
 * a search box filters it (and marks the hits on the timeline). Served by
 * `tracelab view`, a filter box takes `report -F`'s kernel filter language,
 * evaluated by the server on the trace itself. Shift-click and Ctrl-click set
 * markers A and B (their delta is shown); the URL's #fragment holds the window,
 * search, filter and markers, so a link restores the view.
 */
export interface ViewerTrace {
  data: ViewData;
  /** Each event's report text, in event order (the first texts.length events). */
  texts: string[];
}

export interface ViewerOptions {
  /** CPUs drawn as isolated (nohz_full). */
  isolated?: number[];
  /** Served by `tracelab view`: the filter box asks the server (`filter?trace=K&q=ARG`). */
  served?: boolean;
  /**
   * The page's own reader (the browser bundle's text, TracelabReader): a
   * trace.dat, report or kernel text dropped on the page (or opened with its
   * button) is read in the page and shown in place of what it shows.
   */
  reader?: string;
  /** What reading the traces warned about, shown under the header. */
  warnings?: string[];
  /**
   * The traces' own bytes, one per trace (an offline page with the reader):
   * its filter box reopens them in the page on first use and filters there.
   */
  files?: { name: string; bytes: Uint8Array }[];
  /** Why an offline page has no filter box (no reader, no copy of the traces). */
  noFilter?: string;
  /** The reader holds the traces open (a file opened in the page): the filter box works in the page. */
  local?: boolean;
}

const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** The data as JSON: typed columns in base64 (decoded into typed arrays by the page), strings as arrays. */
export function payload(traces: ViewerTrace[], o: ViewerOptions): string {
  const cols = (o2: Record<string, ArrayBufferView>) => Object.fromEntries(Object.entries(o2).map(([k, v]) => [k, { t: v.constructor.name, b: b64(v) }]));
  const json = JSON.stringify({
    isolated: o.isolated ?? [],
    served: !!o.served,
    local: !!o.local || !!o.files?.length,
    noFilter: o.noFilter ?? '',
    warnings: o.warnings ?? [],
    traces: traces.map(({ data: d, texts }) => ({
      source: d.source,
      cpus: d.cpus,
      originNs: d.originNs,
      tsBaseSec: d.tsBaseSec,
      spanNs: d.spanNs,
      names: d.names,
      comms: d.comms,
      labels: d.labels,
      events: cols(d.events),
      tasks: cols(d.tasks),
      kspans: cols(d.kspans),
      arrows: cols(d.arrows),
      texts,
    })),
  });
  // nothing in the data can end the script element
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Events whose report text a page holds for a file opened in it (as `tracelab view --max-list`'s default). */
export const MAX_LIST_DROPPED = 100000;

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The page's own reader for dropped files (the build's browser bundle), or none when not built. */
export function viewerReaderScript(): string | undefined {
  const f = path.join(packageRoot(), 'dist/bundle/viewer-reader.js');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined;
}

/**
 * The page for one trace, or several (a series' before and after) drawn one
 * above the other on the same window of time since each trace's first event.
 * A page holds every event as text, and a JavaScript string tops out at 2^29
 * characters (about 30 M events): past that, a UserError that says how to view a part.
 */
export function viewerPage(traces: ViewerTrace[], o: ViewerOptions = {}): string {
  try {
    return page(traces, o);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const events = traces.reduce((n, t) => n + t.data.events.ts.length, 0);
    throw new UserError(`view: ${events} events are more than one page holds (its text would pass JavaScript's longest string, about 30 M events): view a part, cut with \`tracelab split\` (e.g. -e 10000000 -r for files of 10 M events, or START END in seconds)`);
  }
}

function page(traces: ViewerTrace[], o: ViewerOptions): string {
  // with the reader, its zstd is WASM, and binary-parser compiles the trace.dat layouts (ours, never
  // the file's bytes) with new Function: the page allows both, and still fetches nothing
  const title = traces.map((t) => t.data.source).join(' vs ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'${o.reader ? " 'unsafe-eval' 'wasm-unsafe-eval'" : ''}; style-src 'unsafe-inline'; img-src data:${o.served ? "; connect-src 'self'" : ''}">
<title>${escapeHtml(title)} - tracelab view</title>
<style>
body{margin:0;font:13px/1.3 system-ui,sans-serif;color:#222;display:flex;flex-direction:column;height:100vh}
header{padding:6px 10px;border-bottom:1px solid #ddd;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
header input[type=text]{width:110px}
#search{width:220px}
#filter{width:300px}
#ferr{color:#b00}
#warn{color:#8a6d00;font-size:12px;padding:0 10px;white-space:pre-wrap}
#wrap{position:relative;flex:0 0 auto;border-bottom:1px solid #ddd;overflow-y:auto;max-height:60vh}
.trace{font-weight:bold;padding:3px 6px;background:#f0f0f0;border-top:1px solid #ddd}
.info{font-weight:normal;color:#555;margin-left:8px}
canvas{display:block;cursor:grab}
#detail{padding:4px 10px;min-height:1.3em;background:#fafafa;border-bottom:1px solid #ddd;font-family:monospace;white-space:pre}
#list{flex:1 1 auto;overflow:auto;font:12px/1.35 monospace;white-space:pre;padding:0 10px}
#list div{cursor:pointer}
#list div.sel{background:#cde}
.key{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px;vertical-align:middle}
</style></head><body>
<header>
<b id="title">${escapeHtml(title)}</b>${o.reader ? '\n<label title="or drop a trace.dat, report text or kernel text on the page">open <input id="open" type="file"></label>' : ''}
<label>from <input id="t0" type="text"></label><label>to <input id="t1" type="text"> s</label>
<button id="zin" title="w">zoom in</button><button id="zout" title="s">zoom out</button><button id="reset" title="0">all</button>
<label><input id="showArrows" type="checkbox" checked> IPI arrows</label>
<input id="search" type="text" placeholder="search the events (regex)">
<input id="filter" type="text" placeholder="filter: EVENTS[: FILTER], as report -F (Enter)">
<span id="ferr"></span>
<span id="marks" title="shift-click or shift+A: marker A, ctrl-click or shift+B: marker B (on the selected event), ctrl+D: take the last one away"></span>
<span id="keys" title="keys (KernelShark's): + - zoom, left right scroll, up down the event before / after, shift+A shift+B markers on the selected event, ctrl+D take the last marker away; also w s a d, and 0 for the whole trace">keys</span>
<label title="a row per task, below the CPUs: pids or comms, comma-separated (Enter)">task rows <input id="taskRows" type="text"></label>
<span id="which"></span>
<span><span class="key" style="background:#d62728"></span>irq<span class="key" style="background:#ff7f0e"></span>softirq<span class="key" style="background:#9467bd"></span>IPI / vector handler</span>
</header>
<div id="warn"></div>
<div id="wrap"></div>
<div id="detail"></div>
<div id="list"></div>
<script id="data" type="application/json">${payload(traces, o)}</script>${o.files?.length ? `\n<script id="files" type="application/json">${JSON.stringify(o.files.map((f) => ({ name: f.name, b64: b64(f.bytes) })))}</script>` : ''}${o.reader ? `\n<script id="reader">${o.reader}</script>` : ''}
<script>
"use strict";
// start(ALL) draws a payload; again for a file opened in the page (the old listeners go with its signal)
let running = null;
function start(ALL) {
if (running) running.abort();
running = new AbortController();
const signal = running.signal;
document.getElementById('wrap').replaceChildren();
document.getElementById('title').textContent = document.title = ALL.traces.map((t) => t.source).join(' vs ');
document.getElementById('warn').textContent = (ALL.warnings || []).map((w) => 'warning: ' + w).join('\\n');
function col(c) {
  const bin = atob(c.b);
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return new globalThis[c.t](u8.buffer);
}
const iso = new Set(ALL.isolated);
const LEFT = 90, ROW = 34, TOP = 18;
// per trace: its columns, per-CPU span indexes, canvas
function byCpu(D, s) {
  const per = Array.from({ length: D.cpus }, () => []);
  for (let i = 0; i < s.cpu.length; i++) if (s.cpu[i] < D.cpus) per[s.cpu[i]].push(i);
  for (const l of per) l.sort((a, b) => s.start[a] - s.start[b]);
  return per.map((l) => Int32Array.from(l));
}
// the longest span per CPU bounds how far back a span may start and still be visible
const longest = (s, idx) => idx.map((l) => { let m = 0; for (const i of l) m = Math.max(m, s.end[i] - s.start[i]); return m; });
// blocks of 32 (start or send order) with the latest end, or the earliest and latest receive, in each:
// a pixel column's thousands of sub-pixel spans or arrows are passed over at once when no member
// reaches past the column (a 10M-event trace visited each: 40-80 ms a zoomed-out frame)
function blockMax(vals, idx) { const m = new Float64Array(Math.ceil(idx.length / 32)).fill(-Infinity); for (let k = 0; k < idx.length; k++) { const v = vals[idx[k]]; if (v > m[k >> 5]) m[k >> 5] = v; } return m; }
function blockMin(vals, idx) { const m = new Float64Array(Math.ceil(idx.length / 32)).fill(Infinity); for (let k = 0; k < idx.length; k++) { const v = vals[idx[k]]; if (v < m[k >> 5]) m[k >> 5] = v; } return m; }
// the largest (sign 1) or smallest (sign -1) of vals[idx[a..b)], whole blocks read from bm
function rangeExt(vals, idx, bm, a, b, sign) {
  let m = sign > 0 ? -Infinity : Infinity, k = a;
  const better = (v) => (sign > 0 ? v > m : v < m);
  for (; k < b && (k & 31); k++) if (better(vals[idx[k]])) m = vals[idx[k]];
  for (; k + 32 <= b; k += 32) if (better(bm[k >> 5])) m = bm[k >> 5];
  for (; k < b; k++) if (better(vals[idx[k]])) m = vals[idx[k]];
  return m;
}
// each (sender, target) pair's IPIs in send order, with blocks of their receive times and the longest latency
function arrowPairs(AR, ncpu) {
  const by = new Map();
  for (let i = 0; i < AR.send.length; i++) { const key = AR.from[i] * ncpu + AR.to[i]; let l = by.get(key); if (!l) by.set(key, (l = [])); l.push(i); }
  return [...by.values()].map((l) => {
    l.sort((a, b) => AR.send[a] - AR.send[b] || a - b);
    const idx = Int32Array.from(l), send = Float64Array.from(l, (i) => AR.send[i]);
    let lat = 0;
    for (const i of l) lat = Math.max(lat, AR.recv[i] - AR.send[i]);
    return { idx, send, lat, lo: blockMin(AR.recv, idx), hi: blockMax(AR.recv, idx) };
  });
}
const wrap = document.getElementById('wrap');
const VIEWS = ALL.traces.map((D, k) => {
  for (const key of ['events', 'tasks', 'kspans', 'arrows']) for (const f of Object.keys(D[key])) D[key][f] = col(D[key][f]);
  const head = document.createElement('div');
  head.className = 'trace';
  head.innerHTML = '<span></span><span class="info"></span>';
  head.firstChild.textContent = D.source;
  const cv = document.createElement('canvas');
  wrap.append(head, cv);
  const taskIdx = byCpu(D, D.tasks), kIdx = byCpu(D, D.kspans);
  return { k, D, cv, ctx: cv.getContext('2d'), info: head.lastChild, taskIdx, kIdx, taskLong: longest(D.tasks, taskIdx), kLong: longest(D.kspans, kIdx), kEnd: kIdx.map((l) => blockMax(D.kspans.end, l)), pairs: arrowPairs(D.arrows, D.cpus), sel: -1, marks: null };
});
// window.TRACELAB.exact = true draws visiting every span and arrow (the test of the column skipping)
window.TRACELAB = ALL;
const SPAN = Math.max(1, ...ALL.traces.map((D) => D.spanNs));
let W = 800, v0 = 0, v1 = SPAN, cur = 0;
// markers A and B: times since the traces' start (null: not set)
let mA = null, mB = null;
// task rows (KernelShark's task plots): the pids shown below the CPUs
let taskRows = [];
// a task's runs on every CPU, in time order (made once per task), with the longest run's length
function taskRuns(V, pid) {
  const memo = V.runs || (V.runs = new Map());
  let r = memo.get(pid);
  if (!r) {
    const TK = V.D.tasks, idx = [];
    for (let i = 0; i < TK.pid.length; i++) if (TK.pid[i] === pid) idx.push(i);
    idx.sort((a, b) => TK.start[a] - TK.start[b]);
    r = Int32Array.from(idx);
    let m = 0;
    for (const i of r) m = Math.max(m, TK.end[i] - TK.start[i]);
    r.long = m;
    memo.set(pid, r);
  }
  return r;
}
// "4261, kworker/0:1": pids as given, comms as every pid that ran with that name (in any trace)
function setTaskRows(text) {
  const out = [];
  for (const w of text.split(',').map((x) => x.trim()).filter((x) => x)) {
    if (/^-?\\d+$/.test(w)) { if (!out.includes(Number(w))) out.push(Number(w)); continue; }
    for (const V of VIEWS) {
      const c = V.D.comms.indexOf(w);
      if (c < 0) continue;
      const TK = V.D.tasks;
      for (let i = 0; i < TK.comm.length; i++) if (TK.comm[i] === c && !out.includes(TK.pid[i])) out.push(TK.pid[i]);
    }
  }
  taskRows = out;
}
const hue = (k) => { let h = 2166136261; for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 16777619); return (h >>> 0) % 360; };
const KCOL = ['#d62728', '#ff7f0e', '#9467bd'];
const fmt = (ns) => (ns / 1e9).toFixed(ns < 1e7 ? 9 : 6);
const absTime = (D, ns) => { const t = D.originNs + ns; const s = Math.floor(t / 1e9); return (D.tsBaseSec + s) + '.' + String(Math.round(t - s * 1e9)).padStart(9, '0'); };
function lowerBound(a, x) { let l = 0, u = a.length; while (l < u) { const m = (l + u) >>> 1; if (a[m] < x) l = m + 1; else u = m; } return l; }
// each CPU's event times, in order (made once, for the zoomed-out counts)
function byCpuTimes(E, ncpu) {
  const n = new Int32Array(ncpu);
  for (let i = 0; i < E.cpu.length; i++) if (E.cpu[i] < ncpu) n[E.cpu[i]]++;
  const out = Array.from(n, (k) => new Float64Array(k));
  n.fill(0);
  for (let i = 0; i < E.cpu.length; i++) { const c = E.cpu[i]; if (c < ncpu) out[c][n[c]++] = E.ts[i]; }
  return out;
}
function firstSpan(s, idx, t) { let l = 0, u = idx.length; while (l < u) { const m = (l + u) >>> 1; if (s.start[idx[m]] < t) l = m + 1; else u = m; } return l; }
const X = (ns) => LEFT + ((ns - v0) / (v1 - v0)) * (W - LEFT - 4);
const T = (x) => v0 + ((x - LEFT) / (W - LEFT - 4)) * (v1 - v0);
function layout() {
  W = wrap.clientWidth;
  const r = window.devicePixelRatio || 1;
  for (const V of VIEWS) {
    const H = TOP + (V.D.cpus + taskRows.length) * ROW + 4;
    V.cv.width = W * r; V.cv.height = H * r; V.cv.style.width = W + 'px'; V.cv.style.height = H + 'px';
    V.ctx.setTransform(r, 0, 0, r, 0, 0);
  }
}
function spans(ctx, s, idx, long, cpu, y, h, color, label, disjoint, ends) {
  const l = idx[cpu], st = s.start, en = s.end;
  let k = firstSpan(s, l, v0 - long[cpu]);
  const perNs = (W - LEFT - 4) / (v1 - v0), right = W - 4;
  // sub-pixel spans are summed per pixel column: drawn as one column in its first span's colour,
  // shaded by how many it holds (no colour or call per span: a zoomed-out 10^5 spans stay cheap)
  let binX = -1, binN = 0, binI = -1;
  const flush = () => { if (binN) { ctx.fillStyle = color(binI); ctx.globalAlpha = Math.min(1, 0.35 + binN / 8); ctx.fillRect(binX, y, 1, h); ctx.globalAlpha = 1; binN = 0; } };
  for (; k < l.length; k++) {
    const i = l[k];
    const a = st[i];
    if (a > v1) break;
    const b = en[i];
    if (b < v0) continue;
    let x0 = LEFT + (a - v0) * perNs, x1 = LEFT + (b - v0) * perNs;
    if (x0 < LEFT) x0 = LEFT;
    if (x1 > right) x1 = right;
    if (x1 - x0 < 1) {
      const px = Math.floor(x0);
      if (px !== binX) { flush(); binX = px; binI = i; }
      binN++;
      // the others that start in this column are counted at once, not visited, when they end in it
      // too: always for spans that do not overlap (a CPU's tasks), else when the latest end of
      // theirs (blocks of 32, ends[cpu]) does; the last that starts here is visited next
      if ((disjoint || ends) && !ALL.exact) {
        const colEnd = v0 + (px + 1 - LEFT) / perNs;
        const kk = firstSpan(s, l, colEnd) - 1;
        if (kk > k + 1 && (disjoint || rangeExt(en, l, ends[cpu], k + 1, kk, 1) < colEnd)) { binN += kk - k - 1; k = kk - 1; }
      }
      continue;
    }
    flush();
    ctx.fillStyle = color(i);
    ctx.fillRect(x0, y, x1 - x0, h);
    if (label && x1 - x0 > 40) { ctx.fillStyle = '#000'; ctx.save(); ctx.beginPath(); ctx.rect(x0, y, x1 - x0, h); ctx.clip(); ctx.fillText(label(i), x0 + 3, y + h - 3); ctx.restore(); }
  }
  flush();
}
function drawOne(V) {
  const { D, ctx } = V, E = D.events, TK = D.tasks, KS = D.kspans, AR = D.arrows;
  // a colour per task name, made once
  const colors = V.colors || (V.colors = new Map());
  const taskColor = (c) => { let col = colors.get(c); if (col === undefined) { const name = D.comms[c] || ''; const h = hue(name); col = name.startsWith('swapper') ? '#e8e8e8' : 'hsl(' + h + ',55%,' + (62 + (h % 3) * 6) + '%)'; colors.set(c, col); } return col; };
  ctx.clearRect(0, 0, W, V.cv.height);
  ctx.font = '11px system-ui,sans-serif';
  const span = v1 - v0;
  // time axis: ticks on round values, the same for every trace
  const step = Math.pow(10, Math.floor(Math.log10(span / 6)));
  const tick = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 8);
  ctx.fillStyle = '#555'; ctx.strokeStyle = '#eee';
  for (let t = Math.ceil(v0 / tick) * tick; t <= v1; t += tick) {
    const x = X(t);
    ctx.beginPath(); ctx.moveTo(x, TOP - 4); ctx.lineTo(x, TOP + D.cpus * ROW); ctx.stroke();
    ctx.fillText(fmt(t), x + 2, 11);
  }
  // events in the window, counted per CPU and pixel column
  const e0 = lowerBound(E.ts, v0), e1 = lowerBound(E.ts, v1 + 1);
  const cols = W - LEFT;
  const counts = new Uint32Array(D.cpus * cols);
  const perNs = (W - LEFT - 4) / (v1 - v0), ncpu = D.cpus, last = cols - 1;
  if (e1 - e0 <= cols * ncpu * 4) {
    // few events: each to its column
    const ets = E.ts, ecpu = E.cpu;
    for (let i = e0; i < e1; i++) {
      const c = ecpu[i];
      if (c >= ncpu) continue;
      let x = Math.floor((ets[i] - v0) * perNs);
      if (x > last) x = last; else if (x < 0) x = 0;
      counts[c * cols + x]++;
    }
  } else {
    // many: per CPU, each column's count is the difference of two binary searches in that CPU's
    // times (exact, as above; a frame costs columns x CPUs x log(events), not events)
    const perCpu = V.perCpu || (V.perCpu = byCpuTimes(E, ncpu));
    for (let c = 0; c < ncpu; c++) {
      const ts = perCpu[c];
      let lo = lowerBound(ts, v0);
      const end = lowerBound(ts, v1 + 1);
      for (let x = 0; x < last && lo < end; x++) {
        const hi = Math.min(end, lowerBound(ts, v0 + (x + 1) / perNs));
        counts[c * cols + x] = hi - lo;
        lo = hi;
      }
      counts[c * cols + last] += end - lo;
    }
  }
  for (let c = 0; c < D.cpus; c++) {
    const y = TOP + c * ROW;
    ctx.fillStyle = iso.has(c) ? '#f3f0ff' : (c % 2 ? '#fbfbfb' : '#fff');
    ctx.fillRect(0, y, W, ROW);
    ctx.fillStyle = '#222';
    ctx.fillText('CPU ' + c + (iso.has(c) ? ' (isolated)' : ''), 4, y + 14);
    spans(ctx, TK, V.taskIdx, V.taskLong, c, y + 2, 14, (i) => taskColor(TK.comm[i]), (i) => D.comms[TK.comm[i]] + '-' + TK.pid[i], true);
    spans(ctx, KS, V.kIdx, V.kLong, c, y + 17, 8, (i) => KCOL[KS.kind[i]] || '#888', null, false, V.kEnd);
    // the event strip: one column per pixel, darker with more events
    for (let x = 0; x < cols; x++) {
      const n = counts[c * cols + x];
      if (!n) continue;
      ctx.fillStyle = n > 8 ? '#000' : 'rgba(0,0,0,' + (0.25 + n / 12) + ')';
      ctx.fillRect(LEFT + x, y + 27, 1, 5);
    }
  }
  if (V.marks) {
    ctx.fillStyle = '#e6a800';
    for (const i of V.marks) { if (E.ts[i] < v0 || E.ts[i] > v1) continue; ctx.fillRect(X(E.ts[i]), TOP + E.cpu[i] * ROW + 25, 1, 8); }
  }
  if (document.getElementById('showArrows').checked) {
    // an arrow per IPI; many into one pixel column between the same CPUs are drawn once (a numeric
    // key: the columns, clamped to just off the canvas, and the two CPUs). One path per colour for
    // the shafts and one for the heads: a stroke() and fill() per arrow made a zoomed-out frame of
    // the 2M-event bench file take 40-70 ms
    const seen = new Set();
    const nc = D.cpus, span = W + 3, px = (x) => Math.max(0, Math.min(W + 2, Math.round(x) + 1));
    const colors = V.arrowColors || (V.arrowColors = D.labels.map((l) => 'hsl(' + hue(l) + ',70%,40%)'));
    const byLabel = new Map();
    const arrow = (i) => {
      if (AR.recv[i] < v0) return;
      const x0 = X(AR.send[i]), x1 = X(AR.recv[i]);
      const key = ((px(x0) * span + px(x1)) * nc + AR.from[i]) * nc + AR.to[i];
      if (seen.has(key)) return;
      seen.add(key);
      let xy = byLabel.get(AR.label[i]);
      if (!xy) byLabel.set(AR.label[i], (xy = []));
      xy.push(x0, TOP + AR.from[i] * ROW + 9, x1, TOP + AR.to[i] * ROW + 21);
    };
    // per pair, a column at a time: its IPIs share sender, target and column, so when their
    // receive times fall in one column too they are one arrow, the first of them
    for (const P of V.pairs) {
      const n = P.idx.length;
      let k = lowerBound(P.send, v0 - P.lat);
      while (k < n && P.send[k] <= v1) {
        const p0 = px(X(P.send[k]));
        // px() rounds: column p0 ends at x = p0 - 0.5
        const e = p0 >= W + 2 ? n : Math.max(k + 1, lowerBound(P.send, T(p0 - 0.5)));
        if (e - k > 2 && !ALL.exact) {
          const lo = rangeExt(AR.recv, P.idx, P.lo, k, e, -1), hi = rangeExt(AR.recv, P.idx, P.hi, k, e, 1);
          if (lo >= v0 && px(X(lo)) === px(X(hi))) { arrow(P.idx[k]); k = e; continue; }
        }
        for (; k < e && P.send[k] <= v1; k++) arrow(P.idx[k]);
      }
    }
    ctx.lineWidth = 1;
    for (const [label, xy] of byLabel) {
      ctx.strokeStyle = ctx.fillStyle = colors[label];
      ctx.beginPath();
      for (let j = 0; j < xy.length; j += 4) { ctx.moveTo(xy[j], xy[j + 1]); ctx.lineTo(xy[j + 2], xy[j + 3]); }
      ctx.stroke();
      ctx.beginPath();
      for (let j = 0; j < xy.length; j += 4) {
        const x1 = xy[j + 2], y1 = xy[j + 3], a = Math.atan2(y1 - xy[j + 1], x1 - xy[j]);
        ctx.moveTo(x1, y1); ctx.lineTo(x1 - 6 * Math.cos(a - 0.4), y1 - 6 * Math.sin(a - 0.4)); ctx.lineTo(x1 - 6 * Math.cos(a + 0.4), y1 - 6 * Math.sin(a + 0.4));
      }
      ctx.fill();
    }
  }
  if (V.fhits) {
    ctx.fillStyle = '#17becf';
    for (const i of V.fhits) { if (E.ts[i] < v0) continue; if (E.ts[i] > v1) break; ctx.fillRect(X(E.ts[i]), TOP + E.cpu[i] * ROW + 17, 1, 16); }
  }
  if (V.sel >= 0 && E.ts[V.sel] >= v0 && E.ts[V.sel] <= v1) { ctx.fillStyle = '#1f77b4'; ctx.fillRect(X(E.ts[V.sel]), TOP, 1, D.cpus * ROW); }
  for (const [m, c, n] of [[mA, '#2ca02c', 'A'], [mB, '#d62728', 'B']]) {
    if (m === null || m < v0 || m > v1) continue;
    ctx.fillStyle = c; ctx.fillRect(X(m), 0, 1, TOP + D.cpus * ROW); ctx.fillText(n, X(m) + 2, TOP - 6);
  }
  // a row per task asked for: its runs on every CPU, coloured by CPU
  const rows = [];
  taskRows.forEach((pid, r) => {
    const y = TOP + (D.cpus + r) * ROW;
    const runs = taskRuns(V, pid);
    ctx.fillStyle = r % 2 ? '#fbfbfb' : '#f4f8f4';
    ctx.fillRect(0, y, W, ROW);
    const who = runs.length ? D.comms[TK.comm[runs[0]]] + '-' + pid : 'pid ' + pid;
    ctx.fillStyle = '#222';
    ctx.fillText(who, 4, y + 14);
    // a task runs on one CPU at a time (pid 0 is every CPU's idle task: its runs overlap)
    spans(ctx, TK, [runs], [runs.long], 0, y + 2, 14, (i) => 'hsl(' + ((TK.cpu[i] * 47) % 360) + ',55%,62%)', (i) => 'CPU ' + TK.cpu[i], pid !== 0);
    rows.push(who + ' (' + runs.length + ' runs)');
  });
  V.info.textContent = D.cpus + ' CPUs, ' + E.ts.length + ' events, ' + fmt(D.spanNs) + ' s; ' + (e1 - e0) + ' events shown' + (rows.length ? '; task rows: ' + rows.join(', ') : '');
  V.e0 = e0; V.e1 = e1;
}
// moving: zoom and pan redraw the timeline at once and the list just after, in a task of its own,
// so a frame answers the wheel within ~50 ms on 2M events (the list's 2000 rows cost ~15 ms)
function draw(moving) {
  for (const V of VIEWS) drawOne(V);
  document.getElementById('t0').value = fmt(v0);
  document.getElementById('t1').value = fmt(v1);
  document.getElementById('which').textContent = VIEWS.length > 1 ? 'list: ' + ALL.traces[cur].source : '';
  const D0 = ALL.traces[cur];
  document.getElementById('marks').textContent = (mA !== null ? 'A ' + absTime(D0, mA) : '') + (mB !== null ? '  B ' + absTime(D0, mB) : '') + (mA !== null && mB !== null ? '  B-A ' + ((mB - mA) / 1e3).toFixed(3) + ' us' : '');
  // the URL follows once the view rests (replaceState on every frame of a zoom costs ~15 ms each)
  clearTimeout(hashTimer);
  hashTimer = setTimeout(saveHash, 50);
  clearTimeout(listTimer);
  if (moving) listTimer = setTimeout(list, 0); else list();
}
let listTimer = 0;
let hashTimer = 0;
// the view in the URL's fragment: a link (or a reload) restores it
function saveHash() {
  const p = new URLSearchParams({ t0: String(v0), t1: String(v1) });
  if (mA !== null) p.set('a', String(mA));
  if (mB !== null) p.set('b', String(mB));
  const q = document.getElementById('search').value, f = document.getElementById('filter').value;
  if (q) p.set('q', q);
  if (f && VIEWS.some((V) => V.fhits)) p.set('f', f);
  if (cur) p.set('list', String(cur));
  if (taskRows.length) p.set('tasks', taskRows.join(','));
  const h = '#' + p.toString();
  if (location.hash !== h) history.replaceState(null, '', h);
}
function loadHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const num = (k) => { const v = p.get(k); const x = v === null || v === '' ? NaN : Number(v); return Number.isFinite(x) ? x : null; };
  const a = num('t0'), b = num('t1');
  if (a !== null && b !== null && b - a >= 10) { v0 = Math.max(0, a); v1 = Math.min(SPAN, b); }
  mA = num('a'); mB = num('b');
  lastMark = mB !== null ? 'B' : mA !== null ? 'A' : null;
  const k = num('list'); if (k !== null && k >= 0 && k < VIEWS.length) cur = k;
  if (p.get('q')) document.getElementById('search').value = p.get('q');
  if (p.get('f')) document.getElementById('filter').value = p.get('f');
  if (p.get('tasks')) { document.getElementById('taskRows').value = p.get('tasks'); setTaskRows(p.get('tasks')); }
}
let listKey = '';
function list() {
  const V = VIEWS[cur], D = V.D;
  const q = document.getElementById('search').value;
  const key = cur + ':' + V.e0 + ':' + V.e1 + ':' + q + ':' + V.sel + ':' + (V.fhits ? V.fhits.length : -1);
  if (key === listKey) return;
  listKey = key;
  let re = null;
  try { re = q ? new RegExp(q) : null; } catch (e) { re = null; }
  const out = [];
  const max = Math.min(V.e1, D.texts.length);
  for (let i = V.e0; i < max && out.length < 2000; i++) {
    if (V.fmask && !V.fmask[i]) continue;
    if (re && !re.test(D.texts[i])) continue;
    out.push('<div data-i="' + i + '"' + (i === V.sel ? ' class="sel"' : '') + '>' + D.texts[i].replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]).replace(/\\n$/, '') + '</div>');
  }
  let note = '';
  if (V.e1 > D.texts.length) note = '<div>(the page holds the report text of the first ' + D.texts.length + ' events; tracelab report prints the rest)</div>';
  else if (out.length === 2000) note = '<div>(first 2000 shown: zoom in for the rest)</div>';
  document.getElementById('list').innerHTML = out.join('') + note;
}
function zoom(f, at) { const t = at === undefined ? (v0 + v1) / 2 : at; const n0 = t - (t - v0) * f, n1 = t + (v1 - t) * f; if (n1 - n0 < 10) return; v0 = Math.max(0, n0); v1 = Math.min(SPAN, n1); draw(true); }
function pan(f) { const d = (v1 - v0) * f; const lo = Math.max(0, Math.min(v0 + d, SPAN - (v1 - v0))); v1 = lo + (v1 - v0); v0 = lo; draw(true); }
let drag = null;
for (const V of VIEWS) {
  V.cv.addEventListener('wheel', (e) => { e.preventDefault(); zoom(e.deltaY < 0 ? 0.8 : 1.25, T(e.offsetX)); }, { passive: false });
  V.cv.addEventListener('mousedown', (e) => { drag = { V, x: e.offsetX, v0, v1, moved: false }; V.cv.style.cursor = 'grabbing'; });
  V.cv.addEventListener('mousemove', (e) => { if (!drag) return; const dx = e.offsetX - drag.x; if (Math.abs(dx) > 2) drag.moved = true; const d = (dx / (W - LEFT)) * (drag.v1 - drag.v0); v0 = Math.max(0, drag.v0 - d); v1 = v0 + (drag.v1 - drag.v0); draw(true); });
}
window.addEventListener('mouseup', (e) => { if (drag && !drag.moved) pick(drag.V, e); if (drag) drag.V.cv.style.cursor = 'grab'; drag = null; }, { signal });
// the kernel_stack recorded with a send (the sending CPU's next event, as trace-cmd record -T writes it)
function sendStack(D, k, cpu) {
  const E = D.events;
  let j = k + 1;
  while (j < E.ts.length && j - k < 256 && E.cpu[j] !== cpu) j++;
  if (j >= E.ts.length || E.cpu[j] !== cpu || D.names[E.name[j]] !== 'kernel_stack') return '(no kernel_stack recorded with it: record with -T for the stack of the sender)';
  if (j >= D.texts.length) return '(its kernel_stack is past the events whose report text this page holds: --max-list)';
  return D.texts[j].replace(/^.*?kernel_stack: */, '').replace(/\\n$/, '');
}
function pick(V, e) {
  const { D, cv } = V, E = D.events, TK = D.tasks, KS = D.kspans, AR = D.arrows;
  cur = V.k;
  const r = cv.getBoundingClientRect();
  const x = e.clientX - r.left, y = e.clientY - r.top;
  const cpu = Math.floor((y - TOP) / ROW);
  const t = T(x);
  const det = document.getElementById('detail');
  const k = lowerBound(E.ts, t);
  let best = -1;
  for (let i = Math.max(0, k - 200); i < Math.min(E.ts.length, k + 200); i++) if (E.cpu[i] === cpu && (best < 0 || Math.abs(E.ts[i] - t) < Math.abs(E.ts[best] - t))) best = i;
  // shift-click / ctrl-click: a marker, on the event nearest the pointer (its exact time), or where clicked when there is none
  if (e.shiftKey || e.ctrlKey || e.metaKey) {
    const at = best >= 0 ? E.ts[best] : Math.round(t);
    setMark(e.shiftKey ? 'A' : 'B', at);
    draw();
    return;
  }
  // an arrow under the pointer first, then the span, then the nearest event
  for (let i = 0; i < AR.send.length; i++) {
    if (AR.to[i] !== cpu || Math.abs(X(AR.recv[i]) - x) > 3) continue;
    const site = D.labels[AR.site[i]];
    det.textContent = 'IPI ' + D.labels[AR.label[i]] + ': sent on CPU ' + AR.from[i] + ' at ' + absTime(D, AR.send[i]) + (site ? ' from ' + site : '') + ', handled on CPU ' + AR.to[i] + ' at ' + absTime(D, AR.recv[i]) + ' (' + ((AR.recv[i] - AR.send[i]) / 1e3).toFixed(3) + ' us later)\\n' + sendStack(D, AR.ev[i], AR.from[i]);
    draw();
    return;
  }
  if (cpu >= D.cpus && cpu < D.cpus + taskRows.length) {
    for (const i of taskRuns(V, taskRows[cpu - D.cpus])) if (TK.start[i] <= t && TK.end[i] >= t) {
      det.textContent = D.comms[TK.comm[i]] + '-' + TK.pid[i] + ' on CPU ' + TK.cpu[i] + ' from ' + absTime(D, TK.start[i]) + ' to ' + absTime(D, TK.end[i]) + ' (' + ((TK.end[i] - TK.start[i]) / 1e3).toFixed(3) + ' us)';
      break;
    }
  }
  if (cpu >= 0 && cpu < D.cpus) {
    const inRow = y - TOP - cpu * ROW;
    const s = inRow >= 17 && inRow < 25 ? KS : TK, idx = s === KS ? V.kIdx : V.taskIdx;
    for (const i of idx[cpu]) if (s.start[i] <= t && s.end[i] >= t) {
      det.textContent = (s === KS ? D.labels[KS.label[i]] : D.comms[TK.comm[i]] + '-' + TK.pid[i]) + ' on CPU ' + cpu + ' from ' + absTime(D, s.start[i]) + ' to ' + absTime(D, s.end[i]) + ' (' + ((s.end[i] - s.start[i]) / 1e3).toFixed(3) + ' us)';
      break;
    }
  }
  if (best >= 0) V.sel = best;
  draw();
  const row = document.querySelector('#list div[data-i="' + V.sel + '"]');
  if (row) row.scrollIntoView({ block: 'center' });
}
document.getElementById('list').addEventListener('click', (e) => { const d = e.target.closest('div[data-i]'); if (!d) return; const V = VIEWS[cur]; V.sel = Number(d.dataset.i); const ts = V.D.events.ts[V.sel], w = v1 - v0; if (ts < v0 || ts > v1) { v0 = Math.max(0, ts - w / 2); v1 = v0 + w; } draw(); }, { signal });
document.getElementById('zin').onclick = () => zoom(0.5);
document.getElementById('zout').onclick = () => zoom(2);
document.getElementById('reset').onclick = () => { v0 = 0; v1 = SPAN; draw(); };
document.getElementById('showArrows').onchange = () => draw();
for (const id of ['t0', 't1']) document.getElementById(id).addEventListener('change', () => { const a = Number(document.getElementById('t0').value) * 1e9, b = Number(document.getElementById('t1').value) * 1e9; if (Number.isFinite(a) && Number.isFinite(b) && b - a >= 10) { v0 = Math.max(0, a); v1 = Math.min(SPAN, b); } draw(); }, { signal });
document.getElementById('search').addEventListener('input', () => {
  const q = document.getElementById('search').value;
  let re = null;
  try { re = q ? new RegExp(q) : null; } catch (e) { re = null; }
  for (const V of VIEWS) V.marks = re ? V.D.texts.map((t, i) => (re.test(t) ? i : -1)).filter((i) => i >= 0) : null;
  listKey = '';
  draw();
}, { signal });
const filterBox = document.getElementById('filter');
// the filter runs on the trace itself: the server's (served), or the reader's in the page
const R = globalThis.TracelabReader;
const canFilter = ALL.served || (ALL.local && !!R);
filterBox.disabled = !canFilter;
filterBox.placeholder = canFilter ? 'filter: EVENTS[: FILTER], as report -F (Enter)' : 'filter: ' + (ALL.noFilter || 'served pages only (tracelab view FILE)');
async function applyFilter() {
  const q = filterBox.value.trim();
  const err = document.getElementById('ferr');
  err.textContent = '';
  if (!q) { for (const V of VIEWS) { V.fhits = null; V.fmask = null; } listKey = ''; draw(); return; }
  try {
    const files = document.getElementById('files');
    const got = await Promise.all(VIEWS.map(async (V) => {
      if (!ALL.served) return R.filterHits(files ? JSON.parse(files.textContent) : null, V.k, q);
      const r = await fetch('filter?trace=' + V.k + '&q=' + encodeURIComponent(q));
      const body = await r.json();
      if (!r.ok) throw new Error(body.error);
      return col(body.hits);
    }));
    VIEWS.forEach((V, k) => { V.fhits = got[k]; V.fmask = new Uint8Array(V.D.events.ts.length); for (const i of got[k]) V.fmask[i] = 1; });
    err.textContent = got.map((h) => h.length).join(' / ') + ' events match';
    err.style.color = '#555';
  } catch (e) {
    err.style.color = '#b00';
    err.textContent = String(e.message || e);
    for (const V of VIEWS) { V.fhits = null; V.fmask = null; }
  }
  listKey = '';
  draw();
}
filterBox.addEventListener('keydown', (e) => { if (e.key === 'Enter') applyFilter(); }, { signal });
document.getElementById('taskRows').addEventListener('keydown', (e) => { if (e.key !== 'Enter') return; setTaskRows(e.target.value); layout(); draw(); }, { signal });
// KernelShark's keys (KsGLWidget::keyPressEvent, KsDualMarker, KsMainWindow, KsTraceViewer, 2.3.1):
// + and - zoom, left and right scroll, shift+A / shift+B put marker A / B on the selected event,
// ctrl+D takes the last one set away, up and down select the event before / after in the list
// (the timeline follows); w/s/a/d and 0 as before
let lastMark = null;
function setMark(which, at) { if (which === 'A') mA = at; else mB = at; lastMark = at === null ? (which === 'A' ? (mB !== null ? 'B' : null) : (mA !== null ? 'A' : null)) : which; }
function step(d) {
  const V = VIEWS[cur], E = V.D.events, n = E.ts.length;
  let i = V.sel;
  if (i < 0) i = d > 0 ? lowerBound(E.ts, v0) - 1 : lowerBound(E.ts, v1);
  do i += d; while (i >= 0 && i < n && V.fmask && !V.fmask[i]);
  if (i < 0 || i >= n) return;
  V.sel = i;
  const ts = E.ts[i], w = v1 - v0;
  if (ts < v0 || ts > v1) { v0 = Math.max(0, Math.min(ts - w / 2, SPAN - w)); v1 = v0 + w; }
  draw();
  const row = document.querySelector('#list div[data-i="' + i + '"]');
  if (row) row.scrollIntoView({ block: 'nearest' });
}
window.addEventListener('keydown', (e) => {
  if (e.target.tagName === 'INPUT') return;
  const V = VIEWS[cur];
  if (e.shiftKey && (e.key === 'A' || e.key === 'B')) { if (V.sel >= 0) { setMark(e.key, V.D.events.ts[V.sel]); draw(); } return; }
  if ((e.ctrlKey || e.metaKey) && (e.key === 'd' || e.key === 'D')) { e.preventDefault(); if (lastMark) { setMark(lastMark, null); draw(); } return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'ArrowUp' || e.key === 'ArrowDown') { e.preventDefault(); step(e.key === 'ArrowUp' ? -1 : 1); return; }
  if (e.key === 'w' || e.key === '+') zoom(0.5); else if (e.key === 's' || e.key === '-') zoom(2);
  else if (e.key === 'a' || e.key === 'ArrowLeft') pan(-0.25); else if (e.key === 'd' || e.key === 'ArrowRight') pan(0.25);
  else if (e.key === '0') { v0 = 0; v1 = SPAN; draw(); }
}, { signal });
window.addEventListener('resize', () => { layout(); draw(); }, { signal });
loadHash();
layout();
document.getElementById('search').dispatchEvent(new Event('input'));
if (canFilter && filterBox.value) applyFilter();
}
start(JSON.parse(document.getElementById('data').textContent));
// a file dropped on the page (or opened with its button) is read here, by the bundled reader
if (globalThis.TracelabReader) {
  const R = globalThis.TracelabReader;  // (start() has its own)
  async function openFile(file) {
    const err = document.getElementById('ferr');
    err.style.color = '#555';
    err.textContent = 'reading ' + file.name + ' ...';
    try {
      const json = await R.viewDropped(new Uint8Array(await file.arrayBuffer()), file.name, ${MAX_LIST_DROPPED});
      history.replaceState(null, '', '#');
      document.getElementById('filter').value = '';
      document.getElementById('search').value = '';
      document.getElementById('taskRows').value = '';
      err.textContent = '';
      document.getElementById('files')?.remove();
      start(JSON.parse(json));
    } catch (e) {
      err.style.color = '#b00';
      err.textContent = R.errorLine(e);
    }
  }
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => { e.preventDefault(); const f = e.dataTransfer && e.dataTransfer.files[0]; if (f) openFile(f); });
  document.getElementById('open').addEventListener('change', (e) => { const f = e.target.files[0]; if (f) openFile(f); });
}
</script></body></html>
`;
}
