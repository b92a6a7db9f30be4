// A team's backends beside the local store, against a real second TraceLens server speaking the Jaeger API (api/v3):
// its traces show in the same search (labelled with the remote's name), a trace not stored here is fetched from it
// and analysed like a local one, services are merged, and a remote that is down is named in the status while local
// results come back as always. Tempo, against its recorded answers (test/fixtures/tempo).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { ServerRequests } from '../../src/protocol/messages';
import type { RunningServer } from '../helpers/server';
import { freePorts, startServer } from '../helpers/server';
import { SdkShop } from '../helpers/sdkShop';
import { serverHandlers } from '../../src/server/handlers';

describe('remotes', () => {
  let team: RunningServer;
  let local: RunningServer;
  let teamTrace = '';
  let localTrace = '';
  const ask = <M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> =>
    serverHandlers(local.server)[method]!(params as never) as Promise<ServerRequests[M]['result']>;

  before(async () => {
    team = await startServer();
    const [down] = await freePorts(1);
    local = await startServer({
      remotes: [
        { name: 'team', kind: 'tracelens', url: team.query },
        { name: 'gone', kind: 'jaeger', url: `http://127.0.0.1:${down}` },
      ],
    });
    const teamShop = new SdkShop(team.otlpHttp);
    teamTrace = teamShop.trace({ service: 'team-api', name: 'GET /team', kind: SpanKind.SERVER, start: 0, end: 40, children: [{ service: 'team-db', name: 'SELECT team', kind: SpanKind.CLIENT, start: 5, end: 35 }] }, Date.now() - 2000);
    await teamShop.flush();
    await teamShop.shutdown();
    const localShop = new SdkShop(local.otlpHttp);
    localTrace = localShop.trace({ service: 'local-web', name: 'GET /local', kind: SpanKind.SERVER, start: 0, end: 10 }, Date.now() - 1000);
    await localShop.flush();
    await localShop.shutdown();
    await team.waitForTrace(teamTrace, 2);
    await local.waitForTrace(localTrace, 1);
  });
  after(async () => {
    await local?.close();
    await team?.close();
  });

  it("one search lists local traces and the remote's, labelled with its name, newest first", async () => {
    const found = await ask('tracelens/findTraces', {});
    assert.deepEqual(
      found.map((t) => [t.traceId, t.rootService, t.source]),
      [
        [localTrace, 'local-web', undefined],
        [teamTrace, 'team-api', 'team'],
      ],
    );
    const byService = await ask('tracelens/findTraces', { service: 'team-api' });
    assert.deepEqual(byService.map((t) => [t.traceId, t.spanCount, t.source]), [[teamTrace, 2, 'team']]);
  });

  it('a trace not stored here comes from the remote, whole, and is analysed like a local one', async () => {
    assert.equal((await local.getTrace(teamTrace)), undefined, 'not stored locally');
    const trace = await ask('tracelens/getTrace', { traceId: teamTrace });
    assert.equal(trace?.source, 'team');
    assert.deepEqual(trace?.spans.map((s) => s.name).sort(), ['GET /team', 'SELECT team']);
    const packed = await ask('tracelens/getTracePacked', { traceId: teamTrace });
    assert.equal(packed?.source, 'team');
    const insights = await ask('tracelens/insights', { traceId: teamTrace });
    assert.ok(insights, 'the analyses read remote traces');
    assert.equal(await ask('tracelens/getTrace', { traceId: 'ab'.repeat(16) }), null);
  });

  it('services and operations are merged; a remote that is down is named, and never holds local results back', async () => {
    assert.deepEqual(await ask('tracelens/services', {}), ['local-web', 'team-api', 'team-db']);
    assert.ok((await ask('tracelens/operations', { service: 'team-api' })).some((o) => o.name === 'GET /team'));
    const status = await ask('tracelens/status', {});
    const [teamState, goneState] = status.remotes ?? [];
    assert.equal(teamState?.state, 'ok');
    assert.equal(goneState?.name, 'gone');
    assert.equal(goneState?.state, 'down');
    assert.match(goneState?.error ?? '', /ECONNREFUSED|connect/);
    assert.ok(local.logs.some((l) => /remote gone \(http:\/\/127\.0\.0\.1:\d+\) .*searches go on without it/.test(l)), local.logs.join('\n'));
  });
});

describe('remotes: Tempo', () => {
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const FIXTURES = join(__dirname, '..', 'fixtures', 'tempo');
  let tempo: http.Server;
  let local: RunningServer;
  const queries: string[] = [];
  let v2 = true;
  const ask = <M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> =>
    serverHandlers(local.server)[method]!(params as never) as Promise<ServerRequests[M]['result']>;

  before(async () => {
    // Tempo's recorded answers (test/fixtures/tempo/README.md), by route.
    tempo = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://tempo');
      const reply = (status: number, file?: string): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(file ? readFileSync(join(FIXTURES, file)) : '{}');
      };
      if (url.pathname === '/api/search') {
        queries.push(url.searchParams.get('q') ?? '');
        return reply(200, 'search.json');
      }
      if (url.pathname === `/api/v2/traces/${TRACE}`) return v2 ? reply(200, 'trace-v2.json') : reply(404);
      if (url.pathname === `/api/traces/${TRACE}`) return reply(200, 'trace-v1.json');
      if (url.pathname === '/api/v2/search/tag/resource.service.name/values') return reply(200, 'services-v2.json');
      if (url.pathname === '/api/v2/search/tag/name/values') return reply(200, 'names-v2.json');
      return reply(404);
    });
    await new Promise<void>((r) => tempo.listen(0, '127.0.0.1', r));
    local = await startServer({ remotes: [{ name: 'grafana', kind: 'tempo', url: `http://127.0.0.1:${(tempo.address() as AddressInfo).port}` }] });
  });
  after(async () => {
    await local?.close();
    tempo?.close();
  });

  it('searches with TraceQL built from the form, and reads the traces found (base64 ids made hex)', async () => {
    const found = await ask('tracelens/findTraces', { service: 'tempo-api', operation: 'GET /tempo', errorsOnly: true, attributes: [{ key: 'http.route', op: '=', value: '/tempo' }], minDurationNanos: '5000000' });
    assert.equal(queries.at(-1), '{ resource.service.name = "tempo-api" && name = "GET /tempo" && status = error && duration >= 5000000ns && .http.route = "/tempo" }');
    assert.deepEqual(found.map((t) => [t.traceId, t.rootService, t.rootName, t.spanCount, t.errorCount, t.source]), [[TRACE, 'tempo-api', 'GET /tempo', 2, 1, 'grafana']]);
  });

  it('reads a trace from /api/v2/traces, or from /api/traces of an older Tempo', async () => {
    for (const version of [true, false]) {
      v2 = version;
      const trace = await ask('tracelens/getTrace', { traceId: TRACE });
      assert.equal(trace?.source, 'grafana');
      assert.deepEqual(trace?.spans.map((s) => [s.name, s.parentSpanId]), [['GET /tempo', ''], ['SELECT tempo', '00f067aa0ba902b7']], `v2 ${version}`);
    }
    v2 = true;
  });

  it('lists services and span names from the tag values', async () => {
    assert.ok((await ask('tracelens/services', {})).includes('tempo-api'));
    assert.deepEqual((await ask('tracelens/operations', { service: 'tempo-api' })).map((o) => o.name), ['GET /tempo', 'SELECT tempo']);
  });
});
