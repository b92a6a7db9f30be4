// The index part of a frame: the few fields of each span (or log record) that the in-memory indexes need, in a fixed
// binary layout, written beside the body at ingest and read back on reopen. 48 bytes per span, 28 per log record,
// a table of the batch's distinct service and span names, and (spans) the frame's attribute filter.
import type { Attributes, LogRecord, Span } from '../model';
import { serviceName, SpanStatusCode } from '../model';
import { buildFilter, HashSet, keyHash, pairHash, unindexedHash } from './attributeFilter';

const VERSION = 1;
export const SPAN_ENTRY_BYTES = 48;
export const LOG_ENTRY_BYTES = 28;
/** Names longer than this are cut in the index (the body keeps them whole): a hostile name cannot bloat memory. */
export const MAX_INDEXED_NAME = 256;

/** A span id folded to 32 bits (never 0, which means "no parent"). Within one trace, collisions are negligible. */
export function spanHash(hex: string): number {
  if (hex === '') return 0;
  const h = (hexWord(hex, 0) ^ hexWord(hex, 8)) >>> 0;
  return h === 0 ? 1 : h;
}

/** The 32-bit value of the 8 hex digits at hex[at] (ids are validated lower-case hex before they get here). */
function hexWord(hex: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex.charCodeAt(i);
    v = (v << 4) | (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return v >>> 0;
}

class StringTable {
  readonly ids = new Map<string, number>();
  add(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) this.ids.set(s, (id = this.ids.size));
    return id;
  }
  bytes(): number {
    let n = 0;
    for (const s of this.ids.keys()) n += 2 + Buffer.byteLength(s);
    return n;
  }
  write(out: Buffer, pos: number): number {
    for (const s of this.ids.keys()) {
      const len = out.write(s, pos + 2, 'utf8');
      out.writeUInt16LE(len, pos);
      pos += 2 + len;
    }
    return pos;
  }
}

const U32 = 0x1_0000_0000n;

