// One export request, whatever the protocol and signal: count what the decoder rejected, queue the rest with the
// bytes it came in (the store keeps those), and say how it went.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { DecodedBatch, DecodedLogs } from '../../core/model';
import { scanTraceRequest } from '../../core/otlp/scan';
import type { BodyFormat, IngestBatch } from '../../core/store/store';
import { batchSize } from '../../core/store/store';
import type { IngestQueue } from '../ingest';
import { tracer } from '../telemetry';

export interface ExportOutcome {
  readonly rejected: number;
  /** Empty when everything was accepted. */
  readonly errorMessage: string;
}

interface Decoded {
  readonly batch: IngestBatch;
  readonly rejected: number;
  readonly reasons: readonly string[];
}

function rejectMessage(what: string, rejected: number, reasons: readonly string[]): string {
  if (rejected === 0) return '';
  return `${rejected} ${what}(s) rejected: ${reasons.join('; ')}${rejected > reasons.length ? '; ...' : ''}`;
}

async function ingest(protocol: string, what: 'span' | 'log record', queue: IngestQueue, decode: () => Decoded): Promise<ExportOutcome> {
  return tracer.startActiveSpan(`ingest ${protocol}`, { kind: SpanKind.SERVER, attributes: { 'tracelens.protocol': protocol } }, async (span) => {
    try {
      const d = decode();
      span.setAttribute('tracelens.accepted', batchSize(d.batch));
      span.setAttribute('tracelens.rejected', d.rejected);
      if (d.batch.kind !== 'logs') queue.noteRejected(d.rejected);
      await queue.offer(d.batch);
      return { rejected: d.rejected, errorMessage: rejectMessage(what, d.rejected, d.reasons) };
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Resolves once the accepted spans are stored; rejects with QueueFullError (retry later) or the store's error. */
export function ingestSpans(protocol: string, queue: IngestQueue, format: BodyFormat, bytes: Uint8Array, decode: () => DecodedBatch): Promise<ExportOutcome> {
  return ingest(protocol, 'span', queue, () => {
    const b = decode();
    return { batch: { kind: 'spans', spans: b.spans, body: { format, bytes } }, rejected: b.rejectedSpans, reasons: b.rejectReasons };
  });
}

/** OTLP protobuf: checked and indexed straight from the wire (the bytes are what is stored), not decoded. */
export function ingestProtobufSpans(protocol: string, queue: IngestQueue, bytes: Uint8Array): Promise<ExportOutcome> {
  return ingest(protocol, 'span', queue, () => {
    const s = scanTraceRequest(bytes);
    return {
      batch: { kind: 'scanned', spanCount: s.spanCount, index: s.index, body: { format: 'otlp-proto', bytes } },
      rejected: s.rejectedSpans,
      reasons: s.rejectReasons,
    };
  });
}

export function ingestLogs(protocol: string, queue: IngestQueue, format: BodyFormat, bytes: Uint8Array, decode: () => DecodedLogs): Promise<ExportOutcome> {
  return ingest(protocol, 'log record', queue, () => {
    const b = decode();
    return { batch: { kind: 'logs', records: b.records, body: { format, bytes } }, rejected: b.rejectedRecords, reasons: b.rejectReasons };
  });
}
