// Jaeger's HTTP query API JSON <-> the span model, so that Jaeger's UI, Grafana's Jaeger data source and other Jaeger
// clients work against TraceLens: the UI model of /api/traces (export and import), the query parameters of /api/traces,
// /api/operations, /api/dependencies and /api/v3/*, and their answers. Pure: the server routes call these. (The
// OTLP-shaped body of /api/v3/traces is otlp/encodeJson.ts's encodeTracesJson.)
//
// The span mapping is the one Jaeger itself applies to OTLP data (Jaeger v2 reads OTLP through the collector-contrib
// translator pkg/translator/jaeger, then renders the UI model with internal/uimodel/converter/v1/json):
//   resource   -> process: service.name is the serviceName (unknown_service when none), the rest its tags
//   scope      -> tags otel.scope.name, otel.scope.version (first)
//   kind       -> tag span.kind ("server", "client", "producer", "consumer", "internal")
//   status     -> tags otel.status_code ("OK"/"ERROR"), error=true, otel.status_description
//   traceState -> tag w3c.tracestate
//   parent     -> reference CHILD_OF (first); links -> FOLLOWS_FROM (CHILD_OF when the link says
//                 opentracing.ref_type=child_of); a link to the parent itself sets the parent reference's type
//   events     -> logs, the name in an "event" field
//   times      -> microseconds (truncated, as Jaeger does)
//   values     -> string/bool/int64/float64/binary (base64); arrays and kvlists become JSON text in a string tag;
//                 int64 past 2^53 is a decimal string with type "int64" (what Jaeger's UI converter writes), and a
//                 non-finite double the string "NaN", "Infinity" or "-Infinity"
//   warnings   <-> the span attribute jaeger.internal.warnings, as in Jaeger v2
// Import reverses this. The parent is the first CHILD_OF reference in the span's trace, else the first FOLLOWS_FROM
// one (Jaeger's Span.ParentSpanID); every other reference is a link. Not expressible in Jaeger, so lost: dropped
// counts, flags, link attributes and trace state, scope attributes, schema URLs, nanoseconds below a microsecond.
import { ConfigError } from './address';
import type {
  Attribute,
  Attributes,
  AttrValue,
  DecodedBatch,
  InstrumentationScope,
  LogRecord,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
  TraceId,
} from './model';
import { EMPTY_ATTRIBUTES, EMPTY_RESOURCE, EMPTY_SCOPE, MalformedPayloadError, SpanKind, SpanStatusCode, UNSET_STATUS } from './model';
import { RejectLog } from './otlp/common';
import { spanIdProblem, traceIdProblem } from './ids';
import type { AttributeFilter, DependencyLink, OperationInfo, TraceQuery } from './store/store';
import { UNKNOWN_SERVICE } from '../protocol/wire';

// ---------------------------------------------------------------------------------------------------------------------
// The Jaeger UI JSON model (jaegertracing/jaeger internal/uimodel/model.go)

export type JaegerValueType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerKeyValue {
  readonly key: string;
  readonly type: JaegerValueType;
  /** int64 past 2^53 and non-finite float64 are strings; binary is base64. */
  readonly value: string | boolean | number;
}

export type JaegerRefType = 'CHILD_OF' | 'FOLLOWS_FROM';

export interface JaegerReference {
  readonly refType: JaegerRefType;
  readonly traceID: string;
  readonly spanID: string;
}

export interface JaegerLog {
  /** Microseconds since the Unix epoch. */
  readonly timestamp: number;
  readonly fields: readonly JaegerKeyValue[];
}

export interface JaegerProcess {
  readonly serviceName: string;
  readonly tags: readonly JaegerKeyValue[];
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly JaegerReference[];
  /** Microseconds since the Unix epoch. */
  readonly startTime: number;
  /** Microseconds. */
  readonly duration: number;
  readonly tags: readonly JaegerKeyValue[];
  readonly logs: readonly JaegerLog[];
  readonly processID: string;
  readonly warnings: readonly string[] | null;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, JaegerProcess>>;
  readonly warnings: readonly string[] | null;
}

export interface JaegerError {
  readonly code?: number;
  readonly msg: string;
  readonly traceID?: string;
}

/** The envelope of every /api/* answer. */
export interface JaegerResponse<T> {
  readonly data: T;
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  readonly errors: readonly JaegerError[] | null;
}

export interface JaegerDependencyLink {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
}

/** How Jaeger spells span kinds: in span.kind tags, /api/operations and /api/v3/operations. */
export type JaegerSpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

export interface JaegerOperation {
  readonly name: string;
  readonly spanKind: JaegerSpanKind;
}

export interface V3OperationsResponse {
  readonly operations: readonly JaegerOperation[];
}

// ---------------------------------------------------------------------------------------------------------------------
// Well-known tag names

const TAG_SPAN_KIND = 'span.kind';
const TAG_STATUS_CODE = 'otel.status_code';
const TAG_STATUS_DESCRIPTION = 'otel.status_description';
const TAG_ERROR = 'error';
const TAG_SCOPE_NAME = 'otel.scope.name';
const TAG_SCOPE_VERSION = 'otel.scope.version';
const TAG_LIBRARY_NAME = 'otel.library.name';
const TAG_LIBRARY_VERSION = 'otel.library.version';
const TAG_TRACE_STATE = 'w3c.tracestate';
const LOG_EVENT = 'event';
const SERVICE_NAME = 'service.name';
/** Where Jaeger v2 keeps span warnings (a string array attribute). */
export const WARNINGS_ATTRIBUTE = 'jaeger.internal.warnings';
/** The link attribute that keeps a Jaeger reference type (OpenTracing semantic conventions). */
const REF_TYPE_ATTRIBUTE = 'opentracing.ref_type';

