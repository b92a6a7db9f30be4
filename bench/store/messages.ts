// The tasks the store benchmark's driver (bench/store.ts) gives its workers (bench/store/worker.ts, one fresh process
// per task, started with --expose-gc) and what they answer, declared once for both ends.
import type { TraceQuery } from '../../src/core/store/store';

/** The template batches, written by the driver: `dir`/template-N.pb and this manifest. */
export interface TemplateManifest {
  readonly templates: readonly { readonly file: string; readonly spanCount: number }[];
}
export const TEMPLATE_MANIFEST = 'templates.json';

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

export type Task = StoreTask | MapTask | ReopenTask;

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

export type WorkerReply = StoreResult | MapResult | ReopenResult | { readonly kind: 'error'; readonly message: string };
