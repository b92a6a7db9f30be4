// OTLP logs: ExportLogsServiceRequest (protobuf and JSON) -> immutable LogRecords, and the export responses.
// The protobuf side reads the wire bytes in one pass like protobuf.ts and shares its AnyValue, KeyValue, Resource and
// Scope readers; the JSON side shares json.ts' readers (camelCase and snake_case keys, int64 as strings or numbers).
// Field numbers follow opentelemetry-proto (collector/logs/v1, logs/v1; event_name = 12 since proto v1.5.0).
import { Reader } from 'protobufjs/minimal';
import { bytesToHex, spanIdProblem, traceIdProblem } from '../ids';
import type { Attribute, AttrValue, DecodedLogs, InstrumentationScope, LogRecord, Resource } from '../model';
import { EMPTY_ATTRIBUTES, EMPTY_RESOURCE, EMPTY_SCOPE, MalformedPayloadError } from '../model';
import { RejectLog } from './common';
import type { Json, JsonObject } from './json';
import { anyValue, array, describe, enumValue, get, id, isObject, keyValues, object, Path, resource, scope, str, uint, uint64 } from './json';
import {
  encodeTraceResponse,
  pushAttribute,
  readAnyValue,
  readFixed64,
  readHeader,
  readResource,
  readScope,
} from './protobuf';

/**
 * Rejects a record whose ids are invalid: both are optional, but when present they must be valid. The reason names
 * the field as the trace decoder does: "resource_logs[0].scope_logs[0].log_records[2]: trace_id: 8 bytes, expected 16".
 */
function checkIds(record: LogRecord, where: string, out: LogRecord[], rejects: RejectLog): void {
  const t = record.traceId === '' ? undefined : traceIdProblem(record.traceId);
  if (t) return rejects.add(where, `trace_id: ${t}`);
  const s = record.spanId === '' ? undefined : spanIdProblem(record.spanId);
  if (s) return rejects.add(where, `span_id: ${s}`);
  out.push(record);
}

// ---- protobuf ----

function readLogRecord(r: Reader, end: number, resource: Resource, scope: InstrumentationScope): LogRecord {
  let time = 0n;
  let observed = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AttrValue = null;
  let attributes: Attribute[] | undefined;
  let dropped = 0;
  let flags = 0;
  let traceId = '';
  let spanId = '';
  let eventName = '';
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        time = readFixed64(r);
        break;
      case 2:
        severityNumber = r.int32();
        break;
      case 3:
        severityText = r.string();
        break;
      case 5:
        body = readAnyValue(r, r.uint32() + r.pos, 0);
        break;
      case 6:
        attributes = pushAttribute(attributes, r);
        break;
      case 7:
        dropped = r.uint32();
        break;
      case 8:
        flags = r.fixed32();
        break;
      case 9:
        traceId = bytesToHex(r.bytes());
        break;
      case 10:
        spanId = bytesToHex(r.bytes());
        break;
      case 11:
        observed = readFixed64(r);
        break;
      case 12:
        eventName = r.string();
        break;
      default:
        // 4 was the removed `name`; unknown fields are skipped.
        r.skipType(tag & 7);
    }
  }
  return {
    timeUnixNano: time,
    observedTimeUnixNano: observed,
    severityNumber,
    severityText,
    body,
    attributes: attributes ?? EMPTY_ATTRIBUTES,
    droppedAttributesCount: dropped,
    flags,
    traceId,
    spanId,
    eventName,
    resource,
    scope,
  };
}

/** Where the decoder is, for messages: resource_logs[i].scope_logs[j].log_records[k]. */
class Position {
  rl = -1;
  sl = -1;
  lr = -1;
  toString(): string {
    let s = `resource_logs[${this.rl}]`;
    if (this.sl >= 0) s += `.scope_logs[${this.sl}]`;
    if (this.lr >= 0) s += `.log_records[${this.lr}]`;
    return s;
  }
}

function readScopeLogs(r: Reader, end: number, resource: Resource, out: LogRecord[], rejects: RejectLog, at: Position): void {
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
  at.lr = -1;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 2) {
      at.lr++;
      checkIds(readLogRecord(r, r.uint32() + r.pos, resource, scope), `${at}`, out, rejects);
    } else {
      r.skipType(tag & 7);
    }
  }
}

function readResourceLogs(r: Reader, end: number, out: LogRecord[], rejects: RejectLog, at: Position): void {
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
  at.sl = -1;
  at.lr = -1;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 2) {
      at.sl++;
      readScopeLogs(r, r.uint32() + r.pos, resource, out, rejects, at);
    } else {
      r.skipType(tag & 7);
    }
  }
}

/**
 * Decodes an ExportLogsServiceRequest. Records with an invalid trace or span id are rejected (counted, with reasons);
 * throws MalformedPayloadError when the bytes are not a request.
 */
