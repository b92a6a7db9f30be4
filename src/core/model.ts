// The normalised span model. Every receiver (OTLP protobuf, OTLP JSON, Zipkin) produces these, once, at ingest;
// everything downstream (store, query, analysis, views) reads them and never mutates them.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { UNKNOWN_SERVICE } from '../protocol/wire';

export { SpanKind, SpanStatusCode };

/** Nanoseconds since the Unix epoch, exact (a double cannot hold them: 1.7e18 > 2^53). */
export type UnixNanos = bigint;
/** A duration in nanoseconds, exact. */
export type DurationNanos = bigint;

/** The clock now, as Unix nanoseconds (millisecond resolution). */
export function nowUnixNanos(): UnixNanos {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Lower-case hex, 32 characters. */
export type TraceId = string;
/** Lower-case hex, 16 characters. */
export type SpanId = string;

/** An OTLP AnyValue. int64 is a bigint (exact); double is a number; so the two never mix up. */
export type AttrValue =
  | string
  | boolean
  | bigint
  | number
  | Uint8Array
  | readonly AttrValue[]
  | KeyValueList
  | null;

export interface KeyValueList {
  readonly kvlist: Attributes;
}

export interface Attribute {
  readonly key: string;
  readonly value: AttrValue;
}

/** Attributes keep their order and any duplicate keys, as received. */
export type Attributes = readonly Attribute[];

export interface Resource {
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly schemaUrl: string;
}

export interface InstrumentationScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly schemaUrl: string;
}

export interface SpanEvent {
  readonly timeUnixNano: UnixNanos;
  readonly name: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanLink {
  readonly traceId: TraceId;
  readonly spanId: SpanId;
  readonly traceState: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly flags: number;
}

export interface SpanStatus {
  readonly code: SpanStatusCode;
  readonly message: string;
}

export interface Span {
  readonly traceId: TraceId;
  readonly spanId: SpanId;
  /** '' for a root span. */
  readonly parentSpanId: SpanId;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTimeUnixNano: UnixNanos;
  readonly endTimeUnixNano: UnixNanos;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLink[];
  readonly droppedLinksCount: number;
  readonly status: SpanStatus;
  readonly traceState: string;
  /** W3C trace flags (low 8 bits) and the OTLP has-parent/is-remote bits, as received. */
  readonly flags: number;
  /** Shared by every span of one resource in a batch. */
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
}

export const EMPTY_ATTRIBUTES: Attributes = Object.freeze([]);
export const EMPTY_RESOURCE: Resource = Object.freeze({ attributes: EMPTY_ATTRIBUTES, droppedAttributesCount: 0, schemaUrl: '' });
export const EMPTY_SCOPE: InstrumentationScope = Object.freeze({
  name: '',
  version: '',
  attributes: EMPTY_ATTRIBUTES,
  droppedAttributesCount: 0,
  schemaUrl: '',
});
export const UNSET_STATUS: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET, message: '' });

/** The first value of `key`, or undefined. */
export function attr(attributes: Attributes, key: string): AttrValue | undefined {
  for (const a of attributes) if (a.key === key) return a.value;
  return undefined;
}

/** The service.name of a span's resource, as the semantic conventions define it. */
export function serviceName(span: Span): string {
  const v = attr(span.resource.attributes, 'service.name');
  return typeof v === 'string' && v !== '' ? v : UNKNOWN_SERVICE;
}

/** One decoded batch, whatever the protocol, with what was rejected and why. */
export interface DecodedBatch {
  readonly spans: readonly Span[];
  readonly rejectedSpans: number;
  /** Human-readable reasons for the rejected spans (capped), e.g. "spans[3]: trace_id: 8 bytes, expected 16". */
  readonly rejectReasons: readonly string[];
}

/** A payload that cannot be decoded at all: the receiver answers 400 / INVALID_ARGUMENT with this message. */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
}

/** An OTLP log record. Joined to its span by traceId and spanId ('' when the record names none). */
export interface LogRecord {
  readonly timeUnixNano: UnixNanos;
  readonly observedTimeUnixNano: UnixNanos;
  /** OTLP SeverityNumber, 0 (unspecified) to 24 (FATAL4). */
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: AttrValue;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly flags: number;
  readonly traceId: TraceId | '';
  readonly spanId: SpanId | '';
  /** The record's event name (log record field 12), '' when none. */
  readonly eventName: string;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
}

/** One decoded logs export, with what was rejected and why. */
export interface DecodedLogs {
  readonly records: readonly LogRecord[];
  readonly rejectedRecords: number;
  readonly rejectReasons: readonly string[];
}
