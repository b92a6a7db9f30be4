// The export batches the ingest benchmark sends: spans made with the real OpenTelemetry JS SDK (TracerProvider,
// SimpleSpanProcessor, InMemorySpanExporter) and serialized with the SDK's own OTLP serializers, so the bytes are
// exactly what @opentelemetry/exporter-trace-otlp-{proto,http,grpc} put on the wire.
// Everything is drawn from a seeded generator with fixed timestamps: the same seed gives the same bytes.
import type { Attributes, Context, HrTime, Link, Tracer } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { IdGenerator, ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { rng } from '../stats';

/** One export request in both encodings, with the trace ids it holds (lower-case hex). */
export interface Batch {
  readonly spanCount: number;
  readonly traceCount: number;
  /** What the spans carry, for the report: attributes, events and links in all, spans with an error status. */
  readonly attributeCount: number;
  readonly eventCount: number;
  readonly linkCount: number;
  readonly errorCount: number;
  readonly protobuf: Uint8Array;
  readonly json: Uint8Array;
  readonly traceIds: readonly string[];
}

export interface BatchOptions {
  readonly seed: number;
  readonly batches: number;
  readonly spansPerBatch: number;
}

/** A small, fast, seeded PRNG (mulberry32): the benchmark's payloads must not change between runs. */
export class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i++) s += Math.floor(this.next() * 256).toString(16).padStart(2, '0');
    return s;
  }
}

class SeededIds implements IdGenerator {
  constructor(private readonly random: Random) {}
  generateTraceId(): string {
    return this.random.hex(16);
  }
  generateSpanId(): string {
    return this.random.hex(8);
  }
}

/** 2026-01-15T10:00:00Z, in nanoseconds; every timestamp is an offset from it. */
const EPOCH_NS = 1_768_471_200_000_000_000n;

function hr(ns: bigint): HrTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

interface Service {
  readonly name: string;
  readonly version: string;
  readonly host: string;
  readonly pid: number;
  readonly routes: readonly { method: string; route: string; path: () => string; fn: string; file: string }[];
  readonly tables: readonly string[];
  readonly downstream: readonly { host: string; port: number; path: string }[];
}

function services(r: Random): Service[] {
  const id = (): string => String(r.int(1000, 99999));
  return [
    {
      name: 'checkout',
      version: '2.14.3',
      host: 'checkout-7d9f8c6b5-x2kqp',
      pid: 4211,
      routes: [
        { method: 'POST', route: '/api/checkout', path: () => '/api/checkout', fn: 'CheckoutController.placeOrder', file: 'src/checkout/controller.ts' },
        { method: 'GET', route: '/api/orders/:id', path: () => `/api/orders/${id()}`, fn: 'OrderController.getOrder', file: 'src/orders/controller.ts' },
        { method: 'GET', route: '/api/cart', path: () => '/api/cart', fn: 'CartController.show', file: 'src/cart/controller.ts' },
      ],
      tables: ['orders', 'order_items', 'customers', 'inventory'],
      downstream: [
        { host: 'payments.internal', port: 8443, path: '/v1/charges' },
        { host: 'inventory.internal', port: 8080, path: '/v2/reservations' },
        { host: 'shipping.internal', port: 8080, path: '/quote' },
      ],
    },
    {
      name: 'catalog',
      version: '1.8.0',
      host: 'catalog-6c4d9b7f8-pl9wz',
      pid: 1873,
      routes: [
        { method: 'GET', route: '/products/:sku', path: () => `/products/SKU-${id()}`, fn: 'ProductsHandler.get', file: 'src/handlers/products.ts' },
        { method: 'GET', route: '/search', path: () => `/search?q=shoes&page=${r.int(1, 9)}`, fn: 'SearchHandler.query', file: 'src/handlers/search.ts' },
      ],
      tables: ['products', 'prices', 'categories'],
      downstream: [
        { host: 'search.internal', port: 9200, path: '/products/_search' },
        { host: 'pricing.internal', port: 8080, path: '/v1/prices' },
      ],
    },
    {
      name: 'accounts',
      version: '3.2.11',
      host: 'accounts-5f8b7c9d4-m4r7t',
      pid: 952,
      routes: [
        { method: 'POST', route: '/login', path: () => '/login', fn: 'AuthController.login', file: 'src/auth/controller.ts' },
        { method: 'GET', route: '/users/:id', path: () => `/users/${id()}`, fn: 'UsersController.get', file: 'src/users/controller.ts' },
        { method: 'PATCH', route: '/users/:id', path: () => `/users/${id()}`, fn: 'UsersController.update', file: 'src/users/controller.ts' },
      ],
      tables: ['users', 'sessions', 'audit_log'],
      downstream: [{ host: 'idp.internal', port: 443, path: '/oauth2/token' }],
    },
  ];
}

