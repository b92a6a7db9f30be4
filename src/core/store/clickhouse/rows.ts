// Spans and log records as rows of the tables the OpenTelemetry Collector's ClickHouse exporter creates (otel_traces,
// otel_logs), and back. The exporter keeps attribute values as text (pcommon's AsString: numbers and booleans as
// written, bytes in base64, arrays and maps as JSON), the kind and status as words ("Server", "Error"), times as
// DateTime64(9) and the duration in nanoseconds. What those tables have no column for is not kept: attribute types,
// dropped counts, span flags, schema URLs. Pure.
import type { Attributes, AttrValue, InstrumentationScope, LogRecord, Resource, Span, SpanEvent, SpanLink } from '../../model';
import { EMPTY_ATTRIBUTES, serviceName, SpanKind, SpanStatusCode } from '../../model';

/** A row of otel_traces as JSONEachRow reads and writes it (Nested columns as parallel arrays). */
export interface TraceRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  /** UInt64: a number or, above 2^53, a string. */
  Duration: number | string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
}

/** A row of otel_logs. */
export interface LogRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  TraceFlags: number;
  SeverityText: string;
  SeverityNumber: number;
  ServiceName: string;
  Body: string;
  ResourceSchemaUrl: string;
  ResourceAttributes: Record<string, string>;
  ScopeSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Record<string, string>;
  LogAttributes: Record<string, string>;
}

const KIND_WORDS: Record<SpanKind, string> = {
  [SpanKind.INTERNAL]: 'Internal',
  [SpanKind.SERVER]: 'Server',
  [SpanKind.CLIENT]: 'Client',
  [SpanKind.PRODUCER]: 'Producer',
  [SpanKind.CONSUMER]: 'Consumer',
};

export function kindWord(kind: SpanKind): string {
  return KIND_WORDS[kind] ?? 'Internal';
}

/** "Server" -> SERVER; "Unspecified" and anything unknown -> INTERNAL (as OTLP's unspecified reads elsewhere). */
export function kindOfWord(word: string): SpanKind {
  switch (word) {
    case 'Server':
      return SpanKind.SERVER;
    case 'Client':
      return SpanKind.CLIENT;
    case 'Producer':
      return SpanKind.PRODUCER;
    case 'Consumer':
      return SpanKind.CONSUMER;
    default:
      return SpanKind.INTERNAL;
  }
}

export function statusWord(code: SpanStatusCode): string {
  return code === SpanStatusCode.ERROR ? 'Error' : code === SpanStatusCode.OK ? 'Ok' : 'Unset';
}

export function statusOfWord(word: string): SpanStatusCode {
  return word === 'Error' ? SpanStatusCode.ERROR : word === 'Ok' ? SpanStatusCode.OK : SpanStatusCode.UNSET;
}

/** An attribute value as the exporter writes it (pcommon Value.AsString). */
export function valueAsString(v: AttrValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return JSON.stringify(toJson(v));
}

function toJson(v: AttrValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(toJson);
  const out: Record<string, unknown> = {};
  for (const a of (v as { kvlist: Attributes }).kvlist) out[a.key] = toJson(a.value);
  return out;
}

/** Attributes as a Map(String, String); the first of duplicate keys wins, as attr() reads them. */
export function attributesToMap(attributes: Attributes): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const a of attributes) if (!(a.key in out)) out[a.key] = valueAsString(a.value);
  return out;
}

export function mapToAttributes(map: Record<string, string> | undefined): Attributes {
  if (!map) return EMPTY_ATTRIBUTES;
  const keys = Object.keys(map);
  return keys.length === 0 ? EMPTY_ATTRIBUTES : keys.map((key) => ({ key, value: map[key]! }));
}

