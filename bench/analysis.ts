// Analysis benchmark, each part against a reference measured in the same run:
//   hotspots  with 1,000,000 spans stored (realistic traces: 8 services, 120 operations, 5-50 spans each with parallel
//             and sequential children, calls across services, 2 % errors, one trace in ten with one service's spans
//             arriving in a later batch; spread over the last two hours, so that a 60-minute window and the one before
//             it are full), the hotspot engine's query for the last 60 minutes, the same filtered to one service, and
//             grouped by location, p50/p99, against the plain search the trace list makes over the same store
//             (store.findTraces({ service, limit: 20 })). Also printed once: how long the engine takes to catch up on
//             the stored spans (reading the rows, then measuring every trace's self and critical-path time), the
//             longest event-loop stall meanwhile, and the memory it keeps.
//   findings  all findings of one 100,000-span trace, traceFindings(traceView(wireTrace), { nowMs }), p50/p99,
//             against traceView() building the same trace (the cost of loading it).
// The store is a durable one in a temporary folder (an in-memory store keeps at most 512 MiB of bodies).
//
//   npx tsx bench/analysis.ts             1,000,000 spans, 100 queries of each kind; a 100,000-span trace, 10 runs
//   npx tsx bench/analysis.ts --quick     200,000 spans, 30 queries; a 20,000-span trace, 5 runs
//   npx tsx bench/analysis.ts --help      every option
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { traceFindings } from '../src/core/analysis/findings';
import type { Attributes, Resource, Span } from '../src/core/model';
import { EMPTY_SCOPE } from '../src/core/model';
import { EmbeddedStore } from '../src/core/store/embeddedStore';
import { traceView } from '../src/core/views/traceView';
import type { FindingSource } from '../src/protocol/analysis';
import type { WireAttribute, WireSpan, WireTrace } from '../src/protocol/wire';
import { HotspotEngine } from '../src/server/analysis/hotspots';
import { parseArgs, runMain, TemporaryFolders } from './options';
import { formatMs, median, percentile, rng } from './stats';

const HELP = `Usage: npx tsx bench/analysis.ts [options]
  --quick              200000 spans, 30 queries; a 20000-span trace, 5 runs
  --spans N            spans stored for the hotspots (default 1000000)
  --operations N       distinct (service, span name) pairs (default 120)
  --queries N          timed queries of each kind (default 100)
  --trace-spans N      spans of the trace for the findings (default 100000)
  --runs N             timed findings runs (default 10)
  --part NAME          only this part: hotspots or findings
`;

const SERVICES = ['frontend', 'checkout', 'payments', 'inventory', 'users', 'search', 'orders', 'shipping'];
const NOUNS = ['orders', 'items', 'carts', 'users', 'prices', 'stock', 'payments', 'sessions', 'reviews', 'coupons', 'addresses', 'invoices', 'shipments', 'tokens', 'images', 'ratings'];
const VERBS = ['GET', 'POST', 'PUT', 'DELETE'];
const BATCH = 512;
const SPREAD_MINUTES = 120;
const temporary = new TemporaryFolders();


const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0').slice(-digits);

interface Op {
  readonly service: number;
  readonly name: string;
  /** SERVER (an endpoint), CLIENT (a database call) or INTERNAL. */
  readonly kind: SpanKind;
  readonly db: boolean;
}

/** `count` operations over the services: endpoints, database calls and internal steps, with readable names. */
function operations(count: number): Op[][] {
  const ops: Op[][] = SERVICES.map(() => []);
  for (let i = 0; i < count; i++) {
    const service = i % SERVICES.length;
    const j = Math.floor(i / SERVICES.length);
    const noun = NOUNS[(j + service * 3) % NOUNS.length]!;
    const round = Math.floor(j / NOUNS.length);
    const suffix = round > 0 ? `/v${round + 1}` : '';
    const kind = j % 3;
    ops[service]!.push(
      kind === 0
        ? { service, name: `${VERBS[j % VERBS.length]} /api/${noun}${suffix}`, kind: SpanKind.SERVER, db: false }
        : kind === 1
          ? { service, name: `SELECT ${noun}${suffix}`, kind: SpanKind.CLIENT, db: true }
          : { service, name: `process ${noun}${suffix}`, kind: SpanKind.INTERNAL, db: false },
    );
  }
  return ops;
}

