// OTLP protobuf: ExportTraceServiceRequest -> normalised spans, in one pass over the wire bytes with protobufjs'
// Reader, straight into the immutable model (no intermediate message objects, int64 and fixed64 read exactly).
// Field numbers follow opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1).
// Also encodes the responses: ExportTraceServiceResponse (partial success) and google.rpc.Status.
import { Reader, Writer } from 'protobufjs/minimal';
import { bytesToHex } from '../ids';
import type {
  Attribute,
  AttrValue,
  DecodedBatch,
  InstrumentationScope,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
} from '../model';
import { EMPTY_ATTRIBUTES, EMPTY_RESOURCE, EMPTY_SCOPE, MalformedPayloadError, UNSET_STATUS } from '../model';
import { MAX_VALUE_DEPTH, RejectLog, spanKindFromOtlp, spanProblem, statusCodeFromOtlp } from './common';

interface LongLike {
  low: number;
  high: number;
}

export function longToBigInt(v: number | LongLike): bigint {
  if (typeof v === 'number') return BigInt(v);
  return BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
}

export function readFixed64(r: Reader): bigint {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

function readInt64(r: Reader): bigint {
  return longToBigInt(r.int64() as number | LongLike);
}

/** Bytes copied out of the request buffer, so a stored value does not pin the whole payload in memory. */
function readOwnedBytes(r: Reader): Uint8Array {
  return Uint8Array.prototype.slice.call(r.bytes());
}

export function readAnyValue(r: Reader, end: number, depth: number): AttrValue {
  if (depth > MAX_VALUE_DEPTH) throw new MalformedPayloadError(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        value = r.string();
        break;
      case 2:
        value = r.bool();
        break;
      case 3:
        value = readInt64(r);
        break;
      case 4:
        value = r.double();
        break;
      case 5:
        value = readArrayValue(r, r.uint32() + r.pos, depth + 1);
        break;
      case 6:
        value = { kvlist: readKeyValueList(r, r.uint32() + r.pos, depth + 1) };
        break;
      case 7:
        value = readOwnedBytes(r);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return value;
}

function readArrayValue(r: Reader, end: number, depth: number): AttrValue[] {
  const values: AttrValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) values.push(readAnyValue(r, r.uint32() + r.pos, depth));
    else r.skipType(tag & 7);
  }
  return values;
}

function readKeyValueList(r: Reader, end: number, depth: number): Attribute[] {
  const out: Attribute[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) out.push(readKeyValue(r, r.uint32() + r.pos, depth));
    else r.skipType(tag & 7);
  }
  return out;
}

function readKeyValue(r: Reader, end: number, depth: number): Attribute {
  let key = '';
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        key = r.string();
        break;
      case 2:
        value = readAnyValue(r, r.uint32() + r.pos, depth);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { key, value };
}

export function pushAttribute(list: Attribute[] | undefined, r: Reader): Attribute[] {
  const a = readKeyValue(r, r.uint32() + r.pos, 0);
  if (list) {
    list.push(a);
    return list;
  }
  return [a];
}

export function readResource(r: Reader, end: number, schemaUrl: string): Resource {
  let attributes: Attribute[] | undefined;
  let dropped = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        attributes = pushAttribute(attributes, r);
        break;
      case 2:
        dropped = r.uint32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { attributes: attributes ?? EMPTY_ATTRIBUTES, droppedAttributesCount: dropped, schemaUrl };
}

export function readScope(r: Reader, end: number, schemaUrl: string): InstrumentationScope {
  let name = '';
  let version = '';
  let attributes: Attribute[] | undefined;
  let dropped = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        name = r.string();
        break;
      case 2:
        version = r.string();
        break;
      case 3:
        attributes = pushAttribute(attributes, r);
        break;
      case 4:
        dropped = r.uint32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { name, version, attributes: attributes ?? EMPTY_ATTRIBUTES, droppedAttributesCount: dropped, schemaUrl };
}

function readEvent(r: Reader, end: number): SpanEvent {
  let time = 0n;
  let name = '';
  let attributes: Attribute[] | undefined;
  let dropped = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        time = readFixed64(r);
        break;
      case 2:
        name = r.string();
        break;
      case 3:
        attributes = pushAttribute(attributes, r);
        break;
      case 4:
        dropped = r.uint32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { timeUnixNano: time, name, attributes: attributes ?? EMPTY_ATTRIBUTES, droppedAttributesCount: dropped };
}

