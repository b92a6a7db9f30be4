// The span model <-> its JSON-safe wire form (src/protocol/wire.ts). Pure.
import type { Attributes, AttrValue, InstrumentationScope, LogRecord, Resource, Span } from './model';
import type { TraceSummary } from './trace';
import type { TraceQuery } from './store/store';
import type { FindTracesParams } from '../protocol/messages';
import { ConfigError } from './address';
import type { WireAttribute, WireLogRecord, WireTrace, WireTraceSummary, WireValue } from '../protocol/wire';

export function toWireValue(v: AttrValue): WireValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return { int: v.toString() };
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    return { double: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
  }
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(toWireValue);
  return { kvlist: toWireAttributes((v as { kvlist: Attributes }).kvlist) };
}

export function toWireAttributes(attributes: Attributes): WireAttribute[] {
  return attributes.map((a) => ({ key: a.key, value: toWireValue(a.value) }));
}

/** The trace in its JSON-safe form; an outline leaves out the spans' attributes, events and links (not converted). */
export function toWireTrace(traceId: string, spans: readonly Span[], outline = false): WireTrace {
  const resources = new Map<Resource, number>();
  const scopes = new Map<InstrumentationScope, number>();
  const index = <T>(map: Map<T, number>, item: T): number => {
    let i = map.get(item);
    if (i === undefined) map.set(item, (i = map.size));
    return i;
  };
  const wireSpans = spans.map((s) => ({
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    endTimeUnixNano: s.endTimeUnixNano.toString(),
    attributes: outline ? [] : toWireAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: outline ? [] : s.events.map((e) => ({
      timeUnixNano: e.timeUnixNano.toString(),
      name: e.name,
      attributes: toWireAttributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: outline ? [] : s.links.map((l) => ({ ...l, attributes: toWireAttributes(l.attributes) })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message },
    traceState: s.traceState,
    flags: s.flags,
    resource: index(resources, s.resource),
    scope: index(scopes, s.scope),
  }));
  return {
    traceId,
    spans: wireSpans,
    resources: [...resources.keys()].map((r) => ({ ...r, attributes: toWireAttributes(r.attributes) })),
    scopes: [...scopes.keys()].map((sc) => ({ ...sc, attributes: toWireAttributes(sc.attributes) })),
  };
}

export function toWireSummary(s: TraceSummary): WireTraceSummary {
  return { ...s, startTimeUnixNano: s.startTimeUnixNano.toString(), durationNanos: s.durationNanos.toString() };
}

export function toWireLog(r: LogRecord): WireLogRecord {
  return {
    timeUnixNano: r.timeUnixNano.toString(),
    observedTimeUnixNano: r.observedTimeUnixNano.toString(),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: toWireValue(r.body),
    attributes: toWireAttributes(r.attributes),
    traceId: r.traceId,
    spanId: r.spanId,
    eventName: r.eventName,
    resourceAttributes: toWireAttributes(r.resource.attributes),
    scopeName: r.scope.name,
  };
}

/** A wire value as one line of display text: ints without quotes, strings quoted only inside arrays and lists. */
export function formatWireValue(v: WireValue, nested = false): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return nested ? JSON.stringify(v) : v;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => formatWireValue(x, true)).join(', ')}]`;
  if ('int' in v) return v.int;
  if ('double' in v) return v.double;
  if ('bytes' in v) return `0x${base64ToHex(v.bytes)}`;
  if ('kvlist' in v) return `{${v.kvlist.map((a) => `${a.key}: ${formatWireValue(a.value, true)}`).join(', ')}}`;
  return '';
}

function base64ToHex(b64: string): string {
  const bin = atob(b64);
  let hex = '';
  for (let i = 0; i < bin.length; i++) hex += bin.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}

function nanosParam(text: string | undefined, what: string): bigint | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,20}$/.test(text.trim())) throw new ConfigError(`${what} must be a whole number of nanoseconds, got "${text}"`);
  return BigInt(text.trim());
}

/** A search from the wire; bad numbers throw ConfigError naming the field. */
export function fromWireQuery(p: FindTracesParams): TraceQuery {
  return {
    service: p.service || undefined,
    operation: p.operation || undefined,
    spanKind: p.spanKind,
    attributes: p.attributes,
    minDurationNanos: nanosParam(p.minDurationNanos, 'minDurationNanos'),
    maxDurationNanos: nanosParam(p.maxDurationNanos, 'maxDurationNanos'),
    startFromNanos: nanosParam(p.startFromNanos, 'startFromNanos'),
    startToNanos: nanosParam(p.startToNanos, 'startToNanos'),
    errorsOnly: p.errorsOnly,
    limit: p.limit,
  };
}
