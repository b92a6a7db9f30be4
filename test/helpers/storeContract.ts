// The behaviour every trace store shares (the embedded store on disk and in memory, ClickHouse), with traces drawn as
// timelines (ms from a fixed start):
//
//   trace a   web  GET /checkout  |====================|  0..100     (root, SERVER)
//             db   SELECT              |======|  <- error  30..60  (arrives late, second batch; http.status_code 500)
//             web  render                         |==|    80..90  (arrives before its parent, first batch)
//   trace b   web  GET /health    |=|                      0..5      (root; newer trace)
//   trace c   api  POST /orders   |==========|             0..50     (root, kind CLIENT; attribute tier=gold)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, LogRecord, Resource, Span } from '../../src/core/model';
import { EMPTY_ATTRIBUTES, EMPTY_SCOPE, UNSET_STATUS } from '../../src/core/model';
import type { TraceQuery, TraceStore } from '../../src/core/store/store';
import { summarizeTrace } from '../../src/core/trace';
import { modelSpan } from './spans';

export const resource = (service: string): Resource => ({ attributes: [{ key: 'service.name', value: service }], droppedAttributesCount: 0, schemaUrl: '' });
export const WEB = resource('web');
export const DB = resource('db');
export const API = resource('api');
export const T0 = 1_700_000_000_000_000_000n;
export const ms = (n: number): bigint => T0 + BigInt(n) * 1_000_000n;

export interface SpanOptions {
  readonly res?: Resource;
  readonly error?: boolean;
  readonly name?: string;
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly base?: bigint;
}

export function span(traceId: string, spanId: string, parent: string, startMs: number, endMs: number, o: SpanOptions = {}): Span {
  const base = o.base ?? 0n;
  return modelSpan({
    traceId: traceId.padStart(32, '0'),
    spanId: spanId.padStart(16, '0'),
    parentSpanId: parent ? parent.padStart(16, '0') : '',
    name: o.name ?? spanId,
    kind: o.kind ?? SpanKind.INTERNAL,
    startTimeUnixNano: ms(startMs) + base,
    endTimeUnixNano: ms(endMs) + base,
    attributes: o.attributes ?? EMPTY_ATTRIBUTES,
    status: o.error ? { code: SpanStatusCode.ERROR, message: 'boom' } : UNSET_STATUS,
    flags: 1,
    resource: o.res ?? WEB,
  });
}

export const A_ROOT = span('a', '1', '', 0, 100, { name: 'GET /checkout', kind: SpanKind.SERVER, attributes: [{ key: 'http.route', value: '/checkout' }] });
export const A_DB = span('a', '2', '1', 30, 60, { res: DB, error: true, name: 'SELECT', kind: SpanKind.CLIENT, attributes: [{ key: 'http.status_code', value: 500n }] });
export const A_RENDER = span('a', '3', '1', 80, 90, { name: 'render' });
export const B_ROOT = span('b', '4', '', 0, 5, { name: 'GET /health', kind: SpanKind.SERVER, base: 1_000_000_000n });
export const C_ROOT = span('c', '5', '', 0, 50, { res: API, name: 'POST /orders', kind: SpanKind.CLIENT, attributes: [{ key: 'tier', value: 'gold' }], base: 500_000_000n });

export const id = (c: string): string => c.padStart(32, '0');
/** Fills a store with the three traces, in two appends (trace a's spans out of order and across batches). */
export async function fill<S extends TraceStore>(store: S): Promise<S> {
  await store.append([{ kind: 'spans', spans: [A_RENDER, A_ROOT] }]);
  await store.append([
    { kind: 'spans', spans: [A_DB, C_ROOT] },
    { kind: 'spans', spans: [B_ROOT] },
  ]);
  return store;
}

/** Spans compared by value (resources and scopes are shared objects in the model, fresh ones after decoding). */
export const plain = (spans: readonly Span[] | undefined): unknown => JSON.parse(JSON.stringify(spans, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));