export function decodeLogsRequest(bytes: Uint8Array): DecodedLogs {
  const r = Reader.create(bytes);
  const records: LogRecord[] = [];
  const rejects = new RejectLog();
  const at = new Position();
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) {
        at.rl++;
        readResourceLogs(r, r.uint32() + r.pos, records, rejects, at);
      } else {
        r.skipType(tag & 7);
      }
    }
    if (r.pos !== r.len) throw new Error(`message ends at byte ${r.pos}, past the payload's ${r.len}`);
  } catch (e) {
    if (e instanceof MalformedPayloadError) throw new MalformedPayloadError(`${at}: ${e.message}`);
    const why = e instanceof Error ? e.message : String(e);
    throw new MalformedPayloadError(`invalid ExportLogsServiceRequest protobuf${at.rl >= 0 ? ` at ${at}` : ''}: ${why}`);
  }
  return { records, rejectedRecords: rejects.count, rejectReasons: rejects.reasons };
}

/**
 * ExportLogsServiceResponse; an empty message when nothing was rejected. Its wire format is ExportTraceServiceResponse's
 * (partial_success = 1 { rejected_log_records = 1 int64, error_message = 2 }), so the trace encoder writes it.
 */
export function encodeLogsResponse(rejectedRecords: number, errorMessage: string): Uint8Array {
  return encodeTraceResponse(rejectedRecords, errorMessage);
}

// ---- JSON ----

const SEVERITY_NAMES: readonly string[] = [
  'UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) => [level, `${level}2`, `${level}3`, `${level}4`]),
].map((n) => `SEVERITY_NUMBER_${n}`);

function logRecordJson(o: JsonObject, res: Resource, sc: InstrumentationScope, path: Path): LogRecord {
  return {
    timeUnixNano: uint64(get(o, 'timeUnixNano', 'time_unix_nano'), path, 'timeUnixNano'),
    observedTimeUnixNano: uint64(get(o, 'observedTimeUnixNano', 'observed_time_unix_nano'), path, 'observedTimeUnixNano'),
    severityNumber: enumValue(get(o, 'severityNumber', 'severity_number'), SEVERITY_NAMES, path, 'severityNumber'),
    severityText: str(get(o, 'severityText', 'severity_text'), path, 'severityText'),
    body: anyValue(o['body'], path, 'body', 0),
    attributes: keyValues(o['attributes'], path, 'attributes'),
    droppedAttributesCount: uint(get(o, 'droppedAttributesCount', 'dropped_attributes_count'), path, 'droppedAttributesCount'),
    flags: uint(o['flags'], path, 'flags'),
    traceId: id(get(o, 'traceId', 'trace_id'), path, 'traceId'),
    spanId: id(get(o, 'spanId', 'span_id'), path, 'spanId'),
    eventName: str(get(o, 'eventName', 'event_name'), path, 'eventName'),
    resource: res,
    scope: sc,
  };
}

/** Decodes an OTLP JSON ExportLogsServiceRequest from its text. Throws MalformedPayloadError with the field's path. */
export function decodeLogsRequestJson(text: string): DecodedLogs {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (e) {
    throw new MalformedPayloadError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const top = new Path(undefined, '$');
  if (!isObject(root)) return top.fail(`expected an ExportLogsServiceRequest object, got ${describe(root)}`);
  const records: LogRecord[] = [];
  const rejects = new RejectLog();
  array(get(root, 'resourceLogs', 'resource_logs'), top, 'resourceLogs').forEach((rlJson, i) => {
    const rlPath = top.at('resourceLogs', i);
    const rl = object(rlJson, rlPath) ?? {};
    const res = resource(rl['resource'], str(get(rl, 'schemaUrl', 'schema_url'), rlPath, 'schemaUrl'), rlPath, 'resource');
    array(get(rl, 'scopeLogs', 'scope_logs'), rlPath, 'scopeLogs').forEach((slJson, j) => {
      const slPath = rlPath.at('scopeLogs', j);
      const sl = object(slJson, slPath) ?? {};
      const sc = scope(sl['scope'], str(get(sl, 'schemaUrl', 'schema_url'), slPath, 'schemaUrl'), slPath, 'scope');
      array(get(sl, 'logRecords', 'log_records'), slPath, 'logRecords').forEach((lrJson, k) => {
        const lrPath = slPath.at('logRecords', k);
        const record = logRecordJson(object(lrJson, lrPath) ?? {}, res, sc, lrPath);
        checkIds(record, `resource_logs[${i}].scope_logs[${j}].log_records[${k}]`, records, rejects);
      });
    });
  });
  return { records, rejectedRecords: rejects.count, rejectReasons: rejects.reasons };
}

/** The OTLP JSON ExportLogsServiceResponse body. */
export function encodeLogsResponseJson(rejectedRecords: number, errorMessage: string): string {
  if (rejectedRecords === 0 && errorMessage === '') return '{}';
  return JSON.stringify({ partialSuccess: { rejectedLogRecords: String(rejectedRecords), errorMessage } });
}
