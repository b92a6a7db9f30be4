// The ClickHouse store on a real ClickHouse engine: chDB (ClickHouse in this process, from the npm registry) behind
// the same @clickhouse/client the store uses against a server, so the real SQL, schema and types run. The shared store
// suite, then what is ClickHouse's own: the exporter's tables and what they keep.
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SpanKind } from '@opentelemetry/api';
import type { ServerStatus } from '../../src/protocol/messages';
import { encodeRequest, otlpSpan } from '../helpers/otlp';
import { SdkShop } from '../helpers/sdkShop';
import { freePorts } from '../helpers/server';
import { waitFor } from '../helpers/wait';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { RowReader, spanToRow } from '../../src/core/store/clickhouse/rows';
import { DEFAULT_TABLES } from '../../src/core/store/clickhouse/sql';
import { ClickHouseStore } from '../../src/server/store/clickhouseStore';
import { chdbClient } from '../../src/server/store/openStore';
import { A_DB, fill, id, span, storeContract } from '../helpers/storeContract';

const SERVER = join(__dirname, '..', '..', 'out', 'server.js');
let dir = '';
let client: ClickHouseClient;
let databases = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracelens-chdb-'));
  client = chdbClient(dir);
});
after(async () => {
  await client?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * A store on a database of its own (the engine is shared by the whole file). No TTL: the suite's spans are from 2023,
 * and ClickHouse drops parts whose rows are past their TTL.
 */
function open(ttlDays?: number): ClickHouseStore {
  return new ClickHouseStore({ client: unclosable(client), tables: { database: `t${++databases}`, ...DEFAULT_TABLES }, location: 'chdb', ...(ttlDays !== undefined ? { ttlDays } : {}) });
}

/** The shared engine outlives each store: a store's close() leaves it open. */
function unclosable(c: ClickHouseClient): ClickHouseClient {
  return new Proxy(c, { get: (target, key) => (key === 'close' ? () => Promise.resolve() : Reflect.get(target, key, target) as unknown) });
}

storeContract('ClickHouseStore (chDB)', async () => open(), { clears: false, kept: (s) => new RowReader().span(spanToRow(s)) });

describe('ClickHouseStore: the exporter tables', () => {
  it('creates the OpenTelemetry exporter tables with their indexes and TTL, and a team table is used as it is', async () => {
    const store = open(7);
    await store.whenReady();
    assert.equal(store.warning, undefined);
    const db = `t${databases}`;
    const tables = (await (await client.query({ query: `SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name`, query_params: { db }, format: 'JSONEachRow' })).json<{ name: string }>()).map((r) => r.name);
    assert.deepEqual(tables, ['otel_logs', 'otel_traces', 'otel_traces_trace_id_ts', 'otel_traces_trace_id_ts_mv']);
    const ddl = (await (await client.query({ query: `SHOW CREATE TABLE ${db}.otel_traces`, format: 'JSONEachRow' })).json<{ statement: string }>())[0]!.statement;
    for (const part of ['idx_trace_id', 'bloom_filter(0.001)', 'PARTITION BY toDate(Timestamp)', 'TTL toDateTime(Timestamp) + toIntervalDay(7)', 'Map(LowCardinality(String), String)']) assert.ok(ddl.includes(part), `${part} in\n${ddl}`);
    // Opening again changes nothing (CREATE ... IF NOT EXISTS; a team's tables are never altered).
    const again = new ClickHouseStore({ client: unclosable(client), tables: { database: db, ...DEFAULT_TABLES }, location: 'chdb', ttlDays: 30 });
    await again.whenReady();
    assert.equal((await (await client.query({ query: `SHOW CREATE TABLE ${db}.otel_traces`, format: 'JSONEachRow' })).json<{ statement: string }>())[0]!.statement, ddl);
    await Promise.all([store.close(), again.close()]);
  });

  it('summarises a 50,000-span trace in ClickHouse, orphans included (an anti join: a per-span search ran out of memory)', async () => {
    const store = open();
    const trace = 'ab'.repeat(16);
    const spans = Array.from({ length: 50_000 }, (_, i) =>
      span('ab'.repeat(16), (i + 1).toString(16), i === 0 ? '' : i % 20_000 === 0 ? 'f'.repeat(16) : '1', i, i + 2, { name: i === 0 ? 'batch' : 'item' }),
    );
    for (let i = 0; i < spans.length; i += 10_000) await store.append([{ kind: 'spans', spans: spans.slice(i, i + 10_000) }]);
    const [summary] = await store.findTraces({});
    assert.equal(summary?.traceId, trace);
    assert.equal(summary?.spanCount, 50_000);
    assert.equal(summary?.orphanCount, 2, 'the two spans whose parent never arrived');
    assert.equal(summary?.rootName, 'batch');
    await store.close();
  });

  it('writes rows as the exporter does: kind and status as words, attributes as text, the trace-id lookup filled', async () => {
    const store = await fill(open());
    const db = `t${databases}`;
    const [row] = await (await client.query({ query: `SELECT SpanKind, StatusCode, ServiceName, SpanAttributes, toString(Duration) AS Duration FROM ${db}.otel_traces WHERE SpanId = {s:String}`, query_params: { s: A_DB.spanId }, format: 'JSONEachRow' })).json<Record<string, unknown>>();
    assert.deepEqual(row, { SpanKind: 'Client', StatusCode: 'Error', ServiceName: 'db', SpanAttributes: { 'http.status_code': '500' }, Duration: '30000000' });
    const [lookup] = await (await client.query({ query: `SELECT count() AS n FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = {t:String}`, query_params: { t: id('a') }, format: 'JSONEachRow' })).json<{ n: string | number }>();
    assert.ok(Number(lookup!.n) >= 1, 'the materialized view filled the lookup table');
    await store.close();
  });

  it("reads spans a team's Collector wrote (no TraceLens involved), and says what is wrong with a table it cannot use", async () => {
    const store = open(7);
    await store.whenReady();
    const db = `t${databases}`;
    // An hour ago, in the exporter's form (the Collector's Go driver sends the time as a DateTime64(9) value).
    const startMs = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const when = `${new Date(startMs).toISOString().replace('T', ' ').slice(0, 19)}.000000001`;
    await client.command({
      query: `INSERT INTO ${db}.otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode, StatusMessage)
        VALUES ('${when}', '${'ef'.repeat(16)}', '${'01'.repeat(8)}', '', 'GET /collected', 'Server', 'collected', {'service.name': 'collected', 'host.name': 'h1'}, {'http.route': '/collected'}, 5000000, 'Unset', '')`,
    });
    const [summary] = await store.findTraces({ service: 'collected' });
    assert.equal(summary?.traceId, 'ef'.repeat(16));
    assert.equal(summary?.rootName, 'GET /collected');
    assert.equal(summary?.durationNanos, 5_000_000n);
    const spans = await store.getTrace('ef'.repeat(16));
    assert.equal(spans?.[0]?.startTimeUnixNano, BigInt(startMs) * 1_000_000n + 1n);
    assert.deepEqual(await store.findTraces({ attributes: [{ key: 'host.name', op: '=', value: 'h1' }] }).then((r) => r.map((t) => t.traceId)), ['ef'.repeat(16)]);
    await store.close();

    await client.command({ query: `CREATE DATABASE IF NOT EXISTS odd` });
    await client.command({ query: `CREATE TABLE IF NOT EXISTS odd.otel_traces (Timestamp DateTime64(9), TraceId String) ENGINE = MergeTree ORDER BY TraceId` });
    const logs: string[] = [];
    const odd = new ClickHouseStore({ client: unclosable(client), tables: { database: 'odd', ...DEFAULT_TABLES }, location: 'chdb', log: (l) => logs.push(l) });
    await odd.whenReady();
    assert.match(odd.warning ?? '', /`odd`\.`otel_traces` is not the OpenTelemetry exporter's table: it has no SpanId, ParentSpanId/);
    assert.deepEqual(await odd.findTraces({}), []);
    await odd.close();
  });
});

describe('tracelens serve --store', () => {
  const children: ChildProcessWithoutNullStreams[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  const serve = async (store: string): Promise<{ query: string; otlp: string; stderr: string[] }> => {
    const [http, query] = await freePorts(2);
    const child = spawn(process.execPath, [SERVER, 'serve', '--store', store, '--otlp-http', `127.0.0.1:${http}`, '--otlp-grpc', 'off', '--zipkin', 'off', '--query', `127.0.0.1:${query}`], { env: { ...process.env, TRACELENS_CLICKHOUSE_PASSWORD: 'not-on-the-command-line' } });
    children.push(child);
    const stderr: string[] = [];
    createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
    await waitFor(() => stderr.some((l) => / ready: /.test(l)), 30_000, () => stderr.join('\n'));
    return { query: `http://127.0.0.1:${query}`, otlp: `http://127.0.0.1:${http}`, stderr };
  };

  it('runs the receivers and the query API on ClickHouse: spans from the real SDK are searchable through the Jaeger API', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tracelens-chdb-serve-'));
    try {
      const srv = await serve(`chdb:${folder}`);
      const shop = new SdkShop(srv.otlp);
      const traceId = shop.trace({ service: 'ch-shop', name: 'GET /basket', kind: SpanKind.SERVER, start: 0, end: 30, children: [{ service: 'ch-db', name: 'SELECT basket', kind: SpanKind.CLIENT, start: 5, end: 20 }] }, Date.now() - 100);
      await shop.flush();
      await shop.shutdown();
      const status = (await (await fetch(`${srv.query}/api/tracelens/status`)).json()) as ServerStatus;
      assert.equal(status.store.location, `chdb:${folder}`);
      assert.equal(status.store.warning, undefined);
      const found = (await (await fetch(`${srv.query}/api/traces?service=ch-shop&lookback=1h`)).json()) as { data: { traceID: string; spans: unknown[] }[] };
      assert.deepEqual(found.data.map((t) => [t.traceID, t.spans.length]), [[traceId, 2]]);
      const deps = (await (await fetch(`${srv.query}/api/dependencies?endTs=${Date.now()}&lookback=3600000`)).json()) as { data: { parent: string; child: string; callCount: number }[] };
      assert.deepEqual(deps.data.map((d) => [d.parent, d.child, d.callCount]), [['ch-shop', 'ch-db', 1]]);
      // Hotspots, computed in ClickHouse: the basket's 30 ms of which 15 ms in its query (self time 15 ms).
      const hot = (await (await fetch(`${srv.query}/api/tracelens/hotspots?lookback=1h`)).json()) as { data: { service: string; operation: string; count: number; selfTime: number; totalTime: number; p95: number; criticalPathShare: number | null }[] };
      const basket = hot.data.find((r) => r.operation === 'GET /basket');
      assert.deepEqual(basket && [basket.service, basket.count, basket.totalTime, basket.selfTime, basket.criticalPathShare], ['ch-shop', 1, 30_000, 15_000, null]);
      assert.ok(Math.abs(basket!.p95 - 30_000) < 300, `p95 ${basket!.p95} µs`);
      assert.deepEqual(hot.data.map((r) => r.operation), ['GET /basket', 'SELECT basket'], 'by total time');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('an unreachable ClickHouse is named in the status, and exporters get 503 with the reason, not an acknowledgement', async () => {
    const [closed] = await freePorts(1);
    const srv = await serve(`clickhouse+http://tracer@127.0.0.1:${closed}/team`);
    const status = (await (await fetch(`${srv.query}/api/tracelens/status`)).json()) as ServerStatus;
    assert.equal(status.store.location, `clickhouse+http://tracer@127.0.0.1:${closed}/team`);
    assert.match(status.store.warning ?? '', new RegExp(`ClickHouse clickhouse\\+http://tracer@127\\.0\\.0\\.1:${closed}/team cannot be used: .*check the address`));
    assert.ok(!srv.stderr.join('\n').includes('not-on-the-command-line'), 'the password is never logged');
    const res = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: Buffer.from(encodeRequest([otlpSpan()])) });
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'), 'with a Retry-After');
  });
});
