import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Command } from 'commander';
import { FilterError, reportEventTexts, type Trace, UserError, viewData, viewFilterMatches, writeFileAtomically } from '../src/index.ts';
import { viewerPage, viewerReaderScript } from '../src/charts/index.ts';
import { cpuListArg, openInput } from './analysis-options.ts';

/** The most of its traces' bytes an offline page carries for its filter box. */
const MAX_COPY = 64 << 20;

/** Why an offline page cannot carry a copy of its traces for its filter box, or undefined when it can. */
function whyNoCopy(files: string[], reader: string | undefined, formats: boolean): string | undefined {
  if (!reader) return 'this build has no page reader (npm run build)';
  if (formats) return 'text traces read with --format: serve them (tracelab view FILE)';
  const size = files.reduce((n, f) => n + (f === '-' ? Infinity : fs.statSync(f).size), 0);
  if (size > MAX_COPY) return `traces over ${MAX_COPY >> 20} MiB are not copied into the page: serve them (tracelab view FILE)`;
  return undefined;
}

export function register(program: Command): void {
  program
    .command('view')
    .description('open a trace (or a before/after pair) in the browser: a row per CPU with tasks, irq/softirq/IPI-handler spans and every event, IPIs as arrows from sender to target, zoom and pan, the visible events in report format; served on 127.0.0.1, or written as one offline page with -o')
    .argument('<files...>', 'trace.dat, report text or kernel trace text; two (before, after) are drawn one above the other on one window of time')
    .option('-o, --output <page.html>', 'write one self-contained offline page instead of serving it')
    .option('--html', 'write the page (with -o)')
    .option('--port <n>', 'serve on this port of 127.0.0.1 (default: a free one)')
    .option('--isolated <list>', 'CPUs to mark as isolated, e.g. 4-79')
    .option('--max-list <n>', 'events whose report text the page holds, per trace (the timeline has them all)', '100000')
    .option('--format <file>', 'event format file or folder for text traces (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .action(async (files: string[], o: Record<string, unknown>) => {
      if (o.html && !o.output) throw new UserError('view --html: give the page\'s file with -o page.html');
      const maxList = Number(o.maxList);
      if (!Number.isSafeInteger(maxList) || maxList < 0) throw new UserError(`--max-list: "${o.maxList}" is not a count`);
      const traces: Trace[] = [];
      for (const f of files) traces.push(await openInput(f, o));
      const isolated = o.isolated ? cpuListArg(String(o.isolated), '--isolated', ...traces) : [];
      const warnings = traces.flatMap((t) => t.warnings);
      const reader = viewerReaderScript();
      // an offline page filters in itself on a copy of its traces, unless this says why it cannot
      const noFilter = o.output ? whyNoCopy(files, reader, (o.format as string[]).length > 0) : undefined;
      const copy = o.output && noFilter === undefined;
      const page = viewerPage(traces.map((t) => ({ data: viewData(t), texts: reportEventTexts(t, maxList) })), {
        isolated,
        served: !o.output,
        reader,
        warnings,
        files: copy ? files.map((f) => ({ name: path.basename(f), bytes: fs.readFileSync(f) })) : undefined,
        noFilter,
      });
      if (o.output) {
        for (const t of traces) t.close();
        writeFileAtomically(String(o.output), page);
        process.stderr.write(`tracelab: ${o.output}: ${(page.length / 1e6).toFixed(1)} MB, open it in a browser (nothing is fetched)\n`);
        return;
      }
      const port = o.port === undefined ? 0 : Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port: "${o.port}" is not a port number`);
      const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (url.pathname === '/filter') {
          // the page's filter box: the events `report -F ARG` shows, by their number in the page
          const json = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
          const k = Number(url.searchParams.get('trace'));
          const q = url.searchParams.get('q') ?? '';
          if (!Number.isInteger(k) || !traces[k]) return json(400, { error: 'no such trace' });
          try {
            const hits = viewFilterMatches(traces[k], q);
            return json(200, { hits: { t: 'Int32Array', b: Buffer.from(hits.buffer, hits.byteOffset, hits.byteLength).toString('base64') } });
          } catch (e) {
            if (e instanceof UserError || e instanceof FilterError) return json(400, { error: `-F ${q}: ${(e as Error).message}` });
            throw e;
          }
        }
        if (url.pathname !== '/' && url.pathname !== '/index.html') {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e) => reject(new UserError(`view: cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`)));
        server.listen(port, '127.0.0.1', () => resolve());
      });
      const addr = server.address() as { port: number };
      process.stdout.write(`tracelab view: http://127.0.0.1:${addr.port}/  (Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => server.close(() => resolve()));
        process.once('SIGTERM', () => server.close(() => resolve()));
      });
      for (const t of traces) t.close();
    });
}
