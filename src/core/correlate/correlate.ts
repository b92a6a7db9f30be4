// Spans -> ranked source candidates.
import type { LogRecord, Resource, Span } from '../model';
import type { SourceIndex } from './sourceIndex';
import type { CorrelateOptions, SourceCandidate } from './types';

export interface SpanInput {
  readonly span: Span;
  readonly resource: Resource;
  /** Log records joined to the span (same traceId and spanId). */
  readonly logs?: readonly LogRecord[];
}

/** Candidates for where the span's code is, best first; empty when nothing maps it. */
export function correlateSpan(input: SpanInput, index: SourceIndex, options?: CorrelateOptions): SourceCandidate[] {
  void input;
  void index;
  void options;
  return [];
}
