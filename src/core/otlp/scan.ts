// The ingest fast path for OTLP protobuf: one pass over an ExportTraceServiceRequest that checks it exactly as the
// decoder (protobuf.ts) would — the same reads of the same fields, so it throws and rejects where the decoder does —
// but keeps only what the store's index needs (ids, times, service, name, kind, error) and allocates almost nothing.
// The request bytes themselves are what the store keeps; reading a trace decodes them with the decoder.
// test/unit/scan.test.ts checks, payload by payload, that scan and decode + encodeSpanIndex agree byte for byte.
import type { Reader } from 'protobufjs/minimal';
import { bytesToHex } from '../ids';
import { MalformedPayloadError } from '../model';
import { spanHashOfBytes, SpanIndexBuilder } from '../store/indexPart';
import { UNKNOWN_SERVICE } from '../../protocol/wire';
import { MAX_VALUE_DEPTH, RejectLog, spanKindFromOtlp, spanProblem } from './common';
import type { Position } from './protobuf';
import { longToBigInt, readEnvelope, TRACES } from './protobuf';
import { keyHashOfBytes, pairHash, pairHashOfBytes, unindexedHash } from '../store/attributeFilter';

export interface ScannedBatch {
  /** The index part (src/core/store/indexPart.ts) of the accepted spans. */
  readonly index: Buffer;
  readonly spanCount: number;
  readonly rejectedSpans: number;
  readonly rejectReasons: readonly string[];
}

type R = Reader;

/** Skips a length-delimited field (string or bytes) as r.string()/r.bytes() read it: out of range throws. */
function skipBytes(r: R): void {
  r.skip(r.uint32());
}

/** What the last scanAttributeHashed saw: where the key is, and the value as the search compares it. */
const seen = { keyStart: 0, keyEnd: 0, kind: 0, valueStart: 0, valueEnd: 0, text: '' };
const NO_VALUE = 0;
const STRING_BYTES = 1;
const TEXT = 2;
const UNINDEXED = 3;

/**
 * Walks an AnyValue as readAnyValue reads it. With `note`, also records in `seen` the value as the search compares it
 * (the last known field wins, as in readAnyValue): only attribute values at the top are noted, never nested ones.
 */
function scanAnyValue(r: R, end: number, depth: number, note = false): void {
  if (depth > MAX_VALUE_DEPTH) throw new MalformedPayloadError(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (note) seen.kind = NO_VALUE;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: {
        const n = r.uint32();
        const start = r.pos;
        r.skip(n);
        if (note) {
          seen.valueStart = start;
          seen.valueEnd = r.pos;
          seen.kind = STRING_BYTES;
        }
        break;
      }
      case 2: {
        const v = r.bool();
        if (note) {
          seen.text = String(v);
          seen.kind = TEXT;
        }
        break;
      }
      case 3: {
        const v = r.int64();
        if (note) {
          seen.text = longToBigInt(v as Parameters<typeof longToBigInt>[0]).toString();
          seen.kind = TEXT;
        }
        break;
      }
      case 4: {
        const v = r.double();
        if (note) {
          seen.text = String(v);
          seen.kind = TEXT;
        }
        break;
      }
      case 5:
      case 6:
        scanList(r, r.uint32() + r.pos, depth + 1, tag >>> 3 === 6);
        if (note) seen.kind = UNINDEXED;
        break;
      case 7:
        skipBytes(r);
        if (note) seen.kind = UNINDEXED;
        break;
      default:
        r.skipType(tag & 7);
    }
  }
}

/** An ArrayValue (values) or a KeyValueList (key-values): field 1, repeated. */
function scanList(r: R, end: number, depth: number, keyValues: boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) {
      const itemEnd = r.uint32() + r.pos;
      if (keyValues) scanKeyValue(r, itemEnd, depth);
      else scanAnyValue(r, itemEnd, depth);
    } else {
      r.skipType(tag & 7);
    }
  }
}

function scanKeyValue(r: R, end: number, depth: number): void {
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        skipBytes(r);
        break;
      case 2:
        scanAnyValue(r, r.uint32() + r.pos, depth);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
}

function scanAttribute(r: R): void {
  scanKeyValue(r, r.uint32() + r.pos, 0);
}


/** A KeyValue as scanKeyValue walks it; pushes the hashes the attribute filter keeps (attributeFilter.ts). */
function scanAttributeHashed(r: R, b: Uint8Array, out: number[]): void {
  const end = r.uint32() + r.pos;
  let keyStart = 0;
  let keyEnd = 0;
  let kind = NO_VALUE;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: {
        const n = r.uint32();
        keyStart = r.pos;
        r.skip(n);
        keyEnd = r.pos;
        break;
      }
      case 2:
        scanAnyValue(r, r.uint32() + r.pos, 0, true);
        kind = seen.kind;
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  seen.keyStart = keyStart;
  seen.keyEnd = keyEnd;
  seen.kind = kind;
  const k = keyHashOfBytes(b, keyStart, keyEnd);
  out.push(k);
  if (kind === NO_VALUE) out.push(pairHash(k, ''));
  else if (kind === STRING_BYTES) out.push(pairHashOfBytes(k, b, seen.valueStart, seen.valueEnd));
  else if (kind === TEXT) out.push(pairHash(k, seen.text));
  else out.push(unindexedHash(k));
}

const SERVICE_NAME = Buffer.from('service.name');

