// The correlation engine (src/core/correlate): stack parsers per runtime, path resolution, source maps through real
// files, literal extraction per language, enclosingFunction, hostile input, and the labelled corpus
// (test/fixtures/correlation/corpus.json) with its precision and recall.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { AttrValue, Attributes, LogRecord, Span, SpanEvent } from '../../src/core/model';
import { EMPTY_RESOURCE, EMPTY_SCOPE } from '../../src/core/model';
import { SourceIndex, correlateSpan, createSourceMaps, parseStackTrace } from '../../src/core/correlate';
import type { PathMapping, SourceCandidate } from '../../src/core/correlate';
import { pathNamesService, sqlShape } from '../../src/core/correlate/sourceIndex';
import { modelSpan } from '../helpers/spans';

const FIXTURES = resolve(__dirname, '../fixtures/correlation');
const ROOTS = { workspace: join(FIXTURES, 'workspace'), 'workspace-billing': join(FIXTURES, 'workspace-billing') } as const;
type RootName = keyof typeof ROOTS;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** The fixture workspace indexed the way the lens server does it: every text file but source maps, read for real. */
function fixtureIndex(): SourceIndex {
  const index = new SourceIndex(Object.values(ROOTS));
  for (const root of Object.values(ROOTS)) {
    for (const file of walk(root)) {
      if (file.endsWith('.map') || file.endsWith('.md') || file.endsWith('build.mjs')) continue;
      index.setFile(file, readFileSync(file, 'utf8'));
    }
  }
  return index;
}
const readReal = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

// ---- The corpus's JSON form -> the model ----
interface CorpusEntry {
  readonly id: string;
  readonly signal: string;
  readonly resource: Record<string, unknown>;
  readonly span: { name: unknown; kind: string; attributes: Record<string, unknown>; events: { name: string; attributes: Record<string, unknown> }[] };
  readonly logs?: { severityText: string; body: unknown; attributes: Record<string, unknown> }[];
  readonly pathMappings?: PathMapping[];
  readonly expect: { root: RootName; file: string; line: number } | null;
}

/** "{workspace}" in corpus text stands for the fixture root's absolute path on this machine. */
function expand(s: string): string {
  return s.replaceAll('{workspace}', ROOTS.workspace);
}
/** Compact huge values: {"$concat": [string | {"$repeat": [text, times]}, ...]}. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return expand(v);
  const parts = (v as { $concat?: unknown[] } | null)?.$concat;
  if (!Array.isArray(parts)) return undefined;
  return parts.map((p) => (typeof p === 'string' ? p : ((r: [string, number]) => r[0].repeat(r[1]))((p as { $repeat: [string, number] }).$repeat))).join('');
}
/** JSON integers are OTLP int64 (bigint in the model), as the SDKs send code.lineno and friends. */
function value(v: unknown): AttrValue {
  const t = text(v);
  if (t !== undefined) return t;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(value);
  return null;
}
function attributes(o: Record<string, unknown>): Attributes {
  return Object.entries(o).map(([key, v]) => ({ key, value: value(v) }));
}
function toInput(c: CorpusEntry): { span: Span; logs: LogRecord[] } {
  const resource = { ...EMPTY_RESOURCE, attributes: attributes(c.resource) };
  const events: SpanEvent[] = c.span.events.map((e) => ({ timeUnixNano: 1n, name: e.name, attributes: attributes(e.attributes), droppedAttributesCount: 0 }));
  const span = modelSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: text(c.span.name) ?? '', kind: SpanKind[c.span.kind as keyof typeof SpanKind], attributes: attributes(c.span.attributes), events, resource });
  const logs: LogRecord[] = (c.logs ?? []).map((l) => ({
    timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 17, severityText: l.severityText, body: value(l.body), attributes: attributes(l.attributes),
    droppedAttributesCount: 0, flags: 0, traceId: span.traceId, spanId: span.spanId, eventName: '', resource, scope: EMPTY_SCOPE,
  }));
  return { span, logs };
}