const QUERIES: readonly ((table: string) => { op: string; text: string })[] = [
  (t) => ({ op: 'SELECT', text: `SELECT id, status, total_cents, currency, created_at, updated_at FROM ${t} WHERE id = $1 AND tenant_id = $2` }),
  (t) => ({ op: 'SELECT', text: `SELECT * FROM ${t} WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 50` }),
  (t) => ({ op: 'INSERT', text: `INSERT INTO ${t} (id, tenant_id, payload, created_at) VALUES ($1, $2, $3, now()) RETURNING id` }),
  (t) => ({ op: 'UPDATE', text: `UPDATE ${t} SET status = $1, updated_at = now() WHERE id = $2 AND version = $3` }),
];

const STACK = [
  'Error: connect ECONNREFUSED 10.0.3.17:5432',
  '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
  '    at Client._connectionCallback (/app/node_modules/pg/lib/client.js:132:24)',
  '    at Pool._acquireClient (/app/node_modules/pg-pool/index.js:287:21)',
  '    at OrderRepository.find (/app/dist/orders/repository.js:58:31)',
  '    at async OrderController.getOrder (/app/dist/orders/controller.js:41:19)',
  '    at async /app/node_modules/express/lib/router/layer.js:95:5',
].join('\n');

/** What a trace needs while it is being built: its tracer, its clock and the spans still to make. */
interface TraceBuilder {
  readonly r: Random;
  readonly svc: Service;
  readonly http: Tracer;
  readonly pg: Tracer;
  readonly app: Tracer;
  budget: number;
  readonly links: Link[];
}

function childContext(parent: ReturnType<Tracer['startSpan']>): Context {
  return trace.setSpan(ROOT_CONTEXT, parent);
}

function dbSpan(b: TraceBuilder, ctx: Context, start: bigint): bigint {
  const table = b.r.pick(b.svc.tables);
  const q = b.r.pick(QUERIES)(table);
  const dur = BigInt(b.r.int(300, 12_000)) * 1000n;
  const attributes: Attributes = {
    'db.system.name': 'postgresql',
    'db.namespace': `${b.svc.name}_db`,
    'db.operation.name': q.op,
    'db.collection.name': table,
    'db.query.text': q.text,
    'server.address': 'pg-primary.internal',
    'server.port': 5432,
    'network.peer.address': '10.0.3.17',
    'network.peer.port': 5432,
  };
  if (q.op !== 'SELECT') attributes['db.response.returned_rows'] = b.r.int(0, 3);
  const span = b.pg.startSpan(`${q.op} ${table}`, { kind: SpanKind.CLIENT, startTime: hr(start), attributes }, ctx);
  b.budget--;
  span.end(hr(start + dur));
  return start + dur;
}

function clientSpan(b: TraceBuilder, ctx: Context, start: bigint, failing: boolean): bigint {
  const d = b.r.pick(b.svc.downstream);
  const dur = BigInt(b.r.int(2_000, 60_000)) * 1000n;
  const status = failing && b.r.chance(0.5) ? 503 : 200;
  const span = b.http.startSpan(
    'POST',
    {
      kind: SpanKind.CLIENT,
      startTime: hr(start),
      attributes: {
        'http.request.method': 'POST',
        'url.full': `https://${d.host}:${d.port}${d.path}`,
        'server.address': d.host,
        'server.port': d.port,
        'network.protocol.version': '1.1',
        'http.request.body.size': b.r.int(120, 4000),
        'http.response.status_code': status,
        'http.response.body.size': b.r.int(40, 9000),
      },
    },
    ctx,
  );
  b.budget--;
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end(hr(start + dur));
  return start + dur;
}

function internalSpan(b: TraceBuilder, ctx: Context, start: bigint, fn: string, file: string, failing: boolean): bigint {
  const span = b.app.startSpan(
    fn,
    {
      kind: SpanKind.INTERNAL,
      startTime: hr(start),
      attributes: { 'code.function.name': fn, 'code.file.path': `/app/${file}`, 'code.line.number': b.r.int(12, 480), 'code.column.number': b.r.int(3, 40) },
    },
    ctx,
  );
  b.budget--;
  const inner = childContext(span);
  let t = start + BigInt(b.r.int(20, 400)) * 1000n;
  if (b.r.chance(0.3)) span.addEvent('cache.miss', { 'cache.key': `${b.svc.name}:${b.r.hex(6)}`, 'cache.backend': 'redis' }, hr(t));
  const children = Math.min(b.budget, b.r.int(1, 4));
  for (let i = 0; i < children && b.budget > 0; i++) {
    t = b.r.chance(0.7) ? dbSpan(b, inner, t) : clientSpan(b, inner, t, failing);
    t += BigInt(b.r.int(10, 300)) * 1000n;
  }
  if (failing && b.r.chance(0.6)) {
    const err = new Error('connect ECONNREFUSED 10.0.3.17:5432');
    err.stack = STACK;
    span.recordException(err, hr(t));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  }
  span.end(hr(t));
  return t;
}

