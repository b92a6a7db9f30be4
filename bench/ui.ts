// The trace page's speed in headless Chromium, on traces of 1k, 10k and 100k spans stored in a real trace server:
//  (a) from navigating to #/trace/<id> until the first waterfall rows are painted (performance marks in the page; the
//      "painted" mark is taken in the animation frame after the rows were rendered), against a data floor: the same
//      page fetching the trace in its object form (tracelens/getTrace) and JSON.parse-ing it, measured in the same
//      page right after (the page itself loads the packed form, tracelens/getTracePacked, which is smaller);
//  (b) frame intervals while scrolling the waterfall by one page per frame, against the frame interval of the same
//      page idle.
// The page is the standalone one the server serves (out/webview.js: run `npm run build` first). Traces are sent as
// OTLP/HTTP JSON (the protocol's own JSON form) in batches. Results also go to bench/results/ui.json (git-ignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test/e2e/workbench';
import type { RunningServer } from '../test/helpers/server';
import { startServer } from '../test/helpers/server';
import { parseArgs, runMain } from './options';
import { median, percentile, rng } from './stats';

const ROOT = resolve(__dirname, '..');
const HELP = `npx tsx bench/ui.ts [options]
  --sizes LIST    span counts of the traces, comma-separated (default 1000,10000,100000)
  --runs N        page loads per trace (default 5)
  --frames N      animation frames measured while scrolling, and idle (default 120)
  --out FILE      results JSON (default bench/results/ui.json)`;

let srv: RunningServer | undefined;
let browser: Browser | undefined;
function cleanUp(): void {
  void browser?.close().catch(() => undefined);
  void srv?.close().catch(() => undefined);
}


const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/**
 * One trace of `size` spans as OTLP JSON requests of at most `batch` spans: 8 services, 40 operation names, a tree
 * up to 12 deep where each span's parent is a recent span (like a real request fan-out), two or three attributes
 * per span, an event on every tenth, an error on every fiftieth.
 */
function tracePayloads(size: number, seed: number, batch = 5000): { traceId: string; bodies: string[] } {
  const r = rng(seed);
  const traceId = hex(seed, 8) + hex(size, 8) + 'ab'.repeat(8);
  const base = BigInt(Date.now() - 60_000) * 1_000_000n;
  const starts: number[] = [];
  const ends: number[] = [];
  const depth: number[] = [];
  const parents: number[] = [];
  // The root lasts size * 20 µs; children start within their parent and end before it.
  for (let i = 0; i < size; i++) {
    if (i === 0) {
      starts.push(0);
      ends.push(size * 20_000);
      depth.push(0);
      parents.push(-1);
      continue;
    }
    let p = Math.max(0, i - 1 - Math.floor(r() * 20));
    while (depth[p]! >= 11) p = parents[p]!;
    const room = ends[p]! - starts[p]!;
    const s = starts[p]! + Math.floor(r() * room * 0.6);
    const e = s + Math.max(1000, Math.floor(r() * (ends[p]! - s)));
    starts.push(s);
    ends.push(e);
    depth.push(depth[p]! + 1);
    parents.push(p);
  }
  const bodies: string[] = [];
  for (let from = 0; from < size; from += batch) {
    const byService = new Map<number, object[]>();
    for (let i = from; i < Math.min(size, from + batch); i++) {
      const service = i === 0 ? 0 : Math.floor(r() * 8);
      const attrs: object[] = [
        { key: 'http.route', value: { stringValue: `/api/v1/items/${i % 97}` } },
        { key: 'item.count', value: { intValue: String(i % 1000) } },
      ];
      if (i % 3 === 0) attrs.push({ key: 'db.query.text', value: { stringValue: `SELECT * FROM items WHERE id = ${i}` } });
      const span = {
        traceId,
        spanId: hex(i + 1, 16),
        parentSpanId: i === 0 ? '' : hex(parents[i]! + 1, 16),
        name: `operation-${(i * 7) % 40}`,
        kind: 1 + (i % 3),
        startTimeUnixNano: (base + BigInt(starts[i]!)).toString(),
        endTimeUnixNano: (base + BigInt(ends[i]!)).toString(),
        attributes: attrs,
        events: i % 10 === 0 ? [{ timeUnixNano: (base + BigInt(starts[i]!)).toString(), name: 'checkpoint', attributes: [] }] : [],
        status: i % 50 === 49 ? { code: 2, message: 'failed' } : { code: 0 },
      };
      const list = byService.get(service) ?? [];
      list.push(span);
      byService.set(service, list);
    }
    bodies.push(
      JSON.stringify({
        resourceSpans: [...byService].map(([service, spans]) => ({
          resource: { attributes: [{ key: 'service.name', value: { stringValue: `service-${service}` } }] },
          scopeSpans: [{ scope: { name: 'bench-ui' }, spans }],
        })),
      }),
    );
  }
  return { traceId, bodies };
}

