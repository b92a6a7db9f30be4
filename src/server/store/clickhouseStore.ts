// The trace store on ClickHouse, in the tables the OpenTelemetry Collector's ClickHouse exporter creates: what a
// team's Collector -> ClickHouse pipeline writes is searchable here as it is, and what TraceLens writes is readable by
// the team's other tools. Every query of the store interface runs in ClickHouse (src/core/store/clickhouse/sql.ts);
// nothing loads a table into Node. A batch is acknowledged once ClickHouse accepted its insert; a failed insert is
// retried with backoff, then refused (exporters get 503 / UNAVAILABLE and retry), and the status says why.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { LogRecord, Span, TraceId } from '../../core/model';
import { isTraceIdHex } from '../../core/ids';
import type { LogRow, TraceRow } from '../../core/store/clickhouse/rows';
import { logToRow, RowReader, spanToRow } from '../../core/store/clickhouse/rows';
import type { Sql, Tables } from '../../core/store/clickhouse/sql';
import {
  createTablesSql,
  dependenciesSql,
  edgeTraceIdsSql,
  findTraceIdsSql,
  hotspotsSql,
  p95Sql,
  windowCountSql,
  operationsSql,
  orphansSql,
  REQUIRED_TRACE_COLUMNS,
  serviceCountsSql,
  servicesSql,
  statsSql,
  summariesSql,
  traceLogsSql,
  traceRangeSql,
  traceSpansSql,
  tracesTable,
} from '../../core/store/clickhouse/sql';
import { decodeTraceRequest } from '../../core/otlp/protobuf';
import { queryLimit } from '../../core/store/query';
import type { DependencyLink, IngestBatch, OperationInfo, StoreChange, StoreStats, TraceQuery, TraceStore } from '../../core/store/store';
import { StoreWriteError } from '../../core/store/store';
import type { TraceSummary } from '../../core/trace';
import { rankServices } from '../../core/trace';
import { kindOfWord } from '../../core/store/clickhouse/rows';
import type { HotspotsParams, HotspotsResult } from '../../protocol/analysis';

export interface ClickHouseStoreOptions {
  readonly client: ClickHouseClient;
  readonly tables: Tables;
  /** Where, for people: the URL without its password. */
  readonly location: string;
  /** Days rows live in tables TraceLens creates (the exporter's TTL); tables that exist keep theirs. */
  readonly ttlDays?: number;
  readonly log?: (line: string) => void;
  /** Insert attempts before a batch is refused (default 4: waits of 0.2, 0.8 and 3.2 s between them). */
  readonly attempts?: number;
}

const STATS_REFRESH_MS = 5000;
/** A ClickHouse that could not be opened is tried again at most this often (on the next write or read). */
const REOPEN_MS = 5000;

