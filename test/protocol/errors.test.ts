// Bad input at the receivers: each error gets the status and message the OTLP spec asks for, nothing accepted is
// lost, and the server serves the next good request.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { RAW_TRACE_SERVICE } from '../../src/server/receivers/otlpGrpc';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';
import { encodeRequest, jsonRequest, otlpSpan, reference } from '../helpers/otlp';

const RpcStatus = protobuf.Root.fromJSON({
  nested: { Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } } },
}).lookupType('Status');

async function post(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body), headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const PROTO = { 'Content-Type': 'application/x-protobuf' };
const JSON_HEADERS = { 'Content-Type': 'application/json' };

function rpcStatus(body: Buffer): { code: number; message: string } {
  return RpcStatus.toObject(RpcStatus.decode(body), { defaults: true }) as { code: number; message: string };
}

describe('OTLP/HTTP error paths', () => {
  let srv: RunningServer;
  let url: string;
  before(async () => {
    srv = await startServer({ maxBodyBytes: 256 * 1024 });
    url = `${srv.otlpHttp}/v1/traces`;
  });
  after(async () => {
    await srv.close();
  });

  /** After every error, a good export still works and is stored. */
  async function assertStillServes(): Promise<void> {
    const span = otlpSpan();
    const res = await post(url, encodeRequest([span]), PROTO);
    assert.equal(res.status, 200);
    await srv.waitForTrace(span.traceIdHex, 1);
  }

  it('malformed protobuf: 400 with a google.rpc.Status naming the problem', async () => {
    const res = await post(url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const status = rpcStatus(res.body);
    assert.equal(status.code, 3);
    assert.match(status.message, /invalid ExportTraceServiceRequest protobuf/);
    await assertStillServes();
  });

  it('bad JSON: 400 with a JSON Status; a wrong field type names its path', async () => {
    let res = await post(url, '{"resourceSpans": [', JSON_HEADERS);
    assert.equal(res.status, 400);
    let body = JSON.parse(res.body.toString()) as { code: number; message: string };
    assert.equal(body.code, 3);
    assert.match(body.message, /invalid JSON/);
    res = await post(url, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":7}]}]}]}', JSON_HEADERS);
    assert.equal(res.status, 400);
    body = JSON.parse(res.body.toString()) as { code: number; message: string };
    assert.equal(body.message, '$.resourceSpans[0].scopeSpans[0].spans[0].name: expected a string, got number 7');
    await assertStillServes();
  });

  it('invalid span ids: 200 with partial_success naming the rejected spans; the valid ones are stored', async () => {
    const good = otlpSpan();
    const badTrace = otlpSpan({ traceId: Buffer.alloc(8, 1) });
    const zeroSpan = otlpSpan({ spanId: Buffer.alloc(8, 0) });
    const res = await post(url, encodeRequest([good, badTrace, zeroSpan]), PROTO);
    assert.equal(res.status, 200);
    const decoded = reference.collector.ExportTraceServiceResponse.toObject(reference.collector.ExportTraceServiceResponse.decode(res.body), { longs: String });
    assert.equal(decoded.partialSuccess.rejectedSpans, '2');
    assert.match(decoded.partialSuccess.errorMessage, /spans\[1\]: trace_id: 8 bytes, expected 16/);
    assert.match(decoded.partialSuccess.errorMessage, /spans\[2\]: span_id: all zero/);
    await srv.waitForTrace(good.traceIdHex, 1);
    const json = await post(url, jsonRequest('5b8e', 'eee19b7ec3c1b174'), JSON_HEADERS);
    assert.equal(json.status, 200);
    const body = JSON.parse(json.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(body.partialSuccess.rejectedSpans, '1');
  });

  it('int64 beyond 2^53 arrives exact, in protobuf and in JSON strings', async () => {
    const span = otlpSpan({ bigAttribute: '9007199254740993' });
    assert.equal((await post(url, encodeRequest([span]), PROTO)).status, 200);
    const t = await srv.waitForTrace(span.traceIdHex, 1);
    assert.deepEqual(t.spans[0]!.attributes.find((a) => a.key === 'big')?.value, { int: '9007199254740993' });
    const id = '1'.repeat(32);
    assert.equal((await post(url, jsonRequest(id, '2'.repeat(16), '-9223372036854775808'), JSON_HEADERS)).status, 200);
    const tj = await srv.waitForTrace(id, 1);
    assert.deepEqual(tj.spans[0]!.attributes.find((a) => a.key === 'big')?.value, { int: '-9223372036854775808' });
    assert.equal(tj.spans[0]!.startTimeUnixNano, '1700000000123456789');
  });

  it('oversize body: 413 (declared and streamed)', async () => {
    const res = await post(url, Buffer.alloc(300 * 1024, 1), PROTO);
    assert.equal(res.status, 413);
    assert.match(rpcStatus(res.body).message, /exceeds the limit of 262144 bytes/);
    await assertStillServes();
  });

  it('gzip bomb: 413 when the decompressed size passes the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    assert.ok(bomb.length < 256 * 1024);
    const res = await post(url, bomb, { ...PROTO, 'Content-Encoding': 'gzip' });
    assert.equal(res.status, 413);
    assert.match(rpcStatus(res.body).message, /decompressed request body exceeds/);
    await assertStillServes();
  });

  it('gzip that is not gzip: 400', async () => {
    const res = await post(url, Buffer.from('not gzip at all'), { ...PROTO, 'Content-Encoding': 'gzip' });
    assert.equal(res.status, 400);
    assert.match(rpcStatus(res.body).message, /not valid gzip/);
  });

  it('wrong content type: 415; wrong path: 404; wrong method: 405', async () => {
    const res = await post(url, 'hello', { 'Content-Type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.match(rpcStatus(res.body).message, /Content-Type "text\/plain" is not supported/);
    const notFound = await post(`${srv.otlpHttp}/v1/metrics`, encodeRequest([otlpSpan()]), PROTO);
    assert.equal(notFound.status, 404);
    assert.match(rpcStatus(notFound.body).message, /stores traces and logs, not metrics.*logs to POST \/v1\/logs/);
    const get = await fetch(url);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
    await assertStillServes();
  });

  it('hostile nesting: an attribute nested 100 levels deep is refused with 400, not a crash', async () => {
    let value: Record<string, unknown> = { stringValue: 'x' };
    for (let i = 0; i < 100; i++) value = { arrayValue: { values: [value] } };
    const body = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '3'.repeat(32), spanId: '4'.repeat(16), name: 'deep', attributes: [{ key: 'deep', value }] }] }] }],
    });
    const res = await post(url, body, JSON_HEADERS);
    assert.equal(res.status, 400);
    assert.match((JSON.parse(res.body.toString()) as { message: string }).message, /nested deeper than 32 levels/);
    await assertStillServes();
  });

  it('CORS: an allowed origin gets its preflight answered; another gets 403 naming the setting', async () => {
    const ok = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
    const denied = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /tracelens\.receivers\.corsOrigins/);
    const post200 = await post(url, encodeRequest([otlpSpan()]), { ...PROTO, Origin: 'http://127.0.0.1:3000' });
    assert.equal(post200.status, 200);
    assert.equal(post200.headers.get('access-control-allow-origin'), 'http://127.0.0.1:3000');
  });
});