const KIND_NAMES: Readonly<Record<SpanKind, JaegerSpanKind>> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

const KINDS_BY_NAME: ReadonlyMap<string, SpanKind> = new Map([
  ['internal', SpanKind.INTERNAL],
  ['unspecified', SpanKind.INTERNAL],
  ['server', SpanKind.SERVER],
  ['client', SpanKind.CLIENT],
  ['producer', SpanKind.PRODUCER],
  ['consumer', SpanKind.CONSUMER],
]);

export function jaegerSpanKind(kind: SpanKind): JaegerSpanKind {
  return KIND_NAMES[kind] ?? 'internal';
}

// ---------------------------------------------------------------------------------------------------------------------
// Span model -> Jaeger UI JSON

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function micros(nanos: bigint): number {
  return Number(nanos / 1000n);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function nonFinite(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

/** A nested value as JSON text, as the collector's pcommon Value.AsString renders arrays and maps. */
function valueJson(v: AttrValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(nonFinite(v));
  if (v instanceof Uint8Array) return JSON.stringify(base64(v));
  if (Array.isArray(v)) return `[${(v as readonly AttrValue[]).map(valueJson).join(',')}]`;
  const list = (v as { readonly kvlist: Attributes }).kvlist;
  return `{${list.map((a) => `${JSON.stringify(a.key)}:${valueJson(a.value)}`).join(',')}}`;
}

function toTag(key: string, v: AttrValue): JaegerKeyValue {
  if (typeof v === 'string') return { key, type: 'string', value: v };
  if (typeof v === 'boolean') return { key, type: 'bool', value: v };
  if (typeof v === 'bigint') return { key, type: 'int64', value: v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString() };
  if (typeof v === 'number') return { key, type: 'float64', value: Number.isFinite(v) ? v : nonFinite(v) };
  if (v instanceof Uint8Array) return { key, type: 'binary', value: base64(v) };
  return { key, type: 'string', value: v === null ? '' : valueJson(v) };
}

function toTags(attributes: Attributes, skip?: string): JaegerKeyValue[] {
  const out: JaegerKeyValue[] = [];
  for (const a of attributes) if (a.key !== skip) out.push(toTag(a.key, a.value));
  return out;
}

function str(key: string, value: string): JaegerKeyValue {
  return { key, type: 'string', value };
}

function spanTags(span: Span): JaegerKeyValue[] {
  const tags: JaegerKeyValue[] = [];
  if (span.scope.name !== '') tags.push(str(TAG_SCOPE_NAME, span.scope.name));
  if (span.scope.version !== '') tags.push(str(TAG_SCOPE_VERSION, span.scope.version));
  for (const t of toTags(span.attributes, WARNINGS_ATTRIBUTE)) tags.push(t);
  tags.push(str(TAG_SPAN_KIND, jaegerSpanKind(span.kind)));
  if (span.status.code === SpanStatusCode.ERROR) tags.push(str(TAG_STATUS_CODE, 'ERROR'), { key: TAG_ERROR, type: 'bool', value: true });
  else if (span.status.code === SpanStatusCode.OK) tags.push(str(TAG_STATUS_CODE, 'OK'));
  if (span.status.message !== '') tags.push(str(TAG_STATUS_DESCRIPTION, span.status.message));
  if (span.traceState !== '') tags.push(str(TAG_TRACE_STATE, span.traceState));
  return tags;
}

function linkRefType(link: SpanLink): JaegerRefType {
  for (const a of link.attributes) if (a.key === REF_TYPE_ATTRIBUTE) return a.value === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM';
  return 'FOLLOWS_FROM';
}

/** The parent first (what clients take as the parent), then the links; a link to the parent sets the parent's type. */
function references(span: Span): JaegerReference[] {
  const refs: JaegerReference[] = [];
  if (span.parentSpanId !== '') refs.push({ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId });
  for (const link of span.links) {
    const refType = linkRefType(link);
    if (span.parentSpanId !== '' && link.traceId === span.traceId && link.spanId === span.parentSpanId) {
      refs[0] = { ...refs[0]!, refType };
    } else {
      refs.push({ refType, traceID: link.traceId, spanID: link.spanId });
    }
  }
  return refs;
}

function eventLog(e: SpanEvent): JaegerLog {
  const fields: JaegerKeyValue[] = [];
  if (e.name !== '' && !e.attributes.some((a) => a.key === LOG_EVENT)) fields.push(str(LOG_EVENT, e.name));
  for (const f of toTags(e.attributes)) fields.push(f);
  return { timestamp: micros(e.timeUnixNano), fields };
}

const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** OTLP SeverityNumber 1..24 -> its short name (INFO, INFO2, ...), '' for 0 or out of range. */
function severityName(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 24) return '';
  const step = (n - 1) % 4;
  return `${SEVERITY_NAMES[Math.floor((n - 1) / 4)]}${step === 0 ? '' : step + 1}`;
}

/** An OTLP log record shown as a span log: event (its event name), message (its body), level, then its attributes. */
function recordLog(r: LogRecord): JaegerLog {
  const fields: JaegerKeyValue[] = [];
  if (r.eventName !== '') fields.push(str(LOG_EVENT, r.eventName));
  if (r.body !== null) fields.push(toTag('message', r.body));
  const level = r.severityText || severityName(r.severityNumber);
  if (level !== '') fields.push(str('level', level));
  for (const f of toTags(r.attributes)) fields.push(f);
  return { timestamp: micros(r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano), fields };
}

function spanWarnings(span: Span): string[] | null {
  for (const a of span.attributes) {
    if (a.key === WARNINGS_ATTRIBUTE && Array.isArray(a.value)) return (a.value as readonly AttrValue[]).map((w) => (typeof w === 'string' ? w : valueJson(w)));
  }
  return null;
}

/** Processes deduplicated by service and tags, named p1, p2, ... in order of first use. */
class ProcessTable {
  readonly processes: Record<string, JaegerProcess> = {};
  private readonly byResource = new Map<Resource, string>();
  private readonly byKey = new Map<string, string>();

  id(resource: Resource): string {
    const known = this.byResource.get(resource);
    if (known !== undefined) return known;
    const name = resource.attributes.find((a) => a.key === SERVICE_NAME)?.value;
    const process: JaegerProcess = {
      serviceName: typeof name === 'string' && name !== '' ? name : UNKNOWN_SERVICE,
      tags: toTags(resource.attributes, SERVICE_NAME),
    };
    const key = JSON.stringify(process);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = `p${this.byKey.size + 1}`;
      this.byKey.set(key, id);
      this.processes[id] = process;
    }
    this.byResource.set(resource, id);
    return id;
  }
}