export class ClickHouseStore implements TraceStore {
  private readonly client: ClickHouseClient;
  private readonly t: Tables;
  private readonly log: (line: string) => void;
  private ready: Promise<void>;
  private opened = false;
  private openedAt = 0;
  private problem: string | undefined;
  private writeProblem: string | undefined;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private counts: Omit<StoreStats, 'location' | 'evictedSpans'> = { spanCount: 0, traceCount: 0, logCount: 0, diskBytes: 0 };
  private statsTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: ClickHouseStoreOptions) {
    this.client = options.client;
    this.t = options.tables;
    this.log = options.log ?? (() => undefined);
    this.ready = this.open();
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  get isReady(): boolean {
    return this.opened;
  }

  get warning(): string | undefined {
    return this.problem ?? this.writeProblem;
  }

  private async open(): Promise<void> {
    this.openedAt = Date.now();
    try {
      for (const statement of createTablesSql(this.t, this.options.ttlDays)) await this.client.command({ query: statement });
      const columns = await this.rows<{ name: string }>({ query: `SELECT name FROM system.columns WHERE database = {db:String} AND table = {table:String}`, params: { db: this.t.database, table: this.t.traces } });
      const have = new Set(columns.map((c) => c.name));
      const missing = REQUIRED_TRACE_COLUMNS.filter((c) => !have.has(c));
      if (missing.length > 0) throw new Error(`${tracesTable(this.t)} is not the OpenTelemetry exporter's table: it has no ${missing.join(', ')}`);
      if (this.problem) this.log(`trace store: ClickHouse ${this.options.location} answers again`);
      this.problem = undefined;
      this.log(`trace store: ClickHouse ${this.options.location}`);
      await this.refreshStats();
    } catch (e) {
      this.problem = `ClickHouse ${this.options.location} cannot be used: ${message(e)}; check the address, the user and its rights (password from TRACELENS_CLICKHOUSE_PASSWORD or --clickhouse-password-file)`;
      this.log(`trace store: ${this.problem}`);
    }
    this.opened = true;
    this.statsTimer ??= setInterval(() => void this.refreshStats(), STATS_REFRESH_MS);
    this.statsTimer.unref();
  }

  /** Waits for the store to open; one that could not be opened is tried again, at most every REOPEN_MS. */
  private async usable(): Promise<boolean> {
    await this.ready;
    if (this.problem && !this.closed && Date.now() - this.openedAt >= REOPEN_MS) {
      this.ready = this.open();
      await this.ready;
    }
    return this.problem === undefined;
  }

  async append(batches: readonly IngestBatch[]): Promise<void> {
    if (!(await this.usable())) throw new StoreWriteError(this.problem ?? 'the ClickHouse store is not open');
    const spans: TraceRow[] = [];
    const logs: LogRow[] = [];
    const traceIds = new Set<TraceId>();
    for (const b of batches) {
      if (b.kind === 'logs') {
        // As the embedded store: log records are kept to be read with their trace; one with no trace is not kept.
        for (const r of b.records) {
          if (!r.traceId) continue;
          logs.push(logToRow(r));
          traceIds.add(r.traceId);
        }
        continue;
      }
      const decoded: readonly Span[] = b.kind === 'spans' ? b.spans : decodeTraceRequest(b.body.bytes).spans;
      for (const s of decoded) {
        spans.push(spanToRow(s));
        traceIds.add(s.traceId);
      }
    }
    if (spans.length > 0) await this.insert(tracesTable(this.t), spans);
    if (logs.length > 0) await this.insert(`\`${this.t.database}\`.\`${this.t.logs}\``, logs);
    this.counts = { ...this.counts, spanCount: this.counts.spanCount + spans.length, logCount: this.counts.logCount + logs.length };
    if (traceIds.size > 0) for (const l of this.listeners) l({ traceIds, cleared: false });
  }

  /** Inserts with retries; acknowledged once ClickHouse accepted the rows. */
  private async insert(table: string, values: readonly object[]): Promise<void> {
    const attempts = this.options.attempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.insert({ table, values: values as object[], format: 'JSONEachRow' });
        if (this.writeProblem) this.log(`trace store: ClickHouse ${this.options.location} accepts writes again`);
        this.writeProblem = undefined;
        return;
      } catch (e) {
        if (attempt >= attempts || this.closed) {
          this.writeProblem = `ClickHouse ${this.options.location} does not accept writes (${message(e)}); exporters are told to retry`;
          this.log(`trace store: ${this.writeProblem}`);
          throw new StoreWriteError(this.writeProblem);
        }
        await sleep(200 * 4 ** (attempt - 1));
      }
    }
  }

  async findTraces(query: TraceQuery): Promise<TraceSummary[]> {
    if (!(await this.usable())) return [];
    const ids = (await this.rows<{ TraceId: string }>(findTraceIdsSql(this.t, query, queryLimit(query)))).map((r) => r.TraceId);
    return this.summaries(ids);
  }

  /** Summaries of these traces, in this order. */
  private async summaries(ids: readonly string[]): Promise<TraceSummary[]> {
    if (ids.length === 0) return [];
    const [rows, services, orphanRows] = await Promise.all([
      this.rows<SummaryRow>(summariesSql(this.t, ids)),
      this.rows<{ TraceId: string; service: string; spans: number | string }>(serviceCountsSql(this.t, ids)),
      this.rows<{ TraceId: string; orphans: number | string }>(orphansSql(this.t, ids)),
    ]);
    const orphans = new Map(orphanRows.map((r) => [r.TraceId, Number(r.orphans)]));
    const perTrace = new Map<string, [string, number][]>();
    for (const s of services) {
      let list = perTrace.get(s.TraceId);
      if (!list) perTrace.set(s.TraceId, (list = []));
      list.push([s.service, Number(s.spans)]);
    }
    const byId = new Map(rows.map((r) => [r.TraceId, r]));
    const out: TraceSummary[] = [];
    for (const id of ids) {
      const r = byId.get(id);
      if (!r) continue;
      const hasRoot = Number(r.hasRoot) === 1 || r.hasRoot === true;
      const start = BigInt(r.start);
      const end = BigInt(r.end);
      out.push({
        traceId: id,
        rootService: hasRoot ? r.rootService : r.firstService,
        rootName: hasRoot ? r.rootName : r.firstName,
        hasRoot,
        startTimeUnixNano: start,
        durationNanos: end > start ? end - start : 0n,
        spanCount: Number(r.spans),
        errorCount: Number(r.errors),
        orphanCount: orphans.get(id) ?? 0,
        services: rankServices(perTrace.get(id) ?? []),
      });
    }
    return out;
  }

  async getTrace(traceId: TraceId): Promise<readonly Span[] | undefined> {
    if (!(await this.usable()) || !isTraceIdHex(traceId)) return undefined;
    const [range] = await this.rows<{ lo: string; hi: string; n: number | string }>(traceRangeSql(this.t, traceId));
    const bounded = range && Number(range.n) > 0 ? { lo: range.lo, hi: range.hi } : undefined;
    let rows = await this.rows<TraceRow>(traceSpansSql(this.t, traceId, bounded));
    // The lookup table fills through a materialized view: rows inserted elsewhere without it are found unbounded.
    if (rows.length === 0 && bounded) rows = await this.rows<TraceRow>(traceSpansSql(this.t, traceId));
    if (rows.length === 0) return undefined;
    const reader = new RowReader();
    return rows.map((r) => reader.span(r));
  }

  async getLogs(traceId: TraceId): Promise<readonly LogRecord[]> {
    if (!(await this.usable()) || !isTraceIdHex(traceId)) return [];
    const reader = new RowReader();
    return (await this.rows<LogRow>(traceLogsSql(this.t, traceId))).map((r) => reader.log(r));
  }

  async services(): Promise<string[]> {
    if (!(await this.usable())) return [];
    return (await this.rows<{ service: string }>(servicesSql(this.t))).map((r) => r.service);
  }

  async operations(service?: string): Promise<OperationInfo[]> {
    if (!(await this.usable())) return [];
    return (await this.rows<{ service: string; name: string; kind: string }>(operationsSql(this.t, service))).map((r) => ({ service: r.service, name: r.name, spanKind: kindOfWord(r.kind) }));
  }

  async dependencies(fromNanos: bigint, toNanos: bigint): Promise<DependencyLink[]> {
    if (!(await this.usable())) return [];
    const rows = await this.rows<{ parent: string; child: string; calls: number | string; errors: number | string; p95: number | string }>(dependenciesSql(this.t, fromNanos, toNanos));
    return rows.map((r) => ({ parent: r.parent, child: r.child, callCount: Number(r.calls), errorCount: Number(r.errors), p95Nanos: Number(r.p95) }));
  }

  async edgeTraces(parent: string, child: string, fromNanos: bigint, toNanos: bigint, limit: number): Promise<TraceSummary[]> {
    if (!(await this.usable())) return [];
    const ids = (await this.rows<{ TraceId: string }>(edgeTraceIdsSql(this.t, parent, child, fromNanos, toNanos, limit))).map((r) => r.TraceId);
    return (await this.summaries(ids)).sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? 1 : a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 0));
  }

  /**
   * Hotspots over a window, computed in ClickHouse. The critical-path share needs each trace's critical path, which
   * is not computed here: it is null.
   */
  async hotspots(p: HotspotsParams, nowMs: number): Promise<HotspotsResult> {
    const minutes = p.lookbackMinutes ?? 60;
    const toNanos = BigInt(nowMs) * 1_000_000n;
    const span = BigInt(Math.round(minutes * 60_000)) * 1_000_000n;
    const fromNanos = toNanos - span;
    const empty: HotspotsResult = { rows: [], fromMs: nowMs - minutes * 60_000, toMs: nowMs, spans: 0 };
    if (!(await this.usable())) return empty;
    const filter = { ...(p.service !== undefined ? { service: p.service } : {}), ...(p.operation !== undefined ? { operation: p.operation } : {}) };
    type Row = { service: string; name: string; calls: number | string; errors: number | string; q: number[]; total: number | string; self: number | string };
    const [rows, before, [count]] = await Promise.all([
      this.rows<Row>(hotspotsSql(this.t, fromNanos, toNanos, filter, p.limit ?? 50)),
      this.rows<{ service: string; name: string; p95: number }>(p95Sql(this.t, fromNanos - span, fromNanos)),
      this.rows<{ n: number | string }>(windowCountSql(this.t, fromNanos, toNanos)),
    ]);
    const previous = new Map(before.map((r) => [`${r.service}\u0000${r.name}`, r.p95]));
    const micros = (nanos: number | string): number => Number(nanos) / 1000;
    return {
      ...empty,
      spans: Number(count?.n ?? 0),
      rows: rows.map((r) => {
        const p95 = micros(r.q[1] ?? 0);
        const was = previous.get(`${r.service}\u0000${r.name}`);
        return {
          service: r.service,
          operation: r.name,
          count: Number(r.calls),
          errors: Number(r.errors),
          throughput: Number(r.calls) / minutes,
          p50: micros(r.q[0] ?? 0),
          p95,
          p99: micros(r.q[2] ?? 0),
          selfTime: micros(r.self),
          totalTime: micros(r.total),
          criticalPathShare: null,
          trend: was !== undefined && was > 0 ? p95 / micros(was) : null,
        };
      }),
    };
  }

  stats(): StoreStats {
    return { ...this.counts, evictedSpans: 0, location: this.options.location };
  }

  /** The team's data is not TraceLens's to delete: ClickHouse's TTL keeps the tables' size. */
  clear(): Promise<void> {
    return Promise.reject(new Error(`TraceLens does not delete the traces in ClickHouse ${this.options.location} (other tools may read them); the tables' TTL removes old data`));
  }

  onDidChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.ready.catch(() => undefined);
    await this.refreshing?.catch(() => undefined);
    await this.client.close();
  }

  private refreshStats(): Promise<void> {
    if (this.closed || this.problem) return Promise.resolve();
    this.refreshing ??= this.rows<{ spans: number | string; traces: number | string; logs: number | string; bytes: number | string | null }>(statsSql(this.t))
      .then(([r]) => {
        if (r) this.counts = { spanCount: Number(r.spans), traceCount: Number(r.traces), logCount: Number(r.logs), diskBytes: Number(r.bytes ?? 0) };
      })
      .catch((e: unknown) => this.log(`trace store: ClickHouse statistics: ${message(e)}`))
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async rows<T>(sql: Sql): Promise<T[]> {
    const result = await this.client.query({ query: sql.query, query_params: sql.params, format: 'JSONEachRow' });
    return result.json<T>();
  }
}

interface SummaryRow {
  TraceId: string;
  start: string;
  end: string;
  spans: number | string;
  errors: number | string;
  hasRoot: number | boolean;
  rootService: string;
  rootName: string;
  firstService: string;
  firstName: string;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
