// The SQL of the ClickHouse store: the tables exactly as the OpenTelemetry Collector's ClickHouse exporter creates
// them (created only when absent; a team's tables are never altered), and every query the store interface serves,
// pushed down with query parameters (no value is ever spliced into the text; names are checked identifiers). Pure.
import { UNKNOWN_SERVICE } from '../../../protocol/wire';
import { SpanKind } from '../../model';
import type { AttributeFilter, TraceQuery } from '../store';
import { kindWord } from './rows';

export interface Tables {
  readonly database: string;
  /** otel_traces; its trace-id lookup table is `${traces}_trace_id_ts`. */
  readonly traces: string;
  readonly logs: string;
}

export const DEFAULT_TABLES: Omit<Tables, 'database'> = { traces: 'otel_traces', logs: 'otel_logs' };

/** A SQL text and the values of its {name:Type} parameters. */
export interface Sql {
  readonly query: string;
  readonly params: Record<string, unknown>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name`, after checking it is a plain identifier (database and table names come from the user's URL). */
export function ident(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain ClickHouse name (letters, digits and _)`);
  return `\`${name}\``;
}

const q = (t: Tables, table: string): string => `${ident(t.database)}.${ident(table)}`;
export const tracesTable = (t: Tables): string => q(t, t.traces);
export const traceIdTable = (t: Tables): string => q(t, `${t.traces}_trace_id_ts`);
export const logsTable = (t: Tables): string => q(t, t.logs);

function ttl(column: string, days: number | undefined): string {
  return days !== undefined && days > 0 ? `TTL ${column} + toIntervalDay(${Math.ceil(days)})` : '';
}

/** The exporter's DDL (bloom-filter indexes, daily partitions, TTL), in the order to run it. */
export function createTablesSql(t: Tables, ttlDays?: number): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${ident(t.database)}`,
    `CREATE TABLE IF NOT EXISTS ${tracesTable(t)} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
${ttl('toDateTime(Timestamp)', ttlDays)}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE TABLE IF NOT EXISTS ${traceIdTable(t)} (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
${ttl('Start', ttlDays)}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${q(t, `${t.traces}_trace_id_ts_mv`)}
TO ${traceIdTable(t)}
AS SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End
FROM ${tracesTable(t)}
WHERE TraceId != ''
GROUP BY TraceId`,
    `CREATE TABLE IF NOT EXISTS ${logsTable(t)} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = MergeTree
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
${ttl('TimestampTime', ttlDays)}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  ];
}

