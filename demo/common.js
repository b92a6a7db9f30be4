'use strict';
// Small helpers shared by the three demo services: manual spans, a tiny JSON
// HTTP server with a health route, and a JSON HTTP client.

const http = require('node:http');
const { trace, SpanStatusCode } = require('@opentelemetry/api');
const { callerLocation, codeAttributes } = require('./code-location');
const { onShutdown } = require('./tracing');

const tracer = trace.getTracer('tracelens-demo', '1.0.0');

// Ports: DEMO_<SERVICE>_PORT, or --port N for the service being started.
const portFlag = process.argv.indexOf('--port');
const PORTS = {
  frontend: Number(process.env.DEMO_FRONTEND_PORT || 7101),
  orders: Number(process.env.DEMO_ORDERS_PORT || 7102),
  inventory: Number(process.env.DEMO_INVENTORY_PORT || 7103),
};
const urlOf = (service) => `http://127.0.0.1:${PORTS[service]}`;

class HttpError extends Error {
  constructor(status, message, { upstream = false } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.upstream = upstream; // true: a downstream service answered with this status
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min, max) => min + Math.random() * (max - min);

/**
 * Run fn(span) inside a new active span (tracer.startActiveSpan). The span
 * carries code.* attributes of the line that called withSpan(); pass
 * `legacyCode: true` to add the deprecated code.* attributes as well. A thrown
 * error sets the span status to ERROR and is re-thrown; exceptions are recorded
 * explicitly where they originate (see inventory.js).
 */
function withSpan(name, options, fn) {
  const location = callerLocation(1); // 0 would be withSpan itself
  const { legacyCode = false, attributes = {}, ...spanOptions } = options;
  spanOptions.attributes = { ...codeAttributes(location, legacyCode), ...attributes };
  return tracer.startActiveSpan(name, spanOptions, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setAttribute('error.type', err.name || 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Start a JSON HTTP service. `routes` maps "METHOD /path/:param" to
 * handler({ req, url, params, body }) -> { status?, body }.
 * GET /health is answered outside of tracing (ignored by the http instrumentation).
 */
function serve(name, routes) {
  const port = portFlag > 0 ? Number(process.argv[portFlag + 1]) : PORTS[name];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://${req.headers.host || '127.0.0.1'}`);
    // pid: lets run.mjs tell its own child from another process on the same port.
    if (url.pathname === '/health') return send(res, 200, { status: 'ok', service: name, pid: process.pid });

    // The active span here is the SERVER span of the http instrumentation.
    const serverSpan = trace.getActiveSpan();
    if (serverSpan) res.setHeader('x-trace-id', serverSpan.spanContext().traceId);
    let params;
    const route = Object.keys(routes).find((key) => (params = matchRoute(key, req.method, url.pathname)));
    if (!route) return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    const httpRoute = route.slice(route.indexOf(' ') + 1);
    serverSpan?.setAttribute('http.route', httpRoute);
    serverSpan?.updateName(`${req.method} ${httpRoute}`);

    try {
      const handler = routes[route]; // called as a plain function: clean stack frame names
      const result = await handler({ req, url, params, body: await readJson(req) });
      send(res, result.status ?? 200, result.body);
    } catch (err) {
      // Our own HttpErrors keep their status; a failed dependency is our 500.
      const status = err instanceof HttpError && !err.upstream ? err.status : 500;
      // The failed request fails its SERVER span too (the http instrumentation
      // alone marks server spans ERROR only for 5xx answers, not for a 404).
      serverSpan?.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      send(res, status, { error: err.message, service: name });
    }
  });
  server.on('error', (err) => {
    console.error(`${name}: cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => console.log(`${name} listening on http://127.0.0.1:${port}`));
  onShutdown(() => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  }));
  return server;
}

/** "GET /stock/:sku" matches GET /stock/coffee-beans; returns the params or undefined. */
function matchRoute(route, method, pathname) {
  const [routeMethod, routePath] = route.split(' ');
  const want = routePath.split('/');
  const have = pathname.split('/');
  if (routeMethod !== method || want.length !== have.length) return undefined;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return undefined;
  }
  return params;
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

/**
 * JSON request with node:http (instrumented: a CLIENT span, and traceparent +
 * baggage headers injected). A non-2xx answer throws an upstream HttpError.
 * `onRequest(req)` sees the request before it is sent (headers can still change).
 */
function callJson(method, url, body, { onRequest } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let json;
        try {
          json = text ? JSON.parse(text) : {};
        } catch {
          return reject(new HttpError(res.statusCode, `${method} ${url}: answer is not JSON`, { upstream: true }));
        }
        if (res.statusCode >= 200 && res.statusCode < 300) return resolve(json);
        const message = `${method} ${new URL(url).pathname} -> ${res.statusCode}: ${json.error ?? 'error'}`;
        reject(new HttpError(res.statusCode, message, { upstream: true }));
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    onRequest?.(req);
    req.end(payload);
  });
}

module.exports = { tracer, withSpan, serve, callJson, HttpError, sleep, between, urlOf };
