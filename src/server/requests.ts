// What the trace server answers to each typed request (src/protocol/messages.ts), whoever asks: the LSP endpoint
// (the extension, any LSP client) and the query API's UI route (the standalone page and VS Code panels read through
// the same table, limited to UI_REQUESTS).
import type { ServerRequests } from '../protocol/messages';
import { packTrace } from '../protocol/packedTrace';
import { fromWireQuery, toWireLog, toWireSummary, toWireTrace } from '../core/wire';
import type { TraceServer } from './traceServer';
import type { Span } from '../core/model';
import type { WireLiveState, WireTrace } from '../protocol/wire';
import { nowUnixNanos } from '../core/model';
import type { HotspotsParams, HotspotsResult } from '../protocol/analysis';
import type { AnalysisDeps } from './analysis/insights';
import { propagation, slowCohort, traceInsights } from './analysis/insights';
import { lensEngine } from './lens/service';

const DAY_NANOS = 86_400_000_000_000n;
const EDGE_TRACES_LIMIT = 20;

export type Handler<M extends keyof ServerRequests> = (params: ServerRequests[M]['params']) => Promise<ServerRequests[M]['result']> | ServerRequests[M]['result'];
export type Handlers = { readonly [M in keyof ServerRequests]?: Handler<M> };

/** A time window from optional decimal-string bounds; default: the last 24 hours. */
function window(p: { readonly fromNanos?: string; readonly toNanos?: string }): [bigint, bigint] {
  const to = p.toNanos ? BigInt(p.toNanos) : nowUnixNanos();
  return [p.fromNanos ? BigInt(p.fromNanos) : to - DAY_NANOS, to];
}

/** A trace's wire form, with the paused process's state when a debugger holds one, and the remote it came from. */
function wireTrace(traceId: string, t: { readonly spans: readonly Span[]; readonly live?: WireLiveState; readonly source?: string }, outline = false): WireTrace {
  const wire = toWireTrace(traceId, t.spans, outline);
  return { ...wire, ...(t.live ? { live: t.live } : {}), ...(t.source ? { source: t.source } : {}) };
}

/** A trace: stored here (with a paused debuggee's spans), else from the first remote that has it. */
export async function traceOf(server: TraceServer, traceId: string): Promise<{ readonly spans: readonly Span[]; readonly live?: WireLiveState; readonly source?: string } | undefined> {
  const local = await server.pauses.trace(server, traceId);
  if (local || server.remotes.size === 0) return local;
  return server.remotes.getTrace(traceId);
}

/** What the analyses read: the store, traces with a paused debuggee's spans, and the correlation engine for sources. */
export function analysisDeps(server: TraceServer): AnalysisDeps {
  return {
    store: server.store,
    trace: (traceId) => traceOf(server, traceId),
    source: async (span, traceId) => {
      const engine = lensEngine(server);
      if (!engine) return undefined;
      const logs = (await server.store.getLogs(traceId)).filter((r) => r.spanId === span.spanId);
      return engine.bestSource(span, logs);
    },
    baggagePrefix: server.config.baggagePrefix,
  };
}

/** Hotspots over a window; with the correlation engine running, each row's source (and grouping by location). */
export async function hotspots(server: TraceServer, p: HotspotsParams): Promise<HotspotsResult> {
  const nowMs = Date.now();
  if (!server.hotspots) {
    if (server.store.hotspots) return server.store.hotspots(p, nowMs);
    return { rows: [], fromMs: nowMs - (p.lookbackMinutes ?? 60) * 60_000, toMs: nowMs, spans: 0 };
  }
  const engine = lensEngine(server);
  const locate = engine ? (service: string, operation: string, kind: number) => {
    const at = engine.operationLocation(service, operation, kind);
    return at ? { file: at.path, line: at.line } : undefined;
  } : undefined;
  return server.hotspots.query(p, nowMs, locate);
}

/** The data requests (reads, import, export, clear); receiver control stays with the LSP endpoint. */
export function dataHandlers(server: TraceServer): Handlers {
  return {
    'tracelens/status': () => server.status(),
    'tracelens/findTraces': async (p) => {
      const query = fromWireQuery(p);
      return (await server.remotes.findTraces(await server.store.findTraces(query), query)).map(toWireSummary);
    },
    'tracelens/getTrace': async (p) => {
      const t = await traceOf(server, p.traceId);
      return t ? wireTrace(p.traceId, t) : null;
    },
    'tracelens/getTracePacked': async (p) => {
      const t = await traceOf(server, p.traceId);
      return t ? packTrace(wireTrace(p.traceId, t)) : null;
    },
    'tracelens/getTraceOutline': async (p) => {
      const t = await traceOf(server, p.traceId);
      return t ? packTrace(wireTrace(p.traceId, t, true), true) : null;
    },
    'tracelens/getLogs': async (p) => (await server.store.getLogs(p.traceId)).map(toWireLog),
    'tracelens/services': async () => server.remotes.services(await server.store.services()),
    'tracelens/operations': async (p) => server.remotes.operations(await server.store.operations(p.service), p.service),
    'tracelens/dependencies': async (p) => {
      const [from, to] = window(p);
      return (await server.store.dependencies(from, to)).map((d) => ({ ...d, p95Nanos: String(Math.round(d.p95Nanos)) }));
    },
    'tracelens/edgeTraces': async (p) => {
      const [from, to] = window(p);
      return (await server.store.edgeTraces(p.parent, p.child, from, to, p.limit ?? EDGE_TRACES_LIMIT)).map(toWireSummary);
    },
    'tracelens/export': (p) => server.exportTraces(p),
    'tracelens/hotspots': (p) => hotspots(server, p),
    'tracelens/insights': async (p) => (await traceInsights(analysisDeps(server), p.traceId)) ?? null,
    'tracelens/propagation': async (p) => (await propagation(analysisDeps(server), p)) ?? null,
    'tracelens/slowCohort': (p) => slowCohort(analysisDeps(server), p),
    'tracelens/import': (p) => server.importFiles(p),
    'tracelens/clear': () => server.clear(),
  };
}
