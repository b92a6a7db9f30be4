// The protobuf ingest fast path (src/core/otlp/scan.ts) must accept, reject and refuse exactly what the decoder does,
// and index exactly what the decoded spans would give: payload by payload, byte for byte. Payloads: realistic batches
// from the real OpenTelemetry SDK serializer, hand-made edge cases from the official generated protobufjs code, and
// thousands of mutations of both (bytes flipped, cut, duplicated).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Long from 'long';
import { makeBatches, Random } from '../../bench/ingest/payloads';
import { decodeTraceRequest } from '../../src/core/otlp/protobuf';
import { scanTraceRequest } from '../../src/core/otlp/scan';
import { encodeSpanIndex } from '../../src/core/store/indexPart';
import { reference } from '../helpers/otlp';

type Outcome = { ok: true; index: string; count: number; rejected: number; reasons: readonly string[] } | { ok: false };

function viaDecoder(bytes: Uint8Array): Outcome {
  try {
    const d = decodeTraceRequest(bytes);
    return { ok: true, index: encodeSpanIndex(d.spans).toString('hex'), count: d.spans.length, rejected: d.rejectedSpans, reasons: d.rejectReasons };
  } catch {
    return { ok: false };
  }
}

function viaScan(bytes: Uint8Array): Outcome {
  try {
    const s = scanTraceRequest(bytes);
    return { ok: true, index: s.index.toString('hex'), count: s.spanCount, rejected: s.rejectedSpans, reasons: s.rejectReasons };
  } catch {
    return { ok: false };
  }
}

function assertSame(bytes: Uint8Array, what: string): Outcome {
  const expected = viaDecoder(bytes);
  assert.deepEqual(viaScan(bytes), expected, what);
  return expected;
}

const encode = (o: object): Buffer => Buffer.from(reference.collector.ExportTraceServiceRequest.encode(reference.collector.ExportTraceServiceRequest.fromObject(o)).finish());
const id = (n: number, bytes: number): Buffer => Buffer.alloc(bytes, n);
const T = Long.fromString('1700000000123456789', true);
const span = (o: Record<string, unknown> = {}): Record<string, unknown> => ({ traceId: id(1, 16), spanId: id(2, 8), name: 'op', kind: 2, startTimeUnixNano: T, endTimeUnixNano: T.add(1000), ...o });
const request = (resource: object | undefined, spans: object[]): Buffer => encode({ resourceSpans: [{ ...(resource ? { resource } : {}), scopeSpans: [{ scope: { name: 's' }, spans }] }] });
const svc = (value: object): object => ({ attributes: [{ key: 'service.name', value }] });

function nested(depth: number): object {
  let v: object = { stringValue: 'leaf' };
  for (let i = 0; i < depth; i++) v = { arrayValue: { values: [v] } };
  return v;
}

describe('scanTraceRequest agrees with the decoder', () => {
  const sdk = makeBatches({ seed: 7, batches: 6, spansPerBatch: 256 }).map((b) => Buffer.from(b.protobuf));

  it('on realistic batches from the real SDK serializer', () => {
    for (const [i, b] of sdk.entries()) {
      const out = assertSame(b, `batch ${i}`);
      assert.ok(out.ok && out.count === 256 && out.rejected === 0);
    }
  });

  it('on hand-made edge cases: ids, service names, status, kinds, times, nesting', () => {
    const cases: [string, Buffer, (o: Outcome) => boolean][] = [
      ['bad ids are rejected with the same reasons', request(svc({ stringValue: 'a' }), [span({ traceId: id(1, 8) }), span({ spanId: id(0, 8) }), span({ parentSpanId: id(3, 4) }), span()]), (o) => o.ok && o.rejected === 3 && o.count === 1],
      ['no resource: unknown_service', request(undefined, [span()]), (o) => o.ok && o.count === 1],
      ['a non-string service.name', request(svc({ intValue: 5 }), [span()]), (o) => o.ok],
      ['an empty service.name', request(svc({ stringValue: '' }), [span()]), (o) => o.ok],
      ['two service.name attributes: the first counts', request({ attributes: [{ key: 'service.name', value: { stringValue: 'one' } }, { key: 'service.name', value: { stringValue: 'two' } }] }, [span()]), (o) => o.ok],
      ['error status, kinds 0..9, end before start', request(svc({ stringValue: 'k' }), [0, 1, 2, 3, 4, 5, 9].map((kind) => span({ kind, status: { code: kind % 3 }, endTimeUnixNano: T.subtract(5) }))), (o) => o.ok && o.count === 7],
      ['a root span and a missing trace id', request(svc({ stringValue: 'r' }), [span({ parentSpanId: Buffer.alloc(0) }), span({ traceId: Buffer.alloc(0) })]), (o) => o.ok && o.rejected === 1],
      ['attributes, events and links of every kind', request(svc({ stringValue: 'x' }), [span({ attributes: [{ key: 'a', value: { kvlistValue: { values: [{ key: 'b', value: { bytesValue: id(9, 3) } }] } } }, { key: 'd', value: { doubleValue: 0.5 } }, { key: 'i', value: { intValue: Long.MIN_VALUE } }], events: [{ name: 'e', timeUnixNano: T, attributes: [{ key: 'k', value: { boolValue: true } }] }], links: [{ traceId: id(4, 16), spanId: id(5, 8), traceState: 'x=1', flags: 1 }] })]), (o) => o.ok && o.count === 1],
      ['nesting at the limit', request(svc({ stringValue: 'n' }), [span({ attributes: [{ key: 'deep', value: nested(32) }] })]), (o) => o.ok],
      ['nesting past the limit is refused', request(svc({ stringValue: 'n' }), [span({ attributes: [{ key: 'deep', value: nested(33) }] })]), (o) => !o.ok],
      ['a resource nested past the limit is refused', request({ attributes: [{ key: 'service.name', value: nested(40) }] }, [span()]), (o) => !o.ok],
      ['a long name is cut in both', request(svc({ stringValue: 's'.repeat(1000) }), [span({ name: 'n'.repeat(5000) })]), (o) => o.ok],
    ];
    for (const [what, bytes, check] of cases) assert.ok(check(assertSame(bytes, what)), what);
  });

  it('on thousands of damaged payloads: both refuse, or both give the same index', () => {
    const rnd = new Random(42);
    const small = request(svc({ stringValue: 'mut' }), [span({ attributes: [{ key: 'k', value: { arrayValue: { values: [{ intValue: 7 }, { stringValue: 'v' }] } } }], events: [{ name: 'e' }], status: { code: 2, message: 'm' } }), span({ spanId: id(6, 8) })]);
    const bases = [small, sdk[0]!.subarray(0, 4096), sdk[1]!];
    let refused = 0;
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const base = bases[i % bases.length]!;
      const b = Buffer.from(base);
      const mode = i % 3;
      if (mode === 0) for (let k = 0; k < 1 + (i % 4); k++) b[Math.floor(rnd.next() * b.length)] = Math.floor(rnd.next() * 256);
      const bytes = mode === 1 ? b.subarray(0, Math.floor(rnd.next() * b.length)) : mode === 2 ? Buffer.concat([b, b.subarray(Math.floor(rnd.next() * b.length))]) : b;
      const out = assertSame(bytes, `mutation ${i}`);
      if (out.ok) accepted++;
      else refused++;
    }
    assert.ok(refused > 100 && accepted > 100, `both outcomes were exercised (${accepted} accepted, ${refused} refused)`);
  });
});
