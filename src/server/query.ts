// The HTTP query API and the standalone web UI (127.0.0.1:16686 by default, like Jaeger's query service).
//   Jaeger's API, so Jaeger's UI, Grafana's Jaeger data source and other Jaeger clients work against TraceLens:
//     GET /api/services, /api/services/{service}/operations, /api/operations?service=&spanKind=,
//         /api/traces?service=&operation=&tags=&start=&end=&minDuration=&maxDuration=&limit=&lookback= (or traceID=),
//         /api/traces/{traceID}, /api/dependencies?endTs=&lookback=
//     GET /api/v3/services, /api/v3/operations?service=&span_kind=, /api/v3/traces?query.*=, /api/v3/traces/{traceID}
//   TraceLens's own: GET /api/tracelens/status, /api/tracelens/traces?service=&operation=&errors=&limit=,
//     /api/tracelens/traces/{id}, /api/tracelens/logs/{id}, /api/tracelens/export?traceId=&format=
//   POST /api/tracelens/rpc {method, params} -> {result} | {error}: the UI's typed requests (src/protocol/webview.ts).
//   ws://HOST/api/tracelens/live -> the live feed (throttled store changes), for the web UI.
//   GET / -> the web UI page (the same webview bundle VS Code uses).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import { dirname, extname, join } from 'node:path';
import { ConfigError } from '../core/address';
import {
  jaegerError,
  jaegerResponse,
  jaegerTraceIdsParam,
  parseJaegerDependenciesQuery,
  parseJaegerTracesQuery,
  parseOperationsQuery,
  parseV3TracesQuery,
  toJaegerDependencies,
  toJaegerOperationNames,
  toJaegerOperations,
  toJaegerTrace,
  toV3Operations,
} from '../core/jaeger';
import type { Span } from '../core/model';
import { encodeTracesJson } from '../core/otlp/encodeJson';
import { toWireLog, toWireSummary, toWireTrace } from '../core/wire';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ExportFormat, LiveMessage, ServerRequests } from '../protocol/messages';
import { LIVE_PATH } from '../protocol/messages';
import { isUiRequest, UI_REQUESTS } from '../protocol/webview';
import { UI_STYLES, uiHtml } from '../webview/html';
import { analysisDeps, dataHandlers, hotspots } from './requests';
import { serverHandlers } from './handlers';
import { answerHealth, isPeer } from './machine/identity';
import { propagation, slowCohort, traceInsights } from './analysis/insights';
import { parseHotspotsQuery, parsePropagationQuery, parseSlowCohortQuery } from '../core/analysis/params';
import { originAllowed } from './config';
import type { TraceServer } from './traceServer';
import { nowUnixNanos } from '../core/model';
import { traceIdParam } from '../core/ids';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Emitted on an HTTP server just before it closes, so long-lived connections (WebSockets) can end. */
export const STOPPING = 'tracelens:stopping';

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(body);
}

const sendJson = (res: http.ServerResponse, status: number, body: unknown): void => send(res, status, JSON_TYPE, JSON.stringify(body));

/** Serves the query API on an HTTP server: a new one, or one already listening (the machine's election). */
export function serveQuery(server: TraceServer, httpServer: http.Server = http.createServer()): http.Server {
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void route(server, req, res).catch((e: unknown) => {
      if (e instanceof ConfigError) return sendJson(res, 400, req.url?.startsWith('/api/v3/') ? v3Error(400, e.message) : jaegerError(400, e.message));
      sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  });
  serveLiveFeed(server, httpServer);
  return httpServer;
}

/** Is this browser origin the page's own (the query API's host) or one the CORS setting allows? */
function originOk(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not a browser: a local tool
  if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return originAllowed(origin, allowed);
}

/**
 * The live feed on ws://HOST/api/tracelens/live: one LiveMessage per throttled change. A page from a foreign origin
 * cannot open it (a WebSocket is not bound by CORS, so the origin is checked here).
 */