/** One span of a generated trace: times in ns from the trace start. */
interface Node {
  readonly parent: number;
  readonly op: Op;
  readonly kind: SpanKind;
  readonly start: number;
  readonly duration: number;
  readonly error: boolean;
}

/**
 * A trace of `size` spans: a root endpoint, then spans expanded breadth first into 1..maxKids children, either in
 * sequence (one after the other, with gaps: the parent's own time) or in parallel (overlapping); a child is a call to
 * another service (a CLIENT span and its SERVER span there) or a step or database call in the same service. A
 * sequence of database calls repeats one query (N+1).
 */
function shape(r: () => number, size: number, ops: Op[][], maxKids: number): Node[] {
  const pick = (service: number, kind?: SpanKind): Op => {
    const list = ops[service]!.filter((o) => kind === undefined || o.kind === kind);
    const from = list.length > 0 ? list : ops[service]!;
    return from[Math.floor(r() ** 2 * from.length)]!; // some operations much more common than others
  };
  const rootService = Math.floor(r() * 3); // frontend, checkout or payments take the requests
  const rootDuration = 2e6 * Math.exp(r() * 5); // 2 ms .. 300 ms
  const nodes: Node[] = [{ parent: -1, op: pick(rootService, SpanKind.SERVER), kind: SpanKind.SERVER, start: 0, duration: rootDuration, error: r() < 0.01 }];
  const errorRate = (o: Op): number => (SERVICES[o.service] === 'payments' ? 0.06 : 0.015);
  for (let next = 0; next < nodes.length && nodes.length < size; next++) {
    const p = nodes[next]!;
    if (p.kind === SpanKind.CLIENT) continue; // database calls and calls to other services: their servers have the children
    const kids = Math.min(size - nodes.length, 1 + Math.floor(r() * maxKids));
    const sequential = r() < 0.5;
    const nPlusOne = sequential && kids >= 3 && r() < 0.3 ? pick(p.op.service, SpanKind.CLIENT) : undefined;
    for (let k = 0; k < kids && nodes.length < size; k++) {
      let start: number;
      let duration: number;
      if (sequential) {
        const slot = (p.duration * 0.9) / kids;
        start = p.start + p.duration * 0.05 + k * slot;
        duration = slot * (0.5 + r() * 0.45);
      } else {
        start = p.start + p.duration * r() * 0.1;
        duration = p.duration * (0.2 + r() * 0.65);
      }
      const remote = nPlusOne === undefined && r() < 0.35 && nodes.length + 1 < size;
      if (remote) {
        const callee = (p.op.service + 1 + Math.floor(r() * (SERVICES.length - 1))) % SERVICES.length;
        const server = pick(callee, SpanKind.SERVER);
        // HTTP client spans are named by their method (semantic conventions): a few operations per service.
        nodes.push({ parent: next, op: { ...server, service: p.op.service, name: server.name.split(' ')[0]! }, kind: SpanKind.CLIENT, start, duration, error: false });
        const skew = duration * 0.04;
        nodes.push({ parent: nodes.length - 1, op: server, kind: SpanKind.SERVER, start: start + skew, duration: duration - 2 * skew, error: r() < errorRate(server) });
      } else {
        const op = nPlusOne ?? pick(p.op.service, r() < 0.5 ? SpanKind.CLIENT : SpanKind.INTERNAL);
        nodes.push({ parent: next, op, kind: op.kind, start, duration, error: r() < errorRate(op) });
      }
    }
  }
  return nodes;
}

function attributesOf(n: Node): Attributes {
  if (n.op.db) return [{ key: 'db.system.name', value: 'postgresql' }, { key: 'db.query.text', value: `${n.op.name} WHERE id = $1` }];
  if (n.kind === SpanKind.CLIENT) return [{ key: 'http.request.method', value: 'GET' }, { key: 'server.address', value: `${SERVICES[n.op.service]}.internal` }];
  if (n.kind === SpanKind.SERVER) return [{ key: 'http.route', value: n.op.name.split(' ')[1] ?? '/' }];
  return [];
}

// ---- part 1: hotspots over a full store ----

