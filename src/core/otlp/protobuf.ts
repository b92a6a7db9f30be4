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

function longToBigInt(v: number | LongLike): bigint {
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

/** Where the decoder is, for error messages: resource_spans[i].scope_spans[j].spans[k]. */
export class Position {
  rs = -1;
  ss = -1;
  sp = -1;
  toString(): string {
    let s = `resource_spans[${this.rs}]`;
    if (this.ss >= 0) s += `.scope_spans[${this.ss}]`;
    if (this.sp >= 0) s += `.spans[${this.sp}]`;
    return s;
  }
}

/**
 * The header of a ResourceSpans or ScopeSpans: where its field 1 (resource or scope) lies and its schema_url
 * (field 3). Both may come after the spans on the wire; one quick pass finds them, so every span can share them.
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

function readScopeSpans(r: Reader, end: number, resource: Resource, out: Span[], rejects: RejectLog, at: Position): void {
  const start = r.pos;
  const header = readHeader(r, end);
  let scope = EMPTY_SCOPE;
  if (header.at >= 0) {
    r.pos = header.at;
    scope = readScope(r, header.end, header.schemaUrl);
    r.pos = start;
  } else if (header.schemaUrl !== '') {
    scope = { ...EMPTY_SCOPE, schemaUrl: header.schemaUrl };
  }
  at.sp = -1;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 2) {
      at.sp++;
      const span = readSpan(r, r.uint32() + r.pos, resource, scope);
      const problem = spanProblem(span.traceId, span.spanId, span.parentSpanId);
      if (problem) rejects.add(`${at}`, problem);
      else out.push(span);
    } else {
      r.skipType(tag & 7);
    }
  }
}

function readResourceSpans(r: Reader, end: number, out: Span[], rejects: RejectLog, at: Position): void {
  const start = r.pos;
  const header = readHeader(r, end);
  let resource = EMPTY_RESOURCE;
  if (header.at >= 0) {
    r.pos = header.at;
    resource = readResource(r, header.end, header.schemaUrl);
    r.pos = start;
  } else if (header.schemaUrl !== '') {
    resource = { ...EMPTY_RESOURCE, schemaUrl: header.schemaUrl };
  }
  at.ss = -1;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 2) {
      at.ss++;
      readScopeSpans(r, r.uint32() + r.pos, resource, out, rejects, at);
    } else {
      r.skipType(tag & 7);
    }
  }
}

/** Decodes an ExportTraceServiceRequest. Throws MalformedPayloadError when the bytes are not one. */
export function decodeTraceRequest(bytes: Uint8Array): DecodedBatch {
  const r = Reader.create(bytes);
  const spans: Span[] = [];
  const rejects = new RejectLog();
  const at = new Position();
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) {
        at.rs++;
        readResourceSpans(r, r.uint32() + r.pos, spans, rejects, at);
      } else {
        r.skipType(tag & 7);
      }
    }
    if (r.pos !== r.len) throw new Error(`message ends at byte ${r.pos}, past the payload's ${r.len}`);
  } catch (e) {
    if (e instanceof MalformedPayloadError) throw new MalformedPayloadError(`${at}: ${e.message}`);
    const why = e instanceof Error ? e.message : String(e);
    throw new MalformedPayloadError(
      `invalid ExportTraceServiceRequest protobuf${at.rs >= 0 ? ` at ${at}` : ''}: ${why}`,
    );
  }
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

