// A trace as it stands while a debugger holds one of its processes paused: the stored spans, plus what the paused
// process still holds (running spans, ended ones not exported yet). A stored span wins over the process's copy: it is
// final. Pure.
import type { Span, SpanId } from '../model';
import { serviceName } from '../model';
import type { PausedChainSpan } from '../../protocol/messages';
import type { WireLiveState } from '../../protocol/wire';
import type { PausedSpans } from './probe';

/** One paused debug session's view of its trace. */
export interface Pause {
  readonly sessionId: string;
  readonly sessionName: string;
  readonly found: Extract<PausedSpans, { kind: 'span' }>;
}

export interface PausedTrace {
  /** Earliest start first, as the store returns traces. */
  readonly spans: readonly Span[];
  readonly live: WireLiveState;
}

/** The stored spans (undefined: none stored yet) merged with the pause's. */
export function mergePaused(stored: readonly Span[] | undefined, pause: Pause): PausedTrace {
  const have = new Set<SpanId>();
  for (const s of stored ?? []) have.add(s.spanId);
  const extra = pause.found.spans.filter((s) => !have.has(s.spanId));
  const spans = extra.length === 0 ? (stored ?? []) : [...(stored ?? []), ...extra].sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
  const added = new Set(extra.map((s) => s.spanId));
  return {
    spans,
    live: {
      pausedSpanId: pause.found.spanId,
      runningSpanIds: [...pause.found.running].filter((id) => added.has(id)),
      unexportedSpanIds: [...pause.found.unexported].filter((id) => added.has(id)),
      pausedAtUnixNano: pause.found.now.toString(),
      sessionName: pause.sessionName,
    },
  };
}

/** The paused span and its ancestors as far as the merged trace knows them, innermost first (at most 64). */
export function pausedChain(trace: PausedTrace): PausedChainSpan[] {
  const byId = new Map<SpanId, Span>();
  for (const s of trace.spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const running = new Set(trace.live.runningSpanIds);
  const chain: PausedChainSpan[] = [];
  const seen = new Set<SpanId>();
  for (let s = byId.get(trace.live.pausedSpanId); s && !seen.has(s.spanId) && chain.length < 64; s = byId.get(s.parentSpanId)) {
    seen.add(s.spanId);
    chain.push({
      spanId: s.spanId,
      name: s.name,
      service: serviceName(s),
      running: running.has(s.spanId),
      durationNanos: String(s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano - s.startTimeUnixNano : 0n),
    });
  }
  return chain;
}