async function fill(store: EmbeddedStore, total: number, ops: Op[][], nowMs: number): Promise<{ traces: number; lateTraces: number }> {
  const r = rng(42);
  const resources: Resource[] = SERVICES.map((s) => ({ attributes: [{ key: 'service.name', value: s }], droppedAttributesCount: 0, schemaUrl: '' }));
  let stored = 0;
  let traces = 0;
  let lateTraces = 0;
  let seq = 0;
  let later: Span[] = []; // one service's spans of some traces: they arrive with the next group (another process)
  while (stored < total) {
    const group: Span[] = later;
    later = [];
    while (group.length < BATCH * 8 && stored + group.length + later.length < total) {
      const size = Math.min(total - stored - group.length - later.length, 5 + Math.floor(r() * 46));
      const nodes = shape(r, size, ops, 4);
      traces++;
      const traceId = hex(Math.floor(r() * 2 ** 32), 8) + hex(traces, 8) + hex(Math.floor(r() * 2 ** 32), 8) + hex(0xc0ffee, 8);
      const end = nowMs - r() * SPREAD_MINUTES * 60_000;
      const base = BigInt(Math.round((end - nodes[0]!.duration / 1e6) * 1e3)) * 1000n;
      const lateService = nodes.length > 3 && r() < 0.1 ? nodes[2]!.op.service : -1;
      if (lateService >= 0) lateTraces++;
      const first = seq;
      for (let i = 0; i < nodes.length; i++) {
        const n = nodes[i]!;
        const span: Span = {
          traceId,
          spanId: hex(first + i + 1, 16),
          parentSpanId: n.parent < 0 ? '' : hex(first + n.parent + 1, 16),
          name: n.op.name,
          kind: n.kind,
          startTimeUnixNano: base + BigInt(Math.round(n.start)),
          endTimeUnixNano: base + BigInt(Math.round(n.start + n.duration)),
          attributes: attributesOf(n),
          droppedAttributesCount: 0,
          events: [],
          droppedEventsCount: 0,
          links: [],
          droppedLinksCount: 0,
          status: n.error ? { code: SpanStatusCode.ERROR, message: 'failed' } : { code: SpanStatusCode.UNSET, message: '' },
          traceState: '',
          flags: 1,
          resource: resources[n.op.service]!,
          scope: EMPTY_SCOPE,
        };
        (n.op.service === lateService && i > 0 ? later : group).push(span);
      }
      seq += nodes.length;
    }
    if (group.length === 0 && later.length > 0) continue;
    const batches = [];
    for (let i = 0; i < group.length; i += BATCH) batches.push({ kind: 'spans' as const, spans: group.slice(i, i + BATCH) });
    await store.append(batches);
    stored += group.length;
  }
  return { traces, lateTraces };
}

