// One export request, whatever the protocol: count what the decoder rejected, queue the rest, and say how it went.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { DecodedBatch } from '../../core/model';
import type { IngestQueue } from '../ingest';
import { tracer } from '../telemetry';

export interface ExportOutcome {
  readonly rejectedSpans: number;
  /** Empty when every span was accepted. */
  readonly errorMessage: string;
}

/** Resolves once the accepted spans are stored; rejects with QueueFullError (retry later) or the store's error. */
export function ingestBatch(protocol: string, queue: IngestQueue, decode: () => DecodedBatch): Promise<ExportOutcome> {
  return tracer.startActiveSpan(`ingest ${protocol}`, { kind: SpanKind.SERVER, attributes: { 'tracelens.protocol': protocol } }, async (span) => {
    try {
      const batch = decode();
      span.setAttribute('tracelens.spans.accepted', batch.spans.length);
      span.setAttribute('tracelens.spans.rejected', batch.rejectedSpans);
      queue.noteRejected(batch.rejectedSpans);
      await queue.offer(batch.spans);
      const errorMessage =
        batch.rejectedSpans === 0
          ? ''
          : `${batch.rejectedSpans} span(s) rejected: ${batch.rejectReasons.join('; ')}${batch.rejectedSpans > batch.rejectReasons.length ? '; ...' : ''}`;
      return { rejectedSpans: batch.rejectedSpans, errorMessage };
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}
