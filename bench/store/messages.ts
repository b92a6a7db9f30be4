// The tasks the store benchmark's driver (bench/store.ts) gives its workers (bench/store/worker.ts, one fresh process
// per task, started with --expose-gc) and what they answer, declared once for both ends.
import type { TraceQuery } from '../../src/core/store/store';
import type { TraceSummary } from '../../src/core/trace';

/** The template batches, written by the driver: `dir`/template-N.pb and this manifest. */
export interface TemplateManifest {
  readonly templates: readonly { readonly file: string; readonly spanCount: number }[];
}
export const TEMPLATE_MANIFEST = 'templates.json';

/** Runs of each step of a ClickHouse search timed apart (ClickHouseResult.steps). */
export const STEP_REPETITIONS = 5;

/** Memory of the worker after a forced GC, less its own baseline before the work (bytes). */
export interface MemoryDelta {
  readonly rss: number;
  /** heapUsed + arrayBuffers: the live JavaScript objects and typed arrays. */
  readonly heapAndBuffers: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
}

/** Fill a store on disk with `checkpoints.at(-1)` spans, measuring at each checkpoint; optionally search it after. */
export interface StoreTask {
  readonly kind: 'store';
  readonly templateDir: string;
  readonly seed: number;
  readonly dir: string;
  readonly checkpoints: readonly number[];
  /** Batches per append() call, as the ingest queue groups the exports waiting. */
  readonly group: number;
  /** Search the store (and the naive scan) once it is full, each query this many times. */
  readonly searchRepetitions: number;
  /** Send back the traces each search returned (to compare with another store's). */
  readonly keepTraceIds?: boolean;
}

/** The plain reference: the same decoded spans in a Map<traceId, Span[]>. */
export interface MapTask {
  readonly kind: 'map';
  readonly templateDir: string;
  readonly seed: number;
  readonly spans: number;
}

/** Reopen a store folder, timed against reading every file of it. */
export interface ReopenTask {
  readonly kind: 'reopen';
  readonly dir: string;
  readonly rounds: number;
}

/**
 * Fill a ClickHouseStore on chDB (ClickHouse in the worker's process, its data in `dir`) with the same batches as a
 * StoreTask, `group` per append, then run the same searches (--store clickhouse).
 */
export interface ClickHouseTask {
  readonly kind: 'clickhouse';
  readonly templateDir: string;
  readonly seed: number;
  readonly dir: string;
  readonly spans: number;
  readonly group: number;
  readonly searchRepetitions: number;
  /** Longest wait for ClickHouse's background merges to finish before the searches (seconds). */
  readonly mergeWaitSeconds: number;
}

export type Task = StoreTask | MapTask | ReopenTask | ClickHouseTask;

export interface Checkpoint {
  readonly spans: number;
  readonly traces: number;
  readonly batches: number;
  readonly memory: MemoryDelta;
  /** store.indexBytes(): the index's own estimate. */
  readonly indexBytes: number;
  /** stats().diskBytes */
  readonly diskBytes: number;
  /** The protobuf bodies as sent (what an OTLP exporter puts on the wire), summed. */
  readonly wireBytes: number;
  /** Seconds from the first append to this checkpoint, making the batches included. */
  readonly fillSeconds: number;
  /** Peak resident set of the worker so far (bytes). */
  readonly maxRss: number;
}

export interface QueryResult {
  readonly name: string;
  readonly query: TraceQuery;
  /** Spans (of all) that meet the query's span conditions, and traces with at least one. */
  readonly matchingSpans: number;
  readonly matchingTraces: number;
  /** The store: the first call (nothing cached), then every repetition. */
  readonly storeColdMs: number;
  readonly storeMs: readonly number[];
  readonly naiveMs: readonly number[];
  /** Traces returned by each; and whether the store's are the naive scan's (same ids, same order). */
  readonly storeCount: number;
  readonly naiveCount: number;
  readonly agree: boolean;
  /** The store's answer (last repetition), when the task asked for it (keepTraceIds). */
  readonly summaries?: readonly TraceSummary[];
}

export interface StoreResult {
  readonly kind: 'store';
  readonly baseline: { readonly rss: number; readonly heapAndBuffers: number };
  readonly checkpoints: readonly Checkpoint[];
  readonly queries: readonly QueryResult[];
  /** Seconds to decode the naive scan's spans again (search only). */
  readonly naiveLoadSeconds: number;
}

export interface MapResult {
  readonly kind: 'map';
  readonly spans: number;
  readonly traces: number;
  readonly memory: MemoryDelta;
  readonly fillSeconds: number;
}

export interface ReopenResult {
  readonly kind: 'reopen';
  readonly files: number;
  readonly fileBytes: number;
  /** Every file of the folder read with fs.readFile, one after the other, per round. */
  readonly readAllMs: readonly number[];
  /** new EmbeddedStore({dir}) + whenReady(), per round (the store closed between rounds). */
  readonly reopenMs: readonly number[];
  readonly spans: number;
  readonly traces: number;
  /** Memory of the first reopened store (before it was closed), and the worker's peak RSS during the rounds. */
  readonly memory: MemoryDelta;
  readonly maxRss: number;
  readonly baselineRss: number;
}

/** One search of the ClickHouse store: timings and the traces it returned (compared with the embedded store's). */
export interface ClickHouseQueryResult {
  readonly name: string;
  readonly query: TraceQuery;
  readonly storeColdMs: number;
  readonly storeMs: readonly number[];
  readonly storeCount: number;
  /** The answer of the last repetition. */
  readonly summaries: readonly TraceSummary[];
}

/** Active parts of one table after the fill (system.parts). */
export interface ClickHousePart {
  readonly table: string;
  readonly parts: number;
  readonly rows: number;
  readonly bytesOnDisk: number;
  readonly uncompressedBytes: number;
}

export interface ClickHouseResult {
  readonly kind: 'clickhouse';
  /** Spans appended, in how many batches and append() calls, and their protobuf bytes. */
  readonly spans: number;
  readonly batches: number;
  readonly appends: number;
  readonly wireBytes: number;
  /** Seconds from the first append until the last one resolved, making the batches included (as Checkpoint's). */
  readonly fillSeconds: number;
  /** Seconds waited after the fill for the background merges, and whether they had finished. */
  readonly mergeSeconds: number;
  readonly merged: boolean;
  /** store.stats() after its refresh: rows in the traces table, traces (uniq, approximate), bytes of the parts. */
  readonly storedSpans: number;
  readonly traces: number;
  readonly diskBytes: number;
  readonly tables: readonly ClickHousePart[];
  /** Peak resident set of the worker, ClickHouse included (bytes). */
  readonly maxRss: number;
  readonly queries: readonly ClickHouseQueryResult[];
  /** Per search, medians of its two steps timed apart: the trace-id query, then the summaries of the ids found. */
  readonly steps: readonly { readonly name: string; readonly idsMs: number; readonly summariesMs: number }[];
  /** The store's warning after the run, if any. */
  readonly warning?: string;
}

export type WorkerReply = StoreResult | MapResult | ReopenResult | ClickHouseResult | { readonly kind: 'error'; readonly message: string };
