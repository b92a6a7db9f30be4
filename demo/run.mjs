#!/usr/bin/env node
// Starts the three demo services (each with demo/tracing.js preloaded), waits
// until they are healthy, sends traffic through them, and shuts them down so
// every span is flushed to the receiver. Requests wait until the exporter's
// endpoint accepts connections (TraceLens may start after the demo).
//
//   node demo/run.mjs --requests 20
//   node demo/run.mjs --continuous
//
// The receiver is configured with the standard OTEL_* variables (inherited by
// the services); --endpoint / --protocol / --exporter are shortcuts for them.
import { fork } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const USAGE = `usage: node demo/run.mjs [--requests N | --continuous] [options]
  --requests N          send N requests (fast, slow and error paths), then stop (default 10)
  --continuous          send a request every --interval ms until Ctrl+C / SIGTERM
  --interval MS         pause between requests in --continuous mode (default 1000)
  --receiver-timeout S  wait at most S seconds for the receiver to accept connections before sending
                        (default 60 with --requests; with --continuous, as long as it takes; 0: do not wait)
  --endpoint URL        sets OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_ZIPKIN_ENDPOINT with --exporter zipkin)
  --protocol P          sets OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf (default), http/json, grpc
  --exporter E          sets OTEL_TRACES_EXPORTER: otlp (default), zipkin, console, none
  --frontend-port N, --orders-port N, --inventory-port N   (defaults 7101, 7102, 7103)`;

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      requests: { type: 'string' },
      continuous: { type: 'boolean', default: false },
      interval: { type: 'string', default: '1000' },
      'receiver-timeout': { type: 'string' },
      endpoint: { type: 'string' },
      protocol: { type: 'string' },
      exporter: { type: 'string' },
      'frontend-port': { type: 'string', default: process.env.DEMO_FRONTEND_PORT || '7101' },
      'orders-port': { type: 'string', default: process.env.DEMO_ORDERS_PORT || '7102' },
      'inventory-port': { type: 'string', default: process.env.DEMO_INVENTORY_PORT || '7103' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const total = opts.continuous ? Infinity : Number(opts.requests ?? 10);
const interval = Number(opts.interval);
const receiverTimeoutS = Number(opts['receiver-timeout'] ?? (opts.continuous ? Infinity : 60));
if (!(total >= 1) || !(interval >= 0) || !(receiverTimeoutS >= 0)) {
  console.error(`--requests must be >= 1, --interval >= 0 and --receiver-timeout >= 0\n${USAGE}`);
  process.exit(2);
}

// ---- Environment for the services ------------------------------------------
const ports = { frontend: opts['frontend-port'], orders: opts['orders-port'], inventory: opts['inventory-port'] };
const baseEnv = {
  ...process.env,
  DEMO_FRONTEND_PORT: ports.frontend,
  DEMO_ORDERS_PORT: ports.orders,
  DEMO_INVENTORY_PORT: ports.inventory,
};
if (opts.exporter) baseEnv.OTEL_TRACES_EXPORTER = opts.exporter;
if (opts.protocol) baseEnv.OTEL_EXPORTER_OTLP_PROTOCOL = opts.protocol;
if (opts.endpoint) {
  const zipkin = (baseEnv.OTEL_TRACES_EXPORTER ?? '').includes('zipkin');
  baseEnv[zipkin ? 'OTEL_EXPORTER_ZIPKIN_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'] = opts.endpoint;
}

// ---- Services ----------------------------------------------------------------
const children = new Map(); // name -> ChildProcess
let stopping = false;
let failure; // first fatal problem; makes the exit code 1

// Whatever happens, no service outlives this process.
process.on('exit', () => {
  for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function start(name) {
  const child = fork(path.join(HERE, `${name}.js`), [], {
    execArgv: ['--require', path.join(HERE, 'tracing.js')],
    env: { ...baseEnv, OTEL_SERVICE_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    let pending = '';
    stream.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      for (const line of lines) console.log(`  [${name}] ${line}`);
    });
  }
  child.on('error', (err) => console.error(`  [${name}] ${err.message}`));
  child.on('exit', (code, signal) => {
    if (stopping) return;
    // Exiting 0 on its own means it was told to stop (e.g. Ctrl+C reached the
    // whole process group first): stop too. Anything else is a crash.
    if (code !== 0) failure ??= new Error(`${name} exited unexpectedly (${signal ?? `code ${code}`})`);
    stop();
  });
  children.set(name, child);
}

/** Resolve when GET /health answers 200, polling until the deadline. */
async function waitHealthy(name, deadlineMs = 15_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (failure) throw failure;
    const res = await get(`http://127.0.0.1:${ports[name]}/health`, 1000).catch(() => undefined);
    // Only our own child counts (the port may be taken by another process).
    if (res?.status === 200 && JSON.parse(res.body).pid === children.get(name).pid) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not become healthy on port ${ports[name]} within ${deadlineMs / 1000} s`);
}

/** Ask every service to flush its spans and exit; SIGKILL after a deadline. */
async function stopServices() {
  const exits = [...children.entries()].map(([name, child]) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? 1);
    const timer = setTimeout(() => {
      console.error(`  [${name}] did not exit in time, killing it`);
      child.kill('SIGKILL');
    }, 8000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
    // IPC works on every platform; SIGTERM is the fallback without a channel.
    if (child.connected) child.send('shutdown', (err) => err && child.kill('SIGTERM'));
    else child.kill('SIGTERM');
  }));
  const codes = await Promise.all(exits);
  return codes.every((code) => code === 0);
}

// ---- Receiver ------------------------------------------------------------------
/** The endpoints the services export to (OTLP over HTTP or gRPC, Zipkin), as URLs; none for console/none. */
function exporterEndpoints() {
  const names = (baseEnv.OTEL_TRACES_EXPORTER || 'otlp').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('none')) return [];
  const protocol = (baseEnv.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || baseEnv.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
  // The same defaults as demo/tracing.js.
  const endpoints = [];
  if (names.includes('otlp')) {
    endpoints.push(baseEnv.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || baseEnv.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ||
      (protocol === 'grpc' ? 'http://127.0.0.1:4317' : 'http://127.0.0.1:4318'));
  }
  if (names.includes('zipkin')) endpoints.push(baseEnv.OTEL_EXPORTER_ZIPKIN_ENDPOINT?.trim() || 'http://127.0.0.1:9411/api/v2/spans');
  return endpoints.map((e) => {
    // gRPC exporters also take host:port without a scheme.
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(e) ? e : `http://${e}`);
    return { origin: url.origin, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
  });
}

/** Resolves true when host:port accepts a TCP connection within timeoutMs. */
function accepts({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Waits quietly (one line) until every exporter endpoint accepts connections; throws after --receiver-timeout. */
async function waitForReceiver() {
  if (receiverTimeoutS === 0) return;
  const deadline = Date.now() + receiverTimeoutS * 1000;
  for (const endpoint of exporterEndpoints()) {
    const t0 = Date.now();
    let said = false;
    while (!stopping && !failure && !(await accepts(endpoint))) {
      if (Date.now() >= deadline) {
        throw new Error(`no receiver answered at ${endpoint.origin} within ${receiverTimeoutS} s: start TraceLens (open the workbench ` +
          'page or VS Code with the extension, or run `npx tracelens serve`), or point --endpoint at a running receiver');
      }
      if (!said) console.log(`waiting for the TraceLens receiver at ${endpoint.origin} (open the workbench page to start it)…`);
      said = true;
      await pause(250);
    }
    if (said && !stopping && !failure) console.log(`receiver at ${endpoint.origin} is up after ${Math.round((Date.now() - t0) / 1000)} s`);
  }
}

// ---- Traffic --------------------------------------------------------------------
const MIX = [
  { kind: 'fast', path: '/checkout?item=coffee-beans&qty=2&user=alice' },
  { kind: 'slow', path: '/checkout?item=gamer-bundle&qty=1&user=bob' },
  { kind: 'error', path: '/checkout?item=unobtainium&qty=1&user=carol' },
  { kind: 'fast', path: '/checkout?item=espresso-machine&qty=1&user=dave' },
  { kind: 'fast', path: '/checkout?item=milk-frother&qty=3&user=alice' },
];

function get(url, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body, traceId: res.headers['x-trace-id'] }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function sendOne(i) {
  const { kind, path: route } = MIX[i % MIX.length];
  const started = performance.now();
  let outcome;
  try {
    const res = await get(`http://127.0.0.1:${ports.frontend}${route}`);
    outcome = `${res.status}  trace ${res.traceId ?? '-'}`;
  } catch (err) {
    outcome = `ERR ${err.message}`;
  }
  const ms = Math.round(performance.now() - started);
  const n = opts.continuous ? `#${i + 1}` : `${i + 1}/${total}`;
  console.log(`${n.padStart(7)}  ${kind.padEnd(5)}  GET ${route.padEnd(48)} ${String(ms).padStart(5)} ms  ${outcome}`);
}

// A pause that ends early when we are told to stop.
let wake = () => {};
const pause = (ms) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  wake = () => { clearTimeout(timer); resolve(); };
});
function stop() {
  stopping = true;
  wake();
}

process.on('SIGINT', () => (stopping ? process.exit(130) : stop())); // a second Ctrl+C forces the exit
process.on('SIGTERM', stop);

// ---- Main -------------------------------------------------------------------------
async function main() {
  const exporter = baseEnv.OTEL_TRACES_EXPORTER || 'otlp';
  const target = exporter.includes('zipkin')
    ? baseEnv.OTEL_EXPORTER_ZIPKIN_ENDPOINT || 'http://127.0.0.1:9411/api/v2/spans'
    : `${baseEnv.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || baseEnv.OTEL_EXPORTER_OTLP_ENDPOINT || '(default 127.0.0.1:4318 / grpc 4317)'}` +
      ` [${baseEnv.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || baseEnv.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf'}]`;
  console.log(`TraceLens demo: exporter ${exporter} -> ${target}`);

  for (const name of ['inventory', 'orders', 'frontend']) start(name);
  await Promise.all([...children.keys()].map((name) => waitHealthy(name)));
  console.log(`services ready; frontend on http://127.0.0.1:${ports.frontend}`);
  await waitForReceiver();

  for (let i = 0; i < total && !stopping; i++) {
    await sendOne(i);
    if (opts.continuous && !stopping) await pause(interval);
  }
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  failure ??= err;
}
if (failure) {
  console.error(`error: ${failure.message}`);
  exitCode = 1;
}
stopping = true;
console.log('stopping services (flushing spans) ...');
if (!(await stopServices()) && !failure) {
  console.error('error: not every service flushed its spans (see the messages above; is the receiver running?)');
  exitCode = 1;
}
if (exitCode === 0) console.log('done: services stopped after flushing their spans');
process.exit(exitCode);