describe('correlation corpus', () => {
  const corpus = JSON.parse(readFileSync(join(FIXTURES, 'corpus.json'), 'utf8')) as CorpusEntry[];
  const index = fixtureIndex();
  const sourceMaps = createSourceMaps(readReal);

  it('has at least 200 labelled spans across every signal', () => {
    assert.ok(corpus.length >= 200, `${corpus.length} spans`);
    const signals = new Set(corpus.map((c) => c.signal));
    for (const s of ['code.attributes', 'code.stacktrace', 'exception.stacktrace', 'log.stacktrace', 'span-name', 'http.route', 'rpc.method', 'db.query', 'messaging.destination', 'path-mapping']) assert.ok(signals.has(s), s);
    assert.ok(corpus.filter((c) => c.expect === null).length >= 30);
    // The compact hostile values expand to what the engine must survive.
    const huge = corpus.find((c) => c.id === 'hostile-huge-name')!;
    assert.equal(toInput(huge).span.name.length, 100_000);
    const mb = toInput(corpus.find((c) => c.id === 'hostile-megabyte-stack')!).span.events[0]!.attributes[2]!.value;
    assert.ok(typeof mb === 'string' && mb.length > 1_000_000);
  });

  // "Correct": the top workspace candidate is the expected file at exactly the expected line. Candidates outside the
  // workspace (an unmapped foreign path, shown only after asking) are not locations in the workspace and do not count
  // as a top candidate; a span labelled null with any workspace candidate counts against precision.
  it('precision >= 0.98 and recall >= 0.90, exact lines', () => {
    let withTop = 0;
    let correct = 0;
    let expected = 0;
    const misses: string[] = [];
    const bySignal = new Map<string, { n: number; ok: number }>();
    for (const c of corpus) {
      const { span, logs } = toInput(c);
      const mappings = c.pathMappings?.map((m) => ({ from: expand(m.from), to: expand(m.to) }));
      const candidates = correlateSpan({ span, resource: span.resource, logs }, index, { sourceMaps, ...(mappings ? { pathMappings: mappings } : {}) });
      const top: SourceCandidate | undefined = candidates.find((k) => k.inWorkspace);
      const want = c.expect ? { path: join(ROOTS[c.expect.root], c.expect.file), line: c.expect.line } : undefined;
      const ok = !!top && !!want && top.path === want.path && top.line === want.line;
      if (top) withTop++;
      if (want) expected++;
      if (ok) correct++;
      const s = bySignal.get(c.signal) ?? { n: 0, ok: 0 };
      s.n++;
      if (ok || (!want && !top)) s.ok++;
      bySignal.set(c.signal, s);
      if (!ok && (top || want)) {
        const got = top ? `${relative(FIXTURES, top.path)}:${top.line} (${top.confidence})` : 'nothing';
        misses.push(`  ${c.id}: expected ${want ? `${relative(FIXTURES, want.path)}:${want.line}` : 'nothing'}, got ${got}`);
      }
    }
    const precision = withTop === 0 ? 0 : correct / withTop;
    const recall = expected === 0 ? 0 : correct / expected;
    console.log(`corpus: ${corpus.length} spans, ${expected} with an expected location; ${withTop} with a top candidate, ${correct} correct`);
    console.log(`precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}`);
    console.log([...bySignal].map(([k, v]) => `  ${k}: ${v.ok}/${v.n}`).join('\n'));
    if (misses.length > 0) console.log(`misses:\n${misses.join('\n')}`);
    assert.ok(precision >= 0.98, `precision ${precision}`);
    assert.ok(recall >= 0.9, `recall ${recall}`);
  });
});