/** A Resource: its service.name as serviceName() reads it (the first attribute with that key), and its hashes. */
function scanResource(r: R, end: number, b: Uint8Array): Service {
  let service: string | null | undefined;
  const hashes: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        scanAttributeHashed(r, b, hashes);
        if (service === undefined && Buffer.compare(SERVICE_NAME, b.subarray(seen.keyStart, seen.keyEnd)) === 0) {
          service = seen.kind === STRING_BYTES ? Buffer.from(b.buffer, b.byteOffset + seen.valueStart, seen.valueEnd - seen.valueStart).toString('utf8') : null;
        }
        break;
      case 2:
        r.uint32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { name: service ? service : UNKNOWN_SERVICE, id: -1, hashes };
}

function scanScope(r: R, end: number): void {
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
      case 2:
        skipBytes(r);
        break;
      case 3:
        scanAttribute(r);
        break;
      case 4:
        r.uint32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
}

function scanEvent(r: R, end: number, b: Uint8Array, hashes: number[]): void {
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        r.skip(8);
        break;
      case 2:
        skipBytes(r);
        break;
      case 3:
        scanAttributeHashed(r, b, hashes);
        break;
      case 4:
        r.uint32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
}

function scanLink(r: R, end: number): void {
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
      case 2:
      case 3:
        skipBytes(r);
        break;
      case 4:
        scanAttribute(r);
        break;
      case 5:
        r.uint32();
        break;
      case 6:
        r.skip(4);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
}

/** A Status; returns its code (the last one wins, as in the decoder), 0 when there is none. */
function scanStatus(r: R, end: number): number {
  let code = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 2:
        skipBytes(r);
        break;
      case 3:
        code = r.int32();
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return code;
}

/** Where a length-delimited field's bytes are: [start, start + length). */
function bytesAt(r: R): { start: number; length: number } {
  const length = r.uint32();
  const start = r.pos;
  r.skip(length);
  return { start, length };
}

const NONE = { start: 0, length: 0 };

function isZero(b: Uint8Array, start: number, length: number): boolean {
  for (let i = start; i < start + length; i++) if (b[i] !== 0) return false;
  return true;
}

const validId = (b: Uint8Array, at: { start: number; length: number }, length: number): boolean => at.length === length && !isZero(b, at.start, length);
const hexOf = (b: Uint8Array, at: { start: number; length: number }): string => bytesToHex(b.subarray(at.start, at.start + at.length));

/**
 * A resource's service name and attribute hashes: put in the batch's name table and filter when its first span is
 * accepted (as encodeSpanIndex does).
 */
interface Service {
  readonly name: string;
  id: number;
  readonly hashes: readonly number[];
}

/** The attribute hashes of the span being scanned (kept only if it is accepted). */
const spanHashes: number[] = [];

function scanSpan(r: R, end: number, b: Uint8Array, out: SpanIndexBuilder, service: Service, rejects: RejectLog, where: Position): void {
  let traceId = NONE;
  let spanId = NONE;
  let parent = NONE;
  let name = '';
  let kind = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  let status = 0;
  spanHashes.length = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        traceId = bytesAt(r);
        break;
      case 2:
        spanId = bytesAt(r);
        break;
      case 3:
        skipBytes(r);
        break;
      case 4:
        parent = bytesAt(r);
        break;
      case 5:
        name = r.string();
        break;
      case 6:
        kind = r.int32();
        break;
      case 7:
        startLo = r.fixed32();
        startHi = r.fixed32();
        break;
      case 8:
        endLo = r.fixed32();
        endHi = r.fixed32();
        break;
      case 9:
        scanAttributeHashed(r, b, spanHashes);
        break;
      case 11:
        scanEvent(r, r.uint32() + r.pos, b, spanHashes);
        break;
      case 13:
        scanLink(r, r.uint32() + r.pos);
        break;
      case 15:
        status = scanStatus(r, r.uint32() + r.pos);
        break;
      case 10:
      case 12:
      case 14:
        r.uint32();
        break;
      case 16:
        r.skip(4);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  if (!validId(b, traceId, 16) || !validId(b, spanId, 8) || (parent.length !== 0 && !validId(b, parent, 8))) {
    const problem = spanProblem(hexOf(b, traceId), hexOf(b, spanId), hexOf(b, parent));
    if (problem) {
      rejects.add(`${where}`, problem);
      return;
    }
  }
  if (service.id < 0) {
    service.id = out.name(service.name);
    for (const h of service.hashes) out.hashes.add(h);
  }
  for (const h of spanHashes) out.hashes.add(h);
  const pos = out.next();
  out.buffer.set(b.subarray(traceId.start, traceId.start + 16), pos);
  const duration = (endHi - startHi) * 0x1_0000_0000 + (endLo - startLo);
  out.fill(
    pos,
    spanHashOfBytes(b, spanId.start),
    parent.length === 0 ? 0 : spanHashOfBytes(b, parent.start),
    startHi,
    startLo,
    duration > 0 ? duration : 0,
    service.id,
    out.name(name),
    spanKindFromOtlp(kind),
    status === 2,
  );
}

/** Checks an ExportTraceServiceRequest and builds the index part of its valid spans. Throws MalformedPayloadError. */
export function scanTraceRequest(bytes: Uint8Array): ScannedBatch {
  const out = new SpanIndexBuilder();
  const rejects = new RejectLog();
  readEnvelope<Service, void>(bytes, TRACES, {
    resource: (r, end) => (end >= 0 ? scanResource(r, end, bytes) : { name: UNKNOWN_SERVICE, id: -1, hashes: [] }),
    scope: (r, end) => {
      if (end >= 0) scanScope(r, end);
    },
    item: (r, end, service, _scope, at) => scanSpan(r, end, bytes, out, service, rejects, at),
  });
  return { index: out.finish(), spanCount: out.count, rejectedSpans: rejects.count, rejectReasons: rejects.reasons };
}