function readLink(r: Reader, end: number): SpanLink {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let attributes: Attribute[] | undefined;
  let dropped = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        traceId = bytesToHex(r.bytes());
        break;
      case 2:
        spanId = bytesToHex(r.bytes());
        break;
      case 3:
        traceState = r.string();
        break;
      case 4:
        attributes = pushAttribute(attributes, r);
        break;
      case 5:
        dropped = r.uint32();
        break;
      case 6:
        flags = r.fixed32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { traceId, spanId, traceState, attributes: attributes ?? EMPTY_ATTRIBUTES, droppedAttributesCount: dropped, flags };
}

function readStatus(r: Reader, end: number): SpanStatus {
  let code = 0;
  let message = '';
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 2:
        message = r.string();
        break;
      case 3:
        code = r.int32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return code === 0 && message === '' ? UNSET_STATUS : { code: statusCodeFromOtlp(code), message };
}

const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);
const NO_LINKS: readonly SpanLink[] = Object.freeze([]);

function readSpan(r: Reader, end: number, resource: Resource, scope: InstrumentationScope): Span {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let parentSpanId = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let start = 0n;
  let endTime = 0n;
  let attributes: Attribute[] | undefined;
  let droppedAttributes = 0;
  let events: SpanEvent[] | undefined;
  let droppedEvents = 0;
  let links: SpanLink[] | undefined;
  let droppedLinks = 0;
  let status = UNSET_STATUS;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        traceId = bytesToHex(r.bytes());
        break;
      case 2:
        spanId = bytesToHex(r.bytes());
        break;
      case 3:
        traceState = r.string();
        break;
      case 4:
        parentSpanId = bytesToHex(r.bytes());
        break;
      case 5:
        name = r.string();
        break;
      case 6:
        kind = r.int32();
        break;
      case 7:
        start = readFixed64(r);
        break;
      case 8:
        endTime = readFixed64(r);
        break;
      case 9:
        attributes = pushAttribute(attributes, r);
        break;
      case 10:
        droppedAttributes = r.uint32();
        break;
      case 11:
        (events ??= []).push(readEvent(r, r.uint32() + r.pos));
        break;
      case 12:
        droppedEvents = r.uint32();
        break;
      case 13:
        (links ??= []).push(readLink(r, r.uint32() + r.pos));
        break;
      case 14:
        droppedLinks = r.uint32();
        break;
      case 15:
        status = readStatus(r, r.uint32() + r.pos);
        break;
      case 16:
        flags = r.fixed32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    name,
    kind: spanKindFromOtlp(kind),
    startTimeUnixNano: start,
    endTimeUnixNano: endTime,
    attributes: attributes ?? EMPTY_ATTRIBUTES,
    droppedAttributesCount: droppedAttributes,
    events: events ?? NO_EVENTS,
    droppedEventsCount: droppedEvents,
    links: links ?? NO_LINKS,
    droppedLinksCount: droppedLinks,
    status,
    traceState,
    flags,
    resource,
    scope,
  };
}

/**
 * The envelope every OTLP export request shares: repeated resource_X (1) { resource (1), repeated scope_X (2)
 * { scope (1), repeated items (2), schema_url (3) }, schema_url (3) }. The names are for messages.
 */
export interface Envelope {
  readonly request: string;
  readonly resource: string;
  readonly scope: string;
  readonly item: string;
}

export const TRACES: Envelope = { request: 'ExportTraceServiceRequest', resource: 'resource_spans', scope: 'scope_spans', item: 'spans' };

/** Where a reader is, for messages: resource_spans[i].scope_spans[j].spans[k]. */
export class Position {
  resource = -1;
  scope = -1;
  item = -1;
  constructor(private readonly names: Envelope) {}
  toString(): string {
    let s = `${this.names.resource}[${this.resource}]`;
    if (this.scope >= 0) s += `.${this.names.scope}[${this.scope}]`;
    if (this.item >= 0) s += `.${this.names.item}[${this.item}]`;
    return s;
  }
}

/**
 * The header of a resource_X or scope_X message: where its field 1 (resource or scope) lies and its schema_url
 * (field 3). Both may come after the items on the wire; one quick pass finds them, so every item can share them.
 */
export function readHeader(r: Reader, end: number): { at: number; end: number; schemaUrl: string } {
  const start = r.pos;
  const header = { at: -1, end: -1, schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) {
      header.end = r.uint32() + r.pos;
      header.at = r.pos;
      r.pos = header.end;
    } else if (field === 3 && (tag & 7) === 2) {
      header.schemaUrl = r.string();
    } else {
      r.skipType(tag & 7);
    }
  }
  r.pos = start;
  return header;
}