// ---- Stack parsers ----
describe('parseStackTrace', () => {
  it('V8 / Node: functions, anonymous frames, node:internal, innermost first', () => {
    const f = parseStackTrace(`TypeError: x
    at Object.priceOf (/usr/src/app/dist/orders.js:54:11)
    at async Promise.all (index 0)
    at /usr/src/app/dist/server.js:40:54
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`);
    assert.deepEqual(f.map((x) => [x.file, x.line, x.column, x.function, x.format]), [
      ['/usr/src/app/dist/orders.js', 54, 11, 'Object.priceOf', 'v8'],
      ['/usr/src/app/dist/server.js', 40, 54, undefined, 'v8'],
      ['node:internal/process/task_queues', 95, 5, 'process.processTicksAndRejections', 'v8'],
    ]);
  });
  it('Chrome with URLs and webpack', () => {
    const f = parseStackTrace('Error: x\n    at priceOf (webpack:///./src/orders.ts?:41:11)\n    at http://localhost:5173/src/server.ts:26:25');
    assert.deepEqual(f.map((x) => [x.file, x.line, x.format]), [['webpack:///./src/orders.ts?', 41, 'v8'], ['http://localhost:5173/src/server.ts', 26, 'v8']]);
  });
  it('Firefox and Safari', () => {
    const ff = parseStackTrace('priceOf@http://localhost:5173/src/orders.ts:41:11\nregisterRoutes/<@http://localhost:5173/src/server.ts:26:25\n');
    assert.deepEqual(ff.map((x) => [x.function, x.line, x.column, x.format]), [['priceOf', 41, 11, 'firefox'], ['registerRoutes/<', 26, 25, 'firefox']]);
    const sa = parseStackTrace('priceOf@http://localhost:5173/src/orders.ts:41:20\ndispatchEvent@[native code]\nglobal code@http://localhost:5173/src/main.ts:12:3');
    assert.deepEqual(sa.map((x) => [x.file, x.line, x.format]), [['http://localhost:5173/src/orders.ts', 41, 'safari'], ['http://localhost:5173/src/main.ts', 12, 'safari']]);
  });
  it('Python: innermost first, the last (chained) traceback first', () => {
    const f = parseStackTrace(`Traceback (most recent call last):
  File "/app/shop/worker.py", line 25, in apply
    return x
KeyError: 'price'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/starlette/routing.py", line 677, in __call__
    await route.handle(scope, receive, send)
  File "/app/shop/api.py", line 19, in reserve_stock
    raise HTTPException(status_code=409)
         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
fastapi.exceptions.HTTPException: 409`);
    assert.deepEqual(f.map((x) => [x.file, x.line, x.function]), [
      ['/app/shop/api.py', 19, 'reserve_stock'],
      ['/usr/local/lib/python3.11/site-packages/starlette/routing.py', 677, '__call__'],
      ['/app/shop/worker.py', 25, 'apply'],
    ]);
  });
  it('Java and Kotlin: package folders from the class, causes, "... N more", native frames left out', () => {
    const f = parseStackTrace(`java.lang.RuntimeException: x
\tat app//com.example.shop.OrderService.find(OrderService.java:25)
\tat java.base/java.lang.Thread.run(Thread.java:1583)
\tat com.example.payments.PaymentService$onRefund$1.invokeSuspend(PaymentService.kt:24)
Caused by: java.net.ConnectException: refused
\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)
\tat jdk.internal.reflect.GeneratedMethodAccessor87.invoke(Unknown Source)
\t... 21 more`);
    assert.deepEqual(f.map((x) => [x.file, x.line, x.function, x.format]), [
      ['com/example/shop/OrderService.java', 25, 'com.example.shop.OrderService.find', 'java'],
      ['java/lang/Thread.java', 1583, 'java.lang.Thread.run', 'java'],
      ['com/example/payments/PaymentService.kt', 24, 'com.example.payments.PaymentService$onRefund$1.invokeSuspend', 'java'],
    ]);
  });
  it('Go: panics and runtime/debug.Stack (function line, then tab file:line +0x..)', () => {
    const f = parseStackTrace(`goroutine 18 [running]:
runtime/debug.Stack()
\t/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
example.com/shop/internal/orders.(*Handler).load(0xc0000a4018, {0x7e1a28, 0xc0001a2000})
\t/go/src/example.com/shop/internal/orders/handler.go:45 +0x1c5
created by net/http.(*Server).Serve in goroutine 1
\t/usr/local/go/src/net/http/server.go:3360 +0x485`);
    assert.deepEqual(f.map((x) => [x.file, x.line, x.function, x.format]), [
      ['/usr/local/go/src/runtime/debug/stack.go', 26, 'runtime/debug.Stack', 'go'],
      ['/go/src/example.com/shop/internal/orders/handler.go', 45, 'example.com/shop/internal/orders.(*Handler).load', 'go'],
      ['/usr/local/go/src/net/http/server.go', 3360, 'net/http.(*Server).Serve', 'go'],
    ]);
  });
  it('.NET: "at Ns.Type.Method(args) in path:line N"; frames without a file are left out', () => {
    const f = parseStackTrace(`System.InvalidOperationException: x
   at Shop.Api.Services.InvoiceService.SendAsync(Int32 id) in C:\\build\\agent\\_work\\1\\s\\dotnet\\Shop.Api\\Services\\InvoiceService.cs:line 29
   at lambda_method5(Closure, Object)
--- End of stack trace from previous location ---
   at Shop.Api.Controllers.InvoicesController.Send(Int32 id) in /src/Controllers/InvoicesController.cs:line 26`);
    assert.deepEqual(f.map((x) => [x.file, x.line, x.function, x.format]), [
      ['C:\\build\\agent\\_work\\1\\s\\dotnet\\Shop.Api\\Services\\InvoiceService.cs', 29, 'Shop.Api.Services.InvoiceService.SendAsync', 'dotnet'],
      ['/src/Controllers/InvoicesController.cs', 26, 'Shop.Api.Controllers.InvoicesController.Send', 'dotnet'],
    ]);
  });
  it('Ruby: backtick and Ruby 3.4 quotes, "from" lines', () => {
    const f = parseStackTrace("app/services/checkout_service.rb:10:in `call': empty cart (ArgumentError)\n\tfrom /rails/app/controllers/carts_controller.rb:13:in 'block in CartsController#checkout'");
    assert.deepEqual(f.map((x) => [x.file, x.line, x.function, x.format]), [
      ['app/services/checkout_service.rb', 10, 'call', 'ruby'],
      ['/rails/app/controllers/carts_controller.rb', 13, 'block in CartsController#checkout', 'ruby'],
    ]);
  });
  it('hostile: a 1 MB trace and backtracking bait give bounded results', () => {
    const big = parseStackTrace(`RangeError: x\n${'    at recurse (/usr/src/app/node_modules/lib/deep.js:3:10)\n'.repeat(17000)}`);
    assert.ok(big.length > 0 && big.length <= 300, `${big.length} frames`);
    assert.deepEqual(parseStackTrace(`Error: x\n    at ${'('.repeat(30000)}${' '.repeat(30000)}x`), []);
    assert.deepEqual(parseStackTrace(`\tat ${'a.'.repeat(40000)}(${':1'.repeat(20000)}`), []);
    assert.deepEqual(parseStackTrace(`   at ${' in '.repeat(50000)}:line 1`), []);
    assert.deepEqual(parseStackTrace(''), []);
  });
});

