// Code-lens benchmark: with a million spans stored, how long the trace server takes to answer textDocument/codeLens
// for a 2,000-line file whose functions the spans map to, and how long a new span takes to reach the editor's lens,
// each against a reference measured in the same run:
//   lens     the server's codeLens handler, p50/p99 (and the LSP round trip), against a plain store.findTraces for
//            one service (the cheapest search the trace list makes);
//   arrival  export (the real OTLP/HTTP protobuf exporter) -> workspace/codeLens/refresh received -> a codeLens answer
//            showing the new count, p50/p99, against the live feed's own 250 ms throttle and the export's own
//            acknowledgement time.
// Also printed: how long the lenses of the full store take to appear after initialize (reading 1M index rows in
// slices, decoding exemplars), while requests keep being answered.
// The trace server runs in this process (store in memory); the LSP client is vscode-jsonrpc over in-memory streams.
//
//   npx tsx bench/lens.ts             1,000,000 spans, 200 lens requests, 40 arrivals
//   npx tsx bench/lens.ts --quick     200,000 spans, 50 lens requests, 15 arrivals
//   npx tsx bench/lens.ts --help      every option
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import type { Span } from '../src/core/model';
import { EMPTY_SCOPE } from '../src/core/model';
import { DEFAULT_CONFIG } from '../src/server/config';
import { NOTIFY_INTERVAL_MS } from '../src/server/liveFeed';
import { serveLsp } from '../src/server/lsp';
import { Member } from '../src/server/machine/member';
import { lensEngine, lensHandlers } from '../src/server/lens/service';
import { TraceServer } from '../src/server/traceServer';
import { parseArgs, runMain, TemporaryFolders } from './options';
import { formatMs, median, percentile } from './stats';

const HELP = `Usage: npx tsx bench/lens.ts [options]
  --quick              200000 spans, 50 lens requests, 15 arrivals
  --spans N            spans stored before the measurements (default 1000000)
  --requests N         codeLens requests timed (default 200)
  --arrivals N         single-span exports timed to the refreshed lens (default 40)
  --functions N        functions in the 2,000-line file, each one operation (default 200)
`;

const FILE_LINES = 2000;
const BATCH = 512;
const temporary = new TemporaryFolders();


/** A 2,000-line TypeScript file with `functions` functions spread evenly; returns the text and each function's line. */
function bigFile(functions: number): { text: string; lines: number[] } {
  const out: string[] = [];
  const lines: number[] = [];
  const step = Math.floor(FILE_LINES / functions);
  for (let f = 0; f < functions; f++) {
    lines.push(out.length + 1);
    out.push(`export function handler${f}(input: number): number {`);
    for (let k = 1; k < step - 1; k++) out.push(`  input = (input * ${k + f}) % 1000003; // work ${k}`);
    out.push('}');
  }
  while (out.length < FILE_LINES) out.push('');
  return { text: `${out.join('\n')}\n`, lines };
}

let seq = 0;
const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0').slice(-digits);

/** Model spans: half map to the big file's functions (code.* attributes), half are other services' operations. */
function batch(file: string, lines: readonly number[], nowMs: number): Span[] {
  const mapped = { attributes: [{ key: 'service.name', value: 'bench-shop' }], droppedAttributesCount: 0, schemaUrl: '' };
  const other = { attributes: [{ key: 'service.name', value: 'bench-other' }], droppedAttributesCount: 0, schemaUrl: '' };
  const spans: Span[] = [];
  const traceBase = seq;
  for (let i = 0; i < BATCH; i++) {
    const n = seq++;
    const f = n % (lines.length * 2);
    const inFile = f < lines.length;
    const duration = BigInt(1_000_000 + ((n * 7919) % 200) * 250_000); // 1..51 ms
    // Spread over the last ten minutes, so every span is in the lens window.
    const end = BigInt(Math.round(nowMs - ((n * 104_729) % 600_000))) * 1_000_000n;
    spans.push({
      traceId: hex(Math.floor((traceBase + i) / 10), 32),
      spanId: hex(n + 1, 16),
      parentSpanId: '',
      name: inFile ? `handler${f}` : `other-op-${f}`,
      kind: SpanKind.SERVER,
      startTimeUnixNano: end - duration,
      endTimeUnixNano: end,
      attributes: inFile
        ? [
            { key: 'code.file.path', value: file },
            { key: 'code.line.number', value: BigInt(lines[f]!) },
            { key: 'code.function.name', value: `handler${f}` },
          ]
        : [{ key: 'http.route', value: `/other/${f}` }],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: n % 50 === 0 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET, message: n % 50 === 0 ? 'card declined' : '' },
      traceState: '',
      flags: 1,
      resource: inFile ? mapped : other,
      scope: EMPTY_SCOPE,
    });
  }
  return spans;
}