function logsBySpan(traceId: string, logs: readonly LogRecord[]): Map<string, LogRecord[]> {
  const out = new Map<string, LogRecord[]>();
  for (const r of logs) {
    if (r.spanId === '' || (r.traceId !== '' && r.traceId !== traceId)) continue;
    const list = out.get(r.spanId);
    if (list) list.push(r);
    else out.set(r.spanId, [r]);
  }
  return out;
}

/**
 * One trace in Jaeger's UI JSON. Log records naming a span are appended to that span's logs (fields event, message,
 * level and the record's attributes), merged in time order; this direction only: importing makes them span events.
 */
export function toJaegerTrace(traceId: string, spans: readonly Span[], logs: readonly LogRecord[] = []): JaegerTrace {
  const processes = new ProcessTable();
  const records = logs.length === 0 ? undefined : logsBySpan(traceId, logs);
  const jaegerSpans = spans.map((span): JaegerSpan => {
    const extra = records?.get(span.spanId);
    const spanLogs = span.events.map(eventLog);
    if (extra) {
      for (const r of extra) spanLogs.push(recordLog(r));
      spanLogs.sort((a, b) => a.timestamp - b.timestamp);
    }
    const duration = span.endTimeUnixNano - span.startTimeUnixNano;
    return {
      traceID: span.traceId,
      spanID: span.spanId,
      operationName: span.name,
      references: references(span),
      startTime: micros(span.startTimeUnixNano),
      duration: duration > 0n ? micros(duration) : 0,
      tags: spanTags(span),
      logs: spanLogs,
      processID: processes.id(span.resource),
      warnings: spanWarnings(span),
    };
  });
  return { traceID: traceId, spans: jaegerSpans, processes: processes.processes, warnings: null };
}

/**
 * The /api/* envelope. Jaeger sets total to the number of items for services and operations, and leaves it 0 for
 * traces and dependencies; limit and offset are always 0.
 */
export function jaegerResponse<T>(data: T, errors: readonly JaegerError[] | null = null, total = 0): JaegerResponse<T> {
  return { data, total, limit: 0, offset: 0, errors };
}

/** The body Jaeger sends with an HTTP error status (400 for a bad parameter, 404 for an unknown trace). */
export function jaegerError(code: number, msg: string): JaegerResponse<null> {
  return jaegerResponse(null, [{ code, msg }]);
}

export function toJaegerDependencies(links: readonly DependencyLink[], service?: string): JaegerDependencyLink[] {
  const out: JaegerDependencyLink[] = [];
  for (const l of links) {
    if (service && l.parent !== service && l.child !== service) continue;
    out.push({ parent: l.parent, child: l.child, callCount: l.callCount });
  }
  return out;
}

/** /api/services/{service}/operations: the distinct names, sorted. */
export function toJaegerOperationNames(ops: readonly OperationInfo[]): string[] {
  return [...new Set(ops.map((o) => o.name))].sort();
}

/** /api/operations?service=&spanKind=: name and kind, only the given kind when there is one. */
export function toJaegerOperations(ops: readonly OperationInfo[], spanKind?: SpanKind): JaegerOperation[] {
  const out: JaegerOperation[] = [];
  for (const o of ops) if (spanKind === undefined || o.spanKind === spanKind) out.push({ name: o.name, spanKind: jaegerSpanKind(o.spanKind) });
  return out;
}

/** /api/v3/operations: the same {name, spanKind} entries (the caller wraps them in {"operations": [...]}). */
export function toV3Operations(ops: readonly OperationInfo[], spanKind?: SpanKind): JaegerOperation[] {
  return toJaegerOperations(ops, spanKind);
}

// ---------------------------------------------------------------------------------------------------------------------
// Jaeger UI JSON -> span model (import)

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? 'a long string' : JSON.stringify(v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function fail(path: string, what: string): never {
  throw new MalformedPayloadError(`${path}: ${what}`);
}

function field(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function optString(o: JsonObject, key: string, path: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(field(path, key), `expected a string, got ${describe(v)}`);
  return v;
}

function optArray(o: JsonObject, key: string, path: string): readonly unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(field(path, key), `expected an array, got ${describe(v)}`);
  return v;
}

function objectAt(v: unknown, path: string, what: string): JsonObject {
  if (!isObject(v)) fail(path, `expected ${what}, got ${describe(v)}`);
  return v;
}

function microsField(o: JsonObject, key: string, path: string, required: boolean): bigint {
  const v = o[key];
  if (v === undefined && !required) return 0n;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(field(path, key), `expected a number of microseconds, got ${describe(v)}`);
  return BigInt(v) * 1000n;
}

/** Jaeger ids may be shorter than their width (Jaeger writes 64-bit trace ids that way): lower-case and left-pad. */
function jaegerId(text: string, width: number): string {
  const s = text.toLowerCase();
  return /^[0-9a-f]+$/.test(s) && s.length < width ? s.padStart(width, '0') : s;
}

function base64Bytes(v: string, path: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) fail(path, 'expected base64 bytes');
  return new Uint8Array(Buffer.from(v, 'base64'));
}