// ---- Paths ----
describe('SourceIndex.resolvePath', () => {
  const index = fixtureIndex();
  const ws = (p: string): string => join(ROOTS.workspace, p);
  it('container, CI and URL paths by the longest common suffix', () => {
    assert.deepEqual(index.resolvePath('/usr/src/app/node/src/orders.ts'), { path: ws('node/src/orders.ts'), how: 'suffix', matchedSegments: 3, foreignSegments: 6, alsoMatching: 0 });
    assert.equal(index.resolvePath('file:///home/ci/builds/shop/node/dist/orders.js')?.path, ws('node/dist/orders.js'));
    assert.equal(index.resolvePath('webpack:///./src/orders.ts?')?.path, ws('node/src/orders.ts'));
    assert.equal(index.resolvePath('http://localhost:5173/src/queue.ts?t=1700000000')?.path, ws('node/src/queue.ts'));
  });
  it('Windows paths match case-insensitively; POSIX paths do not', () => {
    assert.equal(index.resolvePath('C:\\BUILD\\agent\\_work\\1\\s\\DotNet\\shop.api\\Services\\InvoiceService.cs')?.path, ws('dotnet/Shop.Api/Services/InvoiceService.cs'));
    assert.equal(index.resolvePath('/app/DOTNET/SHOP.API/SERVICES/invoiceservice.cs')?.matchedSegments, undefined);
  });
  it('exact paths, and user prefix mappings before suffix matching', () => {
    assert.equal(index.resolvePath(ws('python/shop/db.py'))?.how, 'exact');
    const m = index.resolvePath('/opt/x/shop/db.py', [{ from: '/opt/x/', to: `${ROOTS.workspace}/python/` }]);
    assert.deepEqual(m, { path: ws('python/shop/db.py'), how: 'mapping' });
  });
  it('an ambiguous suffix (src/index.ts in both roots) says so and lowers confidence', () => {
    const r = index.resolvePath('/app/src/index.ts');
    assert.equal(r?.alsoMatching, 1);
    const span = modelSpan({ traceId: 'a', spanId: 'b', attributes: [{ key: 'code.filepath', value: '/app/src/index.ts' }, { key: 'code.lineno', value: 3n }] });
    const [top] = correlateSpan({ span, resource: span.resource }, index);
    assert.ok(top && top.confidence < 0.9, JSON.stringify(top));
    const unique = modelSpan({ traceId: 'a', spanId: 'b', attributes: [{ key: 'code.filepath', value: '/billing/src/invoice.ts' }, { key: 'code.lineno', value: 3n }] });
    assert.ok(correlateSpan({ span: unique, resource: unique.resource }, index)[0]!.confidence >= 0.9);
  });
  it('a Windows workspace: drive letters and case do not matter, container paths still match by suffix', () => {
    const ix = new SourceIndex(['C:\\Users\\dev\\shop']);
    ix.setFile('C:\\Users\\dev\\shop\\Src\\Orders.cs', 'class Orders {}\n');
    assert.deepEqual(ix.resolvePath('c:/users/DEV/shop/src/orders.cs'), { path: 'C:\\Users\\dev\\shop\\Src\\Orders.cs', how: 'exact' });
    assert.equal(ix.resolvePath('/app/Src/Orders.cs')?.path, 'C:\\Users\\dev\\shop\\Src\\Orders.cs');
    assert.equal(ix.hasFile('C:/Users/dev/shop/Src/Orders.cs'), true);
  });
  it('never resolves outside the roots: traversal, control characters, absurd lengths', () => {
    assert.equal(index.resolvePath(`${ROOTS.workspace}/../../../../etc/passwd`), undefined);
    assert.equal(index.resolvePath(`${ROOTS.workspace}/node/../../correlate.test.ts`), undefined);
    assert.equal(index.resolvePath('/app/shop/\u0000db.py'), undefined);
    assert.equal(index.resolvePath(`${'/a'.repeat(5000)}/db.py`), undefined);
    const outside = new SourceIndex([ROOTS.workspace]);
    outside.setFile(join(FIXTURES, 'corpus.json'), '[]');
    assert.equal(outside.fileCount, 0);
  });
});

// ---- Source maps through real files ----
describe('createSourceMaps', () => {
  const maps = createSourceMaps(readReal);
  const node = join(ROOTS.workspace, 'node');
  it('a sibling map named by the sourceMappingURL comment', () => {
    const dist = readFileSync(join(node, 'dist/orders.js'), 'utf8').split('\n');
    const line = dist.findIndex((l) => l.includes("throw new TypeError(\"order body must be an object\")")) + 1;
    const r = maps.resolve(join(node, 'dist/orders.js'), line, 11);
    assert.equal(r?.path, join(node, 'src/orders.ts'));
    assert.equal(r?.line, readFileSync(join(node, 'src/orders.ts'), 'utf8').split('\n').findIndex((l) => l.includes("throw new TypeError('order body")) + 1);
  });
  it('an inline data: URL map in a bundle', () => {
    const bundle = readFileSync(join(node, 'build/bundle.js'), 'utf8').split('\n');
    const line = bundle.findIndex((l) => l.includes('.startActiveSpan("users.load"')) + 1;
    const r = maps.resolve(join(node, 'build/bundle.js'), line);
    assert.equal(r?.path, join(node, 'src/server.ts'));
    assert.equal(r?.line, readFileSync(join(node, 'src/server.ts'), 'utf8').split('\n').findIndex((l) => l.includes("startActiveSpan('users.load'")) + 1);
  });
  const tmp = mkdtempSync(join(tmpdir(), 'tracelens-maps-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  it('a sibling .map without a comment, sources against sourceRoot', () => {
    mkdirSync(join(tmp, 'out'));
    writeFileSync(join(tmp, 'out/app.js'), 'a();\nb();\n');
    // Generated line 2 col 0 -> source 0 ("x.ts" under sourceRoot "../lib"), line 7 col 2.
    writeFileSync(join(tmp, 'out/app.js.map'), JSON.stringify({ version: 3, sources: ['x.ts'], sourceRoot: '../lib', names: [], mappings: 'AAAA;AAME' }));
    const r = maps.resolve(join(tmp, 'out/app.js'), 2, 1);
    assert.deepEqual([r?.path, r?.line], [join(tmp, 'lib/x.ts'), 7]);
    assert.equal(maps.resolve(join(tmp, 'out/none.js'), 1), undefined);
    writeFileSync(join(tmp, 'out/bad.js'), 'x\n//# sourceMappingURL=bad.js.map\n');
    writeFileSync(join(tmp, 'out/bad.js.map'), '{ not json');
    assert.equal(maps.resolve(join(tmp, 'out/bad.js'), 1), undefined);
  });
});

