// Trace files: export traces as OTLP JSON (the collector's file exporter format: one ExportTraceServiceRequest per
// line, JSON Lines) or Jaeger JSON (what Jaeger's UI downloads), and import the same formats. An import decodes every
// file completely before anything is stored, so a bad file imports nothing; its error names the file, the line and
// the field.
import { fromJaegerJson, jaegerResponse, toJaegerTrace } from './jaeger';
import type { Span, TraceId } from './model';
import { MalformedPayloadError } from './model';
import { encodeTracesJson } from './otlp/encodeJson';
import { decodeTraceRequestJson } from './otlp/json';
import type { SpanBatch } from './store/store';
import type { ExportFormat } from '../protocol/messages';

export type { ExportFormat };

export const EXPORT_FORMATS: readonly { readonly format: ExportFormat; readonly label: string; readonly extension: string }[] = [
  { format: 'otlp-jsonl', label: 'OTLP JSON Lines (OpenTelemetry Collector file exporter)', extension: 'jsonl' },
  { format: 'jaeger-json', label: 'Jaeger JSON (Jaeger UI download)', extension: 'json' },
];

export interface ExportTrace {
  readonly traceId: TraceId;
  readonly spans: readonly Span[];
}

/** The file's text: one line per trace for OTLP JSON Lines, one document for Jaeger JSON. */
export function exportTraces(traces: readonly ExportTrace[], format: ExportFormat): string {
  if (format === 'jaeger-json') return `${JSON.stringify(jaegerResponse(traces.map((t) => toJaegerTrace(t.traceId, t.spans))), null, 2)}\n`;
  return traces.map((t) => `${encodeTracesJson(t.spans)}\n`).join('');
}

export class ImportError extends Error {
  override readonly name = 'ImportError';
}

export interface ImportedFile {
  readonly name: string;
  readonly batches: readonly SpanBatch[];
  readonly spanCount: number;
  readonly traceIds: ReadonlySet<TraceId>;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One OTLP JSON request: every span must be valid, or the whole file is refused. */
function otlpBatch(text: string, where: string): SpanBatch {
  let decoded;
  try {
    decoded = decodeTraceRequestJson(text);
  } catch (e) {
    throw new ImportError(`${where}: ${describe(e)}`);
  }
  if (decoded.rejectedSpans > 0) throw new ImportError(`${where}: ${decoded.rejectReasons[0] ?? 'a span is invalid'}`);
  return { kind: 'spans', spans: decoded.spans, body: { format: 'otlp-json', bytes: Buffer.from(text, 'utf8') } };
}

function isJaeger(doc: unknown): boolean {
  if (Array.isArray(doc)) return doc.length > 0 && isJaeger(doc[0]);
  if (typeof doc !== 'object' || doc === null) return false;
  return 'data' in doc || ('spans' in doc && 'processes' in doc) || ('traceID' in doc && 'spans' in doc);
}

/**
 * Reads one trace file: OTLP JSON Lines, one OTLP JSON document, or Jaeger JSON ({"data": [...]}, a trace, or an
 * array of traces). Throws ImportError naming the file, line and field of the first problem.
 */
export function parseTraceFile(name: string, text: string): ImportedFile {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new ImportError(`${name}: the file is empty; expected OTLP JSON (Lines) or Jaeger JSON`);
  let doc: unknown;
  let whole = true;
  try {
    doc = JSON.parse(body);
  } catch {
    whole = false;
  }
  const batches: SpanBatch[] = [];
  if (whole && isJaeger(doc)) {
    let spans: readonly Span[];
    try {
      const decoded = fromJaegerJson(body);
      if (decoded.rejectedSpans > 0) throw new MalformedPayloadError(decoded.rejectReasons[0] ?? 'a span is invalid');
      spans = decoded.spans;
    } catch (e) {
      throw new ImportError(`${name} (Jaeger JSON): ${describe(e)}`);
    }
    batches.push({ kind: 'spans', spans });
  } else if (whole) {
    if (typeof doc !== 'object' || doc === null || !('resourceSpans' in doc || 'resource_spans' in doc)) {
      throw new ImportError(`${name}: not a trace file; expected OTLP JSON ("resourceSpans") or Jaeger JSON ("data" with traces)`);
    }
    batches.push(otlpBatch(body, name));
  } else {
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line !== '') batches.push(otlpBatch(line, `${name} line ${i + 1}`));
    }
  }
  const traceIds = new Set<TraceId>();
  let spanCount = 0;
  for (const b of batches) {
    spanCount += b.spans.length;
    for (const s of b.spans) traceIds.add(s.traceId);
  }
  if (spanCount === 0) throw new ImportError(`${name}: the file holds no spans`);
  return { name, batches, spanCount, traceIds };
}
