// The HTTP query API and the standalone web UI. The Jaeger-compatible routes come with the store issue; for now:
//   GET /api/tracelens/status, GET /api/tracelens/traces?service=&operation=&errors=&limit=, GET /api/tracelens/traces/{id}
//   GET /  -> the web UI page (the same webview bundle VS Code uses).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import { dirname, join } from 'node:path';
import { toWireSummary, toWireTrace } from '../core/wire';
import type { TraceServer } from './traceServer';

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

export function createQueryServer(server: TraceServer): http.Server {
  return http.createServer((req, res) => {
    void route(server, req, res).catch((e: unknown) => send(res, 500, JSON_TYPE, JSON.stringify({ error: e instanceof Error ? e.message : String(e) })));
  });
}

/** Standalone page: a strict CSP, the webview bundle, and nothing inline but the nonce-less config in a data attribute. */
function page(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TraceLens</title><link rel="stylesheet" href="/media/webview.css"></head>
<body data-mode="standalone"><div id="app"></div><script src="/out/webview.js"></script></body></html>`;
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

async function route(server: TraceServer, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (req.method !== 'GET') return send(res, 405, JSON_TYPE, JSON.stringify({ error: 'only GET is served here' }));
  if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', page());
  if (path === '/out/webview.js' || path === '/media/webview.css') {
    const base = packageRoot();
    const file = path === '/out/webview.js' ? join(base, 'out', 'webview.js') : join(base, 'media', 'webview.css');
    const body = await readFile(file).catch(() => undefined);
    if (!body) return send(res, 404, 'text/plain', 'not built: run npm run build');
    return send(res, 200, path.endsWith('.js') ? 'text/javascript' : 'text/css', body);
  }
  if (path === '/api/tracelens/status') return send(res, 200, JSON_TYPE, JSON.stringify(server.status()));
  if (path === '/api/tracelens/traces') {
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 20) || 20, 1), 1000);
    const found = await server.store.findTraces({
      service: url.searchParams.get('service') ?? undefined,
      operation: url.searchParams.get('operation') ?? undefined,
      errorsOnly: url.searchParams.get('errors') === 'true',
      limit,
    });
    return send(res, 200, JSON_TYPE, JSON.stringify(found.map(toWireSummary)));
  }
  const m = /^\/api\/tracelens\/traces\/([0-9a-fA-F]{1,32})$/.exec(path);
  if (m) {
    const id = m[1]!.toLowerCase().padStart(32, '0');
    const spans = await server.store.getTrace(id);
    if (!spans) return send(res, 404, JSON_TYPE, JSON.stringify({ error: `trace ${id} is not stored` }));
    return send(res, 200, JSON_TYPE, JSON.stringify(toWireTrace(id, spans)));
  }
  return send(res, 404, JSON_TYPE, JSON.stringify({ error: `no route ${path}` }));
}