// A real bundle (esbuild, inline map) of an app and a dependency, run in Node: the dependency's frames map into
// node_modules and are skipped; the app's frame maps to its TypeScript line.
describe('bundled dependencies', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tracelens-bundle-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  it('skips frames that map into node_modules and lands on the app', async () => {
    const { build } = await import('esbuild');
    mkdirSync(join(tmp, 'src'));
    mkdirSync(join(tmp, 'node_modules/dep'), { recursive: true });
    writeFileSync(join(tmp, 'node_modules/dep/index.js'), "exports.check = function check(v) {\n  if (!v) {\n    throw new Error('dep: invalid');\n  }\n};\n");
    writeFileSync(join(tmp, 'src/app.ts'), "import { check } from 'dep';\n\nexport function run(value: string): void {\n  check(value);\n}\n");
    await build({ entryPoints: [join(tmp, 'src/app.ts')], outfile: join(tmp, 'dist/app.js'), bundle: true, format: 'cjs', platform: 'node', sourcemap: 'inline', logLevel: 'silent' });
    // A plain Node child (this process maps stacks itself through tsx's source map support).
    const stack = execFileSync(process.execPath, ['-e', `try { require(${JSON.stringify(join(tmp, 'dist/app.js'))}).run(''); } catch (e) { console.log(e.stack); }`], { encoding: 'utf8' });
    assert.match(stack, /dist[\\/]app\.js:\d+:\d+/);
    const ix = new SourceIndex([tmp]);
    for (const f of ['src/app.ts', 'dist/app.js']) ix.setFile(join(tmp, f), readFileSync(join(tmp, f), 'utf8'));
    const span = modelSpan({ traceId: 'a', spanId: 'b', events: [{ timeUnixNano: 1n, name: 'exception', attributes: [{ key: 'exception.stacktrace', value: stack.replaceAll(tmp, '/srv/app') }], droppedAttributesCount: 0 }] });
    const [top] = correlateSpan({ span, resource: span.resource }, ix, { sourceMaps: createSourceMaps(readReal) });
    assert.deepEqual([top?.path, top?.line, top?.functionName], [join(tmp, 'src/app.ts'), 4, 'run']);
    assert.ok(top!.evidence.some((e) => e.kind === 'source-map'));
  });
});