interface Lens {
  range: { start: { line: number } };
  command: { title: string };
}

const callsOf = (title: string): number => Number(/^● ([\d,]+) call/.exec(title)?.[1]?.replace(/,/g, '') ?? '0');
const ms = formatMs;

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, HELP, ['--quick']);
  if (args.has('--help') || args.has('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const quick = args.has('--quick');
  const total = Math.round(args.num('--spans', quick ? 200_000 : 1_000_000));
  const requests = Math.round(args.num('--requests', quick ? 50 : 200));
  const arrivals = Math.round(args.num('--arrivals', quick ? 15 : 40));
  const functions = Math.round(args.num('--functions', 200));

  const folder = mkdtempSync(join(os.tmpdir(), 'tracelens-bench-lens-'));
  temporary.add(folder);
  mkdirSync(join(folder, 'src'));
  const file = join(folder, 'src', 'handlers.ts');
  const { text, lines } = bigFile(functions);
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;

  const local = { host: '127.0.0.1', port: 0 };
  const server = new TraceServer({ ...DEFAULT_CONFIG, dataDir: null, otlpHttp: local, otlpGrpc: null, zipkin: null, query: null }, () => undefined);
  await server.start();
  const otlp = `http://127.0.0.1:${server.port('otlp-http')}`;

  // 1. Fill the store.
  let t = performance.now();
  const now = Date.now();
  for (let stored = 0; stored < total; stored += BATCH * 8) {
    const group = Array.from({ length: Math.min(8, Math.ceil((total - stored) / BATCH)) }, () => ({ kind: 'spans' as const, spans: batch(file, lines, now) }));
    await server.store.append(group);
  }
  const stats = server.store.stats();
  console.log(`stored ${stats.spanCount.toLocaleString('en-US')} spans in ${stats.traceCount.toLocaleString('en-US')} traces (${((performance.now() - t) / 1000).toFixed(1)} s)`);

  // 2. An LSP client on in-memory streams, as an editor would connect.
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const connection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  serveLsp(connection, Member.owning(server, () => undefined), () => undefined);
  connection.listen();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  let refreshes = 0;
  let onRefresh: (() => void) | undefined;
  client.onRequest('workspace/codeLens/refresh', () => {
    refreshes++;
    onRefresh?.();
    return null;
  });
  client.onRequest('client/registerCapability', () => null);
  client.listen();
  t = performance.now();
  await client.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(folder).href,
    workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'bench' }],
    capabilities: { workspace: { codeLens: { refreshSupport: true } } },
  });
  await client.sendNotification('initialized', {});
  await client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
  const codeLens = (): Promise<Lens[]> => client.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  const mappedSpans = Math.floor(total / 2);
  // While the store is read in slices, requests are answered: the slowest status round trip meanwhile says how long.
  const during: number[] = [];
  for (;;) {
    const s = performance.now();
    await client.sendRequest('tracelens/status', {});
    during.push(performance.now() - s);
    const lenses = await codeLens();
    if (lenses.length === functions && lenses.reduce((n, l) => n + callsOf(l.command.title), 0) >= mappedSpans * 0.99 && !lensEngine(server)!.busy) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const startup = performance.now() - t;
  console.log(`lenses of the full store after initialize: ${(startup / 1000).toFixed(2)} s (status answered meanwhile in at most ${ms(Math.max(...during))})`);

  // 3. Lens time: the handler in the server, and the LSP round trip; reference: findTraces for one service.
  const handler = lensHandlers(server)['tracelens/codeLenses']!;
  const lensTimes: number[] = [];
  const roundTrips: number[] = [];
  const findTimes: number[] = [];
  for (let i = 0; i < requests; i++) {
    let s = performance.now();
    const answered = await handler({ uri });
    lensTimes.push(performance.now() - s);
    if (answered.length !== functions) throw new Error(`expected ${functions} lenses, got ${answered.length}`);
    s = performance.now();
    await codeLens();
    roundTrips.push(performance.now() - s);
    s = performance.now();
    await server.store.findTraces({ service: 'bench-shop', limit: 20 });
    findTimes.push(performance.now() - s);
  }

  // 4. Arrival: one span exported with the real SDK exporter -> refresh -> codeLens with the new count.
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-shop' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('bench');
  const arrivalTimes: number[] = [];
  const ackTimes: number[] = [];
  for (let i = 0; i < arrivals; i++) {
    const f = i % functions;
    const before = callsOf((await codeLens()).find((l) => l.range.start.line === lines[f]! - 1)!.command.title);
    // Settle: no refresh from an earlier arrival may count for this one.
    await new Promise((r) => setTimeout(r, 50));
    const refreshed = new Promise<void>((resolve) => (onRefresh = resolve));
    const s = performance.now();
    const span = tracer.startSpan(`handler${f}`, { kind: SpanKind.SERVER, attributes: { 'code.file.path': file, 'code.line.number': lines[f]!, 'code.function.name': `handler${f}` } });
    span.end();
    await provider.forceFlush();
    ackTimes.push(performance.now() - s);
    for (;;) {
      await refreshed;
      const lens = (await codeLens()).find((l) => l.range.start.line === lines[f]! - 1)!;
      if (callsOf(lens.command.title) > before) break;
      await new Promise<void>((resolve) => (onRefresh = resolve));
    }
    arrivalTimes.push(performance.now() - s);
    onRefresh = undefined;
  }
  await provider.shutdown();

  const row = (name: string, xs: readonly number[], ref?: readonly number[]): void => {
    const ratio = ref ? `   ${(median(xs) / median(ref)).toFixed(2)}x / ${(percentile(xs, 99) / percentile(ref, 99)).toFixed(2)}x the reference` : '';
    console.log(`  ${name.padEnd(44)} p50 ${ms(median(xs)).padStart(9)}   p99 ${ms(percentile(xs, 99)).padStart(9)}${ratio}`);
  };
  console.log(`\ncode lenses of a ${FILE_LINES}-line file with ${functions} lensed functions, ${stats.spanCount.toLocaleString('en-US')} spans stored (${requests} requests)`);
  row('codeLens handler (server time)', lensTimes, findTimes);
  row('codeLens LSP round trip', roundTrips, findTimes);
  row('reference: store.findTraces(service, 20)', findTimes);
  console.log(`\nspan arrival -> refreshed lens (${arrivals} single-span exports)`);
  row('export -> refresh -> codeLens with the count', arrivalTimes, ackTimes);
  row('reference: export acknowledged', ackTimes);
  console.log(
    `  against the live feed's ${NOTIFY_INTERVAL_MS} ms throttle: p50 ${(median(arrivalTimes) / NOTIFY_INTERVAL_MS).toFixed(2)}x, p99 ${(percentile(arrivalTimes, 99) / NOTIFY_INTERVAL_MS).toFixed(2)}x; refreshes received: ${refreshes}`,
  );
  console.log(
    `\ngoals: lens under 20 ms (p99 ${ms(percentile(lensTimes, 99))}: ${percentile(lensTimes, 99) < 20 ? 'met' : 'MISSED'}), arrival under 250 ms (p99 ${ms(percentile(arrivalTimes, 99))}: ${percentile(arrivalTimes, 99) < 250 ? 'met' : 'MISSED'})`,
  );
  client.dispose();
  connection.dispose();
  await server.close();
  return 0;
}

runMain('bench/lens', main, temporary.cleanUp);
