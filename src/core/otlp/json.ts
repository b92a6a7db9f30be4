// OTLP JSON (the protobuf JSON mapping with the OTLP exceptions): ExportTraceServiceRequest -> normalised spans.
// Per the OTLP spec: ids are hex strings, enums are integers, (u)int64 may be strings or numbers, bytes values are
// base64, unknown fields are ignored; lowerCamelCase keys, and the original snake_case names are accepted too.
import type {
  Attribute,
  Attributes,
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

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field by its lowerCamelCase name or its proto (snake_case) name. */
function get(o: JsonObject, camel: string, snake?: string): Json | undefined {
  const v = o[camel];
  return v !== undefined || snake === undefined ? v : o[snake];
}

/** Where a value sits, for error messages. A linked list: the text is only built when something fails. */
class Path {
  constructor(
    private readonly parent: Path | undefined,
    private readonly field: string,
    private readonly index = -1,
  ) {}
  at(field: string, index?: number): Path {
    return new Path(this, field, index);
  }
  get text(): string {
    const head = this.parent ? (this.field === '' ? this.parent.text : `${this.parent.text}.${this.field}`) : this.field;
    return this.index >= 0 ? `${head}[${this.index}]` : head;
  }
  fail(what: string): never {
    throw new MalformedPayloadError(`${this.text}: ${what}`);
  }
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string` : `"${v}"`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function str(v: Json | undefined, path: Path): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') path.fail(`expected a string, got ${describe(v)}`);
  return v;
}

function uint(v: Json | undefined, path: Path): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) path.fail(`expected an unsigned integer, got ${describe(v)}`);
  return n;
}

function int64(v: Json | undefined, path: Path): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return BigInt.asIntN(64, BigInt(v));
  return path.fail(`expected an integer (a decimal string or a number), got ${describe(v)}`);
}

function uint64(v: Json | undefined, path: Path): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt.asUintN(64, BigInt(v));
  return path.fail(`expected an unsigned integer (a decimal string or a number), got ${describe(v)}`);
}

function double(v: Json | undefined, path: Path): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return path.fail(`expected a number, got ${describe(v ?? null)}`);
}

function enumValue(v: Json | undefined, names: readonly string[], path: Path): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  return path.fail(`expected an enum value (an integer), got ${describe(v)}`);
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function array(v: Json | undefined, path: Path): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) path.fail(`expected an array, got ${describe(v)}`);
  return v;
}

function object(v: Json | undefined, path: Path): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) path.fail(`expected an object, got ${describe(v)}`);
  return v;
}

/** An id: hex per OTLP/JSON, lower-cased; text that is not hex is kept so that validation names it. */
function id(v: Json | undefined, path: Path): string {
  return str(v, path).toLowerCase();
}

function base64(v: Json | undefined, path: Path): Uint8Array {
  const s = str(v, path);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) path.fail('expected base64 bytes');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function anyValue(v: Json | undefined, path: Path, depth: number): AttrValue {
  if (depth > MAX_VALUE_DEPTH) path.fail(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const o = object(v, path);
  if (!o) return null;
  let x: Json | undefined;
  if ((x = get(o, 'stringValue', 'string_value')) !== undefined) return str(x, path.at('stringValue'));
  if ((x = get(o, 'boolValue', 'bool_value')) !== undefined) {
    if (typeof x === 'boolean') return x;
    return path.at('boolValue').fail(`expected a boolean, got ${describe(x)}`);
  }
  if ((x = get(o, 'intValue', 'int_value')) !== undefined) return int64(x, path.at('intValue'));
  if ((x = get(o, 'doubleValue', 'double_value')) !== undefined) return double(x, path.at('doubleValue'));
  if ((x = get(o, 'bytesValue', 'bytes_value')) !== undefined) return base64(x, path.at('bytesValue'));
  if ((x = get(o, 'arrayValue', 'array_value')) !== undefined) {
    const p = path.at('arrayValue');
    const values = array(object(x, p)?.['values'], p.at('values'));
    return values.map((item, i) => anyValue(item, p.at('values', i), depth + 1));
  }
  if ((x = get(o, 'kvlistValue', 'kvlist_value')) !== undefined) {
    const p = path.at('kvlistValue');
    return { kvlist: keyValues(object(x, p)?.['values'], p.at('values'), depth + 1) };
  }
  return null;
}

function keyValues(v: Json | undefined, path: Path, depth = 0): Attributes {
  const items = array(v, path);
  if (items.length === 0) return EMPTY_ATTRIBUTES;
  const out: Attribute[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const p = path.at('', i);
    const kv = object(items[i], p);
    out[i] = kv ? { key: str(kv['key'], p.at('key')), value: anyValue(kv['value'], p.at('value'), depth) } : { key: '', value: null };
  }
  return out;
}

function resource(v: Json | undefined, schemaUrl: string, path: Path): Resource {
  const o = object(v, path);
  if (!o) return schemaUrl === '' ? EMPTY_RESOURCE : { ...EMPTY_RESOURCE, schemaUrl };
  return {
    attributes: keyValues(o['attributes'], path.at('attributes')),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path.at('droppedAttributesCount')),
    schemaUrl,
  };
}

function scope(v: Json | undefined, schemaUrl: string, path: Path): InstrumentationScope {
  const o = object(v, path);
  if (!o) return schemaUrl === '' ? EMPTY_SCOPE : { ...EMPTY_SCOPE, schemaUrl };
  return {
    name: str(o['name'], path.at('name')),
    version: str(o['version'], path.at('version')),
    attributes: keyValues(o['attributes'], path.at('attributes')),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path.at('droppedAttributesCount')),
    schemaUrl,
  };
}

function event(v: Json | undefined, path: Path): SpanEvent {
  const o = object(v, path) ?? {};
  return {
    timeUnixNano: uint64(get(o, 'timeUnixNano', 'time_unix_nano'), path.at('timeUnixNano')),
    name: str(o['name'], path.at('name')),
    attributes: keyValues(o['attributes'], path.at('attributes')),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path.at('droppedAttributesCount')),
  };
}

function link(v: Json | undefined, path: Path): SpanLink {
  const o = object(v, path) ?? {};
  return {
    traceId: id(get(o, 'traceId', 'trace_id'), path.at('traceId')),
    spanId: id(get(o, 'spanId', 'span_id'), path.at('spanId')),
    traceState: str(get(o, 'traceState', 'trace_state'), path.at('traceState')),
    attributes: keyValues(o['attributes'], path.at('attributes')),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path.at('droppedAttributesCount')),
    flags: uint(o['flags'], path.at('flags')),
  };
}

function status(v: Json | undefined, path: Path): SpanStatus {
  const o = object(v, path);
  if (!o) return UNSET_STATUS;
  const code = enumValue(o['code'], STATUS_CODES, path.at('code'));
  const message = str(o['message'], path.at('message'));
  return code === 0 && message === '' ? UNSET_STATUS : { code: statusCodeFromOtlp(code), message };
}

function span(o: JsonObject, res: Resource, sc: InstrumentationScope, path: Path): Span {
  const events = array(o['events'], path.at('events'));
  const links = array(o['links'], path.at('links'));
  return {
    traceId: id(get(o, 'traceId', 'trace_id'), path.at('traceId')),
    spanId: id(get(o, 'spanId', 'span_id'), path.at('spanId')),
    parentSpanId: id(get(o, 'parentSpanId', 'parent_span_id'), path.at('parentSpanId')),
    name: str(o['name'], path.at('name')),
    kind: spanKindFromOtlp(enumValue(o['kind'], SPAN_KINDS, path.at('kind'))),
    startTimeUnixNano: uint64(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), path.at('startTimeUnixNano')),
    endTimeUnixNano: uint64(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), path.at('endTimeUnixNano')),
    attributes: keyValues(o['attributes'], path.at('attributes')),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path.at('droppedAttributesCount')),
    events: events.map((e, i) => event(e, path.at('events', i))),
    droppedEventsCount: uint(get(o, 'droppedEventsCount', 'dropped_events_count'), path.at('droppedEventsCount')),
    links: links.map((l, i) => link(l, path.at('links', i))),
    droppedLinksCount: uint(get(o, 'droppedLinksCount', 'dropped_links_count'), path.at('droppedLinksCount')),
    status: status(o['status'], path.at('status')),
    traceState: str(get(o, 'traceState', 'trace_state'), path.at('traceState')),
    flags: uint(o['flags'], path.at('flags')),
    resource: res,
    scope: sc,
  };
}

/** Decodes an OTLP JSON ExportTraceServiceRequest from its text. Throws MalformedPayloadError with the field's path. */
export function decodeTraceRequestJson(text: string): DecodedBatch {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (e) {
    throw new MalformedPayloadError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const top = new Path(undefined, '$');
  if (!isObject(root)) return top.fail(`expected an ExportTraceServiceRequest object, got ${describe(root)}`);
  const spans: Span[] = [];
  const rejects = new RejectLog();
  array(get(root, 'resourceSpans', 'resource_spans'), top.at('resourceSpans')).forEach((rsJson, i) => {
    const rsPath = top.at('resourceSpans', i);
    const rs = object(rsJson, rsPath) ?? {};
    const res = resource(rs['resource'], str(get(rs, 'schemaUrl', 'schema_url'), rsPath.at('schemaUrl')), rsPath.at('resource'));
    array(get(rs, 'scopeSpans', 'scope_spans'), rsPath.at('scopeSpans')).forEach((ssJson, j) => {
      const ssPath = rsPath.at('scopeSpans', j);
      const ss = object(ssJson, ssPath) ?? {};
      const sc = scope(ss['scope'], str(get(ss, 'schemaUrl', 'schema_url'), ssPath.at('schemaUrl')), ssPath.at('scope'));
      array(ss['spans'], ssPath.at('spans')).forEach((spJson, k) => {
        const spPath = ssPath.at('spans', k);
        const s = span(object(spJson, spPath) ?? {}, res, sc, spPath);
        const problem = spanProblem(s.traceId, s.spanId, s.parentSpanId);
        if (problem) rejects.add(`resource_spans[${i}].scope_spans[${j}].spans[${k}]`, problem);
        else spans.push(s);
      });
    });
  });
  return { spans, rejectedSpans: rejects.count, rejectReasons: rejects.reasons };
}

/** The OTLP JSON ExportTraceServiceResponse body. */
export function encodeTraceResponseJson(rejectedSpans: number, errorMessage: string): string {
  if (rejectedSpans === 0 && errorMessage === '') return '{}';
  return JSON.stringify({ partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } });
}
