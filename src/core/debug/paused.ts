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

/**
 * The stored spans (undefined: none stored yet) merged with the paused processes' (several processes of one trace can
 * be paused at once; the last pause is the newest and names the paused span).
 */
export function mergePaused(stored: readonly Span[] | undefined, pauses: Pause | readonly Pause[]): PausedTrace {
  const list: readonly Pause[] = Array.isArray(pauses) ? pauses : [pauses as Pause];
  const newest = list[list.length - 1]!;
  const have = new Set<SpanId>();
  for (const s of stored ?? []) have.add(s.spanId);
  const extra: Span[] = [];
  const added = new Set<SpanId>();
  for (let i = list.length - 1; i >= 0; i--) {
    for (const s of list[i]!.found.spans) {
      if (have.has(s.spanId)) continue;
      have.add(s.spanId);
      added.add(s.spanId);
      extra.push(s);
    }
  }
  // Running when any paused process says so (it has not ended there); queued otherwise.
  const running = new Set<SpanId>();
  const unexported = new Set<SpanId>();
  for (const p of list) for (const id of p.found.running) if (added.has(id)) running.add(id);
  for (const p of list) for (const id of p.found.unexported) if (added.has(id) && !running.has(id)) unexported.add(id);
  const spans = extra.length === 0 ? (stored ?? []) : [...(stored ?? []), ...extra].sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
  return {
    spans,
    live: {
      pausedSpanId: newest.found.spanId,
      runningSpanIds: [...running],
      unexportedSpanIds: [...unexported],
      pausedAtUnixNano: newest.found.now.toString(),
      sessionName: newest.sessionName,
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
