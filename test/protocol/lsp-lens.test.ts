// Code lenses from the built server (out/server.js lsp --stdio) to a plain LSP client (vscode-jsonrpc over the child's
// stdio, not VS Code): a real temporary workspace, spans from the real OpenTelemetry SDK (OTLP/HTTP protobuf) with
// code.* attributes; lenses with counts and percentiles, a refresh after more spans, a hover with escaped hostile text,
// spanSource, locationSpans slowest first, diagnostics; then `lsp` attached to a running `serve` on the same folder.
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { FileHeatResult, LocationSpansResult, SpanSourceResult } from '../../src/protocol/messages';
import { freePorts } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const SERVER = join(__dirname, '..', '..', 'out', 'server.js');
const HOSTILE = '**bold** <img src=x onerror=alert(1)> [click](http://evil.example) `tick`\nsecond line';

const SOURCE = `// The checkout service (a fixture for the lens test).
export function chargeCard(amount: number): number {
  return amount * 2;
}

export function loadCart(id: string): string {
  return 'cart ' + id;
}

export function shipOrder(tracer: Tracer): void {
  tracer.startActiveSpan('ship-order', (span) => span.end());
}
`;

interface CodeLens {
  range: { start: { line: number } };
  command: { title: string; command: string; arguments: { uri: string; line: number }[] };
}

/** An LSP client on a child process's stdio that records refresh requests and diagnostics. */
class Client {
  readonly rpc: MessageConnection;
  refreshes = 0;
  readonly diagnostics: { uri: string; diagnostics: { message: string; range: { start: { line: number } } }[] }[] = [];
  readonly registrations: string[] = [];
  stderr = '';
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    this.rpc.onRequest('workspace/codeLens/refresh', () => {
      this.refreshes++;
      return null;
    });
    this.rpc.onRequest('client/registerCapability', (p: { registrations: { method: string }[] }) => {
      this.registrations.push(...p.registrations.map((r) => r.method));
      return null;
    });
    this.rpc.onNotification('textDocument/publishDiagnostics', (p: Client['diagnostics'][number]) => void this.diagnostics.push(p));
    this.rpc.listen();
  }

  async initialize(folder: string, diagnostics = false): Promise<{ capabilities: Record<string, unknown> }> {
    const result = (await this.rpc.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(folder).href,
      workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'shop' }],
      capabilities: { workspace: { codeLens: { refreshSupport: true }, didChangeWatchedFiles: { dynamicRegistration: true } } },
      initializationOptions: { lens: { enabled: true, windowMinutes: 15, diagnostics: { enabled: diagnostics, errorRate: 0.05, p95Millis: 60_000 }, pathMappings: [] } },
    })) as { capabilities: Record<string, unknown> };
    await this.rpc.sendNotification('initialized', {});
    return result;
  }

  open(uri: string, text: string): Promise<void> {
    return this.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
  }

  codeLens(uri: string): Promise<CodeLens[]> {
    return this.rpc.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }

  private closed = false;
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.rpc.sendRequest('shutdown').catch(() => undefined);
    await this.rpc.sendNotification('exit').catch(() => undefined);
    const exited = new Promise((r) => this.child.once('exit', r));
    setTimeout(() => this.child.kill('SIGKILL'), 5000).unref();
    await exited;
    this.rpc.dispose();
  }
}

/** A lens title without its "n s ago" tail (that changes with the clock). */
const stable = (title: string): string => title.replace(/ · \d+ (s|min|h|d) ago$/, '');

/** "p95 200 ms" -> 200e6 (nanoseconds), from a lens title. */
function percentile(title: string, p: string): number {
  const m = new RegExp(`${p} ([\\d.]+) (ns|µs|ms|s)\\b`).exec(title);
  assert.ok(m, `${p} in "${title}"`);
  return Number(m[1]) * { ns: 1, µs: 1e3, ms: 1e6, s: 1e9 }[m[2] as 'ns']!;
}

const near = (got: number, want: number): boolean => Math.abs(got - want) <= want * 0.015;