export interface ContractOptions {
  /** What the store keeps of a span (the embedded store: all of it; ClickHouse's tables: attribute values as text). */
  readonly kept?: (span: Span) => Span;
  /** clear() empties the store; otherwise it refuses, saying why, and deletes nothing. */
  readonly clears: boolean;
}

/** The shared suite: `open` gives an empty store of the kind under test. */
export function storeContract(label: string, open: () => Promise<TraceStore>, options: ContractOptions): void {
  const kept = options.kept ?? ((s: Span): Span => s);
  describe(label, () => {
    it('assembles late, out-of-order spans from several batches into one trace, each span once', async () => {
      const store = await fill(await open());
      await store.append([{ kind: 'spans', spans: [A_DB] }]); // an exporter's retry
      const spans = await store.getTrace(id('a'));
      assert.deepEqual(
        spans?.map((s) => s.name),
        ['GET /checkout', 'SELECT', 'render'],
      );
      assert.deepEqual(plain(spans), plain([A_ROOT, A_DB, A_RENDER].map(kept)));
      assert.equal(await store.getTrace(id('f')), undefined);
      assert.equal(await store.getTrace('not-an-id'), undefined);
      await store.close();
    });

    it('summarises traces from the index as summarizeTrace does from the spans', async () => {
      const store = await fill(await open());
      await store.append([{ kind: 'spans', spans: [A_DB] }]); // an exporter's retry counts once
      const [summary] = await store.findTraces({ service: 'db' });
      assert.deepEqual(summary, summarizeTrace([A_ROOT, A_DB, A_RENDER]));
      await store.close();
    });

    it('answers every filter, newest trace first, with one span meeting all conditions', async () => {
      const store = await fill(await open());
      const ids = async (q: TraceQuery): Promise<string[]> => (await store.findTraces(q)).map((t) => t.traceId.replace(/^0+/, ''));
      assert.deepEqual(await ids({}), ['b', 'c', 'a']);
      assert.deepEqual(await ids({ limit: 2 }), ['b', 'c']);
      assert.deepEqual(await ids({ service: 'web' }), ['b', 'a']);
      assert.deepEqual(await ids({ service: 'nope' }), []);
      assert.deepEqual(await ids({ service: 'web', operation: 'render' }), ['a']);
      assert.deepEqual(await ids({ service: 'db', operation: 'render' }), [], 'service and operation must hold on the same span');
      assert.deepEqual(await ids({ spanKind: SpanKind.CLIENT }), ['c', 'a']);
      assert.deepEqual(await ids({ errorsOnly: true }), ['a']);
      assert.deepEqual(await ids({ minDurationNanos: 40_000_000n }), ['c', 'a']);
      assert.deepEqual(await ids({ minDurationNanos: 40_000_000n, maxDurationNanos: 60_000_000n }), ['c']);
      assert.deepEqual(await ids({ startFromNanos: ms(200) }), ['b', 'c']);
      assert.deepEqual(await ids({ startFromNanos: ms(0), startToNanos: ms(400) }), ['a']);
      assert.deepEqual(await ids({ attributes: [{ key: 'tier', op: '=', value: 'gold' }] }), ['c']);
      assert.deepEqual(await ids({ attributes: [{ key: 'service.name', op: '=', value: 'db' }] }), ['a'], 'resource attributes count');
      assert.deepEqual(await ids({ attributes: [{ key: 'http.status_code', op: '=', value: '500' }] }), ['a']);
      assert.deepEqual(await ids({ attributes: [{ key: 'http.status_code', op: '>=', value: 500 }] }), ['a']);
      assert.deepEqual(await ids({ attributes: [{ key: 'http.status_code', op: '<', value: 500 }] }), []);
      assert.deepEqual(await ids({ attributes: [{ key: 'http.route', op: 'exists' }] }), ['a']);
      assert.deepEqual(await ids({ service: 'web', attributes: [{ key: 'tier', op: '!=', value: 'gold' }] }), ['b', 'a']);
      assert.deepEqual(await ids({ attributes: [{ key: 'error', op: '=', value: 'true' }] }), ['a'], 'Jaeger derives error=true from the status');
      assert.deepEqual(await ids({ attributes: [{ key: 'span.kind', op: '=', value: 'server' }] }), ['b', 'a']);
      assert.deepEqual(
        await ids({ service: 'web', attributes: [{ key: 'http.status_code', op: 'exists' }] }),
        [],
        'the attribute is on the db span, not on a web span',
      );
      assert.deepEqual(await ids({ attributes: [{ key: 'tier', op: '=', value: 'gold' }, { key: 'span.kind', op: '=', value: 'client' }] }), ['c']);
      await store.close();
    });

    it('lists services, operations with kinds, and dependencies', async () => {
      const store = await fill(await open());
      assert.deepEqual(await store.services(), ['api', 'db', 'web']);
      assert.deepEqual(await store.operations('web'), [
        { service: 'web', name: 'GET /checkout', spanKind: SpanKind.SERVER },
        { service: 'web', name: 'GET /health', spanKind: SpanKind.SERVER },
        { service: 'web', name: 'render', spanKind: SpanKind.INTERNAL },
      ]);
      assert.equal((await store.operations()).length, 5);
      assert.deepEqual(await store.operations('nope'), []);
      const [link, ...others] = await store.dependencies(ms(0), ms(2000));
      assert.deepEqual(others, []);
      assert.deepEqual({ ...link, p95Nanos: undefined }, { parent: 'web', child: 'db', callCount: 1, errorCount: 1, p95Nanos: undefined });
      assert.ok(link!.p95Nanos > 0, 'the p95 of the one db span is its duration');
      assert.deepEqual(await store.dependencies(ms(100), ms(2000)), []);
      assert.deepEqual(
        (await store.edgeTraces('web', 'db', ms(0), ms(2000), 20)).map((t) => t.rootService),
        ['web'],
      );
      assert.deepEqual(await store.edgeTraces('db', 'web', ms(0), ms(2000), 20), []);
      assert.deepEqual(await store.edgeTraces('web', 'nope', ms(0), ms(2000), 20), []);
      await store.close();
    });

    it('joins log records to their trace, and tells listeners what changed', async () => {
      const store = await fill(await open());
      const changes: string[][] = [];
      store.onDidChange((c) => changes.push([...c.traceIds].map((t) => t.replace(/^0+/, ''))));
      const log = (traceId: string, spanId: string, body: string, t: number): LogRecord => ({
        timeUnixNano: ms(t),
        observedTimeUnixNano: ms(t),
        severityNumber: 17,
        severityText: 'ERROR',
        body,
        attributes: [{ key: 'exception.type', value: 'Error' }],
        droppedAttributesCount: 0,
        flags: 1,
        traceId: traceId ? id(traceId) : '',
        spanId: spanId ? spanId.padStart(16, '0') : '',
        eventName: '',
        resource: DB,
        scope: EMPTY_SCOPE,
      });
      await store.append([{ kind: 'logs', records: [log('a', '2', 'second', 50), log('a', '2', 'first', 40), log('', '', 'no trace', 1)] }]);
      const logs = await store.getLogs(id('a'));
      assert.deepEqual(
        logs.map((l) => l.body),
        ['first', 'second'],
      );
      assert.equal(logs[0]!.spanId, '0000000000000002');
      assert.deepEqual(changes, [['a']]);
      assert.equal(store.stats().logCount, 2);
      assert.deepEqual(await store.getLogs(id('b')), []);
      if (options.clears) {
        await store.clear();
        assert.deepEqual(await store.findTraces({}), []);
        assert.equal(store.stats().spanCount, 0);
      } else {
        await assert.rejects(store.clear(), /does not delete/);
        assert.equal((await store.findTraces({})).length, 3, 'nothing was deleted');
      }
      await store.close();
    });

  });
}