// ---- Literals per language, functions, updates ----
describe('SourceIndex literals and functions', () => {
  const index = fixtureIndex();
  const ws = (p: string): string => join(ROOTS.workspace, p);
  const lineIn = (file: string, snippet: string): number => readFileSync(ws(file), 'utf8').split('\n').findIndex((l) => l.includes(snippet)) + 1;
  it('span names where each language creates them', () => {
    for (const [name, file, snippet] of [
      ['users.load', 'node/src/server.ts', "startActiveSpan('users.load'"],
      ['queue.drain-dead-letters', 'node/src/queue.ts', "withSpan('queue.drain-dead-letters'"],
      ['catalogue.product', 'python/shop/views.py', 'start_as_current_span("catalogue.product")'],
      ['orders.find', 'java/src/main/java/com/example/shop/OrderService.java', 'spanBuilder("orders.find")'],
      ['shipments.get', 'go/internal/orders/handler.go', 'tracer.Start(r.Context(), "shipments.get")'],
      ['invoices.find', 'dotnet/Shop.Api/Services/InvoiceService.cs', 'StartActivity("invoices.find")'],
      ['carts.checkout', 'ruby/app/controllers/carts_controller.rb', 'in_span("carts.checkout")'],
    ] as const) {
      assert.deepEqual(index.find('span', name).map((o) => [o.path, o.line]), [[ws(file), lineIn(file, snippet)]], name);
    }
    assert.deepEqual(index.find('span', 'orders.created'), [], 'a topic is not a span name');
    assert.deepEqual(index.find('span', 'shop-api'), [], 'getTracer names are not span names');
  });
  it('routes with methods and class prefixes, in every framework form', () => {
    const route = (r: string): string[] => index.find('route', r).map((o) => `${o.method ?? '*'} ${relative(ROOTS.workspace, o.path)}:${o.line}`);
    assert.deepEqual(route('orders/{}'), [`GET node/src/server.ts:${lineIn('node/src/server.ts', "router.get('/orders/:orderId'")}`, `DELETE node/src/server.ts:${lineIn('node/src/server.ts', "router.delete('/orders/:orderId'")}`]);
    assert.deepEqual(route('api/orders'), [`POST java/src/main/java/com/example/shop/OrderController.java:${lineIn('java/src/main/java/com/example/shop/OrderController.java', '@PostMapping')}`]);
    assert.deepEqual(route('api/invoices/{}/send'), [`POST dotnet/Shop.Api/Controllers/InvoicesController.cs:${lineIn('dotnet/Shop.Api/Controllers/InvoicesController.cs', '[HttpPost("{id}/send")]')}`]);
    assert.equal(route('products/{}').length, 1);
    assert.equal(route('shipments/{}')[0]?.startsWith('GET go/cmd/server/main.go'), true);
    assert.equal(route('carts/{}/checkout')[0]?.startsWith('POST ruby/config/routes.rb'), true);
    assert.deepEqual(route('accounts'), [`POST node/src/users.controller.ts:${lineIn('node/src/users.controller.ts', '@Post()')}`]);
    assert.deepEqual(route('accounts/{}/sessions'), [`DELETE node/src/users.controller.ts:${lineIn('node/src/users.controller.ts', "@Delete(':accountId/sessions')")}`]);
    assert.deepEqual(route('admin/products/{}'), [`* python/shop/urls.py:${lineIn('python/shop/urls.py', 'path("admin/products/')}`]);
  });
  it('comments, escapes, raw and interpolated strings do not derail extraction', () => {
    const ix = new SourceIndex([ROOTS.workspace]);
    ix.setFile(ws('c1.py'), "# don't stop here\nwith tracer.start_as_current_span('py.one'):\n    tracer.start_as_current_span(f'py.{x}')\n");
    ix.setFile(ws('c2.ts'), "// it's a comment\n/* it's a block\n */\nconst a = 'it\\'s';\ntracer.startSpan(`ts.${dyn}`);\ntracer.startSpan('ts.one');\n");
    ix.setFile(ws('c3.cs'), 'var q = @"SELECT ""Id""\n  FROM T";\nusing var a = Source.StartActivity($"cs.{x}");\nusing var b = Source.StartActivity("cs.one");\n');
    ix.setFile(ws('c4.go'), 'const q = `SELECT 1\n\tFROM t`\nfunc f() { _, span := tracer.Start(ctx, "go.one") }\n');
    ix.setFile(ws('c5.rb'), '# it\'s\nTRACER.in_span("rb.#{x}") do\nend\nTRACER.in_span("rb.one") do\nend\n');
    assert.deepEqual(['py.one', 'ts.one', 'cs.one', 'go.one', 'rb.one'].map((n) => ix.find('span', n)[0]?.line), [2, 6, 4, 3, 4]);
    assert.deepEqual(['py.{x}', 'ts.${dyn}', 'cs.{x}', 'rb.#{x}'].map((n) => ix.find('span', n).length), [0, 0, 0, 0]);
    assert.deepEqual(ix.find('text', 'SELECT "Id" FROM T').map((o) => o.line), [1]);
    assert.deepEqual(ix.find('text', 'SELECT 1 FROM t').map((o) => o.line), [1]);
  });
  it('map and config lookups are not routes; SQL meets its sanitised form', () => {
    const ix = new SourceIndex([ROOTS.workspace]);
    ix.setFile(ws('c.py'), 'url = os.environ.get("users")\nsql = "SELECT name FROM users WHERE id = :id AND state = \'open\'"\n');
    assert.deepEqual(ix.find('route', 'users'), []);
    assert.equal(sqlShape('SELECT name FROM users WHERE id = ? AND state = ?'), sqlShape("select name  from users where id=:id and state='open';"));
    const span = modelSpan({ traceId: 'a', spanId: 'b', kind: SpanKind.CLIENT, attributes: [{ key: 'db.statement', value: 'SELECT name FROM users WHERE id = ? AND state = ?' }] });
    const [c] = correlateSpan({ span, resource: span.resource }, ix);
    assert.deepEqual([c?.line, c?.evidence[0]?.kind], [2, 'db.query']);
    const get = modelSpan({ traceId: 'a', spanId: 'b', name: 'GET /users', kind: SpanKind.SERVER, attributes: [{ key: 'http.route', value: '/users' }] });
    assert.deepEqual(correlateSpan({ span: get, resource: get.resource }, ix), []);
  });
  it('an ambiguous literal gives several candidates, none confident', () => {
    const ix = new SourceIndex([ROOTS.workspace]);
    ix.setFile(ws('a.ts'), "tracer.startSpan('sync');\n");
    ix.setFile(ws('b.py'), 'with tracer.start_as_current_span("sync"):\n    pass\n');
    const span = modelSpan({ traceId: 'a', spanId: 'b', name: 'sync' });
    const c = correlateSpan({ span, resource: span.resource }, ix);
    assert.equal(c.length, 2);
    assert.ok(c.every((k) => k.confidence < 0.9 && k.inWorkspace));
  });
  it('enclosingFunction in each language', () => {
    const fn = (file: string, snippet: string): string | undefined => index.enclosingFunction(ws(file), lineIn(file, snippet))?.name;
    assert.equal(fn('node/src/orders.ts', "throw new TypeError('order body"), 'priceOf');
    assert.equal(fn('node/src/orders.ts', 'throw new Error(`order ${id} not found`)'), 'loadOrder');
    assert.equal(fn('python/shop/worker.py', 'return event["sku"]'), 'PriceWorker.apply');
    assert.equal(fn('python/shop/db.py', 'raise LookupError'), 'fetch_product');
    assert.equal(fn('java/src/main/java/com/example/shop/OrderService.java', 'throw new IllegalArgumentException'), 'OrderService.validate');
    assert.equal(fn('kotlin/src/main/kotlin/com/example/payments/PaymentService.kt', 'require(orderId.isNotBlank())'), 'PaymentService.amountFor');
    assert.equal(fn('go/internal/orders/handler.go', 'row := h.db.QueryRowContext'), 'Handler.load');
    assert.equal(fn('dotnet/Shop.Api/Services/InvoiceService.cs', 'PublishAsync("invoices.sent"'), 'InvoiceService.SendAsync');
    assert.equal(fn('ruby/app/services/checkout_service.rb', 'raise ArgumentError'), 'CheckoutService.call');
    const r = index.enclosingFunction(ws('ruby/app/controllers/carts_controller.rb'), lineIn('ruby/app/controllers/carts_controller.rb', 'CheckoutService.new(cart).call'));
    assert.deepEqual(r, { name: 'CartsController.checkout', startLine: lineIn('ruby/app/controllers/carts_controller.rb', 'def checkout'), endLine: lineIn('ruby/app/controllers/carts_controller.rb', 'head :accepted') + 1 });
    assert.equal(index.enclosingFunction(ws('node/src/orders.ts'), 1), undefined);
    // Decorators, annotations and attributes belong to the function below them: a route candidate names its handler.
    assert.equal(fn('python/shop/views.py', '@app.route("/products/<int:product_id>")'), 'get_product');
    assert.equal(fn('java/src/main/java/com/example/shop/OrderController.java', '@GetMapping("/{id}")'), 'OrderController.getOrder');
    assert.equal(fn('dotnet/Shop.Api/Controllers/InvoicesController.cs', '[HttpPost("{id}/send")]'), 'InvoicesController.Send');
    assert.equal(fn('node/src/users.controller.ts', "@Get(':accountId')"), 'AccountsController.findOne');
    const ix = new SourceIndex([ROOTS.workspace]);
    ix.setFile(ws('t.ts'), 'class A {\n  get(): { a: string; b: number } {\n    return x;\n  }\n  abstract other(): void;\n  last(): void {\n    y();\n  }\n}\n');
    assert.deepEqual([2, 3, 7].map((l) => ix.enclosingFunction(ws('t.ts'), l)), [{ name: 'A.get', startLine: 2, endLine: 4 }, { name: 'A.get', startLine: 2, endLine: 4 }, { name: 'A.last', startLine: 6, endLine: 8 }]);
    const get = modelSpan({ traceId: 'a', spanId: 'b', name: 'GET /stock/{sku}', kind: SpanKind.SERVER, attributes: [{ key: 'http.route', value: '/stock/{sku}' }] });
    assert.equal(correlateSpan({ span: get, resource: get.resource }, index)[0]?.functionName, 'read_stock');
  });
  it('setFile replaces and removeFile drops a file and its literals', () => {
    const ix = new SourceIndex([ROOTS.workspace]);
    const p = ws('node/src/tmp.ts');
    ix.setFile(p, "tracer.startSpan('one');\n");
    assert.equal(ix.find('span', 'one').length, 1);
    ix.setFile(p, "\n\ntracer.startSpan('two');\n");
    assert.deepEqual([ix.find('span', 'one').length, ix.find('span', 'two')[0]?.line, ix.fileCount], [0, 3, 1]);
    ix.removeFile(p);
    assert.deepEqual([ix.find('span', 'two').length, ix.hasFile(p), ix.fileCount], [0, false, 0]);
  });
});

