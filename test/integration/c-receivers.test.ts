// Receivers that cannot listen, receivers stopped and started, and a server that dies: each is reported, commands
// keep answering, and the rest keeps working.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { allListening, find, occupyPort, receiver, sendTrace, statusWhere, traceLens, waitFor, WORKSPACE_ADDRESSES } from './lib/host';

suite('receivers and server failures', () => {
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('tracelens');

  suiteTeardown(async () => {
    // Put the fixture's settings back (the tests change them in test/fixtures/workspace/.vscode/settings.json).
    await config().update('receivers.zipkin', WORKSPACE_ADDRESSES.zipkin, vscode.ConfigurationTarget.Workspace);
    await config().update('receivers.otlpHttp', WORKSPACE_ADDRESSES['otlp-http'], vscode.ConfigurationTarget.Workspace);
    await statusWhere(await traceLens(), 'the fixture settings again', (s) => receiver(s, 'zipkin').address === WORKSPACE_ADDRESSES.zipkin && allListening(s));
  });

  test('a port in use fails that receiver, names its setting, and the others keep receiving', async () => {
    const api = await traceLens();
    await statusWhere(api, 'every receiver listening', allListening);
    const busy = await occupyPort();
    try {
      const address = `127.0.0.1:${busy.port}`;
      await config().update('receivers.zipkin', address, vscode.ConfigurationTarget.Workspace);
      const status = await statusWhere(api, `the restart with Zipkin on ${address}`, (s) => receiver(s, 'zipkin').address === address);
      const zipkin = receiver(status, 'zipkin');
      assert.equal(zipkin.state, 'failed');
      assert.match(zipkin.error ?? '', new RegExp(`is held by the program .*\\(process ${process.pid}\\); stop it`), 'names this extension host, which holds the port');
      assert.match(zipkin.error ?? '', /"tracelens\.receivers\.zipkin"/);
      assert.match(zipkin.error ?? '', new RegExp(address.replace(/\./g, '\\.')));
      for (const p of ['otlp-http', 'otlp-grpc', 'query'] as const) assert.equal(receiver(status, p).state, 'listening', p);
      assert.equal(api.state().kind, 'running');

      const service = `still-receiving-${randomBytes(3).toString('hex')}`;
      await sendTrace(receiver(status, 'otlp-http').endpoint ?? '', service);
      await waitFor('the trace sent while Zipkin failed', async () => find(await api.tracesView(), service));
    } finally {
      await busy.close();
    }
  });

  test('an invalid address stops the server with a message naming the setting; fixing it starts it again', async () => {
    const api = await traceLens();
    await config().update('receivers.otlpHttp', 'localhost', vscode.ConfigurationTarget.Workspace);
    const state = await waitFor('the failed state', () => {
      const s = api.state();
      return s.kind === 'failed' ? s : undefined;
    });
    assert.match(state.reason, /^tracelens\.receivers\.otlpHttp: "localhost" is not HOST:PORT/);
    assert.equal(await vscode.commands.executeCommand('tracelens.copyEnvSnippet', 'node'), undefined);
    await config().update('receivers.otlpHttp', WORKSPACE_ADDRESSES['otlp-http'], vscode.ConfigurationTarget.Workspace);
    await statusWhere(api, 'the server again', (s) => receiver(s, 'otlp-http').state === 'listening');
  });

  test("a team's ClickHouse as the store: its password from secret storage reaches the server's environment only", async () => {
    const api = await traceLens();
    const closed = await occupyPort();
    await closed.close(); // a port nothing listens on: a ClickHouse that is down
    const url = `clickhouse+http://tracer@127.0.0.1:${closed.port}/team`;
    const secret = `s3cret-${randomBytes(4).toString('hex')}`;
    try {
      assert.equal(await vscode.commands.executeCommand('tracelens.setSecret', { variable: 'TRACELENS_CLICKHOUSE_PASSWORD', value: secret }), 'TRACELENS_CLICKHOUSE_PASSWORD');
      await config().update('store.clickhouse', url, vscode.ConfigurationTarget.Workspace);
      const status = await statusWhere(api, 'the server on ClickHouse', (s) => s.store.location === url && s.store.warning !== undefined);
      assert.match(status.store.warning ?? '', /cannot be used/);
      if (process.platform === 'linux') {
        const { readFileSync } = await import('node:fs');
        assert.ok(!readFileSync(`/proc/${status.pid}/cmdline`, 'utf8').includes(secret), 'not on the command line');
        assert.ok(readFileSync(`/proc/${status.pid}/environ`, 'utf8').split('\0').includes(`TRACELENS_CLICKHOUSE_PASSWORD=${secret}`), 'in the environment');
      }
    } finally {
      await vscode.commands.executeCommand('tracelens.setSecret', { variable: 'TRACELENS_CLICKHOUSE_PASSWORD', value: '' });
      await config().update('store.clickhouse', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await statusWhere(api, 'the embedded store again', (s) => s.store.location !== url && allListening(s));
  });

  test('Stop Receiver and Start Receiver', async () => {
    const api = await traceLens();
    await vscode.commands.executeCommand('tracelens.stopReceiver');
    const stopped = await statusWhere(api, 'receivers stopped', (s) => receiver(s, 'otlp-http').state === 'stopped');
    assert.equal(receiver(stopped, 'query').state, 'listening', 'the query API keeps running');
    // Nothing to copy now: the command says so (a warning) instead of throwing.
    assert.equal(await vscode.commands.executeCommand('tracelens.copyEndpoint'), undefined);
    await vscode.commands.executeCommand('tracelens.startReceiver');
    await statusWhere(api, 'OTLP/HTTP listening again', (s) => receiver(s, 'otlp-http').state === 'listening');
  });

  test('a server that dies is started again once; dying again is reported; commands explain instead of throwing; Restart Server brings it back', async () => {
    const api = await traceLens();
    const first = await statusWhere(api, 'running');
    process.kill(first.pid, 'SIGKILL');
    const before = await statusWhere(api, 'the server started again by itself', (s) => s.pid !== first.pid && receiver(s, 'otlp-http').state === 'listening');
    process.kill(before.pid, 'SIGKILL');
    const state = await waitFor('the failed state', () => {
      const s = api.state();
      return s.kind === 'failed' ? s : undefined;
    });
    assert.match(state.reason, /stopped unexpectedly \(signal SIGKILL\)/);
    assert.equal(await api.status(), undefined);
    assert.deepEqual(await api.tracesView(), []);
    assert.equal(await vscode.commands.executeCommand('tracelens.copyEndpoint'), undefined);
    assert.equal(await vscode.commands.executeCommand('tracelens.clearData'), undefined);

    await vscode.commands.executeCommand('tracelens.restartServer');
    const after = await statusWhere(api, 'a new server', (s) => s.pid !== before.pid && receiver(s, 'otlp-http').state === 'listening');
    assert.notEqual(after.pid, before.pid);
  });
});