interface LoadResult {
  /** Navigation start -> first waterfall rows painted, ms. */
  readonly painted: number;
  /** The page's own request for the trace -> painted, ms. */
  readonly requestToPainted: number;
  /** The page's own request -> the packed trace fetched, parsed and unpacked, ms (the rest is the page's work). */
  readonly requestToLoaded: number;
  /** Fetch + JSON.parse of the same trace in the same page, ms (the data floor). */
  readonly fetchParse: number;
}

async function markTime(page: Page, name: string, timeoutMs: number): Promise<number> {
  const handle = await page.waitForFunction((n) => performance.getEntriesByName(n)[0]?.startTime, name, { timeout: timeoutMs, polling: 20 });
  return (await handle.jsonValue()) as number;
}

async function loadOnce(page: Page, query: string, traceId: string): Promise<LoadResult> {
  await page.goto(`${query}/#/trace/${traceId}`);
  const painted = await markTime(page, 'tracelens:waterfall-painted', 120_000);
  const request = await markTime(page, 'tracelens:trace-request', 1000);
  const loaded = await markTime(page, 'tracelens:trace-loaded', 1000);
  const fetchParse = await page.evaluate(async (id) => {
    const t0 = performance.now();
    const res = await fetch('/api/tracelens/rpc', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method: 'tracelens/getTrace', params: { traceId: id } }) });
    const parsed = JSON.parse(await res.text()) as { result: { spans: unknown[] } };
    if (parsed.result.spans.length === 0) throw new Error('empty trace');
    return performance.now() - t0;
  }, traceId);
  return { painted, requestToPainted: painted - request, requestToLoaded: loaded - request, fetchParse };
}