// ---- Signals combined, and hostile spans ----
describe('correlateSpan', () => {
  const index = fixtureIndex();
  const orders = join(ROOTS.workspace, 'node/src/orders.ts');
  it('the same file and line from two signals merge into one candidate with both evidences', () => {
    const stack = 'TypeError: x\n    at priceOf (/usr/src/app/node/src/orders.ts:41:11)';
    const span = modelSpan({
      traceId: 'a', spanId: 'b',
      attributes: [{ key: 'code.file.path', value: '/usr/src/app/node/src/orders.ts' }, { key: 'code.line.number', value: 41n }],
      events: [{ timeUnixNano: 1n, name: 'exception', attributes: [{ key: 'exception.stacktrace', value: stack }], droppedAttributesCount: 0 }],
    });
    const c = correlateSpan({ span, resource: span.resource }, index);
    assert.equal(c.length, 1);
    assert.deepEqual(c[0]!.evidence.map((e) => e.kind).sort(), ['code.attributes', 'exception.stacktrace', 'path-mapping', 'path-mapping']);
    assert.ok(c[0]!.confidence > 0.97 && c[0]!.path === orders && c[0]!.functionName === 'priceOf' && c[0]!.stack?.length === 1);
  });
  it('a 1.4 MB stack is read from its head: the innermost workspace frame, a bounded stack', () => {
    const text = `RangeError: Maximum call stack size exceeded\n${'    at f (/usr/src/app/node/src/orders.ts:41:1)\n'.repeat(30000)}`;
    const span = modelSpan({ traceId: 'a', spanId: 'b', attributes: [{ key: 'code.stacktrace', value: text }] });
    const [c] = correlateSpan({ span, resource: span.resource }, index);
    assert.deepEqual([c?.path, c?.line], [orders, 41]);
    assert.ok((c?.stack?.length ?? 0) <= 300);
  });
  it('an unmapped foreign file is a candidate outside the workspace, with low confidence', () => {
    const span = modelSpan({ traceId: 'a', spanId: 'b', attributes: [{ key: 'code.filepath', value: '/opt/vendor-lib/x.py' }, { key: 'code.lineno', value: 3n }] });
    const [c] = correlateSpan({ span, resource: span.resource }, index);
    assert.deepEqual([c?.path, c?.inWorkspace, (c?.confidence ?? 1) < 0.5], ['/opt/vendor-lib/x.py', false, true]);
  });
  it('hostile spans map to nothing and stay bounded', () => {
    for (const [name, attributes] of [
      ['a'.repeat(100_000), []],
      ['users.load\u0000', []],
      ['x', [{ key: 'db.statement', value: 'SELECT '.repeat(200_000) }]],
      ['x', [{ key: 'http.route', value: '/'.repeat(200_000) }]],
      ['x', [{ key: 'code.filepath', value: new Uint8Array(4) }, { key: 'code.lineno', value: 'NaN' }]],
    ] as [string, Attributes][]) {
      const span = modelSpan({ traceId: 'a', spanId: 'b', name, attributes, kind: SpanKind.SERVER });
      assert.deepEqual(correlateSpan({ span, resource: span.resource }, index), []);
    }
    for (const language of ['constructor', '__proto__', 'toString']) {
      const span = modelSpan({ traceId: 'a', spanId: 'b', name: 'users.load' });
      const resource = { ...span.resource, attributes: [{ key: 'telemetry.sdk.language', value: language }] };
      const created = readFileSync(join(ROOTS.workspace, 'node/src/server.ts'), 'utf8').split('\n').findIndex((l) => l.includes("startActiveSpan('users.load'")) + 1;
      assert.equal(correlateSpan({ span, resource }, index)[0]?.line, created);
    }
  });
});