/** The columns TraceLens reads and writes; a table without one of them cannot be used. */
export const REQUIRED_TRACE_COLUMNS = ['Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'SpanName', 'SpanKind', 'ServiceName', 'ResourceAttributes', 'SpanAttributes', 'Duration', 'StatusCode', 'StatusMessage'];

/** The service of a row as the rest of TraceLens names it (the exporter writes '' when there is none). */
const SERVICE = `if(ServiceName = '', {unknown:String}, ServiceName)`;

/** Builds parameter names p0, p1, ... for one query. */
export class Params {
  readonly values: Record<string, unknown> = { unknown: UNKNOWN_SERVICE };
  private n = 0;

  add(type: string, value: unknown): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

const DERIVED_EXISTS: Record<string, string> = {
  error: `StatusCode = 'Error'`,
  'span.kind': `SpanKind NOT IN ('Internal', 'Unspecified', '')`,
  'otel.status_code': `StatusCode IN ('Ok', 'Error')`,
  'otel.status_description': `StatusMessage != ''`,
};

/** The text Jaeger derives for these keys, as an expression (see valuesOf in ../query.ts). */
const DERIVED_TEXT: Record<string, string> = {
  error: `if(StatusCode = 'Error', 'true', '')`,
  'span.kind': `lower(SpanKind)`,
  'otel.status_code': `upper(StatusCode)`,
  'otel.status_description': `StatusMessage`,
};

/** One attribute condition on a row: the span's attributes, its resource's, its events', and the derived tags. */
export function attributeCondition(f: AttributeFilter, p: Params): string {
  const k = p.add('String', f.key);
  const anyValue = (test: (v: string) => string): string => {
    const parts = [
      `(mapContains(SpanAttributes, ${k}) AND ${test(`SpanAttributes[${k}]`)})`,
      `(mapContains(ResourceAttributes, ${k}) AND ${test(`ResourceAttributes[${k}]`)})`,
      `arrayExists(m -> mapContains(m, ${k}) AND ${test(`m[${k}]`)}, \`Events.Attributes\`)`,
    ];
    const derived = DERIVED_EXISTS[f.key];
    if (derived) parts.push(`(${derived} AND ${test(DERIVED_TEXT[f.key]!)})`);
    return `(${parts.join(' OR ')})`;
  };
  switch (f.op) {
    case 'exists':
      return anyValue(() => '1');
    case '=': {
      const v = p.add('String', String(f.value ?? ''));
      return anyValue((x) => `${x} = ${v}`);
    }
    case '!=': {
      const v = p.add('String', String(f.value ?? ''));
      return `NOT ${anyValue((x) => `${x} = ${v}`)}`;
    }
    default: {
      const n = p.add('Float64', Number(f.value));
      return anyValue((x) => `toFloat64OrNull(${x}) ${f.op} ${n}`);
    }
  }
}

/** The span conditions of a search: one row must meet all of them. */
export function spanConditions(query: TraceQuery, p: Params): string[] {
  const where: string[] = [];
  if (query.service !== undefined) where.push(query.service === UNKNOWN_SERVICE ? `ServiceName IN ('', {unknown:String})` : `ServiceName = ${p.add('String', query.service)}`);
  if (query.operation !== undefined) where.push(`SpanName = ${p.add('String', query.operation)}`);
  if (query.spanKind !== undefined) where.push(query.spanKind === SpanKind.INTERNAL ? `SpanKind IN ('Internal', 'Unspecified', '')` : `SpanKind = ${p.add('String', kindWord(query.spanKind))}`);
  if (query.errorsOnly) where.push(`StatusCode = 'Error'`);
  if (query.minDurationNanos !== undefined) where.push(`Duration >= ${p.add('UInt64', String(query.minDurationNanos))}`);
  if (query.maxDurationNanos !== undefined) where.push(`Duration <= ${p.add('UInt64', String(query.maxDurationNanos))}`);
  if (query.startFromNanos !== undefined) where.push(`Timestamp >= fromUnixTimestamp64Nano(${p.add('Int64', String(query.startFromNanos))})`);
  if (query.startToNanos !== undefined) where.push(`Timestamp <= fromUnixTimestamp64Nano(${p.add('Int64', String(query.startToNanos))})`);
  for (const f of query.attributes ?? []) where.push(attributeCondition(f, p));
  return where;
}

/** Ids of the traces with a span meeting every condition, newest trace start first. */
export function findTraceIdsSql(t: Tables, query: TraceQuery, limit: number): Sql {
  const p = new Params();
  const where = spanConditions(query, p);
  return {
    query: `SELECT TraceId FROM ${tracesTable(t)}
WHERE TraceId IN (SELECT TraceId FROM ${tracesTable(t)}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''})
GROUP BY TraceId
ORDER BY min(Timestamp) DESC, TraceId
LIMIT ${p.add('UInt32', limit)}`,
    params: p.values,
  };
}

/**
 * The summary numbers of some traces, computed in ClickHouse (a trace of a million spans sends one row): spans and
 * errors counted once per span id (an exporter's retry stores a span twice), and the root. Orphans: orphansSql.
 */
export function summariesSql(t: Tables, traceIds: readonly string[]): Sql {
  const p = new Params();
  const ids = p.add('Array(String)', traceIds);
  return {
    query: `SELECT TraceId,
  toString(min(toUnixTimestamp64Nano(Timestamp))) AS start,
  toString(max(toUnixTimestamp64Nano(Timestamp) + Duration)) AS end,
  uniqExact(SpanId) AS spans,
  uniqExactIf(SpanId, StatusCode = 'Error') AS errors,
  countIf(ParentSpanId = '') > 0 AS hasRoot,
  argMinIf(${SERVICE}, Timestamp, ParentSpanId = '') AS rootService,
  argMinIf(SpanName, Timestamp, ParentSpanId = '') AS rootName,
  argMin(${SERVICE}, Timestamp) AS firstService,
  argMin(SpanName, Timestamp) AS firstName
FROM ${tracesTable(t)}
WHERE TraceId IN ${ids}
GROUP BY TraceId`,
    params: p.values,
  };
}

/**
 * Spans whose parent is not in their trace, per trace: an anti join (hash-based: linear in the trace's size; a
 * per-span search of the trace's ids was quadratic and ran out of memory at 100k spans).
 */
export function orphansSql(t: Tables, traceIds: readonly string[]): Sql {
  const p = new Params();
  const ids = p.add('Array(String)', traceIds);
  return {
    query: `SELECT c.TraceId AS TraceId, count() AS orphans
FROM (SELECT DISTINCT TraceId, SpanId, ParentSpanId FROM ${tracesTable(t)} WHERE TraceId IN ${ids} AND ParentSpanId != '') AS c
LEFT ANTI JOIN (SELECT DISTINCT TraceId, SpanId FROM ${tracesTable(t)} WHERE TraceId IN ${ids}) AS s
ON c.TraceId = s.TraceId AND c.ParentSpanId = s.SpanId
GROUP BY c.TraceId`,
    params: p.values,
  };
}

/** Spans per service of some traces. */
export function serviceCountsSql(t: Tables, traceIds: readonly string[]): Sql {
  const p = new Params();
  return {
    query: `SELECT TraceId, ${SERVICE} AS service, uniqExact(SpanId) AS spans
FROM ${tracesTable(t)}
WHERE TraceId IN ${p.add('Array(String)', traceIds)}
GROUP BY TraceId, service`,
    params: p.values,
  };
}

/** The time range of a trace from the exporter's lookup table (seconds; widened by a second each side). */
export function traceRangeSql(t: Tables, traceId: string): Sql {
  const p = new Params();
  return {
    query: `SELECT toString(toUnixTimestamp(min(Start)) - 1) AS lo, toString(toUnixTimestamp(max(End)) + 1) AS hi, count() AS n
FROM ${traceIdTable(t)} WHERE TraceId = ${p.add('String', traceId)}`,
    params: p.values,
  };
}

/** Every span of a trace once, earliest first; within a time range when the lookup table gives one. */
export function traceSpansSql(t: Tables, traceId: string, range?: { readonly lo: string; readonly hi: string }): Sql {
  const p = new Params();
  const window = range ? ` AND Timestamp >= toDateTime(${p.add('Int64', range.lo)}) AND Timestamp <= toDateTime(${p.add('Int64', range.hi)})` : '';
  return {
    query: `SELECT * FROM ${tracesTable(t)}
WHERE TraceId = ${p.add('String', traceId)}${window}
ORDER BY Timestamp, SpanId
LIMIT 1 BY SpanId`,
    params: p.values,
  };
}

export function traceLogsSql(t: Tables, traceId: string): Sql {
  const p = new Params();
  return { query: `SELECT * FROM ${logsTable(t)} WHERE TraceId = ${p.add('String', traceId)} ORDER BY Timestamp`, params: p.values };
}

export function servicesSql(t: Tables): Sql {
  return { query: `SELECT DISTINCT ${SERVICE} AS service FROM ${tracesTable(t)} ORDER BY service`, params: { unknown: UNKNOWN_SERVICE } };
}

export function operationsSql(t: Tables, service?: string): Sql {
  const p = new Params();
  const where = service === undefined ? '' : ` WHERE ${SERVICE} = ${p.add('String', service)}`;
  return { query: `SELECT DISTINCT ${SERVICE} AS service, SpanName AS name, SpanKind AS kind FROM ${tracesTable(t)}${where} ORDER BY service, name, kind`, params: p.values };
}

/** Calls between services: child spans started in the window, joined to their parent span in another service. */
function edgesFrom(t: Tables, p: Params, fromNanos: bigint, toNanos: bigint): string {
  const from = p.add('Int64', String(fromNanos));
  const to = p.add('Int64', String(toNanos));
  const inWindow = `Timestamp >= fromUnixTimestamp64Nano(${from}) AND Timestamp <= fromUnixTimestamp64Nano(${to}) AND ParentSpanId != ''`;
  return `(SELECT TraceId, SpanId, ParentSpanId, ${SERVICE} AS service, StatusCode = 'Error' AS failed, Duration, Timestamp
    FROM ${tracesTable(t)} WHERE ${inWindow} LIMIT 1 BY TraceId, SpanId) AS c
  INNER JOIN (SELECT TraceId, SpanId, ${SERVICE} AS service
    FROM ${tracesTable(t)} WHERE TraceId IN (SELECT TraceId FROM ${tracesTable(t)} WHERE ${inWindow}) LIMIT 1 BY TraceId, SpanId) AS pa
  ON c.TraceId = pa.TraceId AND c.ParentSpanId = pa.SpanId`;
}

export function dependenciesSql(t: Tables, fromNanos: bigint, toNanos: bigint): Sql {
  const p = new Params();
  return {
    query: `SELECT pa.service AS parent, c.service AS child, count() AS calls, countIf(c.failed) AS errors, quantileExact(0.95)(c.Duration) AS p95
FROM ${edgesFrom(t, p, fromNanos, toNanos)}
WHERE pa.service != c.service
GROUP BY parent, child
ORDER BY parent, child`,
    params: p.values,
  };
}

export function edgeTraceIdsSql(t: Tables, parent: string, child: string, fromNanos: bigint, toNanos: bigint, limit: number): Sql {
  const p = new Params();
  return {
    query: `SELECT c.TraceId AS TraceId
FROM ${edgesFrom(t, p, fromNanos, toNanos)}
WHERE pa.service = ${p.add('String', parent)} AND c.service = ${p.add('String', child)}
GROUP BY c.TraceId
ORDER BY max(c.Timestamp) DESC
LIMIT ${p.add('UInt32', limit)}`,
    params: p.values,
  };
}

/**
 * Hotspots of a window, by service and span name: calls, errors, percentiles, total time and self time (a span's
 * duration less its children's, which may overlap: an estimate), spans counted once per id.
 */
export function hotspotsSql(t: Tables, fromNanos: bigint, toNanos: bigint, filter: { readonly service?: string; readonly operation?: string }, limit: number): Sql {
  const p = new Params();
  const from = p.add('Int64', String(fromNanos));
  const to = p.add('Int64', String(toNanos));
  const window = `Timestamp >= fromUnixTimestamp64Nano(${from}) AND Timestamp < fromUnixTimestamp64Nano(${to})`;
  const where = [window];
  if (filter.service !== undefined) where.push(`${SERVICE} = ${p.add('String', filter.service)}`);
  if (filter.operation !== undefined) where.push(`SpanName = ${p.add('String', filter.operation)}`);
  return {
    query: `SELECT service, name, count() AS calls, countIf(failed) AS errors,
  quantilesTDigest(0.5, 0.95, 0.99)(Duration) AS q, sum(Duration) AS total, sum(greatest(toInt64(Duration) - toInt64(child), 0)) AS self
FROM (
  SELECT s.service AS service, s.SpanName AS name, s.failed AS failed, s.Duration AS Duration, c.child AS child
  FROM (SELECT TraceId, SpanId, ${SERVICE} AS service, SpanName, StatusCode = 'Error' AS failed, Duration
    FROM ${tracesTable(t)} WHERE ${where.join(' AND ')} LIMIT 1 BY TraceId, SpanId) AS s
  LEFT JOIN (SELECT TraceId, ParentSpanId, sum(Duration) AS child
    FROM (SELECT TraceId, SpanId, ParentSpanId, Duration FROM ${tracesTable(t)} WHERE ${window} AND ParentSpanId != '' LIMIT 1 BY TraceId, SpanId)
    GROUP BY TraceId, ParentSpanId) AS c
  ON s.TraceId = c.TraceId AND s.SpanId = c.ParentSpanId
)
GROUP BY service, name
ORDER BY total DESC, service, name
LIMIT ${p.add('UInt32', limit)}`,
    params: p.values,
  };
}

/** p95 of some operations in a window (the hotspots' trend against the window before). */
export function p95Sql(t: Tables, fromNanos: bigint, toNanos: bigint): Sql {
  const p = new Params();
  return {
    query: `SELECT ${SERVICE} AS service, SpanName AS name, quantileTDigest(0.95)(Duration) AS p95
FROM ${tracesTable(t)} WHERE Timestamp >= fromUnixTimestamp64Nano(${p.add('Int64', String(fromNanos))}) AND Timestamp < fromUnixTimestamp64Nano(${p.add('Int64', String(toNanos))})
GROUP BY service, name`,
    params: p.values,
  };
}

/** Spans in a window. */
export function windowCountSql(t: Tables, fromNanos: bigint, toNanos: bigint): Sql {
  const p = new Params();
  return {
    query: `SELECT count() AS n FROM ${tracesTable(t)} WHERE Timestamp >= fromUnixTimestamp64Nano(${p.add('Int64', String(fromNanos))}) AND Timestamp < fromUnixTimestamp64Nano(${p.add('Int64', String(toNanos))})`,
    params: p.values,
  };
}

/**
 * The status numbers, from the tables' parts alone (no scan: a team's table may hold billions of rows, and this runs
 * every few seconds). Traces are the lookup table's rows, an overcount while a trace's inserts are not merged yet.
 */
export function statsSql(t: Tables): Sql {
  const p = new Params();
  const db = p.add('String', t.database);
  const rows = (table: string): string => `(SELECT sum(rows) FROM system.parts WHERE active AND database = ${db} AND table = ${p.add('String', table)})`;
  return {
    query: `SELECT
  ${rows(t.traces)} AS spans,
  ${rows(`${t.traces}_trace_id_ts`)} AS traces,
  ${rows(t.logs)} AS logs,
  (SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = ${db} AND table IN ${p.add('Array(String)', [t.traces, `${t.traces}_trace_id_ts`, t.logs])}) AS bytes`,
    params: p.values,
  };
}
