// Every message between the trace server and its clients (the extension over LSP, the web UI over HTTP), declared
// once and imported by both ends. Method names are the LSP method strings.
import type { HotspotsParams, HotspotsResult, InsightsParams, InsightsResult, PropagationParams, PropagationResult, SlowCohortParams, SlowCohortResult } from './analysis';
import type { PackedTrace } from './packedTrace';
import type { WireLogRecord, WireTrace, WireTraceSummary } from './wire';

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
  /** When its port was taken: the program that holds it, as far as it could be told. */
  readonly holder?: PortHolder;
}

/** Who holds a port TraceLens wanted (src/server/machine/portHolder.ts). */
export interface PortHolder {
  /** What it is, for people: "TraceLens 0.1.0", "a Jaeger query API", "an OTLP receiver (OpenTelemetry Collector?)". */
  readonly what: string;
  /** The process, when the system tells (Linux: /proc): its name and id. */
  readonly process?: { readonly name: string; readonly pid: number };
  /** Its Jaeger-compatible query API, when it speaks one (it can be read from instead). */
  readonly jaegerApi?: string;
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
  readonly store: StoreStatus;
  /** Which process on this machine holds the ports and the store, and this process's part. */
  readonly machine?: MachineStatus;
  /** The team's backends searched beside the store (--remote, tracelens.remotes). */
  readonly remotes?: readonly RemoteStatus[];
  /** Forwarding to a team's collector, when configured. */
  readonly forward?: ForwardStatus;
}

/** Forwarding to a team's collector (--forward, tracelens.forward). */
export interface ForwardStatus {
  readonly url: string;
  /** retrying: the upstream refused or did not answer; the batches wait in the store's log. */
  readonly state: 'starting' | 'ok' | 'retrying';
  /** Batches the upstream acknowledged (since forwarding to it began). */
  readonly sentBatches: number;
  /** Bytes of the store's log not sent yet. */
  readonly backlogBytes: number;
  readonly lastError?: string;
  /** When the next attempt is, ms since the epoch (while retrying). */
  readonly retryAtMs?: number;
}

export interface RemoteStatus {
  readonly name: string;
  readonly url: string;
  /** unknown: not asked yet; slow: the last call timed out; down: it failed. */
  readonly state: 'unknown' | 'ok' | 'slow' | 'down';
  readonly error?: string;
  /** How long its last answer took. */
  readonly millis?: number;
}

/**
 * One receiver per machine: the first TraceLens process (an editor's trace server or `tracelens serve`) owns the
 * ports and the store; every later one is attached to it (forwards every request, follows its live feed) and takes
 * over when it goes (src/server/machine).
 */
export interface MachineStatus {
  readonly role: 'owner' | 'attached';
  /** The process that holds the receivers and the store. */
  readonly owner: ServerIdentity;
  /** The process the client talks to (the owner itself, or the attached one). */
  readonly self: { readonly pid: number; readonly version: string };
  /** Times this process took the ports and store over from an owner that went away (or handed them over). */
  readonly takeovers: number;
  /** Owner and this process differ in version: what that means and what to do. */
  readonly skew?: { readonly message: string; readonly canTakeOver: boolean };
}

/** What GET /api/tracelens/health answers on every TraceLens listener: who is there. */
export interface ServerIdentity {
  readonly name: 'tracelens';
  readonly version: string;
  /** The version of the requests between TraceLens processes; attaching needs the same one. */
  readonly protocol: number;
  readonly pid: number;
  /** The query API's base URL (loopback), where peers send requests. */
  readonly queryUrl: string;
  /** The store's folder (null: in memory); only told to this machine (loopback). */
  readonly dataDir?: string | null;
  /** The receivers' bound addresses (host:port), by protocol: a process taking over listens on the same ones. */
  readonly listeners: Readonly<Partial<Record<ReceiverProtocol, string>>>;
}

export interface StoreStatus {
  /** The store's folder, or 'memory'. */
  readonly location: string;
  /** False while the store opens (reads its indexes, recovers from a crash); exports wait meanwhile. */
  readonly ready: boolean;
  readonly diskBytes: number;
  readonly logCount: number;
  /** Spans dropped by retention since the server started. */
  readonly evictedSpans: number;
  /** Why the store is not where it was asked to be (e.g. its folder is locked by another window), and what to do. */
  readonly warning?: string;
}