// Mutated corpus spans (a seeded generator: the same cases every run): the engine never throws and every candidate
// keeps its contract.
describe('correlateSpan on mutated input', () => {
  it('keeps the candidate contract on 600 mutated corpus spans', () => {
    const corpus = JSON.parse(readFileSync(join(FIXTURES, 'corpus.json'), 'utf8')) as CorpusEntry[];
    const index = fixtureIndex();
    const sourceMaps = createSourceMaps(readReal);
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const junk = ['\u0000', '\n', ':', '(', ')', '/', '\\', '..', '@', '`', "'", '"', ' at ', ':line ', '\tat ', 'File "', '+0x', '%', '\u202e', '99999999999'];
    const mutate = (v: AttrValue): AttrValue => {
      if (typeof v !== 'string' || v.length === 0) return v;
      let out = v;
      for (let k = 0; k < 1 + rand(4); k++) {
        const at = rand(out.length + 1);
        out = rand(3) === 0 ? out.slice(0, at) + out.slice(at + 1 + rand(20)) : out.slice(0, at) + junk[rand(junk.length)]! + out.slice(at);
      }
      return out;
    };
    let candidates = 0;
    for (let i = 0; i < 600; i++) {
      const { span, logs } = toInput(corpus[rand(corpus.length)]!);
      const mutated = {
        ...span,
        name: mutate(span.name) as string,
        attributes: span.attributes.map((a) => ({ key: a.key, value: mutate(a.value) })),
        events: span.events.map((e) => ({ ...e, attributes: e.attributes.map((a) => ({ key: a.key, value: mutate(a.value) })) })),
      };
      const found = correlateSpan({ span: mutated, resource: mutated.resource, logs: logs.map((l) => ({ ...l, body: mutate(l.body) })) }, index, { sourceMaps });
      for (const c of found) {
        candidates++;
        assert.ok(Number.isInteger(c.line) && c.line >= 1, JSON.stringify(c));
        assert.ok(c.confidence >= 0 && c.confidence <= 1);
        assert.equal(c.inWorkspace, index.hasFile(c.path));
        if (c.inWorkspace) assert.ok(c.line <= (index.lineCount(c.path) ?? 0));
        // eslint-disable-next-line no-control-regex -- evidence must carry no control characters
        assert.ok(c.evidence.length > 0 && c.evidence.every((e) => e.detail.length <= 400 && !/[\u0000-\u001f]/.test(e.detail)), JSON.stringify(c.evidence));
      }
    }
    assert.ok(candidates > 100, `${candidates} candidates`);
  });
});

describe('a path two roots share', () => {
  it('is settled by the service name in one of the paths, and only then', () => {
    assert.equal(pathNamesService('/w/workspace-billing/src/index.ts', 'billing'), true);
    assert.equal(pathNamesService('/w/services/orders/src/index.ts', 'orders-api'), true);
    assert.equal(pathNamesService('/w/workspace/src/index.ts', 'billing'), false);
    assert.equal(pathNamesService('/w/api/src/index.ts', 'api'), false, 'generic words decide nothing');
    assert.equal(pathNamesService('/w/billing.ts/x.ts', 'billing'), true);
    assert.equal(pathNamesService('/w/src/billing.ts', 'billing'), false, 'the file name is not a folder');
  });
});