const INT_TEXT = /^[+-]?\d{1,20}$/;

/** A tag's typed value. Values may also come as text (the embedded-process and storage forms write them so). */
function tagValue(type: unknown, v: unknown, path: string): AttrValue {
  switch (type) {
    case 'string':
      if (typeof v !== 'string') fail(field(path, 'value'), `expected a string, got ${describe(v)}`);
      return v;
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      return fail(field(path, 'value'), `expected a boolean, got ${describe(v)}`);
    case 'int64':
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (typeof v === 'string' && INT_TEXT.test(v)) return BigInt.asIntN(64, BigInt(v));
      return fail(field(path, 'value'), `expected an integer (a number, or a decimal string past 2^53), got ${describe(v)}`);
    case 'float64':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && (v === 'NaN' || !Number.isNaN(Number(v)))) return Number(v);
      return fail(field(path, 'value'), `expected a number, got ${describe(v)}`);
    case 'binary':
      if (typeof v !== 'string') fail(field(path, 'value'), `expected base64 bytes, got ${describe(v)}`);
      return base64Bytes(v, field(path, 'value'));
    case undefined:
    case null:
      // No type: take the JSON type.
      if (typeof v === 'string' || typeof v === 'boolean') return v;
      if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
      return fail(field(path, 'value'), `expected a string, boolean or number, got ${describe(v)}`);
    default:
      return fail(field(path, 'type'), `expected one of string, bool, int64, float64, binary; got ${describe(type)}`);
  }
}

function tagsToAttributes(items: readonly unknown[], path: string): Attribute[] {
  return items.map((item, i) => {
    const p = `${path}[${i}]`;
    const kv = objectAt(item, p, 'a {key, type, value} object');
    if (typeof kv['key'] !== 'string') fail(field(p, 'key'), `expected a string, got ${describe(kv['key'])}`);
    return { key: kv['key'], value: tagValue(kv['type'], kv['value'], p) };
  });
}

/** Removes the first attribute named `key` and returns its value (undefined when there is none). */
function take(attrs: Attribute[], key: string): AttrValue | undefined {
  const i = attrs.findIndex((a) => a.key === key);
  if (i < 0) return undefined;
  const [a] = attrs.splice(i, 1);
  return a!.value;
}

