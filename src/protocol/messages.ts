// Every message between the trace server and its clients (the extension over LSP, the web UI over HTTP), declared
// once and imported by both ends. Method names are the LSP method strings.
import type { WireTrace, WireTraceSummary } from './wire';

export type ReceiverProtocol = 'otlp-http' | 'otlp-grpc' | 'zipkin' | 'query';

export interface ReceiverStatus {
  readonly protocol: ReceiverProtocol;
  /** What the user reads: "OTLP/HTTP", "OTLP/gRPC", "Zipkin", "Query API". */
  readonly label: string;
  /** host:port as configured. */
  readonly address: string;
  readonly state: 'listening' | 'stopped' | 'failed' | 'disabled';
  /** Why it failed, and what to do. */
  readonly error?: string;
  /** The endpoint an exporter should use, e.g. http://127.0.0.1:4318. */
  readonly endpoint?: string;
}

export interface ServerStatus {
  readonly version: string;
  readonly pid: number;
  readonly receivers: readonly ReceiverStatus[];
  readonly spanCount: number;
  readonly traceCount: number;
  /** Spans accepted since start (before retention), and spans rejected as invalid or refused (queue full). */
  readonly acceptedSpans: number;
  readonly rejectedSpans: number;
  readonly refusedSpans: number;
  readonly queuedSpans: number;
}

export interface FindTracesParams {
  readonly service?: string;
  readonly operation?: string;
  readonly errorsOnly?: boolean;
  readonly limit?: number;
}

export interface GetTraceParams {
  readonly traceId: string;
}

export interface ReceiversParams {
  readonly action: 'start' | 'stop';
}

/** Requests from a client to the server: method -> params and result. */
export interface ServerRequests {
  'tracelens/findTraces': { params: FindTracesParams; result: WireTraceSummary[] };
  'tracelens/getTrace': { params: GetTraceParams; result: WireTrace | null };
  'tracelens/status': { params: Record<string, never>; result: ServerStatus };
  'tracelens/clear': { params: Record<string, never>; result: ServerStatus };
  'tracelens/receivers': { params: ReceiversParams; result: ServerStatus };
}

export interface TracesChangedEvent {
  /** Traces that are new or have new spans since the last event (at most 500; `more` says there were more). */
  readonly traceIds: readonly string[];
  readonly more: boolean;
  readonly cleared: boolean;
  readonly status: ServerStatus;
}

/** Notifications from the server to its clients: method -> params. Throttled by the server. */
export interface ServerNotifications {
  'tracelens/tracesChanged': TracesChangedEvent;
  'tracelens/statusChanged': ServerStatus;
}

export type ServerRequestMethod = keyof ServerRequests;
export type ServerNotificationMethod = keyof ServerNotifications;
