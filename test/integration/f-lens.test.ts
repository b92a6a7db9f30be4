// Span <-> code in the editor: spans sent with the real OpenTelemetry SDK carry code.* attributes that point at
// test/fixtures/workspace/src/orders.js; the trace server's code lens shows their count above placeOrder, a lens
// click lists them slowest first and opens the chosen one, Go to Span Source opens the file at the line, Find Spans
// for This Function finds them from the editor, the failing line gets a gutter mark, and the lens settings reach
// the running server without a restart.
//
//   orders.place (placeOrder, orders.js:5)   30 ms             trace A
//   orders.place (placeOrder, orders.js:5)   20 ms  ERROR      trace B
//   orders.place (placeOrder, orders.js:5)   10 ms             trace C
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Attributes } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { LocationSpan } from '../../src/protocol/messages';
import type { TraceLensApi } from '../../src/extension/api';
import { receiver, statusWhere, traceLens, waitFor } from './lib/host';

/** placeOrder's first line in the fixture file (1-based). */
const LINE = 5;
const LENS_DEADLINE_MS = 45_000;

interface Sent {
  readonly traceId: string;
  readonly spanId: string;
  readonly ms: number;
  readonly error: boolean;
}

/** One root span per trace (real SDK, OTLP/HTTP protobuf), with the given name, attributes, duration and status. */
async function sendSpans(endpoint: string, service: string, runs: readonly { name: string; attributes: Attributes; ms: number; error: boolean }[]): Promise<Sent[]> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('tracelens-lens-test', '0.0.1');
  const t0 = Date.now() - 1000;
  const sent = runs.map((run, i) => {
    const span = tracer.startSpan(run.name, { kind: SpanKind.INTERNAL, startTime: t0 + i * 50, attributes: run.attributes });
    if (run.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
    span.end(t0 + i * 50 + run.ms);
    return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, ms: run.ms, error: run.error };
  });
  await provider.forceFlush();
  await provider.shutdown();
  return sent;
}

/** orders.place spans with the code.* attributes of placeOrder's first line. */
function placeOrders(file: string, runs: readonly { ms: number; error: boolean }[]): { name: string; attributes: Attributes; ms: number; error: boolean }[] {
  const attributes = { 'code.function.name': 'placeOrder', 'code.file.path': file, 'code.line.number': LINE, 'code.column.number': 1 };
  return runs.map((r) => ({ name: 'orders.place', attributes, ...r }));
}

/** The TraceLens lenses of a file at a 0-based line (resolved, so their titles are there). */
async function lensesAt(uri: vscode.Uri, line0: number): Promise<vscode.CodeLens[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.filter((l) => l.range.start.line === line0 && l.command?.command === 'tracelens.showLocationSpans');
}

/** Whether the span is open: in the active trace panel (tracelens.openTrace), else in the Spans view. */
function spanOpen(api: TraceLensApi, traceId: string, spanId: string): boolean {
  const panel = api.panels().find((p) => p.active);
  if (panel) return panel.route.page === 'trace' && panel.route.traceId === traceId && panel.route.spanId === spanId;
  return api.shownTrace() === traceId;
}

