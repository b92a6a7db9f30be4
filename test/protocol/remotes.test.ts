// A team's backends beside the local store, against a real second TraceLens server speaking the Jaeger API (api/v3):
// its traces show in the same search (labelled with the remote's name), a trace not stored here is fetched from it
// and analysed like a local one, services are merged, and a remote that is down is named in the status while local
// results come back as always.
import assert from 'node:assert/strict';
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