function textOf(v: AttrValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** Status from the tags, as the collector's translator reads it: error=true wins, then otel.status_code. */
function takeStatus(attrs: Attribute[]): SpanStatus {
  const codeText = textOf(take(attrs, TAG_STATUS_CODE));
  const errorAt = attrs.findIndex((a) => a.key === TAG_ERROR && (a.value === true || (typeof a.value === 'string' && a.value.toLowerCase() === 'true')));
  if (errorAt >= 0) {
    attrs.splice(errorAt, 1);
    return { code: SpanStatusCode.ERROR, message: textOf(take(attrs, TAG_STATUS_DESCRIPTION)) };
  }
  if (codeText === '') return UNSET_STATUS;
  const upper = codeText.toUpperCase();
  const code = upper === 'ERROR' ? SpanStatusCode.ERROR : upper === 'OK' ? SpanStatusCode.OK : SpanStatusCode.UNSET;
  const message = textOf(take(attrs, TAG_STATUS_DESCRIPTION));
  return code === SpanStatusCode.UNSET && message === '' ? UNSET_STATUS : { code, message };
}

class ImportContext {
  readonly spans: Span[] = [];
  readonly rejects = new RejectLog();
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new Map<string, InstrumentationScope>();

  resource(o: JsonObject, path: string): Resource {
    const key = JSON.stringify([o['serviceName'], o['tags']]);
    let r = this.resources.get(key);
    if (!r) {
      const service = optString(o, 'serviceName', path);
      const attributes = tagsToAttributes(optArray(o, 'tags', path), field(path, 'tags'));
      // A process without a service name is written as unknown_service; do not invent a service.name for it.
      if (service !== '' && service !== UNKNOWN_SERVICE) attributes.unshift({ key: SERVICE_NAME, value: service });
      r = attributes.length === 0 ? EMPTY_RESOURCE : { attributes, droppedAttributesCount: 0, schemaUrl: '' };
      this.resources.set(key, r);
    }
    return r;
  }

  scope(name: string, version: string): InstrumentationScope {
    if (name === '' && version === '') return EMPTY_SCOPE;
    const key = `${name}\u0000${version}`;
    let s = this.scopes.get(key);
    if (!s) this.scopes.set(key, (s = { ...EMPTY_SCOPE, name, version }));
    return s;
  }
}

function takeScope(attrs: Attribute[], ctx: ImportContext): InstrumentationScope {
  const hasScope = attrs.some((a) => a.key === TAG_SCOPE_NAME);
  const name = take(attrs, hasScope ? TAG_SCOPE_NAME : TAG_LIBRARY_NAME);
  const version = name === undefined ? undefined : take(attrs, hasScope ? TAG_SCOPE_VERSION : TAG_LIBRARY_VERSION);
  return ctx.scope(textOf(name), textOf(version));
}

function logToEvent(item: unknown, path: string): SpanEvent {
  const o = objectAt(item, path, 'a {timestamp, fields} object');
  const attributes = tagsToAttributes(optArray(o, 'fields', path), field(path, 'fields'));
  const i = attributes.findIndex((a) => a.key === LOG_EVENT && typeof a.value === 'string');
  const name = i >= 0 ? (attributes.splice(i, 1)[0]!.value as string) : '';
  return {
    timeUnixNano: microsField(o, 'timestamp', path, true),
    name,
    attributes: attributes.length === 0 ? EMPTY_ATTRIBUTES : attributes,
    droppedAttributesCount: 0,
  };
}

interface Reference {
  readonly refType: JaegerRefType;
  readonly traceId: string;
  readonly spanId: string;
}

function readReferences(items: readonly unknown[], path: string): Reference[] {
  return items.map((item, i) => {
    const p = `${path}[${i}]`;
    const o = objectAt(item, p, 'a {refType, traceID, spanID} object');
    const refType = optString(o, 'refType', p) || 'CHILD_OF';
    if (refType !== 'CHILD_OF' && refType !== 'FOLLOWS_FROM') fail(field(p, 'refType'), `expected CHILD_OF or FOLLOWS_FROM, got ${describe(refType)}`);
    return { refType, traceId: jaegerId(optString(o, 'traceID', p), 32), spanId: jaegerId(optString(o, 'spanID', p), 16) };
  });
}

/**
 * The parent is the first CHILD_OF reference in the same trace, else the first FOLLOWS_FROM one (Jaeger's
 * Span.ParentSpanID). Every other reference becomes a link; a CHILD_OF link keeps opentracing.ref_type=child_of so that
 * it goes back out as CHILD_OF.
 */
function parentAndLinks(refs: readonly Reference[], traceId: string): { parent: string; links: SpanLink[] } {
  const sameTrace = refs.filter((r) => r.traceId === traceId);
  const parent = (sameTrace.find((r) => r.refType === 'CHILD_OF') ?? sameTrace.find((r) => r.refType === 'FOLLOWS_FROM'))?.spanId ?? '';
  const links: SpanLink[] = [];
  for (const r of refs) {
    if (r.refType === 'CHILD_OF' && r.traceId === traceId && r.spanId === parent) continue;
    links.push({
      traceId: r.traceId,
      spanId: r.spanId,
      traceState: '',
      attributes: r.refType === 'CHILD_OF' ? [{ key: REF_TYPE_ATTRIBUTE, value: 'child_of' }] : EMPTY_ATTRIBUTES,
      droppedAttributesCount: 0,
      flags: 0,
    });
  }
  return { parent, links };
}

function idProblem(span: Span, links: readonly SpanLink[]): string | undefined {
  const t = traceIdProblem(span.traceId);
  if (t) return `traceID: ${t}`;
  const s = spanIdProblem(span.spanId);
  if (s) return `spanID: ${s}`;
  for (let i = 0; i < links.length; i++) {
    const lt = traceIdProblem(links[i]!.traceId) ?? spanIdProblem(links[i]!.spanId);
    if (lt) return `a reference: ${lt}`;
  }
  if (span.parentSpanId !== '') {
    const p = spanIdProblem(span.parentSpanId);
    if (p) return `the parent reference: ${p}`;
  }
  return undefined;
}

function warningsAttribute(o: JsonObject, path: string): Attribute | undefined {
  const warnings = optArray(o, 'warnings', path);
  if (warnings.length === 0) return undefined;
  return { key: WARNINGS_ATTRIBUTE, value: warnings.map((w, i) => (typeof w === 'string' ? w : fail(`${field(path, 'warnings')}[${i}]`, `expected a string, got ${describe(w)}`))) };
}

function importSpan(o: JsonObject, path: string, traceTraceId: string, processes: JsonObject | undefined, processesPath: string, ctx: ImportContext): void {
  const traceId = jaegerId(optString(o, 'traceID', path) || traceTraceId, 32);
  const attrs = tagsToAttributes(optArray(o, 'tags', path), field(path, 'tags'));
  const scope = takeScope(attrs, ctx);
  const kindTag = take(attrs, TAG_SPAN_KIND);
  const kind = KINDS_BY_NAME.get(textOf(kindTag).toLowerCase()) ?? SpanKind.INTERNAL;
  const status = takeStatus(attrs);
  const traceState = textOf(take(attrs, TAG_TRACE_STATE));
  const warnings = warningsAttribute(o, path);
  if (warnings) attrs.push(warnings);
  const { parent, links } = parentAndLinks(readReferences(optArray(o, 'references', path), field(path, 'references')), traceId);
  const start = microsField(o, 'startTime', path, true);
  const logs = optArray(o, 'logs', path);
  const span: Span = {
    traceId,
    spanId: jaegerId(optString(o, 'spanID', path), 16),
    parentSpanId: parent,
    name: optString(o, 'operationName', path),
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + microsField(o, 'duration', path, false),
    attributes: attrs.length === 0 ? EMPTY_ATTRIBUTES : attrs,
    droppedAttributesCount: 0,
    events: logs.map((l, i) => logToEvent(l, `${field(path, 'logs')}[${i}]`)),
    droppedEventsCount: 0,
    links,
    droppedLinksCount: 0,
    status,
    traceState,
    flags: 0,
    resource: spanResource(o, path, processes, processesPath, ctx),
    scope,
  };
  const problem = idProblem(span, links);
  if (problem) ctx.rejects.add(path || 'span', problem);
  else ctx.spans.push(span);
}

/** The span's process: by processID in the trace's processes, or embedded in the span (Jaeger's storage form). */
function spanResource(o: JsonObject, path: string, processes: JsonObject | undefined, processesPath: string, ctx: ImportContext): Resource {
  const embedded = o['process'];
  if (isObject(embedded)) return ctx.resource(embedded, field(path, 'process'));
  const pid = optString(o, 'processID', path);
  if (pid === '') return EMPTY_RESOURCE;
  const p = processes && Object.hasOwn(processes, pid) ? processes[pid] : undefined;
  if (!isObject(p)) fail(field(path, 'processID'), `no process ${JSON.stringify(pid)} in ${processesPath}`);
  return ctx.resource(p, `${processesPath}.${pid}`);
}

function importTrace(v: unknown, path: string, ctx: ImportContext): void {
  const o = objectAt(v, path || '$', 'a Jaeger trace object');
  const processesPath = field(path, 'processes');
  const processes = o['processes'] === undefined || o['processes'] === null ? undefined : objectAt(o['processes'], processesPath, 'an object of processes');
  const traceId = optString(o, 'traceID', path);
  const spansPath = field(path, 'spans');
  optArray(o, 'spans', path).forEach((s, i) => {
    const p = `${spansPath}[${i}]`;
    importSpan(objectAt(s, p, 'a span object'), p, traceId, processes, processesPath, ctx);
  });
}

/**
 * Imports Jaeger UI JSON: an /api/traces response ({"data": [traces]}), one trace, or an array of traces. Spans
 * with invalid ids are rejected (counted, with reasons); anything else malformed throws MalformedPayloadError with
 * the JSON path of the value, e.g. `data[0].spans[3].startTime: expected a number of microseconds, got "x"`.
 */
export function fromJaegerJson(text: string): DecodedBatch {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new MalformedPayloadError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ctx = new ImportContext();
  if (Array.isArray(root)) {
    root.forEach((t, i) => importTrace(t, `[${i}]`, ctx));
  } else if (isObject(root) && 'data' in root) {
    const data = root['data'];
    if ((data === null || data === undefined) && Array.isArray(root['errors']) && root['errors'].length > 0) {
      const first: unknown = root['errors'][0];
      const msg = isObject(first) && typeof first['msg'] === 'string' ? first['msg'] : 'no message';
      throw new MalformedPayloadError(`the response holds no traces, only errors: ${msg}`);
    }
    optArray(root, 'data', '').forEach((t, i) => importTrace(t, `data[${i}]`, ctx));
  } else if (isObject(root) && 'spans' in root) {
    importTrace(root, '', ctx);
  } else {
    throw new MalformedPayloadError(`expected a Jaeger trace, an array of traces or an /api/traces response {"data": [...]}, got ${describe(root)}`);
  }
  return { spans: ctx.spans, rejectedSpans: ctx.rejects.count, rejectReasons: ctx.rejects.reasons };
}

// ---------------------------------------------------------------------------------------------------------------------
// Query parameters

/** What /api/traces returns at most when no limit is given (Jaeger's defaultQueryLimit). */
export const JAEGER_DEFAULT_LIMIT = 100;
/** How far back /api/traces searches when neither start nor lookback is given (Jaeger's default: 2 days). */
export const JAEGER_DEFAULT_LOOKBACK_NANOS = 2n * 24n * 3600n * 1_000_000_000n;
/** How far back /api/dependencies looks when no lookback is given (Jaeger's default: 1 day). */
export const JAEGER_DEFAULT_DEPENDENCY_LOOKBACK_NANOS = 24n * 3600n * 1_000_000_000n;

const MAX_INT64 = (1n << 63n) - 1n;

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const DURATION_PART = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/** Go's time.ParseDuration ("1.5ms", "1h2m", "-3s", "0"), exact, in nanoseconds; undefined when not a duration. */
export function parseGoDuration(text: string): bigint | undefined {
  let s = text;
  const negative = s.startsWith('-');
  if (negative || s.startsWith('+')) s = s.slice(1);
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  while (s !== '') {
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    const [all, whole = '', frac, unitText = ''] = m;
    const unit = UNIT_NANOS[unitText];
    if ((whole === '' && !frac) || unit === undefined) return undefined;
    total += BigInt(whole || '0') * unit;
    if (frac) total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    if (total > MAX_INT64 + (negative ? 1n : 0n)) return undefined;
    s = s.slice(all.length);
  }
  return negative ? -total : total;
}

const DAYS = /^(\d+)([dw])$/;

/** Jaeger UI lookbacks: Go durations plus whole days and weeks ("2d", "1w"). */
export function parseLookback(text: string): bigint | undefined {
  const m = DAYS.exec(text);
  if (m) return BigInt(m[1]!) * (m[2] === 'w' ? 7n : 1n) * 24n * UNIT_NANOS['h']!;
  return parseGoDuration(text);
}

function durationParam(params: URLSearchParams, names: readonly string[]): bigint | undefined {
  for (const name of names) {
    const text = params.get(name);
    if (text === null || text === '') continue;
    const d = parseGoDuration(text);
    if (d === undefined || d < 0n) throw new ConfigError(`${name} ${JSON.stringify(text)} is not a duration; use e.g. 1.2s, 100ms or 500us`);
    return d;
  }
  return undefined;
}

function integerParam(params: URLSearchParams, name: string, unit: string, example: string): bigint | undefined {
  const text = params.get(name);
  if (text === null || text === '') return undefined;
  if (!/^[+-]?\d{1,19}$/.test(text) || BigInt(text) > MAX_INT64) {
    throw new ConfigError(`${name} ${JSON.stringify(text)} is not a time; use ${unit} since the Unix epoch, e.g. ${example}`);
  }
  return BigInt(text);
}

/** tag=key:value (repeated) and tags={"key":"value"} (JSON), later ones winning, as Jaeger merges them. */
function tagFilters(params: URLSearchParams): AttributeFilter[] {
  const tags = new Map<string, string>();
  for (const tag of params.getAll('tag')) {
    const colon = tag.indexOf(':');
    if (colon < 0) throw new ConfigError(`malformed 'tag' parameter, expecting key:value, received: ${tag}`);
    tags.set(tag.slice(0, colon), tag.slice(colon + 1));
  }
  for (const json of params.getAll('tags')) {
    if (json.trim() !== '') for (const [k, v] of Object.entries(jsonStringMap(json, 'tags'))) tags.set(k, v);
  }
  return [...tags].map(([key, value]) => ({ key, op: '=', value }));
}

/** A JSON object of strings (numbers and booleans are taken as their text). */
function jsonStringMap(text: string, name: string): Record<string, string> {
  const example = `use e.g. ${name}={"http.status_code":"500","error":"true"}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`malformed '${name}' parameter, cannot unmarshal JSON: ${e instanceof Error ? e.message : String(e)}; ${example}`);
  }
  if (!isObject(parsed)) throw new ConfigError(`malformed '${name}' parameter: expected a JSON object, got ${describe(parsed)}; ${example}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new ConfigError(`malformed '${name}' parameter: the value of ${JSON.stringify(k)} is ${describe(v)}, expected a string; ${example}`);
    }
    out[k] = String(v);
  }
  return out;
}

