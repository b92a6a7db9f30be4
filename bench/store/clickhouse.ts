// The ClickHouse task of the store benchmark (--store clickhouse), in a worker process of its own (bench/store/worker.ts
// loads this module only for it): a ClickHouseStore (src/server/store/clickhouseStore.ts) on chDB, ClickHouse in this
// process with its data in the task's folder, behind @clickhouse/client (chdbClient of src/server/store/openStore.ts),
// as test/protocol/clickhouse-store.test.ts opens it. It is filled with the same batches as the embedded store's task
// (same seed, same numbering, the same IngestBatch values, `group` per append, one append in flight while the next
// group is made), then, once ClickHouse's background merges are done, it runs the same searches, keeping the trace ids
// each returned (their summaries) so that the driver can compare them with the embedded store's. Then, to tell where a search's time
// goes, the store's two steps are timed apart on the same client: the trace-id query (findTraceIdsSql) and the
// summaries of the ids found (summariesSql and serviceCountsSql, run together as findTraces runs them).
import { performance } from 'node:perf_hooks';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Sql } from '../../src/core/store/clickhouse/sql';
import { DEFAULT_TABLES, findTraceIdsSql, serviceCountsSql, summariesSql } from '../../src/core/store/clickhouse/sql';
import { queryLimit } from '../../src/core/store/query';
import type { IngestBatch } from '../../src/core/store/store';
import type { TraceSummary } from '../../src/core/trace';
import { ClickHouseStore } from '../../src/server/store/clickhouseStore';
import { chdbClient } from '../../src/server/store/openStore';
import type { FreshBatches } from './batches';
import type { ClickHousePart, ClickHouseQueryResult, ClickHouseResult, ClickHouseTask } from './messages';
import { STEP_REPETITIONS } from './messages';
import { QUERIES } from './queries';

const DATABASE = 'otel';
/** The store refreshes its statistics every 5 s (STATS_REFRESH_MS): wait a little longer before reading them. */
const STATS_WAIT_MS = 6000;

async function rows<T>(client: ClickHouseClient, sql: Sql): Promise<T[]> {
  return (await client.query({ query: sql.query, query_params: sql.params, format: 'JSONEachRow' })).json<T>();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function parts(client: ClickHouseClient): Promise<ClickHousePart[]> {
  const r = await rows<{ table: string; parts: string | number; rows: string | number; bytes: string | number; raw: string | number }>(client, {
    query: `SELECT table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw
FROM system.parts WHERE active AND database = {db:String} GROUP BY table ORDER BY table`,
    params: { db: DATABASE },
  });
  return r.map((p) => ({ table: p.table, parts: Number(p.parts), rows: Number(p.rows), bytesOnDisk: Number(p.bytes), uncompressedBytes: Number(p.raw) }));
}

/** Waits until no merge runs in the database for half a second, at most `seconds`; whether they finished. */
async function waitForMerges(client: ClickHouseClient, seconds: number): Promise<boolean> {
  const until = performance.now() + seconds * 1000;
  let quiet = 0;
  while (performance.now() < until) {
    const [m] = await rows<{ n: string | number }>(client, { query: `SELECT count() AS n FROM system.merges WHERE database = {db:String}`, params: { db: DATABASE } });
    quiet = Number(m?.n ?? 0) === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return true;
    await sleep(250);
  }
  return false;
}

export async function fillClickHouse(t: ClickHouseTask, batches: FreshBatches, maxRss: () => number): Promise<ClickHouseResult> {
  const log = (line: string): void => void process.stderr.write(`  ${line}\n`);
  batches.batch(0);
  const client = chdbClient(t.dir);
  const store = new ClickHouseStore({ client, tables: { database: DATABASE, ...DEFAULT_TABLES }, location: `chdb:${t.dir}`, log });
  await store.whenReady();
  if (store.warning) throw new Error(`the ClickHouse store did not open: ${store.warning}`);

  let n = 0;
  let spans = 0;
  let wire = 0;
  let appends = 0;
  const started = performance.now();
  let writing: Promise<void> | undefined;
  let nextReport = 250_000;
  while (spans < t.spans) {
    const group: IngestBatch[] = [];
    for (let g = 0; g < t.group && spans < t.spans; g++) {
      const b = batches.batch(n++);
      group.push({ kind: 'spans', spans: b.spans, body: { format: 'otlp-proto', bytes: b.body } });
      spans += b.spans.length;
      wire += b.body.length;
    }
    // As the embedded store's task: one append in flight while the next group is made.
    await writing;
    writing = store.append(group);
    appends++;
    if (spans >= nextReport) {
      log(`${spans.toLocaleString('en-US')} spans appended in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      nextReport += 250_000;
    }
  }
  await writing;
  const fillSeconds = (performance.now() - started) / 1000;
  log(`${spans.toLocaleString('en-US')} spans stored in ClickHouse in ${fillSeconds.toFixed(1)} s; waiting for the merges ...`);

  const m0 = performance.now();
  const merged = await waitForMerges(client, t.mergeWaitSeconds);
  const mergeSeconds = (performance.now() - m0) / 1000;
  // The store's own statistics, refreshed from ClickHouse (count() of the table, the parts' bytes).
  await sleep(Math.max(0, STATS_WAIT_MS - (performance.now() - m0)));
  const stats = store.stats();
  const tables = await parts(client);
  log(`merges ${merged ? 'done' : 'still running'} after ${mergeSeconds.toFixed(1)} s; parts: ${tables.map((p) => `${p.table} ${p.parts}`).join(', ')}`);
  if (stats.spanCount !== spans) throw new Error(`the ClickHouse store holds ${stats.spanCount} spans, ${spans} were appended`);

  const queries: ClickHouseQueryResult[] = [];
  const steps: { name: string; idsMs: number; summariesMs: number }[] = [];
  if (t.searchRepetitions > 0) {
    log('searching ...');
    for (const { name, query } of QUERIES) {
      const c0 = performance.now();
      await store.findTraces(query);
      const storeColdMs = performance.now() - c0;
      const storeMs: number[] = [];
      let summaries: TraceSummary[] = [];
      for (let r = 0; r < t.searchRepetitions; r++) {
        const s0 = performance.now();
        summaries = await store.findTraces(query);
        storeMs.push(performance.now() - s0);
      }
      queries.push({ name, query, storeColdMs, storeMs, storeCount: summaries.length, summaries });

      // The two steps apart: the ids, then their summaries.
      const tables = { database: DATABASE, ...DEFAULT_TABLES };
      const idsMs: number[] = [];
      const summariesMs: number[] = [];
      for (let r = 0; r < STEP_REPETITIONS; r++) {
        const i0 = performance.now();
        const found = (await rows<{ TraceId: string }>(client, findTraceIdsSql(tables, query, queryLimit(query)))).map((x) => x.TraceId);
        idsMs.push(performance.now() - i0);
        const s0 = performance.now();
        if (found.length > 0) await Promise.all([rows(client, summariesSql(tables, found)), rows(client, serviceCountsSql(tables, found))]);
        summariesMs.push(performance.now() - s0);
      }
      steps.push({ name, idsMs: median(idsMs), summariesMs: median(summariesMs) });
    }
  }
  const warning = store.warning;
  await store.close();
  return {
    kind: 'clickhouse',
    spans,
    batches: n,
    appends,
    wireBytes: wire,
    fillSeconds,
    mergeSeconds,
    merged,
    storedSpans: stats.spanCount,
    traces: stats.traceCount,
    diskBytes: stats.diskBytes,
    tables,
    maxRss: maxRss(),
    queries,
    steps,
    ...(warning ? { warning } : {}),
  };
}
