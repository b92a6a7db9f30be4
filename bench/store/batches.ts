// The store benchmark's stream of export batches: the SDK-made protobuf batches of bench/ingest/payloads.ts used as
// templates, each copy given fresh random trace and span ids (all 16 / 8 bytes, as a real SDK's ids are) and
// timestamps moved forward, so that every batch holds new traces later than the previous batch's. The copy is then
// decoded with TraceLens's own decoder, so the spans given to the store and the body it keeps agree byte for byte.
// Batch n is the same bytes in every process (its ids come from a generator seeded with n): a worker that needs the
// decoded spans of a store it did not fill can make them again.
import { Reader } from 'protobufjs/minimal';
import type { Span } from '../../src/core/model';
import { decodeTraceRequest } from '../../src/core/otlp/protobuf';

/** One SDK batch, as bench/ingest/payloads.ts made it (protobuf only). */
export interface Template {
  readonly protobuf: Uint8Array;
  readonly spanCount: number;
}

/** Where the fields to rewrite are in a template. */
interface Layout {
  readonly bytes: Buffer;
  readonly spanCount: number;
  /** Offsets of the 16-byte trace ids (span and link trace_id), and which distinct id each one is. */
  readonly traceAt: Int32Array;
  readonly traceOf: Int32Array;
  readonly traces: number;
  /** Offsets of the 8-byte span ids (span_id, parent_span_id, link span_id), and which distinct id each one is. */
  readonly spanAt: Int32Array;
  readonly spanOf: Int32Array;
  readonly spans: number;
  /** Offsets of the fixed64 nanosecond timestamps (span start and end, event times). */
  readonly timeAt: Int32Array;
}

/** Walks ExportTraceServiceRequest -> ResourceSpans -> ScopeSpans -> Span (-> Event, Link) with protobufjs' Reader. */
function layoutOf(t: Template): Layout {
  const bytes = Buffer.from(t.protobuf);
  const r = Reader.create(bytes);
  const traceAt: number[] = [];
  const traceOf: number[] = [];
  const spanAt: number[] = [];
  const spanOf: number[] = [];
  const timeAt: number[] = [];
  const traceIds = new Map<string, number>();
  const spanIds = new Map<string, number>();
  const id = (map: Map<string, number>, at: number[], of: number[], length: number): void => {
    const n = r.uint32();
    if (n === 0) return; // no parent
    if (n !== length) throw new Error(`an id of ${n} bytes at byte ${r.pos}, expected ${length}`);
    const key = bytes.toString('hex', r.pos, r.pos + n);
    let k = map.get(key);
    if (k === undefined) map.set(key, (k = map.size));
    at.push(r.pos);
    of.push(k);
    r.pos += n;
  };
  const message = (end: number, field: (f: number, wire: number) => boolean): void => {
    while (r.pos < end) {
      const tag = r.uint32();
      if (!field(tag >>> 3, tag & 7)) r.skipType(tag & 7);
    }
  };
  const nested = (each: (end: number) => void): true => {
    const end = r.uint32() + r.pos;
    each(end);
    r.pos = end;
    return true;
  };
  const time = (): true => {
    timeAt.push(r.pos);
    r.pos += 8;
    return true;
  };
  const link = (end: number): void =>
    message(end, (f) => {
      if (f === 1) id(traceIds, traceAt, traceOf, 16);
      else if (f === 2) id(spanIds, spanAt, spanOf, 8);
      else return false;
      return true;
    });
  const event = (end: number): void => message(end, (f, wire) => f === 1 && wire === 1 && time());
  const span = (end: number): void =>
    message(end, (f, wire) => {
      if (f === 1) id(traceIds, traceAt, traceOf, 16);
      else if (f === 2 || f === 4) id(spanIds, spanAt, spanOf, 8);
      else if ((f === 7 || f === 8) && wire === 1) time();
      else if (f === 11) nested(event);
      else if (f === 13) nested(link);
      else return false;
      return true;
    });
  const scopeSpans = (end: number): void => message(end, (f) => f === 2 && nested(span));
  const resourceSpans = (end: number): void => message(end, (f) => f === 2 && nested(scopeSpans));
  message(bytes.length, (f) => f === 1 && nested(resourceSpans));
  return {
    bytes,
    spanCount: t.spanCount,
    traceAt: Int32Array.from(traceAt),
    traceOf: Int32Array.from(traceOf),
    traces: traceIds.size,
    spanAt: Int32Array.from(spanAt),
    spanOf: Int32Array.from(spanOf),
    spans: spanIds.size,
    timeAt: Int32Array.from(timeAt),
  };
}