function nonEmpty(params: URLSearchParams, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = params.get(n);
    if (v !== null && v !== '') return v;
  }
  return undefined;
}

/** The traceID parameters of GET /api/traces (repeated), as 32-digit lower-case hex. */
export function jaegerTraceIdsParam(params: URLSearchParams): TraceId[] {
  return params.getAll('traceID').map((text) => {
    const id = jaegerId(text, 32);
    if (traceIdProblem(id) !== undefined || text === '') {
      throw new ConfigError(`cannot parse traceID param: ${JSON.stringify(text)} is not a trace id; use up to 32 hex digits, e.g. 83a9efd15c1c98a977e0711cc93ee28b`);
    }
    return id;
  });
}

/**
 * GET /api/traces: service (required unless traceID is given), operation, tags / tag, start and end (µs since the
 * epoch), lookback (when start is absent: "1h", "2d"; "custom" means use start), minDuration / maxDuration (Go
 * durations), limit (default 100). Without start or lookback the window starts 2 days back, as in Jaeger; without end
 * it is open (Jaeger uses now; an open end keeps spans from a clock that runs ahead). Throws ConfigError with Jaeger's
 * message where Jaeger has one, else one that says what to send.
 */
export function parseJaegerTracesQuery(params: URLSearchParams, nowNanos: bigint): TraceQuery {
  const service = nonEmpty(params, 'service');
  const traceIds = jaegerTraceIdsParam(params);
  if (service === undefined && traceIds.length === 0) throw new ConfigError("parameter 'service' is required");
  const startMicros = integerParam(params, 'start', 'microseconds', '1706678909209712');
  const endMicros = integerParam(params, 'end', 'microseconds', '1706678909209712');
  const startFromNanos = startMicros !== undefined ? startMicros * 1000n : nowNanos - lookbackParam(params);
  const startToNanos = endMicros === undefined ? undefined : endMicros * 1000n;
  if (startToNanos !== undefined && startFromNanos > startToNanos) throw new ConfigError('invalid parameter: start time must be before end time');
  const minDurationNanos = durationParam(params, ['minDuration']);
  const maxDurationNanos = durationParam(params, ['maxDuration']);
  if (minDurationNanos && maxDurationNanos && maxDurationNanos < minDurationNanos) throw new ConfigError("'maxDuration' should be greater than 'minDuration'");
  const attributes = tagFilters(params);
  return {
    ...(service !== undefined && { service }),
    ...optional('operation', nonEmpty(params, 'operation')),
    ...(attributes.length > 0 && { attributes }),
    ...optional('minDurationNanos', minDurationNanos),
    ...optional('maxDurationNanos', maxDurationNanos),
    startFromNanos,
    ...optional('startToNanos', startToNanos),
    limit: limitParam(params),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function lookbackParam(params: URLSearchParams): bigint {
  const text = params.get('lookback');
  if (text === null || text === '' || text === 'custom') return JAEGER_DEFAULT_LOOKBACK_NANOS;
  const d = parseLookback(text);
  if (d === undefined || d <= 0n) throw new ConfigError(`lookback ${JSON.stringify(text)} is not a duration; use e.g. 1h, 12h, 2d or 7d`);
  return d;
}

function limitParam(params: URLSearchParams): number {
  const text = params.get('limit');
  if (text === null || text === '') return JAEGER_DEFAULT_LIMIT;
  const n = /^[+-]?\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > 0x7fffffff || n < -0x80000000) throw new ConfigError(`limit ${JSON.stringify(text)} is not a number; use a whole number of traces, e.g. 20`);
  if (n <= 0) throw new ConfigError('invalid parameter: limit must be greater than 0');
  return n;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** An RFC 3339 time with up to nanosecond fractions, in nanoseconds since the epoch; undefined when not one. */
export function parseRfc3339(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCDate() !== day) return undefined; // e.g. February 30
  d.setUTCHours(hour, minute, second, 0);
  let nanos = BigInt(d.getTime()) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
  if (m[8]) {
    const offsetHours = Number(m[9]);
    const offsetMinutes = Number(m[10]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    const offset = BigInt(offsetHours * 60 + offsetMinutes) * 60_000_000_000n;
    nanos += m[8] === '+' ? -offset : offset;
  }
  return nanos;
}

function rfc3339Param(params: URLSearchParams, names: readonly [string, string]): bigint | undefined {
  for (const name of names) {
    const text = params.get(name);
    if (text === null || text === '') continue;
    const t = parseRfc3339(text);
    if (t === undefined) throw new ConfigError(`${name} ${JSON.stringify(text)} is not an RFC 3339 time; use e.g. 2024-01-31T05:28:29.209712Z`);
    return t;
  }
  return undefined;
}

/**
 * GET /api/v3/traces: query.service_name, query.operation_name, query.start_time_min and query.start_time_max
 * (RFC 3339, both required, as Jaeger requires them), query.duration_min / query.duration_max (Go durations),
 * query.search_depth (or query.num_traces), query.attributes (a JSON object of strings). The camelCase spellings
 * (query.serviceName, ...) of newer Jaeger versions are accepted too. query.filter is refused: it is not supported.
 */
export function parseV3TracesQuery(params: URLSearchParams): TraceQuery {
  const startFromNanos = rfc3339Param(params, ['query.startTimeMin', 'query.start_time_min']);
  const startToNanos = rfc3339Param(params, ['query.startTimeMax', 'query.start_time_max']);
  if (startFromNanos === undefined || startToNanos === undefined) {
    throw new ConfigError('query.start_time_min and query.start_time_max are required; send RFC 3339 times, e.g. 2024-01-31T05:28:29.209712Z');
  }
  if (startToNanos < startFromNanos) throw new ConfigError('query.start_time_max must not be before query.start_time_min');
  if (nonEmpty(params, 'query.filter') !== undefined) throw new ConfigError('query.filter is not supported; use query.attributes={"key":"value"}');
  const minDurationNanos = durationParam(params, ['query.durationMin', 'query.duration_min']);
  const maxDurationNanos = durationParam(params, ['query.durationMax', 'query.duration_max']);
  if (minDurationNanos && maxDurationNanos && maxDurationNanos < minDurationNanos) {
    throw new ConfigError('query.duration_max must not be less than query.duration_min');
  }
  const attributesText = nonEmpty(params, 'query.attributes');
  const attributes: AttributeFilter[] = attributesText
    ? Object.entries(jsonStringMap(attributesText, 'query.attributes')).map(([key, value]) => ({ key, op: '=', value }))
    : [];
  return {
    ...optional('service', nonEmpty(params, 'query.serviceName', 'query.service_name')),
    ...optional('operation', nonEmpty(params, 'query.operationName', 'query.operation_name')),
    ...(attributes.length > 0 && { attributes }),
    ...optional('minDurationNanos', minDurationNanos),
    ...optional('maxDurationNanos', maxDurationNanos),
    startFromNanos,
    startToNanos,
    ...optional('limit', searchDepthParam(params)),
  };
}

function searchDepthParam(params: URLSearchParams): number | undefined {
  for (const name of ['query.searchDepth', 'query.search_depth', 'query.num_traces']) {
    const text = params.get(name);
    if (text === null || text === '') continue;
    const n = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
    if (!(n <= 0xffffffff)) throw new ConfigError(`${name} ${JSON.stringify(text)} is not a number; use a whole number of traces, e.g. 20`);
    return n === 0 ? undefined : n;
  }
  return undefined;
}

/** A span kind parameter ("server", "SPAN_KIND_SERVER", any case); undefined when empty. */
export function parseJaegerSpanKind(text: string | null, param: string): SpanKind | undefined {
  if (text === null || text === '') return undefined;
  const kind = KINDS_BY_NAME.get(text.toLowerCase().replace(/^span_kind_/, ''));
  if (kind === undefined) throw new ConfigError(`${param} ${JSON.stringify(text)} is not a span kind; use one of server, client, producer, consumer, internal`);
  return kind;
}

export interface OperationsQuery {
  readonly service?: string;
  readonly spanKind?: SpanKind;
}

/**
 * GET /api/operations?service=&spanKind= (v1: service required, as in Jaeger) and
 * GET /api/v3/operations?service=&span_kind= (v3: also spanKind; service optional).
 */
export function parseOperationsQuery(params: URLSearchParams, api: 'v1' | 'v3'): OperationsQuery {
  const service = nonEmpty(params, 'service');
  if (api === 'v1' && service === undefined) throw new ConfigError("parameter 'service' is required");
  const kindParam = api === 'v1' ? 'spanKind' : params.get('spanKind') ? 'spanKind' : 'span_kind';
  return { ...optional('service', service), ...optional('spanKind', parseJaegerSpanKind(params.get(kindParam), kindParam)) };
}

/** GET /api/dependencies?endTs=&lookback= (both milliseconds; default now and 1 day), as a start-time window. */
export function parseJaegerDependenciesQuery(params: URLSearchParams, nowNanos: bigint): { fromNanos: bigint; toNanos: bigint } {
  const endMs = integerParam(params, 'endTs', 'milliseconds', '1706678909209');
  const text = params.get('lookback');
  let lookback = JAEGER_DEFAULT_DEPENDENCY_LOOKBACK_NANOS;
  if (text !== null && text !== '') {
    if (!/^\d{1,15}$/.test(text)) throw new ConfigError(`lookback ${JSON.stringify(text)} is not a duration; use milliseconds, e.g. 3600000 for one hour`);
    lookback = BigInt(text) * 1_000_000n;
  }
  const toNanos = endMs === undefined ? nowNanos : endMs * 1_000_000n;
  return { fromNanos: toNanos - lookback, toNanos };
}