function serveLiveFeed(server: TraceServer, httpServer: http.Server): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    const refuse = (status: string): void => void socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    if (path !== LIVE_PATH) return refuse('404 Not Found');
    if (!originOk(req.headers.origin, req.headers.host, server.config.corsOrigins)) return refuse('403 Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const unsubscribeChanges = server.live.subscribe((event) => {
        const message: LiveMessage = { method: 'tracelens/tracesChanged', params: event };
        ws.send(JSON.stringify(message));
      });
      const unsubscribeNotices = server.live.subscribeNotices((message) => new Promise((resolve) => ws.send(JSON.stringify(message), () => resolve())));
      const unsubscribe = (): void => {
        unsubscribeChanges();
        unsubscribeNotices();
      };
      ws.on('close', unsubscribe);
      ws.on('error', unsubscribe);
    });
  });
  // Upgraded sockets keep http.Server.close() waiting: end the feed's connections when the server stops.
  httpServer.on(STOPPING, () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
}

/**
 * Standalone page: the UI's one HTML page (src/webview/html.ts) with a fresh nonce per response; scripts and styles
 * from 'self'. connect-src names the live feed's ws:// and wss:// origins too ('self' does not cover them in every
 * browser).
 */
function page(host: string | undefined): string {
  const ws = host !== undefined && /^[\w.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return uiHtml({
    cspSource: "'self'",
    nonce: randomBytes(16).toString('base64'),
    // Relative: the page also works behind a path-prefix proxy (a remote editor's asExternalUri, e.g. /proxy/PORT/).
    scriptUri: 'out/webview.js',
    styleUris: UI_STYLES.map((name) => `media/${name}`),
    connectSrc: `'self'${ws}`,
    mode: 'standalone',
  });
}

/** The folder of package.json above this module (out/ when bundled, src/server/ from source); found once. */
let root: string | undefined;
function packageRoot(): string {
  if (root === undefined) {
    let dir = __dirname;
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return root;
}


function v3Error(httpCode: number, message: string): { error: { httpCode: number; message: string } } {
  return { error: { httpCode, message } };
}

/** Spans one search answer carries at most (beyond that, a JSON answer would not fit in one string). */
const MAX_ANSWER_SPANS = 200_000;

/** The stored traces among `ids`, in order, until MAX_ANSWER_SPANS (the first trace is always whole). */
async function traces(server: TraceServer, ids: readonly string[]): Promise<{ traceId: string; spans: readonly Span[] }[]> {
  const out: { traceId: string; spans: readonly Span[] }[] = [];
  let total = 0;
  for (const traceId of ids) {
    const spans = await server.store.getTrace(traceId);
    if (!spans) continue;
    if (out.length > 0 && total + spans.length > MAX_ANSWER_SPANS) break;
    out.push({ traceId, spans });
    total += spans.length;
  }
  return out;
}

const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** The UI's requests on the standalone page: POST {method, params} -> {result} | {error}. */
const RPC_PATH = '/api/tracelens/rpc';
const MAX_RPC_BODY = 1 << 20;

/**
 * POST /api/tracelens/rpc: the typed requests of UI_REQUESTS, answered by the same table as the LSP endpoint. Only
 * JSON bodies (a cross-origin page cannot send one without a CORS preflight, which this server does not grant) and
 * only from the page's own origin or an allowed one. A TraceLens process attached to this one (never a browser: no
 * Origin header; it carries this user's machine secret) may make every request, as its editor would over LSP.
 */
async function rpc(server: TraceServer, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: `POST {"method", "params"} to ${RPC_PATH}` });
  if (!originOk(req.headers.origin, req.headers.host, server.config.corsOrigins)) return sendJson(res, 403, { error: `origin ${req.headers.origin} may not call ${RPC_PATH}` });
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: 'send Content-Type: application/json' });
  // Peer requests make the server index folders, import files, clear the store: only a TraceLens process of this
  // user (it carries the machine secret) makes them.
  const peer = req.headers.origin === undefined && isPeer(req, server.peerSecret);
  const limit = peer ? Math.max(MAX_RPC_BODY, server.config.maxBodyBytes) : MAX_RPC_BODY;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return sendJson(res, 413, { error: `request body over ${limit} bytes` });
    chunks.push(chunk);
  }
  let body: { method?: unknown; params?: unknown };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
  } catch (e) {
    return sendJson(res, 400, { error: `body is not JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
  const method = typeof body?.method === 'string' ? body.method : '';
  if (!isUiRequest(method) && !peer) return sendJson(res, 404, { error: `"${method}" is not a request the UI may make (one of ${UI_REQUESTS.join(', ')})` });
  const handler = (peer ? serverHandlers(server) : dataHandlers(server))[method as keyof ServerRequests] as ((params: unknown) => unknown) | undefined;
  if (!handler) return sendJson(res, 404, { error: `"${method}" is not served here` });
  try {
    return sendJson(res, 200, { result: (await handler(body.params ?? {})) ?? null });
  } catch (e) {
    return sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
  }
}

async function route(server: TraceServer, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const q = url.searchParams;
  const store = server.store;
  if (path === RPC_PATH) return rpc(server, req, res);
  if (answerHealth(req, res, () => server.identity(), server.peerSecret)) return;
  if (req.method !== 'GET') return sendJson(res, 405, { error: 'only GET is served here' });
  if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', page(req.headers.host));
  const asset = /^\/(out\/webview\.js|media\/[\w-]+\.(?:css|svg|png))$/.exec(path);
  if (asset) {
    const body = await readFile(join(packageRoot(), asset[1]!)).catch(() => undefined);
    if (!body) return send(res, 404, 'text/plain', `${asset[1]} not found: run npm run build`);
    return send(res, 200, ASSET_TYPES[extname(path)] ?? 'application/octet-stream', body);
  }

  // Jaeger's API (the one its UI uses).
  const now = nowUnixNanos;
  const list = <T>(items: T[]): void => sendJson(res, 200, jaegerResponse(items, null, items.length));
  if (path === '/api/services') return list(await store.services());
  let m = /^\/api\/services\/([^/]+)\/operations$/.exec(path);
  if (m) return list(toJaegerOperationNames(await store.operations(decodeURIComponent(m[1]!))));
  if (path === '/api/operations') {
    const o = parseOperationsQuery(q, 'v1');
    return list(toJaegerOperations(await store.operations(o.service), o.spanKind));
  }
  if (path === '/api/traces') {
    const ids = jaegerTraceIdsParam(q);
    if (ids.length > 0) return sendJson(res, 200, jaegerResponse((await traces(server, ids)).map((t) => toJaegerTrace(t.traceId, t.spans))));
    const found = await store.findTraces(parseJaegerTracesQuery(q, now()));
    const full = await traces(server, found.map((s) => s.traceId));
    return sendJson(res, 200, jaegerResponse(full.map((t) => toJaegerTrace(t.traceId, t.spans))));
  }
  m = /^\/api\/traces\/([^/]+)$/.exec(path);
  if (m) {
    const id = traceIdParam(m[1]!);
    if (!id) throw new ConfigError(`"${m[1]}" is not a trace ID: expected up to 32 hex digits`);
    const spans = await store.getTrace(id);
    if (!spans) return sendJson(res, 404, jaegerError(404, 'trace not found'));
    return sendJson(res, 200, jaegerResponse([toJaegerTrace(id, spans, await store.getLogs(id))]));
  }
  if (path === '/api/dependencies') {
    const w = parseJaegerDependenciesQuery(q, now());
    return sendJson(res, 200, jaegerResponse(toJaegerDependencies(await store.dependencies(w.fromNanos, w.toNanos))));
  }

  // Jaeger's api/v3 (OTLP-shaped).
  if (path === '/api/v3/services') return sendJson(res, 200, { services: await store.services() });
  if (path === '/api/v3/operations') {
    const o = parseOperationsQuery(q, 'v3');
    return sendJson(res, 200, { operations: toV3Operations(await store.operations(o.service), o.spanKind) });
  }
  if (path === '/api/v3/traces') {
    const found = await store.findTraces(parseV3TracesQuery(q));
    const full = await traces(server, found.map((s) => s.traceId));
    if (full.length === 0) return sendJson(res, 404, v3Error(404, 'trace not found'));
    return send(res, 200, JSON_TYPE, `{"result":${encodeTracesJson(full.flatMap((t) => t.spans))}}`);
  }
  m = /^\/api\/v3\/traces\/([^/]+)$/.exec(path);
  if (m) {
    const id = traceIdParam(m[1]!);
    if (!id) throw new ConfigError(`"${m[1]}" is not a trace ID: expected up to 32 hex digits`);
    const spans = await store.getTrace(id);
    if (!spans) return sendJson(res, 404, v3Error(404, 'trace not found'));
    return send(res, 200, JSON_TYPE, `{"result":${encodeTracesJson(spans)}}`);
  }

  // TraceLens's own.
  if (path === '/api/tracelens/status') return sendJson(res, 200, server.status());
  if (path === '/api/tracelens/traces') {
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 20) || 20, 1), 1000);
    const found = await store.findTraces({
      service: q.get('service') ?? undefined,
      operation: q.get('operation') ?? undefined,
      errorsOnly: q.get('errors') === 'true',
      limit,
    });
    return sendJson(res, 200, found.map(toWireSummary));
  }
  m = /^\/api\/tracelens\/traces\/([^/]+)\/insights$/.exec(path);
  if (m) {
    const id = traceIdParam(m[1]!);
    if (!id) throw new ConfigError(`"${m[1]}" is not a trace ID: expected up to 32 hex digits`);
    const insights = await traceInsights(analysisDeps(server), id);
    if (!insights) return sendJson(res, 404, jaegerError(404, `trace ${id} is not stored`));
    return sendJson(res, 200, { data: insights.findings });
  }
  if (path === '/api/tracelens/hotspots') return sendJson(res, 200, { data: (await hotspots(server, parseHotspotsQuery(q))).rows });
  if (path === '/api/tracelens/propagation') {
    const p = parsePropagationQuery(q);
    const result = await propagation(analysisDeps(server), p);
    if (!result) return sendJson(res, 404, jaegerError(404, `trace ${p.traceId ?? ''} is not stored`));
    return sendJson(res, 200, { data: result });
  }
  if (path === '/api/tracelens/slow-cohort') return sendJson(res, 200, { data: await slowCohort(analysisDeps(server), parseSlowCohortQuery(q)) });
  m = /^\/api\/tracelens\/(traces|logs)\/([^/]+)$/.exec(path);
  if (m) {
    const id = traceIdParam(m[2]!);
    if (!id) return sendJson(res, 400, { error: `"${m[2]}" is not a trace id: expected up to 32 hex digits` });
    if (m[1] === 'logs') return sendJson(res, 200, (await store.getLogs(id)).map(toWireLog));
    const spans = await store.getTrace(id);
    if (!spans) return sendJson(res, 404, { error: `trace ${id} is not stored` });
    return sendJson(res, 200, toWireTrace(id, spans));
  }
  if (path === '/api/tracelens/export') {
    const format = (q.get('format') ?? 'otlp-jsonl') as ExportFormat;
    if (format !== 'otlp-jsonl' && format !== 'jaeger-json') return sendJson(res, 400, { error: `format "${format}" is not one of otlp-jsonl, jaeger-json` });
    const ids = q.getAll('traceId').map(traceIdParam);
    if (ids.length === 0 || ids.some((id) => id === undefined)) return sendJson(res, 400, { error: 'give one or more traceId=<32 hex digits>' });
    const out = await server.exportTraces({ traceIds: ids as string[], format });
    if (out.traces === 0) return sendJson(res, 404, { error: `no such trace: ${out.missing.join(', ')}` });
    const name = `traces-${(ids[0] as string).slice(0, 8)}.${format === 'jaeger-json' ? 'json' : 'jsonl'}`;
    return send(res, 200, format === 'jaeger-json' ? JSON_TYPE : 'application/x-ndjson', out.text, { 'Content-Disposition': `attachment; filename="${name}"` });
  }
  return sendJson(res, 404, { error: `no route ${path}` });
}
