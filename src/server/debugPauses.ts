// Debug sessions on the server: the paused processes' spans (src/core/debug/paused.ts) that join their traces until
// the debuggee resumes, and the traces of a session (src/core/debug/sessions.ts). Clients (the extension, any editor
// with a debugger) report pauses with tracelens/debugPaused; the trace requests then answer the merged trace.
import type { Span } from '../core/model';
import type { Pause, PausedTrace } from '../core/debug/paused';
import { mergePaused, pausedChain } from '../core/debug/paused';
import { atPause, parsePausedSpans } from '../core/debug/probe';
import { mergeSummaries, sessionQueries } from '../core/debug/sessions';
import { fromWireQuery, toWireSummary } from '../core/wire';
import type { Handlers } from './requests';
import type { TraceServer } from './traceServer';

/** Paused sessions remembered at once; the oldest goes first. */
const MAX_PAUSES = 32;
const SESSION_TRACES_LIMIT = 500;

export class DebugPauses {
  /** Insertion order: the newest pause last. */
  private readonly bySession = new Map<string, Pause>();

  constructor(private readonly touch: (traceIds: Iterable<string>) => void) {}

  set(pause: Pause): void {
    const old = this.bySession.get(pause.sessionId);
    this.bySession.delete(pause.sessionId);
    this.bySession.set(pause.sessionId, pause);
    for (const id of this.bySession.keys()) {
      if (this.bySession.size <= MAX_PAUSES) break;
      this.bySession.delete(id);
    }
    this.touch(old && old.found.traceId !== pause.found.traceId ? [old.found.traceId, pause.found.traceId] : [pause.found.traceId]);
  }

  clear(sessionId: string): void {
    const old = this.bySession.get(sessionId);
    if (!old) return;
    this.bySession.delete(sessionId);
    this.touch([old.found.traceId]);
  }

  /** The pauses in this trace, oldest first. */
  forTrace(traceId: string): Pause[] {
    return [...this.bySession.values()].filter((p) => p.found.traceId === traceId);
  }

  /** The trace's stored spans, with a paused process's own merged in; undefined when there are neither. */
  async trace(server: TraceServer, traceId: string): Promise<{ readonly spans: readonly Span[]; readonly live?: PausedTrace['live'] } | undefined> {
    const stored = await server.store.getTrace(traceId);
    const pause = this.forTrace(traceId);
    if (pause.length === 0) return stored && { spans: stored };
    // A pause in a span the process does not record (sampled out, or a remote parent only) adds no span: a trace
    // that is stored nowhere stays unknown rather than an empty trace.
    const merged = mergePaused(stored, pause);
    return merged.spans.length > 0 ? merged : undefined;
  }
}

const NO_SPAN_MESSAGE = 'No span is active in the paused frame: pause inside a function that runs in a span (a request handler, a startActiveSpan callback).';
const NO_OTEL_MESSAGE = 'The paused process has no OpenTelemetry API loaded (@opentelemetry/api registers a global when the SDK starts).';

/** tracelens/debugPaused, debugResumed and sessionTraces. */
export function debugHandlers(server: TraceServer): Handlers {
  return {
    'tracelens/debugPaused': async (p) => {
      if (typeof p?.sessionId !== 'string' || typeof p.probe !== 'string') throw new TypeError('tracelens/debugPaused needs a sessionId and the probe text as strings');
      const parsed = parsePausedSpans(p.probe);
      // At most an hour back: a client's number is a hint about its own clock, not something to trust blindly.
      const pausedFor = typeof p.pausedForMs === 'number' && Number.isFinite(p.pausedForMs) ? Math.min(Math.max(0, p.pausedForMs), 3_600_000) : 0;
      const found = parsed.kind === 'span' ? atPause(parsed, BigInt(Math.round(pausedFor)) * 1_000_000n) : parsed;
      if (found.kind === 'no-otel') {
        server.pauses.clear(p.sessionId);
        return { status: 'no-otel', message: NO_OTEL_MESSAGE };
      }
      if (found.kind === 'no-span') {
        server.pauses.clear(p.sessionId);
        return { status: 'no-span', message: NO_SPAN_MESSAGE };
      }
      const pause: Pause = { sessionId: p.sessionId, sessionName: String(p.sessionName ?? '').slice(0, 200), found };
      server.pauses.set(pause);
      // The trace as its views now read it (other paused processes of the trace count; this pause is the newest, so
      // it names the paused span). Nothing when the paused span is not recorded and nothing of the trace is stored.
      const merged = await server.pauses.trace(server, found.traceId);
      const live = merged?.live;
      return {
        status: 'span',
        traceId: found.traceId,
        spanId: found.spanId,
        chain: merged && live ? pausedChain({ spans: merged.spans, live }) : [],
        spans: merged?.spans.length ?? 0,
        running: live?.runningSpanIds.length ?? 0,
        unexported: live?.unexportedSpanIds.length ?? 0,
      };
    },
    'tracelens/debugResumed': (p) => {
      server.pauses.clear(p.sessionId);
      return null;
    },
    'tracelens/sessionTraces': async (p) => {
      const limit = typeof p.limit === 'number' && Number.isFinite(p.limit) ? Math.min(Math.max(1, Math.floor(p.limit)), SESSION_TRACES_LIMIT) : SESSION_TRACES_LIMIT;
      const lists = await Promise.all(sessionQueries(p.session, limit).map(async (q) => (await server.store.findTraces(fromWireQuery(q))).map(toWireSummary)));
      return mergeSummaries(lists, limit);
    },
  };
}
