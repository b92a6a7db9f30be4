// Zipkin v2 JSON (POST /api/v2/spans, a JSON array of spans) -> normalised spans.
// Zipkin has no resource or typed attributes: tags are strings. The OpenTelemetry Zipkin exporter writes resource
// attributes into the tags, so tags in resource namespaces (service.*, process.*, host.* ...) go back to the resource,
// and its status tags (otel.status_code, error) and dropped counts become the span's status and counts again.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { normaliseHex } from './ids';
import type { Attribute, DecodedBatch, InstrumentationScope, Resource, Span, SpanEvent, SpanStatus } from './model';
import { EMPTY_ATTRIBUTES, EMPTY_SCOPE, MalformedPayloadError, UNSET_STATUS } from './model';
import { RejectLog, spanProblem } from './otlp/common';

const RESOURCE_PREFIXES = [
  'service.',
  'telemetry.',
  'process.',
  'host.',
  'os.',
  'container.',
  'k8s.',
  'cloud.',
  'deployment.',
  'faas.',
  'device.',
  'browser.',
];

const ZIPKIN_KINDS: Record<string, SpanKind> = {
  CLIENT: SpanKind.CLIENT,
  SERVER: SpanKind.SERVER,
  PRODUCER: SpanKind.PRODUCER,
  CONSUMER: SpanKind.CONSUMER,
};

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, what: string): never {
  throw new MalformedPayloadError(`${path}: ${what}`);
}

function optString(o: JsonObject, key: string, path: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(`${path}.${key}`, `expected a string, got ${typeof v}`);
  return v;
}

