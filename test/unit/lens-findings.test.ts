// The findings a code location's lens shows, computed from the traces its lens keeps: a batch that arrives late
// (the queries of an N+1, exported after their caller) changes a trace without touching the location's own
// operation; the location looks again, however long after the trace ended.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { Resource, Span } from '../../src/core/model';
import { LocationFindings } from '../../src/server/lens/findings';
import { modelSpan } from '../helpers/spans';

const INVENTORY: Resource = { attributes: [{ key: 'service.name', value: 'inventory' }], droppedAttributesCount: 0, schemaUrl: '' };
const TRACE = 'cd'.repeat(16);
const T0 = 1_700_000_000_000_000_000n; // long ago: the trace is not "settling" any more
const MS = 1_000_000n;

const caller = modelSpan({ traceId: TRACE, spanId: '1'.padStart(16, '0'), name: 'check_stock', kind: SpanKind.SERVER, startTimeUnixNano: T0, endTimeUnixNano: T0 + 40n * MS, resource: INVENTORY });
const queries: Span[] = Array.from({ length: 6 }, (_, i) =>
  modelSpan({
    traceId: TRACE,
    spanId: (i + 2).toString(16).padStart(16, '0'),
    parentSpanId: caller.spanId,
    name: 'SELECT items',
    kind: SpanKind.CLIENT,
    startTimeUnixNano: T0 + BigInt(2 + i * 6) * MS,
    endTimeUnixNano: T0 + BigInt(6 + i * 6) * MS,
    attributes: [
      { key: 'db.system.name', value: 'postgresql' },
      { key: 'db.query.text', value: `SELECT * FROM items WHERE sku = 'sku-${i}'` },
    ],
    resource: INVENTORY,
  }),
);

describe('lens findings', () => {
  it('a late batch of a trace a location examined makes that location look again', async () => {
    const stored: Span[] = [caller];
    const changed: string[] = [];
    const findings = new LocationFindings(
      async (id) => (id === TRACE ? [...stored] : undefined),
      () => ({ nowMs: Date.now() }),
      (key) => changed.push(key),
      () => undefined,
    );
    try {
      const ops = [{ service: 'inventory', name: 'check_stock' }];
      findings.request('inventory.js\u000012', ops, [{ traceId: TRACE, spanHash: 1, durationNanos: 40e6, endMs: Number((T0 + 40n * MS) / MS), error: false }]);
      const deadline = Date.now() + 10_000;
      while (findings.at('inventory.js\u000012').length === 0 && changed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(findings.at('inventory.js\u000012').map((f) => f.kind), ['uninstrumented-time'], 'the caller alone: its time is not accounted for');

      stored.push(...queries); // the queries' batch, late
      findings.tracesChanged([TRACE]);
      while (!findings.at('inventory.js\u000012').some((f) => f.kind === 'n-plus-one') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const [n1] = findings.at('inventory.js\u000012');
      assert.equal(n1?.kind, 'n-plus-one');
      assert.equal(n1?.traceId, TRACE);
      assert.deepEqual(changed, ['inventory.js\u000012', 'inventory.js\u000012']);
      findings.tracesChanged(['ef'.repeat(16)]); // a trace no location examined: nothing to do
    } finally {
      findings.dispose();
    }
  });
});
