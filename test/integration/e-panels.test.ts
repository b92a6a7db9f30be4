// Trace views in webview panels: opened by command and by deep link (the URI handler's code path), the UI bundle's
// ready handshake through the real webview, the request bridge (only the UI's read-only requests pass), titles,
// 'open' and 'copy' from the UI, and the serializer restoring a panel from a saved state.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { PanelSnapshot, TraceLensApi } from '../../src/extension/api';
import type { WireTrace, WireTraceSummary } from '../../src/protocol/wire';
import { receiver, sendTrace, statusWhere, traceLens, waitFor } from './lib/host';

const readyPanel = (api: TraceLensApi, what: string, accept: (p: PanelSnapshot) => boolean): Promise<PanelSnapshot> =>
  waitFor(what, () => api.panels().find((p) => p.ready && accept(p)));

suite('trace views in webview panels', () => {
  const service = `panels-${randomBytes(3).toString('hex')}`;
  let api: TraceLensApi;
  let traceId = '';
  let spanId = '';

  suiteSetup(async () => {
    api = await traceLens();
    const status = await statusWhere(api, 'running');
    traceId = await sendTrace(receiver(status, 'otlp-http').endpoint ?? '', service);
    const found = await waitFor('the trace stored', async () => {
      const t = await vscode.commands.executeCommand<WireTraceSummary[] | undefined>('tracelens.searchTraces', `service=${service}`);
      return t && t.length > 0 ? t : undefined;
    });
    assert.deepEqual(found.map((t) => t.traceId), [traceId]);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Open Trace View opens a panel whose UI says ready; the same trace reuses it', async () => {
    const route = await vscode.commands.executeCommand('tracelens.openTrace', traceId);
    assert.deepEqual(route, { page: 'trace', traceId });
    const panel = await readyPanel(api, 'the trace panel ready', (p) => p.route.page === 'trace' && p.route.traceId === traceId);
    assert.equal(panel.active, true);
    assert.equal(api.panels().length, 1);

    // A Traces view row and { traceId, spanId } open the same trace: the panel is reused, now at the span.
    const summary = { traceId, rootService: service, rootName: 'GET /orders' };
    await vscode.commands.executeCommand('tracelens.openTrace', { kind: 'trace', summary });
    assert.equal(api.panels().length, 1);
    const reply = await api.panelMessage(0, { type: 'request', id: 1, method: 'tracelens/getTrace', params: { traceId } });
    assert.equal(reply?.type, 'response');
    const trace = reply?.type === 'response' ? (reply.result as WireTrace) : undefined;
    assert.equal(trace?.spans.length, 3, 'getTrace passes through the bridge');
    spanId = trace.spans.find((s) => s.name === 'SELECT orders')?.spanId ?? '';
    await vscode.commands.executeCommand('tracelens.openTrace', { traceId, spanId });
    assert.equal(api.panels().length, 1);
    assert.deepEqual(api.panels()[0]?.route, { page: 'trace', traceId, spanId });
  });

  test('Open in Trace View on a Spans view row opens its trace at that span', async () => {
    await vscode.commands.executeCommand('tracelens.showTrace', traceId);
    const row = { kind: 'span', node: { span: { traceId, spanId, name: 'SELECT orders' } } };
    assert.deepEqual(await vscode.commands.executeCommand('tracelens.openSpanInTraceView', row), { page: 'trace', traceId, spanId });
    assert.equal(api.panels().length, 1);
  });

  test('a bad trace id is refused with a message, and opens nothing', async () => {
    const before = api.panels().length;
    assert.equal(await vscode.commands.executeCommand('tracelens.openTrace', 'not-a-trace'), undefined);
    assert.equal(await vscode.commands.executeCommand('tracelens.openTrace', { traceId, spanId: '<script>' }), undefined);
    assert.equal(api.panels().length, before);
  });

  test('deep links: vscode://tracelens.tracelens/<route> opens the route; an invalid link opens nothing', async () => {
    const other = randomBytes(16).toString('hex');
    assert.deepEqual(api.openUri(`vscode://tracelens.tracelens/trace/${other.toUpperCase()}?span=${spanId}&tab=flame`), { page: 'trace', traceId: other, spanId, tab: 'flame' });
    await readyPanel(api, 'the linked trace panel', (p) => p.route.page === 'trace' && p.route.traceId === other);
    assert.equal(api.panels().length, 2);
    // The same trace again reuses the panel.
    api.openUri(`vscode://tracelens.tracelens/trace/${other}`);
    assert.equal(api.panels().length, 2);
    assert.deepEqual(api.openUri(`vscode://tracelens.tracelens/search?q=${encodeURIComponent(`service=${service}`)}`), { page: 'search', query: `service=${service}` });
    assert.equal(api.panels().length, 3);

    for (const bad of ['vscode://tracelens.tracelens/trace/123', 'vscode://tracelens.tracelens/nowhere', `vscode://tracelens.tracelens/trace/${other}/more`, 'vscode://tracelens.tracelens/compare?left=x']) {
      assert.equal(api.openUri(bad), undefined, bad);
    }
    assert.equal(api.panels().length, 3);
  });

  test('the request bridge passes the UI requests only, and answers errors by id', async () => {
    const index = api.panels().findIndex((p) => p.route.page === 'trace' && p.route.traceId === traceId);
    assert.ok(index >= 0);
    const refused = await api.panelMessage(index, { type: 'request', id: 41, method: 'tracelens/clear', params: {} });
    assert.equal(refused?.type, 'response');
    assert.equal(refused?.type === 'response' ? refused.id : -1, 41);
    assert.match(refused?.type === 'response' ? (refused.error ?? '') : '', /"tracelens\/clear" is not a request the trace view may make/);
    const receivers = await api.panelMessage(index, { type: 'request', id: 42, method: 'tracelens/receivers', params: { action: 'stop' } });
    assert.match(receivers?.type === 'response' ? (receivers.error ?? '') : '', /not a request/);
    // Nothing was cleared or stopped.
    const status = await statusWhere(api, 'running');
    assert.ok(status.traceCount >= 1);
    assert.ok(status.receivers.some((r) => r.protocol === 'otlp-http' && r.state === 'listening'));
    // A server error comes back as text, under the request's id.
    const bad = await api.panelMessage(index, { type: 'request', id: 43, method: 'tracelens/dependencies', params: { toNanos: 'soon' } });
    assert.equal(bad?.type === 'response' ? bad.id : -1, 43);
    assert.equal(bad?.type === 'response' ? bad.result : 'unset', undefined);
    assert.match(bad?.type === 'response' ? (bad.error ?? '') : '', /soon/, 'the error as text');
    // Malformed messages get no answer.
    assert.equal(await api.panelMessage(index, { type: 'request', id: 'x', method: 'tracelens/status' }), undefined);
    assert.equal(await api.panelMessage(index, { type: 'evil' }), undefined);
    assert.equal(await api.panelMessage(index, 'ready'), undefined);
  });

  test("the UI's messages: 'navigated' titles the panel, 'open' opens or reveals, 'copy' writes the clipboard", async () => {
    const index = api.panels().findIndex((p) => p.route.page === 'trace' && p.route.traceId === traceId);
    await api.panelMessage(index, { type: 'navigated', route: { page: 'trace', traceId, tab: 'stats' }, title: `Trace: ${service} GET /orders` });
    assert.equal(api.panels()[index]?.title, `Trace: ${service} GET /orders`);
    assert.deepEqual(api.panels()[index]?.route, { page: 'trace', traceId, tab: 'stats' });
    // A hostile route is refused as a whole.
    await api.panelMessage(index, { type: 'navigated', route: { page: 'trace', traceId: '../../etc' }, title: 'x' });
    assert.equal(api.panels()[index]?.title, `Trace: ${service} GET /orders`);

    const count = api.panels().length;
    await api.panelMessage(index, { type: 'open', route: { page: 'dependencies' } });
    assert.equal(api.panels().length, count + 1);
    assert.equal(api.panels().at(-1)?.route.page, 'dependencies');
    await api.panelMessage(index, { type: 'open', route: { page: 'trace', traceId } });
    assert.equal(api.panels().length, count + 1, 'the panel of that trace is revealed, not a new one');
    await waitFor('the trace panel active again', () => (api.panels()[index]?.active ? true : undefined));

    const text = `${traceId} ${randomBytes(4).toString('hex')}`;
    await api.panelMessage(index, { type: 'copy', text, what: 'trace id' });
    assert.equal(await vscode.env.clipboard.readText(), text);
  });

  test('Copy Link to Trace copies a deep link the URI handler opens', async () => {
    const link = await vscode.commands.executeCommand<string>('tracelens.copyTraceLink', { traceId, spanId });
    assert.equal(link, `${vscode.env.uriScheme}://tracelens.tracelens/trace/${traceId}?span=${spanId}`);
    assert.equal(await vscode.env.clipboard.readText(), link);
    assert.deepEqual(api.openUri(link), { page: 'trace', traceId, spanId });
  });

  test('Compare Traces (two ids, two selected rows, an operation row), Open Trace Search and Show Service Dependencies open their pages', async () => {
    const other = randomBytes(16).toString('hex');
    assert.deepEqual(await vscode.commands.executeCommand('tracelens.compareTraces', traceId, other), { page: 'compare', left: traceId, right: other });
    assert.equal(api.panels().at(-1)?.route.page, 'compare');
    // From the Traces view: two selected trace rows, or an operation row with two traces (no question asked).
    const row = (id: string): unknown => ({ kind: 'trace', summary: { traceId: id, rootService: service, rootName: 'GET /orders' } });
    assert.deepEqual(await vscode.commands.executeCommand('tracelens.compareTraces', row(other), [row(other), row(traceId)]), { page: 'compare', left: other, right: traceId });
    const operation = { kind: 'operation', service, group: { operation: 'GET /orders', traces: [{ traceId }, { traceId: other }] } };
    assert.deepEqual(await vscode.commands.executeCommand('tracelens.compareTraces', operation, [operation]), { page: 'compare', left: traceId, right: other });
    assert.equal(await vscode.commands.executeCommand('tracelens.compareTraces', row(traceId), [row(traceId), row(other), row(traceId)]), undefined, 'three traces: refused');
    const count = api.panels().length;
    assert.deepEqual(await vscode.commands.executeCommand('tracelens.showDependencies'), { page: 'dependencies' });
    assert.equal(api.panels().length, count, 'the dependencies panel is revealed again');
    assert.deepEqual(await vscode.commands.executeCommand('tracelens.openSearch', 'error'), { page: 'search', query: 'error' });
    assert.equal(api.panels().length, count + 1);
  });

  test('the serializer restores a panel from its saved state; a damaged state shows the search page', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('every panel closed', () => (api.panels().length === 0 ? true : undefined));
    const restored = vscode.window.createWebviewPanel('tracelens.ui', 'restored', vscode.ViewColumn.Active, {});
    await api.restorePanel(restored, { route: { page: 'trace', traceId, spanId } });
    const p = await readyPanel(api, 'the restored panel ready', (x) => x.route.page === 'trace');
    assert.deepEqual(p.route, { page: 'trace', traceId, spanId });
    // Opening the same trace now reveals the restored panel.
    await vscode.commands.executeCommand('tracelens.openTrace', traceId);
    assert.equal(api.panels().length, 1);

    const damaged = vscode.window.createWebviewPanel('tracelens.ui', 'damaged', vscode.ViewColumn.Active, {});
    await api.restorePanel(damaged, { route: { page: 'trace', traceId: '<img src=x onerror=alert(1)>' } });
    assert.deepEqual(api.panels().at(-1)?.route, { page: 'search' });
    await readyPanel(api, 'the search page of the damaged state', (x) => x.route.page === 'search');
    damaged.dispose();
    restored.dispose();
    assert.equal(api.panels().length, 0, 'closing a panel forgets it');
  });
});