function micros(o: JsonObject, key: string, path: string): bigint {
  const v = o[key];
  if (v === undefined || v === null) return 0n;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${path}.${key}`, `expected microseconds (a non-negative number), got ${JSON.stringify(v)}`);
  return BigInt(Math.round(v)) * 1000n;
}

/** Zipkin allows 64-bit trace ids; they are the low half of a 128-bit id. */
function zipkinId(o: JsonObject, key: string, path: string, width: number): string {
  const s = optString(o, key, path);
  if (s === '') return '';
  const hex = normaliseHex(s.length % 2 === 1 ? `0${s}` : s);
  if (hex === undefined) return s;
  return hex.length < width ? hex.padStart(width, '0') : hex;
}

function endpointAttributes(v: unknown, path: string, out: Attribute[]): string {
  if (v === undefined || v === null) return '';
  if (!isObject(v)) fail(path, 'expected an endpoint object');
  const serviceName = optString(v, 'serviceName', path);
  const ip = optString(v, 'ipv4', path) || optString(v, 'ipv6', path);
  if (ip) out.push({ key: 'network.peer.address', value: ip });
  if (typeof v['port'] === 'number' && Number.isInteger(v['port'])) out.push({ key: 'network.peer.port', value: BigInt(v['port']) });
  return serviceName;
}

class ResourceCache {
  private readonly byKey = new Map<string, Resource>();
  get(attributes: Attribute[]): Resource {
    const key = JSON.stringify(attributes.map((a) => [a.key, String(a.value)]));
    let r = this.byKey.get(key);
    if (!r) {
      r = { attributes, droppedAttributesCount: 0, schemaUrl: '' };
      this.byKey.set(key, r);
    }
    return r;
  }
}

function decodeSpan(o: JsonObject, path: string, resources: ResourceCache, scopes: Map<string, InstrumentationScope>): Span {
  const attributes: Attribute[] = [];
  const resourceAttributes: Attribute[] = [];
  let statusCode: string | undefined;
  let errorText: string | undefined;
  let scopeName = '';
  let scopeVersion = '';
  const dropped = { attributes: 0, events: 0, links: 0 };
  const tags = o['tags'];
  if (tags !== undefined && tags !== null) {
    if (!isObject(tags)) fail(`${path}.tags`, 'expected an object of string values');
    for (const [key, raw] of Object.entries(tags)) {
      const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
      switch (key) {
        case 'otel.status_code':
          statusCode = value;
          break;
        case 'error':
          errorText = value;
          break;
        case 'otel.scope.name':
        case 'otel.library.name':
          scopeName = value;
          break;
        case 'otel.scope.version':
        case 'otel.library.version':
          scopeVersion = value;
          break;
        case 'otel.dropped_attributes_count':
          dropped.attributes = Number(value) || 0;
          break;
        case 'otel.dropped_events_count':
          dropped.events = Number(value) || 0;
          break;
        case 'otel.dropped_links_count':
          dropped.links = Number(value) || 0;
          break;
        default:
          if (RESOURCE_PREFIXES.some((p) => key.startsWith(p))) resourceAttributes.push({ key, value });
          else attributes.push({ key, value });
      }
    }
  }
  const local = o['localEndpoint'];
  const serviceName = isObject(local) ? optString(local, 'serviceName', `${path}.localEndpoint`) : '';
  if (serviceName && !resourceAttributes.some((a) => a.key === 'service.name')) {
    resourceAttributes.unshift({ key: 'service.name', value: serviceName });
  }
  const peerService = endpointAttributes(o['remoteEndpoint'], `${path}.remoteEndpoint`, attributes);
  if (peerService) attributes.push({ key: 'peer.service', value: peerService });

  let status: SpanStatus = UNSET_STATUS;
  if (statusCode === 'ERROR' || (statusCode === undefined && errorText !== undefined)) {
    status = { code: SpanStatusCode.ERROR, message: errorText ?? '' };
  } else if (statusCode === 'OK') {
    status = { code: SpanStatusCode.OK, message: '' };
  }

  const annotations = o['annotations'];
  let events: SpanEvent[] = [];
  if (annotations !== undefined && annotations !== null) {
    if (!Array.isArray(annotations)) fail(`${path}.annotations`, 'expected an array');
    events = annotations.map((a: unknown, i: number): SpanEvent => {
      const ap = `${path}.annotations[${i}]`;
      if (!isObject(a)) fail(ap, 'expected an object');
      return { timeUnixNano: micros(a, 'timestamp', ap), name: optString(a, 'value', ap), attributes: EMPTY_ATTRIBUTES, droppedAttributesCount: 0 };
    });
  }

  const start = micros(o, 'timestamp', path);
  const scopeKey = `${scopeName}\u0000${scopeVersion}`;
  let scope = scopes.get(scopeKey);
  if (!scope) {
    scope = scopeName || scopeVersion ? { ...EMPTY_SCOPE, name: scopeName, version: scopeVersion } : EMPTY_SCOPE;
    scopes.set(scopeKey, scope);
  }
  const kind = o['kind'];
  return {
    traceId: zipkinId(o, 'traceId', path, 32),
    spanId: zipkinId(o, 'id', path, 16),
    parentSpanId: zipkinId(o, 'parentId', path, 16),
    name: optString(o, 'name', path),
    kind: (typeof kind === 'string' && ZIPKIN_KINDS[kind]) || SpanKind.INTERNAL,
    startTimeUnixNano: start,
    endTimeUnixNano: start + micros(o, 'duration', path),
    attributes: attributes.length ? attributes : EMPTY_ATTRIBUTES,
    droppedAttributesCount: dropped.attributes,
    events,
    droppedEventsCount: dropped.events,
    links: [],
    droppedLinksCount: dropped.links,
    status,
    traceState: '',
    // Zipkin reports only sampled spans.
    flags: 0x1,
    resource: resources.get(resourceAttributes),
    scope,
  };
}

/** Decodes a Zipkin v2 JSON body (an array of spans). Throws MalformedPayloadError naming the bad field. */
export function decodeZipkinJson(text: string): DecodedBatch {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new MalformedPayloadError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(root)) fail('$', 'expected a JSON array of Zipkin v2 spans');
  const resources = new ResourceCache();
  const scopes = new Map<string, InstrumentationScope>();
  const spans: Span[] = [];
  const rejects = new RejectLog();
  root.forEach((item: unknown, i: number) => {
    const path = `$[${i}]`;
    if (!isObject(item)) fail(path, 'expected a span object');
    const span = decodeSpan(item, path, resources, scopes);
    const problem = spanProblem(span.traceId, span.spanId, span.parentSpanId);
    if (problem) rejects.add(path, problem.replace('trace_id', 'traceId').replace('parent_span_id', 'parentId').replace('span_id', 'id'));
    else spans.push(span);
  });
  return { spans, rejectedSpans: rejects.count, rejectReasons: rejects.reasons };
}