/** A search: a trace matches when one of its spans meets every condition (Jaeger's semantics). */
export interface FindTracesParams {
  readonly service?: string;
  readonly operation?: string;
  /** @opentelemetry/api SpanKind: INTERNAL 0, SERVER 1, CLIENT 2, PRODUCER 3, CONSUMER 4. */
  readonly spanKind?: number;
  readonly attributes?: readonly WireAttributeFilter[];
  /** Nanoseconds, as decimal strings. */
  readonly minDurationNanos?: string;
  readonly maxDurationNanos?: string;
  /** Span start window, Unix nanoseconds as decimal strings. */
  readonly startFromNanos?: string;
  readonly startToNanos?: string;
  readonly errorsOnly?: boolean;
  readonly limit?: number;
}

export interface WireAttributeFilter {
  readonly key: string;
  readonly op: 'exists' | '=' | '!=' | '<' | '<=' | '>' | '>=';
  readonly value?: string | number;
}

export interface WireOperation {
  readonly service: string;
  readonly name: string;
  readonly spanKind: number;
}

export interface WireDependency {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
  readonly errorCount: number;
  /** 95th percentile of the child spans' durations on this edge, nanoseconds as a decimal string. */
  readonly p95Nanos: string;
}

/** The traces that contain a call from one service to another (a dependency graph edge), newest first. */
export interface EdgeTracesParams {
  readonly parent: string;
  readonly child: string;
  readonly fromNanos?: string;
  readonly toNanos?: string;
  readonly limit?: number;
}

/** Where a span's source is, as the correlation engine sees it (src/core/correlate). Lines and columns are 1-based. */
export interface WireSourceCandidate {
  /** A file: URI. */
  readonly uri: string;
  readonly line: number;
  readonly column?: number;
  readonly functionName?: string;
  /** 0..1: how sure the engine is. */
  readonly confidence: number;
  /** Inside a workspace folder: opened without asking. Outside: the client asks first. */
  readonly inWorkspace: boolean;
  /** What it is based on, for display, e.g. { kind: 'code.attributes', detail: 'code.file.path=/app/src/x.ts' }. */
  readonly evidence: readonly { readonly kind: string; readonly detail: string }[];
}

export interface SpanSourceParams {
  readonly traceId: string;
  readonly spanId: string;
}

export interface SpanSourceResult {
  /** Best first; empty when nothing maps the span to a file. */
  readonly candidates: readonly WireSourceCandidate[];
}

/** A place in a file: a file: URI and a 1-based line. */
export interface LocationParams {
  readonly uri: string;
  readonly line: number;
}

/** One span that ran the code at a location, with its trace: what a lens click and "Find spans" list. */
export interface LocationSpan {
  readonly trace: WireTraceSummary;
  readonly spanId: string;
  readonly spanName: string;
  readonly service: string;
  readonly durationNanos: string;
  readonly error: boolean;
}

export interface LocationSpansResult {
  /** The function or line the spans map to (the enclosing one when the cursor is inside a function). */
  readonly location?: { readonly uri: string; readonly line: number; readonly functionName?: string };
  /** Slowest first. */
  readonly spans: readonly LocationSpan[];
}

export interface FileHeatResult {
  /** Lines (1-based) that spans map to and that are slow or failing in the recent window, or whose code the analyses
   * found a problem in ('finding': an N+1, an error origin, ...). */
  readonly lines: readonly { readonly line: number; readonly kind: 'hot' | 'failing' | 'finding'; readonly message: string }[];
}

/**
 * The code-lens settings, sent as initializationOptions.lens and again with the tracelens/configure notification
 * when they change.
 */
export interface LensSettings {
  readonly enabled: boolean;
  /** The recent window the lenses summarise; the trend compares it with the window before. */
  readonly windowMinutes: number;
  readonly diagnostics: { readonly enabled: boolean; readonly errorRate: number; readonly p95Millis: number };
  /** Prefix mappings tried before the longest-common-suffix match, e.g. { from: '/app', to: '${workspaceFolder}' }. */
  readonly pathMappings: readonly { readonly from: string; readonly to: string }[];
}

/** A code lens as the trace server computes it: the 1-based line it sits on and its text (its command is SHOW_LOCATION_SPANS_COMMAND with [{uri, line}]). */
export interface WireCodeLens {
  readonly line: number;
  readonly title: string;
  /** A finding's lens opens its trace at this span (the command is OPEN_TRACE_COMMAND with [{traceId, spanId}]). */
  readonly open?: { readonly traceId: string; readonly spanId: string };
}

/**
 * What an LSP endpoint tells the lens engine of the process that holds the store (itself, or the `serve` process an
 * attached `tracelens lsp` forwards to): workspace folders (paths), the text of open documents (unsaved edits count),
 * closed documents, files changed on disk, and the lens settings.
 */