/** Unix nanoseconds as DateTime64(9) text in UTC: "2026-12-08 01:02:03.123456789". */
export function nanosToDateTime64(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  const iso = new Date(Number(seconds) * 1000).toISOString(); // 2026-12-08T01:02:03.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}

/** DateTime64(9) text in UTC (with or without a fraction) -> Unix nanoseconds. */
export function dateTime64ToNanos(text: string): bigint {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?/.exec(text);
  if (!m) return 0n;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}

export function spanToRow(span: Span): TraceRow {
  return {
    Timestamp: nanosToDateTime64(span.startTimeUnixNano),
    TraceId: span.traceId,
    SpanId: span.spanId,
    ParentSpanId: span.parentSpanId,
    TraceState: span.traceState,
    SpanName: span.name,
    SpanKind: kindWord(span.kind),
    ServiceName: serviceName(span),
    ResourceAttributes: attributesToMap(span.resource.attributes),
    ScopeName: span.scope.name,
    ScopeVersion: span.scope.version,
    SpanAttributes: attributesToMap(span.attributes),
    Duration: String(span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n),
    StatusCode: statusWord(span.status.code),
    StatusMessage: span.status.message,
    'Events.Timestamp': span.events.map((e) => nanosToDateTime64(e.timeUnixNano)),
    'Events.Name': span.events.map((e) => e.name),
    'Events.Attributes': span.events.map((e) => attributesToMap(e.attributes)),
    'Links.TraceId': span.links.map((l) => l.traceId),
    'Links.SpanId': span.links.map((l) => l.spanId),
    'Links.TraceState': span.links.map((l) => l.traceState),
    'Links.Attributes': span.links.map((l) => attributesToMap(l.attributes)),
  };
}

/** Rows of one trace share resources and scopes by value: the same objects, as the decoders give them. */
export class RowReader {
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new Map<string, InstrumentationScope>();

  span(r: Partial<TraceRow>): Span {
    const start = dateTime64ToNanos(r.Timestamp ?? '');
    const duration = BigInt(r.Duration ?? 0);
    const events: SpanEvent[] = (r['Events.Timestamp'] ?? []).map((t, i) => ({
      timeUnixNano: dateTime64ToNanos(t),
      name: r['Events.Name']?.[i] ?? '',
      attributes: mapToAttributes(r['Events.Attributes']?.[i]),
      droppedAttributesCount: 0,
    }));
    const links: SpanLink[] = (r['Links.TraceId'] ?? []).map((traceId, i) => ({
      traceId,
      spanId: r['Links.SpanId']?.[i] ?? '',
      traceState: r['Links.TraceState']?.[i] ?? '',
      attributes: mapToAttributes(r['Links.Attributes']?.[i]),
      droppedAttributesCount: 0,
      flags: 0,
    }));
    return {
      traceId: r.TraceId ?? '',
      spanId: r.SpanId ?? '',
      parentSpanId: r.ParentSpanId ?? '',
      name: r.SpanName ?? '',
      kind: kindOfWord(r.SpanKind ?? ''),
      startTimeUnixNano: start,
      endTimeUnixNano: start + duration,
      attributes: mapToAttributes(r.SpanAttributes),
      droppedAttributesCount: 0,
      events,
      droppedEventsCount: 0,
      links,
      droppedLinksCount: 0,
      status: { code: statusOfWord(r.StatusCode ?? ''), message: r.StatusMessage ?? '' },
      traceState: r.TraceState ?? '',
      flags: 0,
      resource: this.resource(r.ResourceAttributes, r.ServiceName),
      scope: this.scope(r.ScopeName ?? '', r.ScopeVersion ?? ''),
    };
  }

  log(r: Partial<LogRow>): LogRecord {
    const time = dateTime64ToNanos(r.Timestamp ?? '');
    return {
      timeUnixNano: time,
      observedTimeUnixNano: time,
      severityNumber: r.SeverityNumber ?? 0,
      severityText: r.SeverityText ?? '',
      body: r.Body ?? '',
      attributes: mapToAttributes(r.LogAttributes),
      droppedAttributesCount: 0,
      flags: r.TraceFlags ?? 0,
      traceId: r.TraceId ?? '',
      spanId: r.SpanId ?? '',
      eventName: '',
      resource: this.resource(r.ResourceAttributes, r.ServiceName),
      scope: this.scope(r.ScopeName ?? '', r.ScopeVersion ?? ''),
    };
  }

  /** The resource attributes; a row without service.name among them gets its ServiceName column. */
  private resource(map: Record<string, string> | undefined, service: string | undefined): Resource {
    const key = JSON.stringify([map ?? {}, service ?? '']);
    let r = this.resources.get(key);
    if (!r) {
      let attributes = mapToAttributes(map);
      if (service && !(map && 'service.name' in map)) attributes = [{ key: 'service.name', value: service }, ...attributes];
      r = { attributes, droppedAttributesCount: 0, schemaUrl: '' };
      this.resources.set(key, r);
    }
    return r;
  }

  private scope(name: string, version: string): InstrumentationScope {
    const key = `${name}\u0000${version}`;
    let s = this.scopes.get(key);
    if (!s) {
      s = { name, version, attributes: EMPTY_ATTRIBUTES, droppedAttributesCount: 0, schemaUrl: '' };
      this.scopes.set(key, s);
    }
    return s;
  }
}

export function logToRow(r: LogRecord): LogRow {
  const service = r.resource.attributes.find((a) => a.key === 'service.name')?.value;
  return {
    Timestamp: nanosToDateTime64(r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano),
    TraceId: r.traceId,
    SpanId: r.spanId,
    TraceFlags: r.flags & 0xff,
    SeverityText: r.severityText,
    SeverityNumber: r.severityNumber,
    ServiceName: typeof service === 'string' ? service : '',
    Body: valueAsString(r.body),
    ResourceSchemaUrl: r.resource.schemaUrl,
    ResourceAttributes: attributesToMap(r.resource.attributes),
    ScopeSchemaUrl: r.scope.schemaUrl,
    ScopeName: r.scope.name,
    ScopeVersion: r.scope.version,
    ScopeAttributes: attributesToMap(r.scope.attributes),
    LogAttributes: attributesToMap(r.attributes),
  };
}
