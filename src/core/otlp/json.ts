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

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field by its lowerCamelCase name or its proto (snake_case) name. */
export function get(o: JsonObject, camel: string, snake?: string): Json | undefined {
  const v = o[camel];
  return v !== undefined || snake === undefined ? v : o[snake];
}

/** Where a value sits, for error messages. A linked list: the text is only built when something fails. */
export class Path {
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

/** The path of a field: `field` under `path`, or `path` itself. Built only when something failed. */
function where(path: Path, field: string | undefined): Path {
  return field === undefined ? path : path.at(field);
}

export function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string` : `"${v}"`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

export function str(v: Json | undefined, path: Path, field?: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return where(path, field).fail(`expected a string, got ${describe(v)}`);
}

export function uint(v: Json | undefined, path: Path, field?: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n;
  return where(path, field).fail(`expected an unsigned integer, got ${describe(v)}`);
}

function int64(v: Json | undefined, path: Path, field?: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return BigInt.asIntN(64, BigInt(v));
  return where(path, field).fail(`expected an integer (a decimal string or a number), got ${describe(v)}`);
}

export function uint64(v: Json | undefined, path: Path, field?: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt.asUintN(64, BigInt(v));
  return where(path, field).fail(`expected an unsigned integer (a decimal string or a number), got ${describe(v)}`);
}

function double(v: Json | undefined, path: Path, field?: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return where(path, field).fail(`expected a number, got ${describe(v ?? null)}`);
}

export function enumValue(v: Json | undefined, names: readonly string[], path: Path, field?: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  return where(path, field).fail(`expected an enum value (an integer), got ${describe(v)}`);
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

export function array(v: Json | undefined, path: Path, field?: string): Json[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  return where(path, field).fail(`expected an array, got ${describe(v)}`);
}

export function object(v: Json | undefined, path: Path, field?: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObject(v)) return v;
  return where(path, field).fail(`expected an object, got ${describe(v)}`);
}

/** An id: hex per OTLP/JSON, lower-cased; text that is not hex is kept so that validation names it. */
export function id(v: Json | undefined, path: Path, field?: string): string {
  return str(v, path, field).toLowerCase();
}

function base64(v: Json | undefined, path: Path, field?: string): Uint8Array {
  const s = str(v, path, field);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) where(path, field).fail('expected base64 bytes');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function anyValue(v: Json | undefined, parent: Path, field: string | undefined, depth: number): AttrValue {
  if (depth > MAX_VALUE_DEPTH) where(parent, field).fail(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (v === undefined || v === null) return null;
  if (!isObject(v)) return where(parent, field).fail(`expected an object, got ${describe(v)}`);
  // One pass over the keys (an AnyValue has one), rather than probing every variant by both of its names.
  for (const key in v) {
    const x = v[key];
    if (x === undefined || x === null) continue;
    switch (key) {
      case 'stringValue':
      case 'string_value':
        return str(x, where(parent, field), 'stringValue');
      case 'boolValue':
      case 'bool_value':
        if (typeof x === 'boolean') return x;
        return where(parent, field).at('boolValue').fail(`expected a boolean, got ${describe(x)}`);
      case 'intValue':
      case 'int_value':
        return int64(x, where(parent, field), 'intValue');
      case 'doubleValue':
      case 'double_value':
        return double(x, where(parent, field), 'doubleValue');
      case 'bytesValue':
      case 'bytes_value':
        return base64(x, where(parent, field), 'bytesValue');
      case 'arrayValue':
      case 'array_value': {
        const p = where(parent, field).at('arrayValue');
        const values = array(object(x, p)?.['values'], p, 'values');
        return values.map((item, i) => anyValue(item, p.at('values', i), undefined, depth + 1));
      }
      case 'kvlistValue':
      case 'kvlist_value': {
        const p = where(parent, field).at('kvlistValue');
        return { kvlist: keyValues(object(x, p)?.['values'], p, 'values', depth + 1) };
      }
    }
  }
  return null;
}

export function keyValues(v: Json | undefined, parent: Path, field?: string, depth = 0): Attributes {
  const items = array(v, parent, field);
  if (items.length === 0) return EMPTY_ATTRIBUTES;
  const path = where(parent, field);
  const out: Attribute[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const p = path.at('', i);
    const kv = object(items[i], p);
    out[i] = kv ? { key: str(kv['key'], p, 'key'), value: anyValue(kv['value'], p, 'value', depth) } : { key: '', value: null };
  }
  return out;
}

export function resource(v: Json | undefined, schemaUrl: string, parent: Path, field: string): Resource {
  const path = parent.at(field);
  const o = object(v, path);
  if (!o) return schemaUrl === '' ? EMPTY_RESOURCE : { ...EMPTY_RESOURCE, schemaUrl };
  return {
    attributes: keyValues(o['attributes'], path, 'attributes'),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'),
    schemaUrl,
  };
}

export function scope(v: Json | undefined, schemaUrl: string, parent: Path, field: string): InstrumentationScope {
  const path = parent.at(field);
  const o = object(v, path);
  if (!o) return schemaUrl === '' ? EMPTY_SCOPE : { ...EMPTY_SCOPE, schemaUrl };
  return {
    name: str(o['name'], path, 'name'),
    version: str(o['version'], path, 'version'),
    attributes: keyValues(o['attributes'], path, 'attributes'),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'),
    schemaUrl,
  };
}

function event(v: Json | undefined, path: Path): SpanEvent {
  const o = object(v, path) ?? {};
  return {
    timeUnixNano: uint64(get(o, 'timeUnixNano', 'time_unix_nano'), path, 'timeUnixNano'),
    name: str(o['name'], path, 'name'),
    attributes: keyValues(o['attributes'], path, 'attributes'),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'),
  };
}

function link(v: Json | undefined, path: Path): SpanLink {
  const o = object(v, path) ?? {};
  return {
    traceId: id(get(o, 'traceId', 'trace_id'), path, 'traceId'),
    spanId: id(get(o, 'spanId', 'span_id'), path, 'spanId'),
    traceState: str(get(o, 'traceState', 'trace_state'), path, 'traceState'),
    attributes: keyValues(o['attributes'], path, 'attributes'),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'),
    flags: uint(o['flags'], path, 'flags'),
  };
}

function status(v: Json | undefined, parent: Path, field: string): SpanStatus {
  const path = parent.at(field);
  const o = object(v, path);
  if (!o) return UNSET_STATUS;
  const code = enumValue(o['code'], STATUS_CODES, path, 'code');
  const message = str(o['message'], path, 'message');
  return code === 0 && message === '' ? UNSET_STATUS : { code: statusCodeFromOtlp(code), message };
}

const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);
const NO_LINKS: readonly SpanLink[] = Object.freeze([]);

function span(o: JsonObject, res: Resource, sc: InstrumentationScope, path: Path): Span {
  const events = array(o['events'], path, 'events');
  const links = array(o['links'], path, 'links');
  return {
    traceId: id(get(o, 'traceId', 'trace_id'), path, 'traceId'),
    spanId: id(get(o, 'spanId', 'span_id'), path, 'spanId'),
    parentSpanId: id(get(o, 'parentSpanId', 'parent_span_id'), path, 'parentSpanId'),
    name: str(o['name'], path, 'name'),
    kind: spanKindFromOtlp(enumValue(o['kind'], SPAN_KINDS, path, 'kind')),
    startTimeUnixNano: uint64(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), path, 'startTimeUnixNano'),
    endTimeUnixNano: uint64(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), path, 'endTimeUnixNano'),
    attributes: keyValues(o['attributes'], path, 'attributes'),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'),
    events: events.length === 0 ? NO_EVENTS : events.map((e, i) => event(e, path.at('events', i))),
    droppedEventsCount: uint(get(o, 'droppedEventsCount', 'dropped_events_count'), path, 'droppedEventsCount'),
    links: links.length === 0 ? NO_LINKS : links.map((l, i) => link(l, path.at('links', i))),
    droppedLinksCount: uint(get(o, 'droppedLinksCount', 'dropped_links_count'), path, 'droppedLinksCount'),
    status: status(o['status'], path, 'status'),
    traceState: str(get(o, 'traceState', 'trace_state'), path, 'traceState'),
    flags: uint(o['flags'], path, 'flags'),
    resource: res,
    scope: sc,
  };
}

/** The envelope every OTLP JSON export request shares, with the camelCase and snake_case names of its lists. */
export interface JsonEnvelope {
  readonly request: string;
  readonly resource: readonly [string, string];
  readonly scope: readonly [string, string];
  readonly item: readonly [string, string];
}

const TRACES_JSON: JsonEnvelope = { request: 'ExportTraceServiceRequest', resource: ['resourceSpans', 'resource_spans'], scope: ['scopeSpans', 'scope_spans'], item: ['spans', 'spans'] };

/**
 * Parses an OTLP JSON export request and hands each item to `item` with its resource, scope, JSON path, and its
 * position as the protobuf readers name it ("resource_spans[0].scope_spans[1].spans[2]"). Throws MalformedPayloadError.
 */
export function readJsonEnvelope(
  text: string,
  names: JsonEnvelope,
  item: (o: JsonObject, resource: Resource, scope: InstrumentationScope, path: Path, at: string) => void,
): void {
  walkJsonEnvelope(parseJson(text), names, item);
}

/** JSON.parse, failing with MalformedPayloadError. */
function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new MalformedPayloadError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** readJsonEnvelope on a value JSON.parse already made. */
export function walkJsonEnvelope(
  root: Json,
  names: JsonEnvelope,
  item: (o: JsonObject, resource: Resource, scope: InstrumentationScope, path: Path, at: string) => void,
): void {
  const top = new Path(undefined, '$');
  if (!isObject(root)) return top.fail(`expected an ${names.request} object, got ${describe(root)}`);
  const [resources, resourcesSnake] = names.resource;
  const [scopes, scopesSnake] = names.scope;
  const [items, itemsSnake] = names.item;
  array(get(root, resources, resourcesSnake), top, resources).forEach((rJson, i) => {
    const rPath = top.at(resources, i);
    const r = object(rJson, rPath) ?? {};
    const res = resource(r['resource'], str(get(r, 'schemaUrl', 'schema_url'), rPath, 'schemaUrl'), rPath, 'resource');
    array(get(r, scopes, scopesSnake), rPath, scopes).forEach((sJson, j) => {
      const sPath = rPath.at(scopes, j);
      const sc = object(sJson, sPath) ?? {};
      const scp = scope(sc['scope'], str(get(sc, 'schemaUrl', 'schema_url'), sPath, 'schemaUrl'), sPath, 'scope');
      array(get(sc, items, itemsSnake), sPath, items).forEach((iJson, k) => {
        const iPath = sPath.at(items, k);
        item(object(iJson, iPath) ?? {}, res, scp, iPath, `${resourcesSnake}[${i}].${scopesSnake}[${j}].${itemsSnake}[${k}]`);
      });
    });
  });
}

/** Decodes an OTLP JSON ExportTraceServiceRequest from its text. Throws MalformedPayloadError with the field's path. */
export function decodeTraceRequestJson(text: string): DecodedBatch {
  return decodeTraceRequestValue(parseJson(text));
}

/** decodeTraceRequestJson on a value JSON.parse already made (e.g. a part of a bigger document). */
export function decodeTraceRequestValue(root: Json): DecodedBatch {
  const spans: Span[] = [];
  const rejects = new RejectLog();
  walkJsonEnvelope(root, TRACES_JSON, (o, res, sc, path, at) => {
    const s = span(o, res, sc, path);
    const problem = spanProblem(s.traceId, s.spanId, s.parentSpanId);
    if (problem) rejects.add(at, problem);
    else spans.push(s);
  });
  return { spans, rejectedSpans: rejects.count, rejectReasons: rejects.reasons };
}

/** The OTLP JSON ExportTraceServiceResponse body. */
export function encodeTraceResponseJson(rejectedSpans: number, errorMessage: string): string {
  if (rejectedSpans === 0 && errorMessage === '') return '{}';
  return JSON.stringify({ partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } });
}