/** xorshift128: fast 32-bit random words, seeded. */
class Words {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    // splitmix32 spreads a small seed over the four words.
    let s = seed >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() || 1;
  }
  next(): number {
    const t = this.a ^ (this.a << 11);
    this.a = this.b;
    this.b = this.c;
    this.c = this.d;
    this.d = (this.d ^ (this.d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.d;
  }
}

const TWO32 = 0x1_0000_0000;
/** Batch n starts this much later than batch n - 1 (a template covers at most ~2.5 s). */
const BATCH_STEP_NS = 3_000_000_000;
/** bench/ingest/payloads.ts starts template i at its epoch + i minutes. */
const TEMPLATE_STEP_NS = 60_000_000_000;

export interface FreshBatch {
  readonly n: number;
  readonly body: Buffer;
  readonly spans: readonly Span[];
}

export class FreshBatches {
  private readonly layouts: Layout[];

  constructor(
    templates: readonly Template[],
    private readonly seed: number,
  ) {
    this.layouts = templates.map(layoutOf);
  }

  /** Spans in batch n. */
  spanCount(n: number): number {
    return this.layouts[n % this.layouts.length]!.spanCount;
  }

  /** The protobuf bytes of batch n: template n mod T with fresh ids, and times moved to n * 3 s after the first. */
  body(n: number): Buffer {
    const t = this.layouts.length;
    const l = this.layouts[n % t]!;
    const out = Buffer.allocUnsafe(l.bytes.length);
    l.bytes.copy(out);
    const w = new Words((this.seed * 0x3504f333 + n) >>> 0);
    const traceWords = new Uint32Array(l.traces * 4);
    for (let i = 0; i < traceWords.length; i++) traceWords[i] = w.next();
    const spanWords = new Uint32Array(l.spans * 2);
    for (let i = 0; i < spanWords.length; i++) spanWords[i] = w.next() || 1;
    for (let i = 0; i < l.traceAt.length; i++) {
      const at = l.traceAt[i]!;
      const k = l.traceOf[i]! * 4;
      for (let j = 0; j < 4; j++) out.writeUInt32LE(traceWords[k + j]!, at + j * 4);
    }
    for (let i = 0; i < l.spanAt.length; i++) {
      const at = l.spanAt[i]!;
      const k = l.spanOf[i]! * 2;
      out.writeUInt32LE(spanWords[k]!, at);
      out.writeUInt32LE(spanWords[k + 1]!, at + 4);
    }
    // Every batch later than the one before: template i began i minutes after template 0.
    const shift = n * BATCH_STEP_NS + (t - 1 - (n % t)) * TEMPLATE_STEP_NS;
    const shiftHi = Math.floor(shift / TWO32);
    const shiftLo = shift - shiftHi * TWO32;
    for (let i = 0; i < l.timeAt.length; i++) {
      const at = l.timeAt[i]!;
      const lo = out.readUInt32LE(at) + shiftLo;
      const carry = lo >= TWO32 ? 1 : 0;
      out.writeUInt32LE(lo - carry * TWO32, at);
      out.writeUInt32LE(out.readUInt32LE(at + 4) + shiftHi + carry, at + 4);
    }
    return out;
  }

  /** Batch n, decoded by TraceLens's decoder. */
  batch(n: number): FreshBatch {
    const body = this.body(n);
    const d = decodeTraceRequest(body);
    if (d.rejectedSpans !== 0 || d.spans.length !== this.spanCount(n)) {
      throw new Error(`batch ${n}: decoded ${d.spans.length} spans, rejected ${d.rejectedSpans} (${d.rejectReasons.join('; ')})`);
    }
    return { n, body, spans: d.spans };
  }
}