describe('full ingest queue', () => {
  it('refuses with 429 + Retry-After (HTTP) and UNAVAILABLE (gRPC) past the bound; what was admitted is stored', async () => {
    const srv = await startServer({ maxQueuedSpans: 50 });
    try {
      const url = `${srv.otlpHttp}/v1/traces`;
      // The store is taking no writes (as while it is cleared): the first batch waits in the queue...
      const resume = srv.server.queue.pause();
      const first = Array.from({ length: 40 }, () => otlpSpan());
      const firstDone = post(url, encodeRequest(first), PROTO);
      await waitFor(() => srv.server.queue.queuedSpans === 40);
      // ...and the next one does not fit: refused at once, with a retry delay.
      const second = Array.from({ length: 40 }, () => otlpSpan());
      const refused = await post(url, encodeRequest(second), PROTO);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.match(rpcStatus(refused.body).message, /ingest queue is full \(40 of 50 spans waiting\)/);
      const grpcRefused = await grpcExport(srv.otlpGrpc, Buffer.from(encodeRequest(second)));
      assert.equal(grpcRefused?.code, grpc.status.UNAVAILABLE);
      // Once writes resume, the admitted batch is stored and acknowledged; the refused one was never stored.
      resume();
      assert.equal((await firstDone).status, 200);
      assert.ok(await srv.getTrace(first[0]!.traceIdHex));
      assert.equal(await srv.getTrace(second[0]!.traceIdHex), undefined);
      const status = await srv.status();
      assert.equal(status.spanCount, 40);
      assert.equal(status.refusedSpans, 80);
      // The exporter's retry now succeeds.
      assert.equal((await post(url, encodeRequest(second), PROTO)).status, 200);
      assert.ok(await srv.getTrace(second[0]!.traceIdHex));
    } finally {
      await srv.close();
    }
  });
});


