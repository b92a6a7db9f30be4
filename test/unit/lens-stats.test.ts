// The code-lens statistics (src/core/lensStats.ts): windows, trend, percentiles against exact ones within the
// sketch's error, slowest spans and error messages; and the store's read-only row cursor they are fed from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BUCKET_MS, OperationStats, SKETCH_ACCURACY, sparkline, summarize, windowRange } from '../../src/core/lensStats';
import { EmbeddedStore } from '../../src/core/store/embeddedStore';
import { spanHash } from '../../src/core/store/indexPart';
import { EMPTY_RESOURCE } from '../../src/core/model';
import { modelSpan } from '../helpers/spans';

/** Nearest-rank percentile of sorted values. */
const exact = (sorted: readonly number[], p: number): number => sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)]!;

/** A deterministic pseudo-random sequence (xorshift), so a failure can be reproduced. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const NOW = 1_800_000_000_000; // ms, on a minute boundary plus 0
const minute = (m: number): number => NOW - m * BUCKET_MS + 1000; // a time inside the minute m minutes before NOW's

describe('lens statistics', () => {
  it('windows are whole minutes ending with the current one, the previous window right before', () => {
    const { recent, previous } = windowRange(NOW + 30_000, 15);
    const now = Math.floor((NOW + 30_000) / BUCKET_MS);
    assert.deepEqual(recent, [now - 14, now]);
    assert.deepEqual(previous, [now - 29, now - 15]);
  });

  it('percentiles agree with exact ones within the sketch accuracy (lognormal durations, 20,000 calls)', () => {
    const next = random(42);
    const op = new OperationStats();
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Box-Muller: lognormal around 10 ms with a long tail.
      const z = Math.sqrt(-2 * Math.log(next() || 1e-9)) * Math.cos(2 * Math.PI * next());
      const d = Math.round(1e7 * Math.exp(z));
      values.push(d);
      op.record(minute(i % 10), d, false);
    }
    values.sort((a, b) => a - b);
    const s = summarize([op], NOW, 15);
    assert.equal(s.count, 20_000);
    for (const [p, got] of [
      [0.5, s.p50],
      [0.95, s.p95],
      [0.99, s.p99],
    ] as const) {
      const want = exact(values, p);
      // The sketch's rank is p*(n-1) (lower), nearest rank is ceil(p*n): one rank apart at most, plus 1 % relative error.
      const neighbours = [values[Math.floor(p * (values.length - 1))]!, want];
      const ok = neighbours.some((v) => Math.abs(got! - v) <= v * SKETCH_ACCURACY * 1.0001);
      assert.ok(ok, `p${p * 100}: sketch ${got} vs exact ${want}`);
    }
    assert.equal(s.histogram?.counts.reduce((a, b) => a + b, 0), 20_000, 'the histogram holds every call');
  });

  it('counts only the recent window; the previous window gives the trend; old buckets are pruned', () => {
    const op = new OperationStats();
    for (let i = 0; i < 100; i++) op.record(minute(20), 10e6, false); // previous window: 10 ms
    for (let i = 0; i < 50; i++) op.record(minute(2), 30e6, i < 5); // recent: 30 ms, 10 % errors
    for (let i = 0; i < 7; i++) op.record(minute(40), 1e9, true); // older than both windows
    const s = summarize([op], NOW, 15);
    assert.equal(s.count, 50);
    assert.equal(s.errors, 5);
    assert.equal(s.previousCount, 100);
    assert.ok(Math.abs(s.trend! - 3) < 0.07, `trend ${s.trend}`);
    assert.equal(s.lastSeenMs, minute(2));
    op.prune(NOW - 30 * BUCKET_MS);
    assert.equal(op.bucketCount, 2);
    assert.equal(summarize([op], NOW, 60).count, 150, 'a wider window takes in the previous calls, not the pruned ones');
    assert.equal(summarize([op], NOW, 15).trend !== undefined, true);
    assert.equal(summarize([op], NOW + 60 * BUCKET_MS, 15).count, 0, 'an hour later nothing is recent');
  });

  it('merges operations that map to one location; keeps the slowest spans and the error messages', () => {
    const a = new OperationStats();
    const b = new OperationStats();
    let n = 0;
    for (const [op, d] of [
      [a, 5],
      [b, 900],
      [a, 70],
      [b, 3],
      [a, 400],
    ] as const) {
      const end = minute(1);
      if (op.record(end, d * 1e6, d === 900)) op.keepSlow({ traceId: String(n++).padStart(32, '0'), spanHash: n, durationNanos: d * 1e6, endMs: end, error: d === 900 });
    }
    b.noteError(minute(1), 'boom');
    b.noteError(minute(1), 'boom');
    a.noteError(minute(1), '<script>');
    const s = summarize([a, b], NOW, 15, 3);
    assert.equal(s.count, 5);
    assert.deepEqual(
      s.slowest.map((x) => x.durationNanos / 1e6),
      [900, 400, 70],
    );
    assert.deepEqual(s.messages, [
      { message: 'boom', count: 2 },
      { message: '<script>', count: 1 },
    ]);
    assert.equal(s.messageSamples, 3);
  });

  it('a sparkline has one block per bin, highest for the fullest', () => {
    assert.equal(sparkline([0, 1, 8, 4]), ' ▁█▄');
  });
});

describe('store row cursor (EmbeddedStore.readRows)', () => {
  it('visits every span row with its names, kind, error, times and span hash; continues from a cursor', async () => {
    const store = new EmbeddedStore();
    const resource = { ...EMPTY_RESOURCE, attributes: [{ key: 'service.name', value: 'checkout' }] };
    const spans = Array.from({ length: 5 }, (_, i) =>
      modelSpan({
        traceId: (i % 2 ? 'a' : 'b').repeat(32),
        spanId: `${i + 1}`.padStart(16, '0'),
        name: i === 3 ? 'charge' : 'GET /cart',
        kind: SpanKind.SERVER,
        startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n,
        endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n + BigInt((i + 1) * 1000),
        status: { code: i === 3 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET, message: '' },
        resource,
      }),
    );
    await store.append([{ kind: 'spans', spans: spans.slice(0, 3) }]);
    const seen: { name: string; service: string; error: boolean; duration: number; trace: string; hash: number; kind: number; start: number }[] = [];
    const names = store.indexNames();
    const visit = (r: { slot: number; service: number; name: number; error: boolean; durationNanos: number; spanHash: number; kind: number; startNanos: number }): void => {
      seen.push({ name: names.spans[r.name]!, service: names.services[r.service]!, error: r.error, duration: r.durationNanos, trace: store.traceIdOfSlot(r.slot), hash: r.spanHash, kind: r.kind, start: r.startNanos });
    };
    let cursor = store.readRows(0, 2, visit);
    assert.equal(cursor, 2);
    cursor = store.readRows(cursor, 100, visit);
    assert.equal(cursor, 3);
    await store.append([{ kind: 'spans', spans: spans.slice(3) }]);
    assert.equal(store.rowEnd, 5);
    cursor = store.readRows(cursor, 100, visit);
    assert.equal(cursor, 5);
    assert.deepEqual(
      seen.map((s) => [s.name, s.service, s.error, s.duration, s.trace, s.hash, s.kind]),
      spans.map((s, i) => [s.name, 'checkout', i === 3, (i + 1) * 1000, s.traceId, spanHash(s.spanId), SpanKind.SERVER]),
    );
    assert.ok(Math.abs(seen[4]!.start - Number(spans[4]!.startTimeUnixNano)) < 1024);
    await store.clear();
    assert.equal(store.rowEnd, 0, 'rows restart after clear');
    await store.close();
  });
});