export interface LensSyncParams {
  readonly roots?: readonly string[];
  readonly documents?: readonly { readonly uri: string; readonly text: string }[];
  readonly closed?: readonly string[];
  readonly changedFiles?: readonly { readonly uri: string; readonly deleted: boolean }[];
  readonly settings?: LensSettings;
}

export interface LensState {
  /** Bumped whenever any lens changes. */
  readonly generation: number;
  /** Still reading stored spans or decoding exemplars. */
  readonly busy: boolean;
}

export type ExportFormat = 'otlp-jsonl' | 'jaeger-json';

export interface ExportParams {
  readonly traceIds: readonly string[];
  readonly format: ExportFormat;
}

export interface ExportResult {
  readonly text: string;
  readonly traces: number;
  readonly spans: number;
  /** Asked for but not stored (dropped by retention, or never received). */
  readonly missing: readonly string[];
}

export interface ImportParams {
  readonly files: readonly { readonly name: string; readonly text: string }[];
}

export interface ImportResult {
  readonly files: readonly { readonly name: string; readonly traces: number; readonly spans: number }[];
  readonly traceIds: readonly string[];
}

export interface GetTraceParams {
  readonly traceId: string;
}

export interface ReceiversParams {
  readonly action: 'start' | 'stop';
}

/**
 * A debug session whose processes export to the server (src/core/debug/sessions.ts says which spans are its own).
 * `id` is the tag the extension put in the processes' resource (tracelens.debug.session) at launch.
 */
export interface WireDebugSession {
  readonly id: string;
  readonly name: string;
  /** OTEL_SERVICE_NAME the launch got (from the configuration's name), when the user set none. */
  readonly serviceName?: string;
  /** Unix nanoseconds as decimal strings; no end while the session runs. */
  readonly startNanos: string;
  readonly endNanos?: string;
  /** Process ids the debug adapters reported for the session's processes. */
  readonly pids: readonly number[];
}

export interface SessionTracesParams {
  readonly session: WireDebugSession;
  readonly limit?: number;
}

/** A debuggee paused: what the active-span probe (src/core/debug/probe.ts) evaluated to in the paused frame. */
export interface DebugPausedParams {
  /** Any id that stays the same for the paused debug session (the extension sends the DAP session's). */
  readonly sessionId: string;
  readonly sessionName: string;
  /** The probe's JSON text. */
  readonly probe: string;
  /**
   * How long the debuggee had been paused when the probe was sent, ms, by the client's clock (a duration: the two
   * clocks need not agree). Running spans end at the pause, not at the probe's own later time.
   */
  readonly pausedForMs?: number;
}

/** A span of the paused span's ancestry, innermost first. */
export interface PausedChainSpan {
  readonly spanId: string;
  readonly name: string;
  readonly service: string;
  /** Still running (not ended when the debuggee paused). */
  readonly running: boolean;
  /** Nanoseconds so far (running) or in all (ended), as a decimal string. */
  readonly durationNanos: string;
}

export type DebugPausedResult =
  | {
      readonly status: 'span';
      readonly traceId: string;
      readonly spanId: string;
      /** The paused span and its ancestors as far as they are known, innermost first. */
      readonly chain: readonly PausedChainSpan[];
      /** Spans of the trace: stored, plus the ones the process still holds (running or not exported yet). */
      readonly spans: number;
      readonly running: number;
      readonly unexported: number;
    }
  | { readonly status: 'no-otel' | 'no-span'; readonly message: string };