/** rAF intervals (ms) over `frames` frames, idle or scrolling the waterfall one page per frame (wrapping at the end). */
async function frames(page: Page, count: number, scroll: boolean): Promise<number[]> {
  // Passed as source text: tsx would wrap named arrow functions in a helper the page does not have.
  const script = `new Promise((done) => {
    const scroller = document.querySelector('.tl-waterfall .tl-scroller');
    const out = [];
    let last = -1;
    const tick = (t) => {
      if (last >= 0) out.push(t - last);
      last = t;
      if (out.length >= ${count}) return done(out);
      if (${scroll}) {
        const next = scroller.scrollTop + scroller.clientHeight;
        scroller.scrollTop = next + scroller.clientHeight > scroller.scrollHeight ? 0 : next;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })`;
  return (await page.evaluate(script)) as number[];
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, HELP, []);
  if (args.has('--help') || args.has('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const sizes = (args.value('--sizes') ?? '1000,10000,100000').split(',').map((s) => Number(s.replace(/_/g, '')));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes needs whole numbers\n\n${HELP}`);
  const runs = args.num('--runs', 5);
  const frameCount = args.num('--frames', 120);
  const outFile = resolve(args.value('--out') ?? join(ROOT, 'bench/results/ui.json'));
  const t0 = performance.now();

  srv = await startServer();
  const traces: { size: number; traceId: string }[] = [];
  for (const [i, size] of sizes.entries()) {
    const { traceId, bodies } = tracePayloads(size, 1000 + i);
    for (const body of bodies) {
      const res = await fetch(`${srv.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      if (!res.ok) throw new Error(`export of ${size}-span trace: HTTP ${res.status} ${await res.text()}`);
    }
    await srv.waitForTrace(traceId, size, 120_000);
    traces.push({ size, traceId });
    process.stdout.write(`loaded a trace of ${size} spans\n`);
  }

  browser = await launchChromium();
  const results: { size: number; loads: LoadResult[]; idle: number[]; scrolling: number[] }[] = [];
  for (const t of traces) {
    const loads: LoadResult[] = [];
    // One warm-up load (bundle compiled, connections open), then the measured ones, each in a fresh page.
    for (let run = 0; run <= runs; run++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const r = await loadOnce(page, srv.query, t.traceId);
      if (run > 0) loads.push(r);
      await page.close();
    }
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await loadOnce(page, srv.query, t.traceId);
    const idle = await frames(page, frameCount, false);
    const scrolling = await frames(page, frameCount, true);
    await page.close();
    results.push({ size: t.size, loads, idle, scrolling });
    process.stdout.write(`measured ${t.size} spans\n`);
  }

  const out = process.stdout;
  out.write(`\nTrace page in headless Chromium (${os.cpus().length} cores, Node ${process.version}; 1-min load average at the end ${os.loadavg()[0]!.toFixed(1)}); medians of ${runs} loads\n\n`);
  out.write('| spans | navigation → painted | trace request → painted | of which loading the packed trace | object-form fetch + JSON.parse (floor) | ratio to floor |\n|---:|---:|---:|---:|---:|---:|\n');
  for (const r of results) {
    const painted = median(r.loads.map((l) => l.painted));
    const req = median(r.loads.map((l) => l.requestToPainted));
    const floor = median(r.loads.map((l) => l.fetchParse));
    const loading = median(r.loads.map((l) => l.requestToLoaded));
    out.write(`| ${r.size.toLocaleString('en-US')} | ${ms(painted)} ms | ${ms(req)} ms | ${ms(loading)} ms | ${ms(floor)} ms | ${(req / floor).toFixed(2)}× |\n`);
  }
  out.write(`\nScrolling one page per frame for ${frameCount} frames, against the same page idle\n\n`);
  out.write('| spans | idle frame p50 / p95 | scrolling frame p50 / p95 | ratio p50 / p95 |\n|---:|---:|---:|---:|\n');
  for (const r of results) {
    const i50 = percentile(r.idle, 50);
    const i95 = percentile(r.idle, 95);
    const s50 = percentile(r.scrolling, 50);
    const s95 = percentile(r.scrolling, 95);
    out.write(`| ${r.size.toLocaleString('en-US')} | ${ms(i50)} / ${ms(i95)} ms | ${ms(s50)} / ${ms(s95)} ms | ${(s50 / i50).toFixed(2)}× / ${(s95 / i95).toFixed(2)}× |\n`);
  }
  const biggest = results.at(-1);
  if (biggest) {
    const req = median(biggest.loads.map((l) => l.requestToPainted));
    out.write(`\nGoal: ${biggest.size.toLocaleString('en-US')} spans painted in under 1 s: ${req < 1000 ? 'met' : 'NOT met'} (${ms(req)} ms from the trace request).\n`);
  }
  mkdirSync(resolve(outFile, '..'), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify({ benchmark: 'ui', date: new Date().toISOString(), cpus: os.cpus().length, loadavg: os.loadavg(), seconds: (performance.now() - t0) / 1000, results }, null, 2)}\n`);
  out.write(`\nresults: ${relative(ROOT, outFile)}\n`);
  return 0;
}

runMain('bench/ui', main, cleanUp);
