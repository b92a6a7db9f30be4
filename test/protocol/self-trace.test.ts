// --self-trace: TraceLens traces its own ingest path and shows those spans under the service "tracelens".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServer } from '../helpers/server';
import { encodeRequest, otlpSpan } from '../helpers/otlp';

describe('self-tracing', () => {
  it('is off by default: only the exported spans are stored', async () => {
    const srv = await startServer();
    try {
      await fetch(`${srv.otlpHttp}/v1/traces`, { method: 'POST', body: Buffer.from(encodeRequest([otlpSpan()])), headers: { 'Content-Type': 'application/x-protobuf' } });
      assert.equal((await srv.findTraces({ service: 'tracelens' })).length, 0);
      assert.equal((await srv.status()).spanCount, 1);
    } finally {
      await srv.close();
    }
  });

  it('when on, each export shows as a "tracelens" span with the protocol and span counts', async () => {
    const srv = await startServer({ selfTrace: true });
    try {
      const res = await fetch(`${srv.otlpHttp}/v1/traces`, { method: 'POST', body: Buffer.from(encodeRequest([otlpSpan(), otlpSpan({ traceId: Buffer.alloc(4) })])), headers: { 'Content-Type': 'application/x-protobuf' } });
      assert.equal(res.status, 200);
      let own: Awaited<ReturnType<typeof srv.findTraces>> = [];
      for (let i = 0; i < 200 && own.length === 0; i++) {
        own = await srv.findTraces({ service: 'tracelens' });
        if (own.length === 0) await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(own.length, 1);
      assert.equal(own[0]!.rootName, 'ingest otlp-http-protobuf');
      const t = await srv.getTrace(own[0]!.traceId);
      const attrs = Object.fromEntries(t!.spans[0]!.attributes.map((a) => [a.key, a.value]));
      assert.deepEqual(attrs, { 'tracelens.protocol': 'otlp-http-protobuf', 'tracelens.accepted': { int: '1' }, 'tracelens.rejected': { int: '1' } });
    } finally {
      await srv.close();
    }
  });
});