/** One request trace: an HTTP server span, handler spans with code.* attributes, DB and HTTP client children. */
function buildTrace(b: TraceBuilder, start: bigint): void {
  const route = b.r.pick(b.svc.routes);
  const failing = b.r.chance(0.08);
  const links = b.links.length > 0 && b.r.chance(0.15) ? [b.r.pick(b.links)] : [];
  const server = b.http.startSpan(
    `${route.method} ${route.route}`,
    {
      kind: SpanKind.SERVER,
      startTime: hr(start),
      links,
      attributes: {
        'http.request.method': route.method,
        'http.route': route.route,
        'url.path': route.path(),
        'url.scheme': 'http',
        'server.address': `${b.svc.name}.internal`,
        'server.port': 8080,
        'client.address': `10.0.${b.r.int(0, 9)}.${b.r.int(2, 250)}`,
        'network.protocol.version': '1.1',
        'user_agent.original': b.r.pick(['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', 'okhttp/4.12.0', 'python-requests/2.32.3']),
      },
    },
    ROOT_CONTEXT,
  );
  b.budget--;
  const ctx = childContext(server);
  let t = start + BigInt(b.r.int(50, 500)) * 1000n;
  for (let handlers = 0; b.budget > 0 && (handlers === 0 || b.r.chance(0.6)); handlers++) {
    t = internalSpan(b, ctx, t, route.fn, route.file, failing) + BigInt(b.r.int(10, 200)) * 1000n;
  }
  const status = failing ? 500 : route.method === 'POST' ? 201 : 200;
  server.setAttribute('http.response.status_code', status);
  if (failing) {
    server.setAttribute('error.type', '500');
    server.setStatus({ code: SpanStatusCode.ERROR });
  }
  server.end(hr(t + BigInt(b.r.int(30, 900)) * 1000n));
  // Later traces may link to this one (a retry, a batch job that consumed its message).
  b.links.push({ context: server.spanContext(), attributes: { 'link.reason': 'retry' } });
}

function resourceFor(svc: Service): ReturnType<typeof resourceFromAttributes> {
  return resourceFromAttributes({
    'service.name': svc.name,
    'service.version': svc.version,
    'service.namespace': 'shop',
    'service.instance.id': `${svc.host}-${svc.pid}`,
    'deployment.environment.name': 'production',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '3.1.1',
    'host.name': svc.host,
    'host.arch': 'amd64',
    'os.type': 'linux',
    'os.version': '6.8.0-1019-aws',
    'process.pid': svc.pid,
    'process.executable.name': 'node',
    'process.executable.path': '/usr/local/bin/node',
    'process.command': '/app/dist/main.js',
    'process.command_args': ['/usr/local/bin/node', '--enable-source-maps', '/app/dist/main.js'],
    'process.owner': 'node',
    'process.runtime.name': 'nodejs',
    'process.runtime.version': '20.18.1',
    'process.runtime.description': 'Node.js',
    'container.id': 'c0ffee' + '0'.repeat(52) + svc.pid.toString(16).padStart(6, '0'),
    'k8s.namespace.name': 'shop',
    'k8s.pod.name': svc.host,
  });
}

/** The finished spans of one exporter batch: spansPerBatch spans from one service, whole traces but the last. */
function makeSpans(svc: Service, r: Random, spansPerBatch: number, startNs: bigint): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFor(svc),
    idGenerator: new SeededIds(r),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const b: TraceBuilder = {
    r,
    svc,
    http: provider.getTracer('@opentelemetry/instrumentation-http', '0.301.0'),
    pg: provider.getTracer('@opentelemetry/instrumentation-pg', '0.61.0'),
    app: provider.getTracer(svc.name, svc.version),
    budget: spansPerBatch,
    links: [],
  };
  let t = startNs;
  while (b.budget > 0) {
    buildTrace(b, t);
    t += BigInt(r.int(1_000, 40_000)) * 1000n;
  }
  const spans = exporter.getFinishedSpans();
  exporter.reset();
  return spans;
}

function serialize(which: 'protobuf' | 'json', spans: ReadableSpan[]): Uint8Array {
  const bytes = (which === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer).serializeRequest(spans);
  if (!bytes) throw new Error(`the SDK's ${which} serializer returned nothing`);
  return bytes;
}

/** The benchmark's batches: `batches` export requests of `spansPerBatch` spans each, from three services. */
export function makeBatches(options: BatchOptions): Batch[] {
  const r = new Random(options.seed);
  const svcs = services(r);
  const out: Batch[] = [];
  for (let i = 0; i < options.batches; i++) {
    const spans = makeSpans(svcs[i % svcs.length]!, r, options.spansPerBatch, EPOCH_NS + BigInt(i) * 60_000_000_000n);
    const traceIds = [...new Set(spans.map((s) => s.spanContext().traceId))];
    out.push({
      spanCount: spans.length,
      traceCount: traceIds.length,
      attributeCount: spans.reduce((n, s) => n + Object.keys(s.attributes).length, 0),
      eventCount: spans.reduce((n, s) => n + s.events.length, 0),
      linkCount: spans.reduce((n, s) => n + s.links.length, 0),
      errorCount: spans.filter((s) => s.status.code === SpanStatusCode.ERROR).length,
      protobuf: serialize('protobuf', spans), json: serialize('json', spans), traceIds });
  }
  return out;
}
