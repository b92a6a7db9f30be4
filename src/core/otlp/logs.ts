// OTLP logs: ExportLogsServiceRequest (protobuf and JSON) -> immutable LogRecords, and the export responses.
// The protobuf side reads the wire bytes in one pass like protobuf.ts and shares its AnyValue, KeyValue, Resource and
// Scope readers; the JSON side shares json.ts' readers (camelCase and snake_case keys, int64 as strings or numbers).
// Field numbers follow opentelemetry-proto (collector/logs/v1, logs/v1; event_name = 12 since proto v1.5.0).
import type { Reader } from 'protobufjs/minimal';
import { bytesToHex, spanIdProblem, traceIdProblem } from '../ids';
import type { Attribute, AttrValue, DecodedLogs, InstrumentationScope, LogRecord, Resource } from '../model';
import { EMPTY_ATTRIBUTES } from '../model';
import { RejectLog } from './common';
import type { JsonEnvelope, JsonObject, Path } from './json';
import { anyValue, enumValue, get, id, keyValues, readJsonEnvelope, str, uint, uint64 } from './json';
import type { Envelope } from './protobuf';
import { encodeTraceResponse, pushAttribute, readAnyValue, readEnvelope, readFixed64, resourceOrEmpty, scopeOrEmpty } from './protobuf';

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

const LOGS: Envelope = { request: 'ExportLogsServiceRequest', resource: 'resource_logs', scope: 'scope_logs', item: 'log_records' };

/**
 * Decodes an ExportLogsServiceRequest. Records with an invalid trace or span id are rejected (counted, with reasons);
 * throws MalformedPayloadError when the bytes are not a request.
 */
export function decodeLogsRequest(bytes: Uint8Array): DecodedLogs {
  const records: LogRecord[] = [];
  const rejects = new RejectLog();
  readEnvelope(bytes, LOGS, {
    resource: resourceOrEmpty,
    scope: scopeOrEmpty,
    item: (r, end, resource, scope, at) => checkIds(readLogRecord(r, end, resource, scope), `${at}`, records, rejects),
  });
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

const LOGS_JSON: JsonEnvelope = { request: 'ExportLogsServiceRequest', resource: ['resourceLogs', 'resource_logs'], scope: ['scopeLogs', 'scope_logs'], item: ['logRecords', 'log_records'] };

/** Decodes an OTLP JSON ExportLogsServiceRequest from its text. Throws MalformedPayloadError with the field's path. */
export function decodeLogsRequestJson(text: string): DecodedLogs {
  const records: LogRecord[] = [];
  const rejects = new RejectLog();
  readJsonEnvelope(text, LOGS_JSON, (o, res, sc, path, at) => checkIds(logRecordJson(o, res, sc, path), at, records, rejects));
  return { records, rejectedRecords: rejects.count, rejectReasons: rejects.reasons };
}

/** The OTLP JSON ExportLogsServiceResponse body. */
export function encodeLogsResponseJson(rejectedRecords: number, errorMessage: string): string {
  if (rejectedRecords === 0 && errorMessage === '') return '{}';
  return JSON.stringify({ partialSuccess: { rejectedLogRecords: String(rejectedRecords), errorMessage } });
}
