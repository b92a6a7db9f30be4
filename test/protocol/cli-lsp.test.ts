// The shipped server bundle (out/server.js, what `tracelens serve` and the extension run) as a child process:
// its command line, a port in use, and its LSP endpoint driven by a plain JSON-RPC client (not VS Code).
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { ServerRequests, TracesChangedEvent } from '../../src/protocol/messages';
import { encodeRequest, otlpSpan } from '../helpers/otlp';
import { freePorts } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const SERVER = join(__dirname, '..', '..', 'out', 'server.js');

describe('tracelens command line', () => {
  before(() => assert.ok(existsSync(SERVER), 'out/server.js is built (npm run build)'));

  it('--help lists every flag and its default', () => {
    const r = spawnSync(process.execPath, [SERVER, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const flag of ['--data-dir', '--otlp-http', '--otlp-grpc', '--zipkin', '--query', '--help', '127.0.0.1:4318', '127.0.0.1:16686']) {
      assert.ok(r.stdout.includes(flag), `--help mentions ${flag}`);
    }
  });

  it('a bad option exits 2 with a message', () => {
    const r = spawnSync(process.execPath, [SERVER, 'serve', '--otlp-http', 'nope'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--otlp-http: "nope" is not HOST:PORT/);
  });

  it('serve: a taken port is named with its flag; the other protocols still serve; SIGTERM stops it', async () => {
    const [taken, grpc, zipkin, query] = await freePorts(4);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(taken, '127.0.0.1', r));
    const child = spawn(process.execPath, [SERVER, 'serve', '--in-memory', '--otlp-http', `127.0.0.1:${taken}`, '--otlp-grpc', `127.0.0.1:${grpc}`, '--zipkin', `127.0.0.1:${zipkin}`, '--query', `127.0.0.1:${query}`]);
    try {
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await waitFor(() => err.includes('ready:'), 10_000, () => err);
      assert.match(err, new RegExp(`OTLP/HTTP receiver: 127\\.0\\.0\\.1:${taken} is held by the program node [^(]*\\(process ${process.pid}\\).*--otlp-http`));
      const status = (await (await fetch(`http://127.0.0.1:${query}/api/tracelens/status`)).json()) as { receivers: { protocol: string; state: string }[] };
      assert.deepEqual(status.receivers.map((r) => r.state), ['failed', 'listening', 'listening', 'listening']);
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      blocker.close();
    }
  });
});

describe('LSP endpoint with a plain JSON-RPC client', () => {
  let child: ChildProcessWithoutNullStreams;
  let rpc: MessageConnection;
  let otlpHttp: string;
  const events: TracesChangedEvent[] = [];
  const request = <M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> => rpc.sendRequest(method, params);

  before(async () => {
    const [http, query] = await freePorts(2);
    otlpHttp = `http://127.0.0.1:${http}`;
    child = spawn(process.execPath, [SERVER, 'serve', '--stdio', '--in-memory', '--otlp-http', `127.0.0.1:${http}`, '--otlp-grpc', 'off', '--zipkin', 'off', '--query', `127.0.0.1:${query}`]);
    rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    rpc.onNotification('tracelens/tracesChanged', (e: TracesChangedEvent) => {
      events.push(e);
    });
    rpc.listen();
    const init = (await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as { serverInfo: { name: string } };
    assert.equal(init.serverInfo.name, 'tracelens');
    await rpc.sendNotification('initialized', {});
  });
  after(async () => {
    await rpc.sendRequest('shutdown').catch(() => undefined);
    await rpc.sendNotification('exit').catch(() => undefined);
    const exited = new Promise((r) => child.once('exit', r));
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    await exited;
    rpc.dispose();
  });

  it('status, live notification, recent traces and one whole trace', async () => {
    await waitFor(async () => (await request('tracelens/status', {})).receivers[0]?.state === 'listening', 10_000);
    const spans = [otlpSpan(), otlpSpan()];
    const res = await fetch(`${otlpHttp}/v1/traces`, { method: 'POST', body: Buffer.from(encodeRequest(spans, 'lsp-test')), headers: { 'Content-Type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
    await waitFor(() => events.some((e) => e.traceIds.includes(spans[1]!.traceIdHex)), 5000);
    const event = events.find((e) => e.traceIds.includes(spans[0]!.traceIdHex))!;
    assert.equal(event.status.spanCount, 2);
    const found = await request('tracelens/findTraces', { service: 'lsp-test', limit: 10 });
    assert.deepEqual(found.map((t) => t.traceId).sort(), spans.map((s) => s.traceIdHex).sort());
    const whole = await request('tracelens/getTrace', { traceId: spans[0]!.traceIdHex });
    assert.equal(whole?.spans.length, 1);
    assert.equal(whole?.spans[0]!.startTimeUnixNano, '1700000000123456789');
    assert.equal(await request('tracelens/getTrace', { traceId: 'f'.repeat(32) }), null);
    const cleared = await request('tracelens/clear', {});
    assert.equal(cleared.spanCount, 0);
    const stopped = await request('tracelens/receivers', { action: 'stop' });
    assert.equal(stopped.receivers[0]!.state, 'stopped');
    await assert.rejects(fetch(`${otlpHttp}/v1/traces`, { method: 'POST', body: 'x' }));
    const started = await request('tracelens/receivers', { action: 'start' });
    assert.equal(started.receivers[0]!.state, 'listening');
  });
});