/** Requests from a client to the server: method -> params and result. */
export interface ServerRequests {
  'tracelens/findTraces': { params: FindTracesParams; result: WireTraceSummary[] };
  'tracelens/getTrace': { params: GetTraceParams; result: WireTrace | null };
  /** The same trace packed for the UI (src/protocol/packedTrace.ts): smaller and faster to parse. */
  'tracelens/getTracePacked': { params: GetTraceParams; result: PackedTrace | null };
  /** The trace's outline (no attributes, events or links): what the waterfall needs to paint first. */
  'tracelens/getTraceOutline': { params: GetTraceParams; result: PackedTrace | null };
  'tracelens/getLogs': { params: GetTraceParams; result: WireLogRecord[] };
  'tracelens/services': { params: Record<string, never>; result: string[] };
  'tracelens/operations': { params: { readonly service?: string }; result: WireOperation[] };
  /** Window in Unix nanoseconds as decimal strings; default: the last 24 hours. */
  'tracelens/dependencies': { params: { readonly fromNanos?: string; readonly toNanos?: string }; result: WireDependency[] };
  'tracelens/edgeTraces': { params: EdgeTracesParams; result: WireTraceSummary[] };
  /** Source locations of one span (correlation engine). */
  'tracelens/spanSource': { params: SpanSourceParams; result: SpanSourceResult };
  /** The spans that ran the function (or line) at a location, slowest first: lens clicks and "Find spans for this function". */
  'tracelens/locationSpans': { params: LocationParams & { readonly limit?: number }; result: LocationSpansResult };
  /** Hot and failing lines of a file, for gutter decorations. */
  'tracelens/fileHeat': { params: { readonly uri: string }; result: FileHeatResult };
  /** The lens engine's workspace, documents and settings (see LensSyncParams). */
  'tracelens/lensSync': { params: LensSyncParams; result: LensState };
  'tracelens/lensState': { params: Record<string, never>; result: LensState };
  /** A file's code lenses (precomputed). */
  'tracelens/codeLenses': { params: { readonly uri: string }; result: WireCodeLens[] };
  /** The hover of a lensed line, as markdown; null elsewhere. */
  'tracelens/lensHover': { params: LocationParams; result: { readonly markdown: string } | null };
  'tracelens/export': { params: ExportParams; result: ExportResult };
  /** Findings in one trace (src/core/analysis), most severe first; null when the trace is not stored. */
  'tracelens/insights': { params: InsightsParams; result: InsightsResult | null };
  /** Per operation (or source location) over a window: what costs most overall. */
  'tracelens/hotspots': { params: HotspotsParams; result: HotspotsResult };
  /** Service hops with baggage, and where context was lost, for one trace or a window; null for a trace not stored. */
  'tracelens/propagation': { params: PropagationParams; result: PropagationResult | null };
  /** Slow traces against the rest: the attribute values and operations over-represented among the slow ones. */
  'tracelens/slowCohort': { params: SlowCohortParams; result: SlowCohortResult };
  /** The traces of a debug session's processes, newest first. */
  'tracelens/sessionTraces': { params: SessionTracesParams; result: WireTraceSummary[] };
  /** A debuggee paused in a traced frame: its unexported spans join the trace until debugResumed (or a new pause). */
  'tracelens/debugPaused': { params: DebugPausedParams; result: DebugPausedResult };
  'tracelens/debugResumed': { params: { readonly sessionId: string }; result: null };
  /** All or nothing: a bad file fails the request (its message names the file, line and field) and nothing is stored. */
  'tracelens/import': { params: ImportParams; result: ImportResult };
  'tracelens/status': { params: Record<string, never>; result: ServerStatus };
  'tracelens/clear': { params: Record<string, never>; result: ServerStatus };
  'tracelens/receivers': { params: ReceiversParams; result: ServerStatus };
  /** An attached process asks to own the ports and store (the user chose to, e.g. it is newer); answers its status. */
  'tracelens/takeOver': { params: Record<string, never>; result: ServerStatus };
  /** Peer to owner: release the ports and the store for the asking process, then attach to it. */
  'tracelens/handOver': { params: { readonly to: number }; result: { readonly releasing: boolean } };
}

export interface TracesChangedEvent {
  /** Traces that are new or have new spans since the last event (at most 500; `more` says there were more). */
  readonly traceIds: readonly string[];
  readonly more: boolean;
  readonly cleared: boolean;
  readonly status: ServerStatus;
}

/** The query API's WebSocket live feed (the web UI): the same throttled notifications as over LSP, one per message. */
export const LIVE_PATH = '/api/tracelens/live';

/** Every TraceLens listener (query API, OTLP/HTTP, Zipkin) answers GET here with its ServerIdentity. */
export const HEALTH_PATH = '/api/tracelens/health';

export type LiveMessage =
  | { readonly method: 'tracelens/tracesChanged'; readonly params: TracesChangedEvent }
  /** The owner is about to close its listeners for this process to take them (attached processes hold back). */
  | { readonly method: 'tracelens/handingOver'; readonly params: { readonly to: number } };

/** Notifications from the server to its clients: method -> params. Throttled by the server. */
export interface ServerNotifications {
  'tracelens/tracesChanged': TracesChangedEvent;
  'tracelens/statusChanged': ServerStatus;
}

/** Notifications from a client to the server. */
export interface ClientNotifications {
  'tracelens/configure': { readonly lens: LensSettings };
}

/** The command a code lens runs (registered by the extension; other editors map it to a client-side action). */
export const SHOW_LOCATION_SPANS_COMMAND = 'tracelens.showLocationSpans';

export type ServerRequestMethod = keyof ServerRequests;
export type ServerNotificationMethod = keyof ServerNotifications;