suite('span <-> code: lenses, commands and gutter marks', () => {
  const service = `checkout-${randomBytes(3).toString('hex')}`;
  let file: vscode.Uri;
  let sent: Sent[] = [];

  suiteSetup(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the fixture workspace is open');
    file = vscode.Uri.joinPath(folder.uri, 'src', 'orders.js');
    await vscode.workspace.fs.stat(file);
  });

  suiteTeardown(async () => {
    const c = vscode.workspace.getConfiguration('tracelens');
    await c.update('lens.enabled', undefined, vscode.ConfigurationTarget.Global);
    await c.update('lens.decorations', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('spans whose code.* attributes name a workspace file get a lens with their count', async () => {
    const api = await traceLens();
    const status = await statusWhere(api, 'running');
    sent = await sendSpans(
      receiver(status, 'otlp-http').endpoint ?? '',
      service,
      placeOrders(file.fsPath, [
        { ms: 30, error: false },
        { ms: 20, error: true },
        { ms: 10, error: false },
      ]),
    );
    await vscode.window.showTextDocument(file);
    const lens = await waitFor(
      'a lens with 3 calls above placeOrder',
      async () => (await lensesAt(file, LINE - 1)).find((l) => /\b3 calls\b/.test(l.command?.title ?? '')),
      LENS_DEADLINE_MS,
    );
    assert.match(lens.command?.title ?? '', /33\.3% errors/, 'one of the three failed');
    assert.deepEqual(lens.command?.arguments, [{ uri: file.toString(), line: LINE }]);
  });

  test('a lens click lists the spans slowest first, and the chosen one opens', async () => {
    const api = await traceLens();
    const [lens] = await lensesAt(file, LINE - 1);
    assert.ok(lens?.command, 'the lens is still there');
    const running = vscode.commands.executeCommand<LocationSpan | undefined>(lens.command.command, ...(lens.command.arguments ?? []));
    const pick = await waitFor('the spans quick pick', () => api.lens.openPick());
    assert.match(pick.title, /3 spans of placeOrder, slowest first/);
    assert.deepEqual(
      pick.items.map((i) => i.label),
      ['30.0 ms  orders.place', '20.0 ms  orders.place', '10.0 ms  orders.place'],
    );
    assert.deepEqual(pick.items.map((i) => i.description), [service, `${service} · error`, service]);
    assert.match(pick.items[0]?.detail ?? '', new RegExp(`ago · .* · trace ${sent[0]!.traceId}`));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const chosen = await running;
    assert.equal(chosen?.spanId, sent[0]!.spanId, 'the first row (the slowest span) was chosen');
    assert.equal(api.lens.openPick(), undefined, 'the quick pick closed');
    await waitFor('the chosen span open', () => (spanOpen(api, sent[0]!.traceId, sent[0]!.spanId) ? true : undefined));
  });

  test('Go to Span Source opens the file at the span\'s line, the line selected', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const opened = await vscode.commands.executeCommand<{ uri: string; line: number } | undefined>('tracelens.goToSpanSource', { traceId: sent[1]!.traceId, spanId: sent[1]!.spanId });
    assert.deepEqual(opened, { uri: file.toString(), line: LINE });
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.toString(), file.toString(), 'the fixture file is the active editor');
    assert.equal(editor.selection.start.line, LINE - 1);
    assert.equal(editor.document.getText(editor.selection), editor.document.lineAt(LINE - 1).text, 'the whole line is selected');
    assert.match(editor.document.getText(editor.selection), /function placeOrder/);
  });

  test('Go to Span Source on a span nothing maps to a file opens nothing', async () => {
    const api = await traceLens();
    const status = await statusWhere(api, 'running');
    const name = `zq-${randomBytes(6).toString('hex')}`; // no code.*, no stack, no literal in the workspace
    const [lost] = await sendSpans(receiver(status, 'otlp-http').endpoint ?? '', service, [{ name, attributes: {}, ms: 5, error: false }]);
    await waitFor('the span stored', async () => ((await vscode.commands.executeCommand<unknown[]>('tracelens.searchTraces', `service=${service} op=${name}`))?.length === 1 ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const opened = await vscode.commands.executeCommand('tracelens.goToSpanSource', { traceId: lost!.traceId, spanId: lost!.spanId });
    assert.equal(opened, undefined);
    assert.equal(vscode.window.activeTextEditor, undefined, 'no editor opened');
    assert.equal(api.lens.openPick(), undefined, 'no quick pick either: a message says why');
  });

  test('Find Spans for This Function from inside placeOrder finds its spans', async () => {
    const api = await traceLens();
    const editor = await vscode.window.showTextDocument(file);
    const inside = new vscode.Position(LINE, 4); // the line after the declaration, in the body
    editor.selection = new vscode.Selection(inside, inside);
    const running = vscode.commands.executeCommand<LocationSpan | undefined>('tracelens.findSpansForFunction');
    const pick = await waitFor('the spans quick pick', () => api.lens.openPick());
    assert.match(pick.title, /3 spans of placeOrder/);
    assert.equal(pick.items.length, 3);
    assert.ok(pick.items.every((i) => i.label.endsWith('orders.place')));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await running, undefined, 'closed without a choice');
  });

  test('the failing line gets a gutter mark; tracelens.lens.decorations off removes it', async () => {
    const api = await traceLens();
    await vscode.window.showTextDocument(file);
    const heat = await waitFor('a failing mark on placeOrder', () => (api.lens.heatLines(file.toString())?.failing.includes(LINE) ? api.lens.heatLines(file.toString()) : undefined));
    assert.deepEqual(heat.hot, [], '30 ms is under the 1000 ms p95 threshold');
    await vscode.workspace.getConfiguration('tracelens').update('lens.decorations', false, vscode.ConfigurationTarget.Global);
    await waitFor('no gutter marks', () => (api.lens.heatLines(file.toString()) === undefined ? true : undefined));
    await vscode.workspace.getConfiguration('tracelens').update('lens.decorations', undefined, vscode.ConfigurationTarget.Global);
    await waitFor('the failing mark back', () => (api.lens.heatLines(file.toString())?.failing.includes(LINE) ? true : undefined));
  });

  test('tracelens.lens.enabled off removes the lenses without restarting the server; on brings them back', async () => {
    const api = await traceLens();
    const before = await statusWhere(api, 'running');
    const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('tracelens');
    await config().update('lens.enabled', false, vscode.ConfigurationTarget.Global);
    await waitFor('no lenses', async () => ((await lensesAt(file, LINE - 1)).length === 0 ? true : undefined));
    await config().update('lens.enabled', undefined, vscode.ConfigurationTarget.Global);
    await waitFor('the lens back', async () => (await lensesAt(file, LINE - 1)).find((l) => /\b3 calls\b/.test(l.command?.title ?? '')), LENS_DEADLINE_MS);
    const after = await statusWhere(api, 'running');
    assert.equal(after.pid, before.pid, 'the same server process: lens settings need no restart');
  });
});