/** What a reader of one kind of request does with the parts of the envelope. */
export interface EnvelopeReader<R, S> {
  /** The resource message, or undefined (end = -1) when there is none. */
  resource(r: Reader, end: number, schemaUrl: string): R;
  scope(r: Reader, end: number, schemaUrl: string): S;
  item(r: Reader, end: number, resource: R, scope: S, at: Position): void;
}

function readPart<T>(r: Reader, end: number, read: (r: Reader, end: number, schemaUrl: string) => T): T {
  const start = r.pos;
  const header = readHeader(r, end);
  if (header.at < 0) return read(r, -1, header.schemaUrl);
  r.pos = header.at;
  const part = read(r, header.end, header.schemaUrl);
  r.pos = start;
  return part;
}

/** Walks an OTLP export request; throws MalformedPayloadError naming where the bytes went wrong. */
export function readEnvelope<R, S>(bytes: Uint8Array, names: Envelope, reader: EnvelopeReader<R, S>): void {
  const r = Reader.create(bytes);
  const at = new Position(names);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 !== 1) {
        r.skipType(tag & 7);
        continue;
      }
      at.resource++;
      at.scope = at.item = -1;
      const resourceEnd = r.uint32() + r.pos;
      const resource = readPart(r, resourceEnd, reader.resource);
      while (r.pos < resourceEnd) {
        const t = r.uint32();
        if (t >>> 3 !== 2) {
          r.skipType(t & 7);
          continue;
        }
        at.scope++;
        at.item = -1;
        const scopeEnd = r.uint32() + r.pos;
        const scope = readPart(r, scopeEnd, reader.scope);
        while (r.pos < scopeEnd) {
          const u = r.uint32();
          if (u >>> 3 === 2) {
            at.item++;
            reader.item(r, r.uint32() + r.pos, resource, scope, at);
          } else {
            r.skipType(u & 7);
          }
        }
      }
    }
    if (r.pos !== r.len) throw new Error(`message ends at byte ${r.pos}, past the payload's ${r.len}`);
  } catch (e) {
    if (e instanceof MalformedPayloadError) throw new MalformedPayloadError(`${at}: ${e.message}`);
    const why = e instanceof Error ? e.message : String(e);
    throw new MalformedPayloadError(`invalid ${names.request} protobuf${at.resource >= 0 ? ` at ${at}` : ''}: ${why}`);
  }
}

/** A Resource, or the empty one (with the schema_url, if any) when the message has none. */
export function resourceOrEmpty(r: Reader, end: number, schemaUrl: string): Resource {
  if (end >= 0) return readResource(r, end, schemaUrl);
  return schemaUrl === '' ? EMPTY_RESOURCE : { ...EMPTY_RESOURCE, schemaUrl };
}

export function scopeOrEmpty(r: Reader, end: number, schemaUrl: string): InstrumentationScope {
  if (end >= 0) return readScope(r, end, schemaUrl);
  return schemaUrl === '' ? EMPTY_SCOPE : { ...EMPTY_SCOPE, schemaUrl };
}

/** Decodes an ExportTraceServiceRequest. Throws MalformedPayloadError when the bytes are not one. */
export function decodeTraceRequest(bytes: Uint8Array): DecodedBatch {
  const spans: Span[] = [];
  const rejects = new RejectLog();
  readEnvelope(bytes, TRACES, {
    resource: resourceOrEmpty,
    scope: scopeOrEmpty,
    item(r, end, resource, scope, at) {
      const span = readSpan(r, end, resource, scope);
      const problem = spanProblem(span.traceId, span.spanId, span.parentSpanId);
      if (problem) rejects.add(`${at}`, problem);
      else spans.push(span);
    },
  });
  return { spans, rejectedSpans: rejects.count, rejectReasons: rejects.reasons };
}

/** ExportTraceServiceResponse; an empty message when nothing was rejected. */
export function encodeTraceResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  if (rejectedSpans === 0 && errorMessage === '') return new Uint8Array(0);
  const w = Writer.create();
  w.uint32((1 << 3) | 2).fork();
  if (rejectedSpans !== 0) w.uint32(1 << 3).int64(rejectedSpans);
  if (errorMessage !== '') w.uint32((2 << 3) | 2).string(errorMessage);
  w.ldelim();
  return w.finish();
}

/** google.rpc.Status { code, message }, the body of an OTLP/HTTP error response. */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const w = Writer.create();
  if (code !== 0) w.uint32(1 << 3).int32(code);
  if (message !== '') w.uint32((2 << 3) | 2).string(message);
  return w.finish();
}

