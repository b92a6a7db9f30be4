// The in-memory store and trace summaries, with traces drawn as timelines:
//
//   trace A   root  |==========|          (service web, 0..100 ms)
//             db       |===|   <- error   (service db, arrives late in a second batch)
//   trace B   orphan      |==|            (its parent never arrives)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Resource, Span } from '../../src/core/model';
import { EMPTY_ATTRIBUTES, EMPTY_SCOPE, UNSET_STATUS } from '../../src/core/model';
import { MemoryTraceStore } from '../../src/core/store/memory';
import { summarizeTrace } from '../../src/core/trace';

const resource = (service: string): Resource => ({ attributes: [{ key: 'service.name', value: service }], droppedAttributesCount: 0, schemaUrl: '' });
const WEB = resource('web');
const DB = resource('db');

function span(traceId: string, spanId: string, parent: string, startMs: number, endMs: number, res = WEB, error = false, name = spanId): Span {
  return {
    traceId: traceId.padStart(32, '0'),
    spanId: spanId.padStart(16, '0'),
    parentSpanId: parent ? parent.padStart(16, '0') : '',
    name,
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(startMs) * 1_000_000n,
    endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(endMs) * 1_000_000n,
    attributes: EMPTY_ATTRIBUTES,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: error ? { code: SpanStatusCode.ERROR, message: 'x' } : UNSET_STATUS,
    traceState: '',
    flags: 1,
    resource: res,
    scope: EMPTY_SCOPE,
  };
}

describe('summarizeTrace', () => {
  it('finds the root, duration, services, errors and orphans', () => {
    const s = summarizeTrace([span('a', '2', '1', 30, 60, DB, true, 'SELECT'), span('a', '1', '', 0, 100, WEB, false, 'GET /'), span('a', '3', '9', 10, 20)])!;
    assert.equal(s.rootName, 'GET /');
    assert.equal(s.rootService, 'web');
    assert.equal(s.hasRoot, true);
    assert.equal(s.durationNanos, 100_000_000n);
    assert.equal(s.errorCount, 1);
    assert.equal(s.orphanCount, 1);
    assert.deepEqual(s.services, [{ service: 'web', spans: 2 }, { service: 'db', spans: 1 }]);
  });
  it('without a root, names the earliest span', () => {
    const s = summarizeTrace([span('b', '5', '4', 50, 60, WEB, false, 'late'), span('b', '6', '4', 40, 45, WEB, false, 'early')])!;
    assert.equal(s.hasRoot, false);
    assert.equal(s.rootName, 'early');
  });
});

describe('MemoryTraceStore', () => {
  it('assembles late, out-of-order spans from several batches into one trace, once each', async () => {
    const store = new MemoryTraceStore();
    const changes: string[][] = [];
    store.onDidChange((c) => changes.push([...c.traceIds]));
    await store.append([span('a', '2', '1', 30, 60, DB, true)]);
    await store.append([span('a', '1', '', 0, 100), span('a', '2', '1', 30, 60, DB, true)]);
    const spans = await store.getTrace('a'.padStart(32, '0'));
    assert.deepEqual(spans?.map((s) => s.spanId.replace(/^0+/, '')), ['1', '2']);
    assert.equal(store.stats().spanCount, 2);
    assert.equal(changes.length, 2);
    const [summary] = await store.findTraces({});
    assert.equal(summary!.spanCount, 2);
    assert.equal(summary!.errorCount, 1);
  });

  it('finds by service, operation and errors, newest first, up to the limit', async () => {
    const store = new MemoryTraceStore();
    await store.append([span('a', '1', '', 0, 10, WEB, false, 'GET /a'), span('a', '2', '1', 1, 2, DB, true, 'SELECT')]);
    await store.append([span('b', '3', '', 50, 60, WEB, false, 'GET /b')]);
    await store.append([span('c', '4', '', 100, 110, DB, false, 'SELECT')]);
    const ids = async (q: Parameters<MemoryTraceStore['findTraces']>[0]): Promise<string[]> => (await store.findTraces(q)).map((t) => t.traceId.replace(/^0+/, ''));
    assert.deepEqual(await ids({}), ['c', 'b', 'a']);
    assert.deepEqual(await ids({ service: 'db' }), ['c', 'a']);
    assert.deepEqual(await ids({ service: 'db', operation: 'SELECT' }), ['c', 'a']);
    assert.deepEqual(await ids({ operation: 'GET /b' }), ['b']);
    assert.deepEqual(await ids({ errorsOnly: true }), ['a']);
    assert.deepEqual(await ids({ limit: 1 }), ['c']);
  });

  it('evicts whole traces, least recently updated first, past maxSpans', async () => {
    const store = new MemoryTraceStore(4);
    await store.append([span('a', '1', '', 0, 1), span('a', '2', '1', 0, 1)]);
    await store.append([span('b', '3', '', 0, 1)]);
    await store.append([span('a', '4', '1', 0, 1)]); // a is now the most recently updated: order b, a
    await store.append([span('c', '5', '', 0, 1)]);
    assert.equal(await store.getTrace('b'.padStart(32, '0')), undefined);
    assert.ok(await store.getTrace('a'.padStart(32, '0')));
    assert.equal(store.stats().evictedSpans, 1);
    await store.append([span('d', '6', '', 0, 1)]);
    assert.equal(await store.getTrace('a'.padStart(32, '0')), undefined);
    assert.deepEqual(store.stats(), { spanCount: 2, traceCount: 2, evictedSpans: 4 });
  });

  it('keeps a batch that alone exceeds the bound until newer data arrives, and evicts many batches in order', async () => {
    const store = new MemoryTraceStore(2);
    await store.append([span('a', '1', '', 0, 1), span('a', '2', '1', 0, 1), span('a', '3', '1', 0, 1)]);
    assert.equal(store.stats().spanCount, 3, 'the only trace stays');
    await store.append([span('b', '4', '', 0, 1)]);
    assert.deepEqual(store.stats(), { spanCount: 1, traceCount: 1, evictedSpans: 3 });
    for (let i = 0; i < 50; i++) await store.append([span(`c${i}`, '5', '', 0, 1)]);
    assert.deepEqual(store.stats(), { spanCount: 2, traceCount: 2, evictedSpans: 52 });
    assert.ok(await store.getTrace('c49'.padStart(32, '0')));
    assert.ok(await store.getTrace('c48'.padStart(32, '0')));
  });

  it('clear empties it and says so', async () => {
    const store = new MemoryTraceStore();
    let cleared = false;
    store.onDidChange((c) => (cleared ||= c.cleared));
    await store.append([span('a', '1', '', 0, 1)]);
    await store.clear();
    assert.equal(cleared, true);
    assert.deepEqual(await store.findTraces({}), []);
    assert.equal(store.stats().spanCount, 0);
  });
});