/** One raw Export call with a generic gRPC client; resolves with the error, or null on OK. */
async function grpcExport(endpoint: string, body: Buffer): Promise<grpc.ServiceError | null> {
  const Client = grpc.makeGenericClientConstructor(RAW_TRACE_SERVICE, 'TraceService');
  const client = new Client(endpoint.replace('http://', ''), grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve) => {
      (client as unknown as { Export: (b: Buffer, cb: (e: grpc.ServiceError | null) => void) => void }).Export(body, (error) => resolve(error));
    });
  } finally {
    client.close();
  }
}

describe('OTLP/gRPC and Zipkin error paths', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  it('gRPC: a malformed request is INVALID_ARGUMENT with the reason; a good one is OK', async () => {
    const bad = await grpcExport(srv.otlpGrpc, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    assert.equal(bad?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(bad?.details ?? '', /invalid ExportTraceServiceRequest protobuf/);
    const span = otlpSpan();
    assert.equal(await grpcExport(srv.otlpGrpc, Buffer.from(encodeRequest([span]))), null);
    await srv.waitForTrace(span.traceIdHex, 1);
  });

  it('Zipkin: not an array is 400; a bad id is reported and the rest stored', async () => {
    const url = `${srv.zipkin}/api/v2/spans`;
    const res = await post(url, '{"traceId":"x"}', JSON_HEADERS);
    assert.equal(res.status, 400);
    assert.match(res.body.toString(), /expected a JSON array of Zipkin v2 spans/);
    const ok = await post(
      url,
      JSON.stringify([
        { traceId: '463ac35c9f6413ad', id: 'a2fb4a1d1a96d312', name: 'get', timestamp: 1700000000123456, duration: 2000, localEndpoint: { serviceName: 'legacy' }, kind: 'SERVER' },
        { traceId: 'zz', id: 'a2fb4a1d1a96d313', name: 'bad' },
      ]),
      JSON_HEADERS,
    );
    assert.equal(ok.status, 202);
    assert.match(ok.body.toString(), /1 span\(s\) rejected: \$\[1\]: traceId: not lower-case hex/);
    const t = await srv.waitForTrace('0000000000000000463ac35c9f6413ad', 1);
    assert.equal(t.spans[0]!.endTimeUnixNano, '1700000000125456000');
  });
});

describe('ports', () => {
  it('a port in use fails that receiver with a message naming the address and the setting; the others run', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const srv = await startServer({ otlpHttp: { host: '127.0.0.1', port } });
    try {
      const status = await srv.status();
      const http = status.receivers.find((r) => r.protocol === 'otlp-http')!;
      assert.equal(http.state, 'failed');
      assert.match(http.error ?? '', new RegExp(`127\\.0\\.0\\.1:${port} is held by the program node [^(]*\\(process ${process.pid}\\); stop it`));
      assert.equal(http.holder?.process?.pid, process.pid);
      assert.match(http.error ?? '', /tracelens\.receivers\.otlpHttp/);
      assert.match(http.error ?? '', /--otlp-http/);
      assert.equal(status.receivers.find((r) => r.protocol === 'otlp-grpc')!.state, 'listening');
      assert.equal(status.receivers.find((r) => r.protocol === 'zipkin')!.state, 'listening');
    } finally {
      await srv.close();
      blocker.close();
    }
  });
});