/** Garbage collection on demand (the flag set at run time, so that `npm run bench:analysis` needs no node option). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

const usedBytes = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const ms = formatMs;
const row = (name: string, xs: readonly number[], ref?: readonly number[]): void => {
  const ratio = ref ? `   ${(median(xs) / median(ref)).toFixed(2)}x / ${(percentile(xs, 99) / percentile(ref, 99)).toFixed(2)}x the reference` : '';
  console.log(`  ${name.padEnd(52)} p50 ${ms(median(xs)).padStart(9)}   p99 ${ms(percentile(xs, 99)).padStart(9)}${ratio}`);
};

async function hotspots(total: number, opCount: number, queries: number): Promise<void> {
  const gc = collector();
  const dir = temporary.add(mkdtempSync(join(os.tmpdir(), 'tracelens-bench-analysis-')));
  const store = new EmbeddedStore({ dir });
  await store.whenReady();
  const ops = operations(opCount);
  const now = Date.now();
  let t = performance.now();
  const { traces, lateTraces } = await fill(store, total, ops, now);
  const stats = store.stats();
  if (stats.spanCount !== total) throw new Error(`stored ${stats.spanCount} spans, expected ${total} (retention?)`);
  console.log(
    `stored ${stats.spanCount.toLocaleString('en-US')} spans in ${stats.traceCount.toLocaleString('en-US')} traces (${traces.toLocaleString('en-US')} generated, ${lateTraces.toLocaleString('en-US')} with one service's spans in a later batch), ${opCount} operations, over the last ${SPREAD_MINUTES} minutes (${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );

  // Catch-up: the engine reads every stored row and measures every trace, in slices.
  gc();
  const before = usedBytes();
  const stall = monitorEventLoopDelay({ resolution: 5 });
  stall.enable();
  t = performance.now();
  const engine = new HotspotEngine(store, { log: (line) => console.log(`  engine: ${line}`) });
  await engine.idle();
  const catchUp = performance.now() - t;
  stall.disable();
  gc();
  const kept = usedBytes() - before;
  const size = engine.size;
  console.log(
    `engine caught up on ${stats.spanCount.toLocaleString('en-US')} spans in ${(catchUp / 1000).toFixed(2)} s (longest event-loop stall meanwhile ${ms(stall.max / 1e6)}); it keeps ${(kept / 2 ** 20).toFixed(1)} MiB (${(kept / stats.spanCount).toFixed(1)} bytes per stored span): ${size.operations} operations, ${size.buckets.toLocaleString('en-US')} buckets`,
  );

  // Locations: the operations map to 40 functions (as the lens engine's correlation would place them).
  const locations = new Map<string, FindingSource>();
  ops.flat().forEach((o, i) => locations.set(`${SERVICES[o.service]}\u0000${o.name}`, { file: `/work/app/src/${SERVICES[o.service]}.ts`, line: 1 + (i % 40) * 25 }));
  const locate = (service: string, operation: string): FindingSource | undefined => locations.get(`${service}\u0000${operation}`);

  const service = 'checkout';
  const first = engine.query({ lookbackMinutes: 60 }, Date.now());
  const filtered = engine.query({ lookbackMinutes: 60, service }, Date.now());
  const grouped = engine.query({ lookbackMinutes: 60, groupBy: 'location' }, Date.now(), locate);
  if (first.rows.length === 0 || filtered.rows.length === 0 || grouped.rows.length === 0) throw new Error('no hotspot rows');
  const top = first.rows[0]!;
  console.log(
    `last 60 minutes: ${first.spans.toLocaleString('en-US')} spans; ${first.rows.length} rows (limit 50); top: ${top.service} "${top.operation}" ${top.count.toLocaleString('en-US')} calls, p95 ${(top.p95 / 1000).toFixed(1)} ms, self ${(top.selfTime / 1e6).toFixed(1)} s, critical-path share ${((top.criticalPathShare ?? 0) * 100).toFixed(1)} %, trend ${top.trend?.toFixed(2) ?? '-'}`,
  );
  const all = engine.query({ lookbackMinutes: 60, limit: 10_000 }, Date.now());
  const counted = all.rows.reduce((n, x) => n + x.count, 0);
  const share = all.rows.reduce((n, x) => n + (x.criticalPathShare ?? 0), 0);
  if (counted !== all.spans) throw new Error(`rows count ${counted} calls, the window holds ${all.spans}`);
  console.log(`check: the rows' calls add up to the window's spans (${counted.toLocaleString('en-US')}); their critical-path shares to ${share.toFixed(4)}`);

  const plain: number[] = [];
  const oneService: number[] = [];
  const byLocation: number[] = [];
  const reference: number[] = [];
  for (let i = 0; i < queries + 5; i++) {
    let s = performance.now();
    engine.query({ lookbackMinutes: 60 }, Date.now());
    const a = performance.now() - s;
    s = performance.now();
    engine.query({ lookbackMinutes: 60, service }, Date.now());
    const b = performance.now() - s;
    s = performance.now();
    engine.query({ lookbackMinutes: 60, groupBy: 'location' }, Date.now(), locate);
    const c = performance.now() - s;
    s = performance.now();
    await store.findTraces({ service, limit: 20 });
    const d = performance.now() - s;
    if (i < 5) continue; // warm-up
    plain.push(a);
    oneService.push(b);
    byLocation.push(c);
    reference.push(d);
  }
  console.log(`\nhotspots over ${stats.spanCount.toLocaleString('en-US')} stored spans (${queries} queries each)`);
  row('query { lookbackMinutes: 60 }', plain, reference);
  row(`query { lookbackMinutes: 60, service: '${service}' }`, oneService, reference);
  row("query { lookbackMinutes: 60, groupBy: 'location' }", byLocation, reference);
  row(`reference: store.findTraces({ service: '${service}', limit: 20 })`, reference);
  console.log(`  goal: p50 <= 100 ms (query p50 ${ms(median(plain))}: ${median(plain) <= 100 ? 'met' : 'MISSED'}; filtered ${ms(median(oneService))}: ${median(oneService) <= 100 ? 'met' : 'MISSED'})`);
  engine.dispose();
  await store.close();
}

// ---- part 2: all findings of one large trace ----

function bigTrace(size: number, nowMs: number): WireTrace {
  const r = rng(7);
  const ops = operations(120);
  const nodes = shape(r, size, ops, 8);
  const traceId = 'f1'.repeat(16);
  const base = BigInt(Math.round(nowMs - 120_000)) * 1_000_000n;
  const wireAttributes = (n: Node): WireAttribute[] => attributesOf(n).map((a) => ({ key: a.key, value: String(a.value) }));
  const spans: WireSpan[] = nodes.map((n, i) => ({
    traceId,
    spanId: hex(i + 1, 16),
    // A few spans lost their parent (a process that did not export).
    parentSpanId: n.parent < 0 ? '' : i % 5000 === 4999 ? hex(size + i, 16) : hex(n.parent + 1, 16),
    name: n.op.name,
    kind: n.kind,
    startTimeUnixNano: (base + BigInt(Math.round(n.start))).toString(),
    endTimeUnixNano: (base + BigInt(Math.round(n.start + n.duration))).toString(),
    attributes: wireAttributes(n),
    droppedAttributesCount: 0,
    events: n.error
      ? [{ timeUnixNano: (base + BigInt(Math.round(n.start + n.duration))).toString(), name: 'exception', attributes: [{ key: 'exception.type', value: 'TimeoutError' }, { key: 'exception.message', value: 'upstream timed out' }], droppedAttributesCount: 0 }]
      : [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: n.error ? 2 : 0, message: n.error ? 'upstream timed out' : '' },
    traceState: '',
    flags: 1,
    resource: n.op.service,
    scope: 0,
  }));
  return {
    traceId,
    spans,
    resources: SERVICES.map((s) => ({ attributes: [{ key: 'service.name', value: s }], droppedAttributesCount: 0, schemaUrl: '' })),
    scopes: [{ name: 'bench', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' }],
  };
}

function findings(size: number, runs: number): void {
  const nowMs = Date.now();
  const wire = bigTrace(size, nowMs);
  const views: number[] = [];
  const alone: number[] = [];
  const whole: number[] = [];
  let found = 0;
  let kinds = '';
  for (let i = 0; i < runs + 1; i++) {
    // A new trace object each run: traceView memoises per object.
    const trace: WireTrace = { ...wire };
    const s = performance.now();
    const view = traceView(trace);
    const v = performance.now() - s;
    const f = traceFindings(view, { nowMs });
    const e = performance.now() - s;
    if (i === 0) {
      found = f.length;
      const byKind = new Map<string, number>();
      for (const x of f) byKind.set(x.kind, (byKind.get(x.kind) ?? 0) + 1);
      kinds = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ');
      continue; // warm-up
    }
    views.push(v);
    alone.push(e - v);
    whole.push(e);
  }
  console.log(`\nall findings of a ${size.toLocaleString('en-US')}-span trace (${runs} runs; ${found} findings: ${kinds})`);
  row('traceFindings(traceView(wireTrace), { nowMs })', whole, views);
  row('  of which traceFindings on the built view', alone, views);
  row('reference: traceView(wireTrace)', views);
  const verdict = (xs: number[]): string => (percentile(xs, 99) <= 300 ? 'met' : median(xs) <= 300 ? 'met at the median' : 'MISSED');
  console.log(`  goal: <= 300 ms. The findings on the view (what a server that has the trace loaded adds): p50 ${ms(median(alone))}, p99 ${ms(percentile(alone, 99))}: ${verdict(alone)}`);
  console.log(`        with building the view: p50 ${ms(median(whole))}, p99 ${ms(percentile(whole, 99))}: ${verdict(whole)}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, HELP, ['--quick']);
  if (args.has('--help') || args.has('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const quick = args.has('--quick');
  const part = args.value('--part');
  if (part !== undefined && part !== 'hotspots' && part !== 'findings') throw new Error(`--part is hotspots or findings\n\n${HELP}`);
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cores, Node ${process.version}`);
  if (part !== 'findings') {
    await hotspots(Math.round(args.num('--spans', quick ? 200_000 : 1_000_000)), Math.round(args.num('--operations', 120)), Math.round(args.num('--queries', quick ? 30 : 100)));
  }
  if (part !== 'hotspots') findings(Math.round(args.num('--trace-spans', quick ? 20_000 : 100_000)), Math.round(args.num('--runs', quick ? 5 : 10)));
  console.log(`load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  return 0;
}

runMain('bench/analysis', main, temporary.cleanUp);
