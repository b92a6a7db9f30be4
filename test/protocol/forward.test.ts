// Forwarding to a team's collector, with real processes: TraceLens (out/server.js) with --forward to a second real
// TraceLens standing in as the upstream OTLP/HTTP endpoint. The upstream is down while the real OTLP exporter sends
// to the first one, which is then killed with -9 mid-ingest; once the upstream is up and the first one restarts on
// its folder, every batch it acknowledged reaches the upstream. A Zipkin batch goes upstream as OTLP.
import assert from 'node:assert/strict';
import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ServerStatus } from '../../src/protocol/messages';
import { retryAfterMs, upstreamRequest } from '../../src/server/forward/forwarder';
import { ackingLoad } from '../helpers/ackingLoad';
import { freePorts } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');
const SERVER = join(ROOT, 'out', 'server.js');
const children: ChildProcess[] = [];
const folders: string[] = [];
const exited = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r())));

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  for (const d of folders) await rm(d, { recursive: true, force: true });
});

function serve(args: string[]): { child: ChildProcessWithoutNullStreams; stderr: string[]; ready: Promise<void> } {
  const child = spawn(process.execPath, [SERVER, 'serve', ...args], { cwd: ROOT });
  children.push(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  return { child, stderr, ready: waitFor(() => stderr.some((l) => / ready: /.test(l)), 30_000, () => stderr.join('\n')) };
}

const status = async (query: string): Promise<ServerStatus> => (await (await fetch(`${query}/api/tracelens/status`)).json()) as ServerStatus;

describe('forwarding', () => {
  it('every batch acknowledged here reaches the upstream: while it is down, across kill -9 and a restart; Zipkin goes as OTLP', async () => {
    const [aHttp, aZipkin, aQuery, upHttp, upQuery] = await freePorts(5);
    const dir = await mkdtemp(join(tmpdir(), 'tracelens-forward-'));
    folders.push(dir);
    const aArgs = ['--data-dir', dir, '--otlp-http', `127.0.0.1:${aHttp}`, '--otlp-grpc', 'off', '--zipkin', `127.0.0.1:${aZipkin}`, '--query', `127.0.0.1:${aQuery}`, '--forward', `http://127.0.0.1:${upHttp}`];
    const aQueryUrl = `http://127.0.0.1:${aQuery}`;
    const first = serve(aArgs);
    await first.ready;

    // The real exporter, as fast as acknowledgements come, while the upstream does not exist yet.
    const { child: load, acked } = ackingLoad(`http://127.0.0.1:${aHttp}`, ['--seconds', '30']);
    children.push(load);
    await waitFor(() => acked.size >= 400, 60_000, () => `${acked.size} traces acknowledged`);
    const waiting = await status(aQueryUrl);
    assert.equal(waiting.forward?.state, 'retrying');
    assert.match(waiting.forward?.lastError ?? '', new RegExp(`http://127\\.0\\.0\\.1:${upHttp} does not answer`));
    assert.ok((waiting.forward?.backlogBytes ?? 0) > 0, 'a backlog in the log');
    first.child.kill('SIGKILL');
    await exited(first.child);
    await exited(load);

    // The upstream comes up; the first one restarts on its folder and resumes where it stopped.
    const upstream = serve(['--in-memory', '--otlp-http', `127.0.0.1:${upHttp}`, '--otlp-grpc', 'off', '--zipkin', 'off', '--query', `127.0.0.1:${upQuery}`]);
    await upstream.ready;
    const second = serve(aArgs);
    await second.ready;
    const upQueryUrl = `http://127.0.0.1:${upQuery}`;
    const total = [...acked.values()].reduce((a, b) => a + b, 0);
    let upstreamSpans = 0;
    await waitFor(async () => (upstreamSpans = (await status(upQueryUrl)).spanCount) >= total, 60_000, () => `${upstreamSpans} of ${total} spans upstream`);
    const missing: string[] = [];
    for (const [id, spans] of acked) {
      const res = await fetch(`${upQueryUrl}/api/tracelens/traces/${id}`);
      const trace = res.ok ? ((await res.json()) as { spans: unknown[] }) : undefined;
      if (trace?.spans.length !== spans) missing.push(id);
    }
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${acked.size} acknowledged traces did not reach the upstream`);
    await waitFor(async () => (await status(aQueryUrl)).forward?.state === 'ok', 10_000);
    const sent = await status(aQueryUrl);
    assert.equal(sent.forward?.backlogBytes, 0);
    assert.ok((sent.forward?.sentBatches ?? 0) > 0);

    // Zipkin in, OTLP out.
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'zipkin-forwarded' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new ZipkinExporter({ url: `http://127.0.0.1:${aZipkin}/api/v2/spans` }) })],
    });
    provider.getTracer('forward-test').startSpan('GET /zipkin').end();
    await provider.forceFlush();
    await provider.shutdown();
    await waitFor(async () => ((await (await fetch(`${upQueryUrl}/api/services`)).json()) as { data: string[] }).data.includes('zipkin-forwarded'), 20_000);
  });
});

describe('forwarding: what goes upstream', () => {
  it('sends OTLP as received, Zipkin as OTLP/JSON, logs to /v1/logs', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    assert.deepEqual(upstreamRequest('otlp-proto', bytes), { path: '/v1/traces', contentType: 'application/x-protobuf', body: bytes });
    assert.equal(upstreamRequest('otlp-logs-json', bytes).path, '/v1/logs');
    const zipkin = Buffer.from(JSON.stringify([{ traceId: 'a'.repeat(32), id: 'b'.repeat(16), name: 'get', timestamp: 1_700_000_000_000_000, duration: 5, localEndpoint: { serviceName: 'z' } }]));
    const converted = upstreamRequest('zipkin-json', zipkin);
    assert.equal(converted.contentType, 'application/json');
    assert.match(String(converted.body), /"resourceSpans":\[.*"stringValue":"z".*"name":"get"/);
  });

  it('honours Retry-After in seconds or as a date', () => {
    assert.equal(retryAfterMs('7'), 7000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 5000);
    assert.equal(retryAfterMs(null), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
  });
});
