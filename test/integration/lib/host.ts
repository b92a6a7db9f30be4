// Helpers for the suites that run inside the extension host: the extension's API, polling with a deadline, spans
// sent by the real OpenTelemetry SDK, and a port held busy.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { Context } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReceiverProtocol, ServerStatus } from '../../../src/protocol/messages';
import type { TraceLensApi, TreeSnapshot } from '../../../src/extension/api';

export const EXTENSION_ID = 'tracelens.tracelens';

/** The ports test/fixtures/workspace/.vscode/settings.json sets. */
export const WORKSPACE_ADDRESSES: Readonly<Record<ReceiverProtocol, string>> = {
  'otlp-http': '127.0.0.1:24318',
  'otlp-grpc': '127.0.0.1:24317',
  zipkin: '127.0.0.1:24311',
  query: '127.0.0.1:24386',
};

export async function traceLens(): Promise<TraceLensApi> {
  const ext = vscode.extensions.getExtension<TraceLensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return ext.activate();
}

/** Polls `probe` until it returns a value other than undefined; fails with `what` and the last value after `ms`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100)); // poll interval, bounded by the deadline above
  }
}

/** A status once the server runs and `accept` agrees. */
export function statusWhere(api: TraceLensApi, what: string, accept: (s: ServerStatus) => boolean = () => true, ms?: number): Promise<ServerStatus> {
  return waitFor(what, async () => {
    const s = await api.status();
    return s && accept(s) ? s : undefined;
  }, ms);
}

export const allListening = (s: ServerStatus): boolean => s.receivers.every((r) => r.state === 'listening');

export function receiver(s: ServerStatus, protocol: ReceiverProtocol): ServerStatus['receivers'][number] {
  const r = s.receivers.find((x) => x.protocol === protocol);
  assert.ok(r, `no ${protocol} receiver in the status`);
  return r;
}

export function find(nodes: readonly TreeSnapshot[], label: string | RegExp): TreeSnapshot | undefined {
  return nodes.find((n) => (typeof label === 'string' ? n.label === label : label.test(n.label)));
}

export function must(nodes: readonly TreeSnapshot[], label: string | RegExp): TreeSnapshot {
  const n = find(nodes, label);
  assert.ok(n, `no row ${String(label)} among: ${nodes.map((x) => x.label).join(', ')}`);
  return n;
}

export const newTraceId = (): string => randomBytes(16).toString('hex');

/**
 * Sends one trace with the real SDK (TracerProvider + SimpleSpanProcessor + OTLP/HTTP protobuf exporter):
 *
 *   GET /orders        SERVER  |==============================|  http.* attributes
 *     SELECT orders    CLIENT     |==========| ERROR            event "cache.miss"
 *       parse rows               |===|
 *
 * With `remoteParent`, the root is the child of a span that never arrives (an orphan).
 */
export async function sendTrace(endpoint: string, service: string, opts: { remoteParent?: boolean } = {}): Promise<string> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.0.0' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('tracelens-integration', '0.0.1');
  const parent: Context = opts.remoteParent
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: newTraceId(), spanId: randomBytes(8).toString('hex'), traceFlags: 1, isRemote: true })
    : ROOT_CONTEXT;
  const t0 = Date.now();
  const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: t0, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'orders.count': 3 } }, parent);
  const db = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: t0 + 5, attributes: { 'db.system': 'postgresql' } }, trace.setSpan(ROOT_CONTEXT, root));
  db.addEvent('cache.miss', { 'cache.key': 'orders:42' }, t0 + 6);
  const parse = tracer.startSpan('parse rows', { startTime: t0 + 7 }, trace.setSpan(ROOT_CONTEXT, db));
  parse.end(t0 + 9);
  db.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
  db.end(t0 + 15);
  root.end(t0 + 30);
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

/** A port this process holds, as a program that is not TraceLens would (it accepts connections and never answers). */
export async function occupyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    port: address.port,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}