/** spanHash of the 8 id bytes at b[pos] (the same value as spanHash of their hex). */
export function spanHashOfBytes(b: Uint8Array, pos: number): number {
  const h = (((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) ^ ((b[pos + 4]! << 24) | (b[pos + 5]! << 16) | (b[pos + 6]! << 8) | b[pos + 7]!)) >>> 0;
  return h === 0 ? 1 : h;
}

function writeHeader(out: Buffer, kind: number, strings: StringTable, count: number): number {
  out.writeUInt8(VERSION, 0);
  out.writeUInt8(kind, 1);
  out.writeUInt16LE(strings.ids.size, 2);
  out.writeUInt32LE(count, 4);
  return strings.write(out, 8);
}

/**
 * Builds the index part of a batch of spans one entry at a time: from decoded spans (encodeSpanIndex) or straight
 * from the wire (src/core/otlp/scan.ts). Entries are 48 bytes: trace id, span and parent hashes, start (two u32),
 * duration (f64), service and name ids, kind and error.
 */
export class SpanIndexBuilder {
  private readonly strings = new StringTable();
  /** Attribute hashes for the frame's filter (src/core/store/attributeFilter.ts). */
  readonly hashes = new HashSet();
  private entries = Buffer.allocUnsafe(SPAN_ENTRY_BYTES * 64);
  count = 0;

  /** The id of a service or span name in this batch's table (cut to MAX_INDEXED_NAME characters). */
  name(s: string): number {
    return this.strings.add(s.length > MAX_INDEXED_NAME ? s.slice(0, MAX_INDEXED_NAME) : s);
  }

  /** Reserves the next entry and returns its offset in `buffer`, where the caller writes the trace id (16 bytes). */
  next(): number {
    if ((this.count + 1) * SPAN_ENTRY_BYTES > this.entries.length) {
      const bigger = Buffer.allocUnsafe(this.entries.length * 2);
      this.entries.copy(bigger, 0, 0, this.count * SPAN_ENTRY_BYTES);
      this.entries = bigger;
    }
    return this.count++ * SPAN_ENTRY_BYTES;
  }

  get buffer(): Buffer {
    return this.entries;
  }

  /** Fills the entry at `pos` (after its trace id). */
  fill(pos: number, spanHash: number, parentHash: number, startHi: number, startLo: number, duration: number, service: number, name: number, kind: number, error: boolean): void {
    const b = this.entries;
    b.writeUInt32LE(spanHash, pos + 16);
    b.writeUInt32LE(parentHash, pos + 20);
    b.writeUInt32LE(startHi, pos + 24);
    b.writeUInt32LE(startLo, pos + 28);
    b.writeDoubleLE(duration, pos + 32);
    b.writeUInt16LE(service, pos + 40);
    b.writeUInt8(kind | (error ? 0x80 : 0), pos + 42);
    b.writeUInt8(0, pos + 43);
    b.writeUInt32LE(name, pos + 44);
  }

  finish(): Buffer {
    if (this.strings.ids.size > 0xffff) throw new Error('a batch with more than 65535 distinct names'); // needs over 32767 spans
    const filter = buildFilter(this.hashes);
    const out = Buffer.allocUnsafe(8 + this.strings.bytes() + this.count * SPAN_ENTRY_BYTES + 4 + filter.length);
    let pos = writeHeader(out, 1, this.strings, this.count);
    this.entries.copy(out, pos, 0, this.count * SPAN_ENTRY_BYTES);
    pos += this.count * SPAN_ENTRY_BYTES;
    out.writeUInt32LE(filter.length, pos);
    out.set(filter, pos + 4);
    return out;
  }
}

/** Attribute keys repeat endlessly: their hashes are kept (up to a bound, so hostile keys cannot grow it). */
const keyHashes = new Map<string, number>();
const MAX_CACHED_KEYS = 4096;

function cachedKeyHash(key: string): number {
  let h = keyHashes.get(key);
  if (h === undefined) {
    h = keyHash(key);
    if (keyHashes.size >= MAX_CACHED_KEYS) keyHashes.clear();
    keyHashes.set(key, h);
  }
  return h;
}

/** Adds the hashes of attributes as the search compares them (valueText in query.ts). */
function hashAttributes(hashes: HashSet, attributes: Attributes): void {
  for (const a of attributes) {
    const k = cachedKeyHash(a.key);
    hashes.add(k);
    const v = a.value;
    if (v === null) hashes.add(pairHash(k, ''));
    else if (typeof v === 'string') hashes.add(pairHash(k, v));
    else if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') hashes.add(pairHash(k, String(v)));
    else hashes.add(unindexedHash(k));
  }
}

/** The index part for a batch of decoded spans. */
export function encodeSpanIndex(spans: readonly Span[]): Buffer {
  const b = new SpanIndexBuilder();
  const services = new Map<object, number>();
  for (const s of spans) {
    let service = services.get(s.resource);
    if (service === undefined) {
      services.set(s.resource, (service = b.name(serviceName(s))));
      hashAttributes(b.hashes, s.resource.attributes);
    }
    hashAttributes(b.hashes, s.attributes);
    for (const e of s.events) hashAttributes(b.hashes, e.attributes);
    const pos = b.next();
    b.buffer.write(s.traceId, pos, 16, 'hex');
    const start = s.startTimeUnixNano;
    const d = s.endTimeUnixNano - start;
    b.fill(pos, spanHash(s.spanId), spanHash(s.parentSpanId), Number(start / U32), Number(start % U32), d > 0n ? Number(d) : 0, service, b.name(s.name), s.kind, s.status.code === SpanStatusCode.ERROR);
  }
  return b.finish();
}

/** The index part for a batch of log records: only records naming a trace are indexed. */
export function encodeLogIndex(records: readonly LogRecord[]): Buffer {
  const linked = records.filter((r) => r.traceId !== '');
  const strings = new StringTable();
  const out = Buffer.allocUnsafe(8 + linked.length * LOG_ENTRY_BYTES);
  let pos = writeHeader(out, 2, strings, linked.length);
  for (const r of linked) {
    out.write(r.traceId, pos, 16, 'hex');
    out.writeUInt32LE(spanHash(r.spanId), pos + 16);
    const t = r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano;
    out.writeUInt32LE(Number(t / U32), pos + 20);
    out.writeUInt32LE(Number(t % U32), pos + 24);
    pos += LOG_ENTRY_BYTES;
  }
  return out;
}

export interface IndexHeader {
  /** 1: spans, 2: log records. */
  readonly kind: number;
  readonly strings: string[];
  readonly count: number;
  /** Where the entries start. */
  readonly entries: number;
  /** The frame's attribute filter (empty for log records, or spans without attributes). */
  readonly filter: Uint8Array;
}

const NO_FILTER = new Uint8Array(0);

/** Reads an index part: its strings, entry count, where the entries start, and the attribute filter after them. */
export function readIndexHeader(part: Uint8Array): IndexHeader {
  const b = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
  if (b.length < 8 || b.readUInt8(0) !== VERSION) throw new Error(`unknown index part version ${b.length > 0 ? b.readUInt8(0) : '(empty)'}`);
  const n = b.readUInt16LE(2);
  const strings: string[] = [];
  let pos = 8;
  for (let i = 0; i < n; i++) {
    const len = b.readUInt16LE(pos);
    strings.push(b.toString('utf8', pos + 2, pos + 2 + len));
    pos += 2 + len;
  }
  const kind = b.readUInt8(1);
  const count = b.readUInt32LE(4);
  const after = pos + count * SPAN_ENTRY_BYTES;
  const filter = kind === 1 && after + 4 <= b.length ? part.subarray(after + 4, after + 4 + b.readUInt32LE(after)) : NO_FILTER;
  return { kind, strings, count, entries: pos, filter };
}
