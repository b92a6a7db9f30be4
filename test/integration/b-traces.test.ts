// Spans sent by the real OpenTelemetry SDK reach the Traces view (live, through the server's tracesChanged events)
// and the Spans view shows their tree with attributes, events and status; Clear Data empties the views.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { TreeSnapshot } from '../../src/extension/api';
import type { WireTraceSummary } from '../../src/protocol/wire';
import { allListening, find, must, receiver, sendTrace, statusWhere, traceLens, waitFor } from './lib/host';

/** Markdown source back to the text it shows (what MarkdownString.appendText escaped). */
function unescapeMarkdown(md: string): string {
  return md.replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1');
}

suite('traces from the OpenTelemetry SDK', () => {
  const service = `orders-${randomBytes(3).toString('hex')}`;
  let traceId = '';

  test('appear in the Traces view: service -> root operation -> trace', async () => {
    const api = await traceLens();
    const status = await statusWhere(api, 'every receiver listening', allListening);
    traceId = await sendTrace(receiver(status, 'otlp-http').endpoint ?? '', service);

    const row = await waitFor('the trace in the Traces view', async () => {
      const op = find(find(await api.tracesView(), service)?.children ?? [], 'GET /orders');
      return op?.children[0];
    });
    assert.match(row.label, /^\d+(\.\d+)? ms$/, 'label: the duration');
    assert.match(row.description ?? '', /^3 spans · 1 error · (just now|\ds ago)$/);
    assert.equal(row.icon, 'error');
    const tooltip = unescapeMarkdown(row.tooltip ?? '');
    assert.match(tooltip, new RegExp(`Trace:\\*\\* ${traceId}`));
    assert.match(tooltip, new RegExp(`Services:\\*\\* ${service} \\(3\\)`));
  });

  test('Search Traces finds the trace by service, error, attribute and duration, and refuses a bad line', async () => {
    const search = (line: string): Thenable<WireTraceSummary[] | undefined> => vscode.commands.executeCommand<WireTraceSummary[] | undefined>('tracelens.searchTraces', line);
    const ids = async (line: string): Promise<string[] | undefined> => (await search(line))?.map((t) => t.traceId);
    assert.deepEqual(await ids(`service=${service} error db.system=postgresql minDuration=5ms since=1h`), [traceId]);
    assert.deepEqual(await ids(`service=${service} http.response.status_code>=200 op="GET /orders"`), [traceId]);
    assert.deepEqual(await ids(`service=${service} http.response.status_code>=500`), []);
    assert.equal(await search(`service=${service} minDuration=soon`), undefined, 'a bad line is reported, not thrown');
  });

  test('span text is plain text: markdown and HTML in it stay inert', async () => {
    const api = await traceLens();
    const status = await statusWhere(api, 'running');
    const evil = `evil [run](command:tracelens.clearData) <img src=x onerror=alert(1)> **bold**`;
    await sendTrace(receiver(status, 'otlp-http').endpoint ?? '', evil);
    const svc = await waitFor('the evil service', async () => find(await api.tracesView(), evil));
    const row = svc.children[0]!.children[0]!;
    const tooltip = row.tooltip ?? '';
    assert.doesNotMatch(tooltip, /\]\(command:/, 'no live command link');
    assert.doesNotMatch(tooltip, /<img/, 'no HTML');
    assert.match(unescapeMarkdown(tooltip), /evil \[run\]\(command:tracelens\.clearData\) <img src=x onerror=alert\(1\)> \*\*bold\*\*/, 'the text itself is all there');
  });

  test('Show Trace shows the span tree with attributes, events and status in the Spans view', async () => {
    const api = await traceLens();
    await vscode.commands.executeCommand('tracelens.showTrace', traceId);
    assert.equal(api.shownTrace(), traceId);
    const roots = await api.spansView();
    assert.deepEqual(roots.map((r) => r.label), ['GET /orders']);
    const root = roots[0]!;
    assert.match(root.description ?? '', new RegExp(`^${service} · \\d+(\\.\\d+)? ms · \\+0 ns$`));

    const attributes = must(root.children, 'Attributes').children;
    assert.deepEqual(
      attributes.map((a) => [a.label, a.description]),
      [['http.request.method', 'GET'], ['http.response.status_code', '200'], ['orders.count', '3']],
    );
    assert.equal(must(root.children, 'Kind').description, 'SERVER');
    assert.equal(must(root.children, 'Status').description, 'UNSET');
    assert.ok(must(must(root.children, 'Resource').children, 'service.name').description === service);
    assert.equal(must(root.children, 'Scope').description, 'tracelens-integration 0.0.1');

    const db = must(root.children, 'SELECT orders');
    assert.equal(db.icon, 'error');
    assert.match(db.description ?? '', /^orders-\w+ · 10(\.0)? ms · \+5\.00 ms · error$/);
    assert.equal(must(db.children, 'Status').description, 'ERROR: connection reset');
    const event = must(must(db.children, 'Events').children, 'cache.miss');
    assert.equal(event.description, '+6.00 ms');
    assert.deepEqual(event.children.map((a) => [a.label, a.description]), [['cache.key', 'orders:42']]);
    const parse = must(db.children, 'parse rows');
    assert.match(parse.description ?? '', /· 2\.00 ms · \+7\.00 ms$/);
    assert.equal(find(parse.children, /^(SELECT|GET)/), undefined);
  });

  test('a span whose parent never arrives is shown at the root level', async () => {
    const api = await traceLens();
    const status = await statusWhere(api, 'running');
    const orphanTrace = await sendTrace(receiver(status, 'otlp-http').endpoint ?? '', service, { remoteParent: true });
    await waitFor('the orphan trace', async () => (find(must(await api.tracesView(), service).children, 'GET /orders')?.children.length === 2 ? true : undefined));
    await vscode.commands.executeCommand('tracelens.showTrace', orphanTrace);
    const roots: TreeSnapshot[] = await api.spansView();
    assert.deepEqual(roots.map((r) => r.label), ['GET /orders']);
    assert.match(roots[0]!.description ?? '', / · parent missing$/);
  });

  test('Clear Data empties the Traces and Spans views', async () => {
    const api = await traceLens();
    assert.ok((await api.tracesView()).length > 0);
    await vscode.commands.executeCommand('tracelens.clearData');
    await waitFor('an empty Traces view', async () => ((await api.tracesView()).length === 0 ? true : undefined));
    assert.deepEqual(await api.spansView(), []);
    const status = await statusWhere(api, 'running');
    assert.equal(status.spanCount, 0);
    assert.equal(status.traceCount, 0);
  });
});
