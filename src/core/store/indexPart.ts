// The index part of a frame: the few fields of each span (or log record) that the in-memory indexes need, in a fixed
// binary layout, written beside the body at ingest and read back on reopen. 48 bytes per span, 28 per log record,
// plus a table of the batch's distinct service and span names.
import type { LogRecord, Span } from '../model';
import { serviceName, SpanStatusCode } from '../model';

const VERSION = 1;
export const SPAN_ENTRY_BYTES = 48;
export const LOG_ENTRY_BYTES = 28;
/** Names longer than this are cut in the index (the body keeps them whole): a hostile name cannot bloat memory. */
export const MAX_INDEXED_NAME = 256;

/** A span id folded to 32 bits (never 0, which means "no parent"). Within one trace, collisions are negligible. */
export function spanHash(hex: string): number {
  if (hex === '') return 0;
  const h = (parseInt(hex.slice(0, 8), 16) ^ parseInt(hex.slice(8, 16), 16)) >>> 0;
  return h === 0 ? 1 : h;
}

function cut(name: string): string {
  return name.length > MAX_INDEXED_NAME ? name.slice(0, MAX_INDEXED_NAME) : name;
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

function writeHeader(out: Buffer, kind: number, strings: StringTable, count: number): number {
  out.writeUInt8(VERSION, 0);
  out.writeUInt8(kind, 1);
  out.writeUInt16LE(strings.ids.size, 2);
  out.writeUInt32LE(count, 4);
  return strings.write(out, 8);
}

/** The index part for a batch of spans. */
export function encodeSpanIndex(spans: readonly Span[]): Buffer {
  const strings = new StringTable();
  const services = new Map<object, number>();
  const svc = new Uint16Array(spans.length);
  const names = new Uint32Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    let id = services.get(s.resource);
    if (id === undefined) services.set(s.resource, (id = strings.add(cut(serviceName(s)))));
    svc[i] = id;
    names[i] = strings.add(cut(s.name));
  }
  if (strings.ids.size > 0xffff) throw new Error('a batch with more than 65535 distinct names'); // cannot happen below 65536 spans
  const out = Buffer.allocUnsafe(8 + strings.bytes() + spans.length * SPAN_ENTRY_BYTES);
  let pos = writeHeader(out, 1, strings, spans.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    out.write(s.traceId, pos, 16, 'hex');
    out.writeUInt32LE(spanHash(s.spanId), pos + 16);
    out.writeUInt32LE(spanHash(s.parentSpanId), pos + 20);
    const start = s.startTimeUnixNano;
    out.writeUInt32LE(Number(start / U32), pos + 24);
    out.writeUInt32LE(Number(start % U32), pos + 28);
    const d = s.endTimeUnixNano - s.startTimeUnixNano;
    out.writeDoubleLE(d > 0n ? Number(d) : 0, pos + 32);
    out.writeUInt16LE(svc[i]!, pos + 40);
    out.writeUInt8(s.kind | (s.status.code === SpanStatusCode.ERROR ? 0x80 : 0), pos + 42);
    out.writeUInt8(0, pos + 43);
    out.writeUInt32LE(names[i]!, pos + 44);
    pos += SPAN_ENTRY_BYTES;
  }
  return out;
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

/** Reads an index part: its strings, entry count and where the entries start. */
export function readIndexHeader(part: Uint8Array): { kind: number; strings: string[]; count: number; entries: number } {
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
  return { kind: b.readUInt8(1), strings, count: b.readUInt32LE(4), entries: pos };
}
