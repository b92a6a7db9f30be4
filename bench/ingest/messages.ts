// The messages between the benchmark's driver (bench/ingest.ts) and its load generator (bench/ingest/load.ts),
// declared once for both ends; plus the names both use for protocols and payload files.

export type Protocol = 'protobuf' | 'json' | 'grpc';
export const PROTOCOLS: readonly Protocol[] = ['protobuf', 'json', 'grpc'];

/** Where a receiver listens: OTLP/HTTP (protobuf and JSON) and OTLP/gRPC. */
export interface Target {
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
}

/** Keep as many requests in flight as `concurrency` for warmupMs + durationMs; count what is acknowledged. */
export interface ThroughputRun {
  readonly kind: 'throughput';
  readonly id: number;
  readonly protocol: Protocol;
  readonly target: Target;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** One export at a time: `exports` timed exports after `warmupExports` untimed ones. */
export interface LatencyRun {
  readonly kind: 'latency';
  readonly id: number;
  readonly protocol: Protocol;
  readonly target: Target;
  readonly warmupExports: number;
  readonly exports: number;
}

export type LoadCommand = ThroughputRun | LatencyRun | { readonly kind: 'exit' };

export interface RunResult {
  readonly kind: 'result';
  readonly id: number;
  /** Spans in exports acknowledged (HTTP 200 / gRPC OK) during the whole run, warm-up and tail included. */
  readonly ackedSpans: number;
  readonly ackedRequests: number;
  /** Spans acknowledged inside the measurement window, and the window's length. */
  readonly windowSpans: number;
  readonly windowMs: number;
  /** Exports not acknowledged (any other status, or an error), with the first few reasons. */
  readonly failures: number;
  readonly failureReasons: readonly string[];
  /** LatencyRun only: milliseconds from sending each export to its complete response. */
  readonly latenciesMs: readonly number[];
}

export type LoadReply = { readonly kind: 'ready' } | RunResult | { readonly kind: 'error'; readonly id: number; readonly message: string };

/** The payload files the driver writes and the load generator reads, in `dir`. */
export interface PayloadManifest {
  readonly batches: readonly { readonly spanCount: number; readonly protobuf: string; readonly json: string; readonly traceIds: readonly string[] }[];
}

export const MANIFEST_FILE = 'manifest.json';