describe('code lenses over LSP (tracelens lsp --stdio)', () => {
  const base = mkdtempSync(join(tmpdir(), 'tracelens-lens-'));
  const workspace = join(base, 'shop');
  const dataDir = join(base, 'data');
  const file = join(workspace, 'src', 'checkout.ts');
  const uri = pathToFileURL(file).href;
  let client: Client;
  let otlp: string;
  let provider: TracerProvider;
  const sent: { traceId: string; spanId: string; ms: number; name: string }[] = [];

  /** Ends spans now with the given durations (their code.* attributes point at `line` of the fixture; none for line 0). */
  const send = async (name: string, line: number, durationsMs: readonly number[], failing: ReadonlySet<number> = new Set()): Promise<void> => {
    const tracer = provider.getTracer('shop');
    durationsMs.forEach((ms, i) => {
      const end = Date.now();
      const span = tracer.startSpan(name, {
        kind: SpanKind.SERVER,
        startTime: new Date(end - ms),
        attributes: line > 0 ? { 'code.file.path': file, 'code.line.number': line, 'code.function.name': name } : {},
      });
      if (failing.has(i)) span.setStatus({ code: SpanStatusCode.ERROR, message: HOSTILE });
      span.end(new Date(end));
      sent.push({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, ms, name });
    });
    await provider.forceFlush();
  };

  before(async () => {
    assert.ok(existsSync(SERVER), 'out/server.js is built (node scripts/build.mjs)');
    mkdirSync(join(workspace, 'src'), { recursive: true });
    mkdirSync(join(workspace, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(file, SOURCE);
    writeFileSync(join(workspace, 'node_modules', 'dep', 'index.js'), SOURCE);
    const [http, query] = await freePorts(2);
    otlp = `http://127.0.0.1:${http}`;
    const child = spawn(process.execPath, [SERVER, 'lsp', '--stdio', '--data-dir', dataDir, '--otlp-http', `127.0.0.1:${http}`, '--otlp-grpc', 'off', '--zipkin', 'off', '--query', `127.0.0.1:${query}`]);
    client = new Client(child);
    provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }) })],
    });
  });
  after(async () => {
    await provider?.shutdown();
    await client?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('announces lenses, hovers and document sync, and registers a file watcher', async () => {
    const init = await client.initialize(workspace);
    assert.deepEqual(init.capabilities['codeLensProvider'], { resolveProvider: false });
    assert.equal(init.capabilities['hoverProvider'], true);
    assert.ok(init.capabilities['textDocumentSync'], 'textDocumentSync');
    await waitFor(() => client.registrations.includes('workspace/didChangeWatchedFiles'), 10_000, () => client.stderr);
    await client.open(uri, SOURCE);
  });

  it('a lens above each function spans map to, with its counts and percentiles', async () => {
    // chargeCard: 7 calls of 20 ms and 3 of 200 ms, one failing; loadCart: 2 calls.
    await send('chargeCard', 2, [20, 20, 200, 20, 20, 200, 20, 20, 200, 20], new Set([2]));
    await send('loadCart', 6, [5, 5]);
    // ship-order has no code.* attributes: its name is a literal in shipOrder (the correlation engine finds it).
    await send('ship-order', 0, [7]);
    let lenses: CodeLens[] = [];
    await waitFor(
      async () => {
        lenses = (await client.codeLens(uri)).filter((l) => /^[●○] /.test(l.command.title));
        return lenses.length === 3 && lenses.some((l) => l.command.title.includes('10 calls'));
      },
      15_000,
      () => `${JSON.stringify(lenses)}\n${client.stderr}`,
    );
    const charge = lenses.find((l) => l.range.start.line === 1)!;
    const load = lenses.find((l) => l.range.start.line === 5)!;
    assert.ok(charge && load, JSON.stringify(lenses));
    assert.match(charge.command.title, /^● 10 calls · p50 /);
    assert.ok(near(percentile(charge.command.title, 'p50'), 20e6), charge.command.title);
    assert.ok(near(percentile(charge.command.title, 'p95'), 200e6), charge.command.title);
    assert.ok(near(percentile(charge.command.title, 'p99'), 200e6), charge.command.title);
    assert.match(charge.command.title, / · 10\.0% errors · \d+ s ago$/);
    assert.match(load.command.title, /^● 2 calls · /);
    const ship = lenses.find((l) => l.range.start.line === 9);
    assert.match(ship?.command.title ?? '', /^● 1 call · /, 'the span-name literal maps ship-order to the function around it');
    assert.doesNotMatch(load.command.title, /errors/);
    assert.equal(charge.command.command, 'tracelens.showLocationSpans');
    assert.deepEqual(charge.command.arguments, [{ uri, line: 2 }]);
  });

  it('more spans: a refresh request, then the lens shows the new count', async () => {
    const before = client.refreshes;
    await send('chargeCard', 2, [20, 20, 20, 20, 20]);
    await waitFor(() => client.refreshes > before, 10_000, () => client.stderr);
    await waitFor(async () => (await client.codeLens(uri)).some((l) => l.command.title.startsWith('● 15 calls')), 10_000);
  });

  it('hover: histogram, escaped error text, links to the slowest traces', async () => {
    const hover = (await client.rpc.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 5 } })) as { contents: { kind: string; value: string } };
    const md = hover.contents.value;
    assert.equal(hover.contents.kind, 'markdown');
    assert.match(md, /15 calls/);
    assert.match(md, /`[ ▁▂▃▄▅▆▇█]{8}`/, 'a histogram of unicode blocks');
    // The hostile message is there, escaped: no raw HTML, link, emphasis or code span survives, and it is one line.
    assert.ok(md.includes('\\<img src\\=x onerror\\=alert\\(1\\)\\>'), md);
    const spanText = md.replace(/\]\((command:|http:\/\/127\.0\.0\.1)[^)]*\)/g, ']'); // without our own links
    assert.ok(!/(^|[^\\])</.test(spanText), 'no unescaped <');
    assert.ok(!/[^\\]\]\(/.test(spanText), 'no link made of span text');
    assert.ok(!md.includes('**bold**'), md);
    assert.ok(!/\nsecond line/.test(md), md);
    assert.match(md, /1× .*second line/);
    const slowest = sent.filter((s) => s.name === 'chargeCard' && s.ms === 200);
    // The first of the slowest calls (the findings above them, computed as spans arrive, link their own spans).
    const link = /command:tracelens\.openTrace\?([^)\s]+)/.exec(md.slice(md.indexOf('**Slowest recent calls:**')));
    assert.ok(link, md);
    const args = JSON.parse(decodeURIComponent(link[1]!)) as { traceId: string; spanId: string }[];
    assert.ok(
      slowest.some((s) => s.traceId === args[0]!.traceId && s.spanId === args[0]!.spanId),
      'the first link is one of the slowest calls',
    );
    assert.match(md, /\(http:\/\/127\.0\.0\.1:\d+\/#\/trace\/[0-9a-f]{32}\?span=[0-9a-f]{16}\)/);
    const none = await client.rpc.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 2 } });
    assert.equal(none, null, 'no hover off a lensed line');
  });

  it('spanSource points at the file and line; locationSpans lists the slowest first', async () => {
    const one = sent.find((s) => s.name === 'loadCart')!;
    const source = (await client.rpc.sendRequest('tracelens/spanSource', { traceId: one.traceId, spanId: one.spanId })) as SpanSourceResult;
    assert.equal(source.candidates[0]?.uri, uri);
    assert.equal(source.candidates[0]?.line, 6);
    assert.equal(source.candidates[0]?.inWorkspace, true);
    const spans = (await client.rpc.sendRequest('tracelens/locationSpans', { uri, line: 2, limit: 5 })) as LocationSpansResult;
    assert.equal(spans.location?.line, 2);
    assert.equal(spans.spans.length, 5);
    // A line inside the function means the function.
    const inside = (await client.rpc.sendRequest('tracelens/locationSpans', { uri, line: 3, limit: 1 })) as LocationSpansResult;
    assert.deepEqual(inside.location, { uri, line: 2, functionName: 'chargeCard' });
    assert.equal(Number(inside.spans[0]?.durationNanos) / 1e6, 200);
    const durations = spans.spans.map((s) => Number(s.durationNanos) / 1e6);
    assert.deepEqual(
      durations.map((d) => Math.round(d)),
      [200, 200, 200, 20, 20],
    );
    assert.equal(spans.spans.filter((s) => s.error).length, 1);
    assert.ok(spans.spans.every((s) => s.service === 'checkout' && s.spanName === 'chargeCard' && s.trace.traceId.length === 32));
  });

  it('a lens per finding of a function\'s traces, opening its trace at the span', async () => {
    // Every chargeCard call is a lone SERVER span: one failed (where its error starts), and none has child spans.
    let findings: CodeLens[] = [];
    await waitFor(
      async () => (findings = (await client.codeLens(uri)).filter((l) => /^[✖⚠ℹ] /.test(l.command.title))).length === 2,
      15_000,
      () => JSON.stringify(findings),
    );
    assert.deepEqual(findings.map((l) => l.range.start.line), [1, 1]);
    assert.match(findings[0]!.command.title, /^✖ Error origin: .* · 1 of \d+ traces?$/);
    assert.match(findings[1]!.command.title, /^⚠ Uninstrumented time: 200 ms · \d+ of \d+ traces?$/);
    assert.ok(!/[\n\r]/.test(findings[0]!.command.title), 'hostile text on one line');
    const failed = sent[2]!; // chargeCard's third call, the one that failed
    assert.deepEqual(findings[0]!.command, { title: findings[0]!.command.title, command: 'tracelens.openTrace', arguments: [{ traceId: failed.traceId, spanId: failed.spanId }] });
  });

  it('diagnostics when enabled and over the error threshold; cleared when no longer', async () => {
    const heat = (await client.rpc.sendRequest('tracelens/fileHeat', { uri })) as FileHeatResult;
    assert.deepEqual(
      heat.lines.map((l) => [l.line, l.kind]),
      [[2, 'failing'], [2, 'finding'], [2, 'finding']],
    );
    // The findings' diagnostics stay while the error-rate one comes and goes with its threshold.
    const rateDiagnostics = (): number => client.diagnostics.filter((d) => d.uri === uri).at(-1)?.diagnostics.filter((x) => / calls failed /.test(x.message)).length ?? -1;
    const configure = (errorRate: number): Promise<void> =>
      client.rpc.sendNotification('tracelens/configure', { lens: { enabled: true, windowMinutes: 15, diagnostics: { enabled: true, errorRate, p95Millis: 60_000 }, pathMappings: [] } });
    await configure(0.05);
    await waitFor(() => rateDiagnostics() === 1, 10_000);
    const published = client.diagnostics.filter((d) => d.uri === uri).at(-1)!;
    assert.deepEqual(published.diagnostics.map((d) => d.range.start.line), [1, 1, 1]);
    assert.match(published.diagnostics[0]!.message, /6\.7% of 15 calls failed/);
    assert.match(published.diagnostics[1]!.message, /^Error starts in checkout: chargeCard — .* \(in 1 of \d+ recent traces\)$/);
    await configure(0.5);
    await waitFor(() => rateDiagnostics() === 0, 10_000);
    assert.equal(client.diagnostics.filter((d) => d.uri === uri).at(-1)!.diagnostics.length, 2);
  });

  it('unsaved edits move the lens with the code', async () => {
    // Two lines inserted above, not saved: ship-order's literal (and its function) moves down two lines.
    const shipAt = async (): Promise<number | undefined> => (await client.codeLens(uri)).find((l) => l.command.title.startsWith('● 1 call'))?.range.start.line;
    await client.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `// new\n// lines\n${SOURCE}` }] });
    await waitFor(async () => (await shipAt()) === 11, 10_000);
    await client.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: SOURCE }] });
    await waitFor(async () => (await shipAt()) === 9, 10_000);
  });

  it('a file created on disk (a watched-file event) gets the lenses of spans that had nowhere to go', async () => {
    await send('place-order', 0, [9, 9]);
    const created = join(workspace, 'src', 'orders.ts');
    const createdUri = pathToFileURL(created).href;
    // The spans are stored (and their operation read) while no file has the literal.
    await waitFor(async () => ((await client.rpc.sendRequest('tracelens/findTraces', { service: 'checkout', operation: 'place-order' })) as unknown[]).length === 2, 10_000);
    writeFileSync(created, `export function placeOrder(tracer: Tracer): void {\n  tracer.startActiveSpan('place-order', (span) => span.end());\n}\n`);
    await client.rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: createdUri, type: 1 }] });
    let lenses: CodeLens[] = [];
    await waitFor(
      async () => (lenses = await client.codeLens(createdUri)).length === 1,
      10_000,
      () => JSON.stringify(lenses),
    );
    assert.equal(lenses[0]!.range.start.line, 0);
    assert.match(lenses[0]!.command.title, /^● 2 calls · /);
  });

  it('a second run attaches to a running `serve` on the same data dir and gets the same lenses', async () => {
    // The calls lenses (a finding's lens says how many of the slowest traces show it, which moves as they settle).
    const callLenses = (lenses: CodeLens[]): (string | number)[][] => lenses.filter((l) => /^[●○] /.test(l.command.title)).map((l) => [l.range.start.line, stable(l.command.title)]);
    const want = callLenses(await client.codeLens(uri));
    await client.close();
    const [http, query] = await freePorts(2);
    const serve = spawn(process.execPath, [SERVER, 'serve', '--data-dir', dataDir, '--otlp-http', `127.0.0.1:${http}`, '--otlp-grpc', 'off', '--zipkin', 'off', '--query', `127.0.0.1:${query}`]);
    let serveErr = '';
    serve.stderr.on('data', (d: Buffer) => (serveErr += d.toString()));
    try {
      await waitFor(() => existsSync(join(dataDir, 'server.json')), 15_000, () => serveErr);
      const attached = new Client(spawn(process.execPath, [SERVER, 'lsp', '--stdio', '--data-dir', dataDir]));
      try {
        await attached.initialize(workspace);
        await attached.open(uri, SOURCE);
        let got: (string | number)[][] = [];
        await waitFor(
          async () => {
            got = callLenses(await attached.codeLens(uri));
            return JSON.stringify(got) === JSON.stringify(want);
          },
          20_000,
          () => `${JSON.stringify(got)} vs ${JSON.stringify(want)}\n${attached.stderr}\n${serveErr}`,
        );
        assert.match(attached.stderr, /attached to TraceLens [\d.]+ at http:\/\/127\.0\.0\.1:\d+ \(process \d+\), which holds the receivers and the store/);
        // Spans sent to the serving process reach the attached client's lenses, with a refresh.
        const refreshes = attached.refreshes;
        provider = new TracerProvider({
          resource: resourceFromAttributes({ 'service.name': 'checkout' }),
          spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${http}/v1/traces` }) })],
        });
        await send('loadCart', 6, [5]);
        await waitFor(() => attached.refreshes > refreshes, 10_000);
        await waitFor(async () => (await attached.codeLens(uri)).some((l) => l.command.title.startsWith('● 3 calls')), 10_000);
      } finally {
        await attached.close();
      }
    } finally {
      const exited = new Promise((r) => serve.once('exit', r));
      serve.kill('SIGTERM');
      await exited;
    }
    assert.ok(!existsSync(join(dataDir, 'server.json')), 'serve removes its discovery file on exit');
  });

  it('a stale discovery file (its process is gone) is ignored: lsp runs its own server', async () => {
    const stale = join(base, 'stale');
    mkdirSync(stale, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(stale, 'server.json'), JSON.stringify({ pid: Number(gone.stdout), version: '0.1.0', queryUrl: 'http://127.0.0.1:9' }));
    const [http, query] = await freePorts(2);
    const own = new Client(spawn(process.execPath, [SERVER, 'lsp', '--stdio', '--data-dir', stale, '--otlp-http', `127.0.0.1:${http}`, '--otlp-grpc', 'off', '--zipkin', 'off', '--query', `127.0.0.1:${query}`]));
    try {
      await own.initialize(workspace);
      const status = (await own.rpc.sendRequest('tracelens/status', {})) as { pid: number; store: { location: string } };
      assert.equal(status.pid, own.child.pid, 'the lsp process serves the store itself');
      assert.equal(status.store.location, stale);
      await waitFor(async () => JSON.parse((await readFile(join(stale, 'server.json'), 'utf8').catch(() => '{}')) || '{}').pid === own.child.pid, 10_000);
      assert.doesNotMatch(own.stderr, /attached/);
    } finally {
      await own.close();
    }
  });

  it('a data dir locked by a process that does not answer: a clear error naming the pid', () => {
    const locked = join(base, 'locked');
    mkdirSync(locked, { recursive: true });
    writeFileSync(join(locked, 'tracelens.lock'), String(process.pid));
    const r = spawnSync(process.execPath, [SERVER, 'lsp', '--stdio', '--data-dir', locked], { encoding: 'utf8', input: '' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`locked by process ${process.pid}.*kill ${process.pid}`));
    assert.equal(r.stdout, '', 'stdout belongs to the protocol');
    // The same with a discovery file whose query API does not answer: the error names the pid and the address.
    writeFileSync(join(locked, 'server.json'), JSON.stringify({ pid: process.pid, version: '0.1.0', queryUrl: 'http://127.0.0.1:9' }));
    const r2 = spawnSync(process.execPath, [SERVER, 'lsp', '--stdio', '--data-dir', locked], { encoding: 'utf8', input: '' });
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, new RegExp(`held by tracelens process ${process.pid}, which does not answer at http://127\\.0\\.0\\.1:9; stop it \\(kill ${process.pid}\\)`));
  });
});
