// Trace-aware debugging in the editor, with the built-in Node debugger (js-debug) and the real OpenTelemetry SDK:
// a launch configuration without any OTEL_* variable exports to the receiver; the Traces view shows only the
// session's traces; a breakpoint inside a traced function pauses, and the span at the breakpoint is read from the
// paused frame (the paused span running, its finished child not exported yet); resuming clears it; user values are
// never overwritten and the setting turns it off; integrated terminals get the same environment; a span's source gets
// a breakpoint and a logpoint.
//
//   checkout.handle ├──────────────[paused at "const total"]─ ─ ─ (running)
//   checkout.validate  ├──┤  (ended, still in the batch queue: the process is paused)
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TraceLensApi } from '../../src/extension/api';
import type { PackedTrace } from '../../src/protocol/packedTrace';
import type { WireLiveState } from '../../src/protocol/wire';
import { find, receiver, statusWhere, traceLens, waitFor, WORKSPACE_ADDRESSES } from './lib/host';

const CONFIG_NAME = 'Checkout (debug test)';
/** The 1-based line of checkout.js marked "the debug test's breakpoint" (inside checkout.handle's span). */
const breakLine = (): number => readFileSync(program(), 'utf8').split('\n').findIndex((l) => l.includes("the debug test's breakpoint")) + 1;

function folder(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the tests run in test/fixtures/workspace');
  return f;
}

const program = (): string => join(folder().uri.fsPath, 'src', 'checkout.js');

function launch(extra: Partial<vscode.DebugConfiguration> = {}): vscode.DebugConfiguration {
  return { type: 'node', request: 'launch', name: CONFIG_NAME, program: program(), console: 'internalConsole', ...extra };
}

/** Runs checkout.js in "print the environment" mode through the debugger and returns its OTEL_* variables. */
async function launchedEnvironment(extra: Partial<vscode.DebugConfiguration>): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'tracelens-debug-env-'));
  const out = join(dir, 'env.json');
  try {
    assert.ok(await vscode.debug.startDebugging(folder(), launch({ args: [out], ...extra })), 'the launch started');
    await waitFor('the program to write its environment', () => (existsSync(out) ? true : undefined), 30_000);
    return JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
  } finally {
    await vscode.debug.stopDebugging();
    rmSync(dir, { recursive: true, force: true });
  }
}

suite('debugging', () => {
  let api: TraceLensApi;
  let endpoint: string;

  suiteSetup(async () => {
    api = await traceLens();
    const status = await statusWhere(api, 'the OTLP/HTTP receiver listening', (s) => receiver(s, 'otlp-http').state === 'listening');
    endpoint = receiver(status, 'otlp-http').endpoint!;
  });

  suiteTeardown(async () => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    await vscode.debug.stopDebugging();
    await vscode.workspace.getConfiguration('tracelens.debug').update('exportToTraceLens', undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('a launch without OTEL variables gets them; values the user set are kept', async () => {
    const env = await launchedEnvironment({});
    assert.equal(env['OTEL_EXPORTER_OTLP_ENDPOINT'], endpoint);
    assert.equal(env['OTEL_EXPORTER_OTLP_PROTOCOL'], 'http/protobuf');
    assert.equal(env['OTEL_SERVICE_NAME'], CONFIG_NAME);
    assert.equal(env['OTEL_BSP_SCHEDULE_DELAY'], '200');
    assert.equal(env['OTEL_TRACES_SAMPLER'], 'always_on');
    assert.match(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '', /^tracelens\.debug\.session=[0-9a-f]{16}$/);

    const mine = await launchedEnvironment({ env: { OTEL_SERVICE_NAME: 'mine', OTEL_BSP_SCHEDULE_DELAY: '5000', OTEL_RESOURCE_ATTRIBUTES: 'team=payments' } });
    assert.equal(mine['OTEL_SERVICE_NAME'], 'mine');
    assert.equal(mine['OTEL_BSP_SCHEDULE_DELAY'], '5000');
    assert.match(mine['OTEL_RESOURCE_ATTRIBUTES'] ?? '', /^team=payments,tracelens\.debug\.session=[0-9a-f]{16}$/);
    assert.equal(mine['OTEL_EXPORTER_OTLP_ENDPOINT'], endpoint);

    // An envFile's values are the user's too; its resource attributes are left as the file says.
    const dir = mkdtempSync(join(tmpdir(), 'tracelens-envfile-'));
    try {
      writeFileSync(join(dir, 'dev.env'), '# team settings\nOTEL_SERVICE_NAME="from-file"\nexport OTEL_RESOURCE_ATTRIBUTES=team=file\n');
      const fromFile = await launchedEnvironment({ envFile: join(dir, 'dev.env') });
      assert.equal(fromFile['OTEL_SERVICE_NAME'], 'from-file');
      assert.equal(fromFile['OTEL_RESOURCE_ATTRIBUTES'], 'team=file');
      assert.equal(fromFile['OTEL_EXPORTER_OTLP_ENDPOINT'], endpoint);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // A launch that exports to its own collector is left alone.
    const elsewhere = await launchedEnvironment({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.invalid:4318' } });
    assert.deepEqual(elsewhere, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.invalid:4318' });
  });

  test('the setting turns it off for the workspace', async () => {
    await vscode.workspace.getConfiguration('tracelens.debug').update('exportToTraceLens', false, vscode.ConfigurationTarget.Workspace);
    try {
      const env = await launchedEnvironment({});
      assert.equal(env['OTEL_EXPORTER_OTLP_ENDPOINT'], undefined);
      assert.equal(env['OTEL_SERVICE_NAME'], undefined);
    } finally {
      await vscode.workspace.getConfiguration('tracelens.debug').update('exportToTraceLens', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('integrated terminals export to the receiver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelens-terminal-env-'));
    const out = join(dir, 'env.json');
    const terminal = vscode.window.createTerminal({ name: 'tracelens env test', cwd: dir });
    try {
      terminal.sendText(`node "${program()}" "${out}"`);
      await waitFor('the terminal program to write its environment', () => (existsSync(out) ? true : undefined), 30_000);
      const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
      assert.equal(env['OTEL_EXPORTER_OTLP_ENDPOINT'], endpoint);
      assert.equal(env['OTEL_BSP_SCHEDULE_DELAY'], '200');
      assert.equal(env['OTEL_SERVICE_NAME'], undefined, 'a terminal has no configuration name to use');
    } finally {
      terminal.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the session filter, the span at a breakpoint, and resuming', async function () {
    this.timeout(120_000);
    assert.ok(await vscode.debug.startDebugging(folder(), launch()), 'the launch started');
    const session = await waitFor('the wired session', () => api.debug.session());
    assert.equal(session.name, CONFIG_NAME);
    assert.equal(session.ended, false);

    // Spans arrive; the Traces view lists only this session's traces (service = the configuration's name).
    const listed = await waitFor('the session traces in the Traces view', async () => {
      const view = await api.tracesView();
      const service = find(view, CONFIG_NAME);
      return service && service.children.length > 0 ? view : undefined;
    }, 30_000);
    assert.deepEqual(listed.map((s) => s.label), [CONFIG_NAME], 'only the session service is listed');

    // A breakpoint inside checkout.handle pauses; the span at the breakpoint is read from the paused frame.
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(program()), new vscode.Position(breakLine() - 1, 0)))]);
    const paused = await waitFor('the span at the breakpoint', async () => {
      const s = await api.debug.pausedSettled(10_000);
      return s.kind === 'span' || s.kind === 'none' ? s : undefined;
    }, 60_000);
    assert.equal(paused.kind, 'span', paused.kind === 'none' ? paused.message : '');
    if (paused.kind !== 'span') return;
    const [top] = paused.result.chain;
    assert.equal(top?.name, 'checkout.handle');
    assert.equal(top?.running, true);
    assert.ok(paused.result.unexported >= 1, 'checkout.validate ended but waits in the paused process');
    const view = await api.debug.pausedView();
    assert.match(view[0]?.description ?? '', /paused here/);
    assert.equal(view[0]?.label, 'checkout.handle');

    // The trace view opens on the paused span.
    await vscode.commands.executeCommand('tracelens.showPausedSpan');
    const panel = await waitFor('the trace panel of the paused span', () =>
      api.panels().find((p) => p.route.page === 'trace' && p.route.traceId === paused.result.traceId && p.route.spanId === paused.result.spanId),
    );
    assert.ok(panel);
    // What the trace view reads (through its panel): the trace with the paused process's spans and the live state.
    const index = api.panels().findIndex((p) => p.route.page === 'trace' && p.route.traceId === paused.result.traceId);
    const live = async (): Promise<WireLiveState | undefined> => {
      const reply = await api.panelMessage(index, { type: 'request', id: 1, method: 'tracelens/getTracePacked', params: { traceId: paused.result.traceId } });
      assert.ok(reply?.type === 'response' && !reply.error, JSON.stringify(reply));
      return (reply.result as PackedTrace).live;
    };
    const state = await live();
    assert.equal(state?.pausedSpanId, paused.result.spanId);
    assert.ok(state?.runningSpanIds.includes(paused.result.spanId), 'the paused span is running');

    // Resuming (without the breakpoint) clears it, here and on the server.
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await waitFor('the pause to clear', () => (api.debug.paused().kind === 'idle' ? true : undefined));
    await waitFor('the trace without the paused process\'s spans', async () => ((await live()) === undefined ? true : undefined));

    await vscode.debug.stopDebugging();
    await waitFor('the session to end', () => (api.debug.session()?.ended ? true : undefined), 20_000);
  });

  test('a span source gets a breakpoint and a logpoint', async function () {
    this.timeout(60_000);
    const span = await handleSpan();
    const added = await withPickAccepted(api, () => vscode.commands.executeCommand<SpanBreakpoint | undefined>('tracelens.addLogpointAtSpan', span));
    assert.ok(added, 'the logpoint was added');
    assert.match(added.uri, /checkout\.js$/);
    const message = added.logMessage ?? '';
    assert.ok(message.startsWith('[span checkout.handle] active={'), message);
    assert.ok(message.includes(`app.checkout.number={`) && message.includes(`?.attributes?.["app.checkout.number"]}`), message);
    const bp = vscode.debug.breakpoints.find((b): b is vscode.SourceBreakpoint => b instanceof vscode.SourceBreakpoint && b.location.uri.toString() === added.uri);
    assert.ok(bp, 'the logpoint is among the breakpoints');
    assert.equal(bp.logMessage, message);
    assert.equal(bp.location.range.start.line + 1, added.line);
    // The span's source line starts it (startActiveSpan('checkout.handle', async (span) => {): the logpoint goes on
    // the first line of its function, where it is the active span.
    const lines = readFileSync(program(), 'utf8').split('\n');
    assert.match(lines[added.line - 2] ?? '', /startActiveSpan\('checkout\.handle'/, 'the line after the one that starts the span');

    // Run it: the Debug Console prints the span's name, its trace id and what it recorded so far.
    const printed: string[] = [];
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: { output?: string } }) => {
          if (m.type === 'event' && m.event === 'output' && typeof m.body?.output === 'string') printed.push(m.body.output);
        },
      }),
    });
    try {
      assert.ok(await vscode.debug.startDebugging(folder(), launch()), 'the launch started');
      const line = await waitFor('the logpoint output', () => printed.find((o) => o.includes('[span checkout.handle]')), 30_000);
      assert.match(line, /\[span checkout\.handle\] active=checkout\.handle trace=[0-9a-f]{32} app\.checkout\.number=/, line);
    } finally {
      tracker.dispose();
      await vscode.debug.stopDebugging();
    }

    const breakpoint = await withPickAccepted(api, () => vscode.commands.executeCommand<SpanBreakpoint | undefined>('tracelens.addBreakpointAtSpan', span));
    assert.ok(breakpoint);
    assert.equal(breakpoint.line, added.line, 'the same line');
    const atLine = vscode.debug.breakpoints.filter((b) => b instanceof vscode.SourceBreakpoint && b.location.uri.toString() === breakpoint.uri && b.location.range.start.line + 1 === breakpoint.line);
    assert.equal(atLine.length, 1, 'the breakpoint replaced the logpoint on that line');
    assert.equal((atLine[0] as vscode.SourceBreakpoint).logMessage, undefined);
    // A breakpoint already there keeps its condition.
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const at = new vscode.Location(vscode.Uri.parse(breakpoint.uri), new vscode.Position(breakpoint.line - 1, 0));
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(at, true, 'n > 3')]);
    await withPickAccepted(api, () => vscode.commands.executeCommand<SpanBreakpoint | undefined>('tracelens.addLogpointAtSpan', span));
    const kept = vscode.debug.breakpoints.filter((b): b is vscode.SourceBreakpoint => b instanceof vscode.SourceBreakpoint && b.location.uri.toString() === breakpoint.uri);
    assert.equal(kept.length, 1);
    assert.equal(kept[0]?.condition, 'n > 3');
    assert.ok(kept[0]?.logMessage?.startsWith('[span checkout.handle]'));
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);

    // The same from the trace view's span detail ("Add breakpoint"): the webview asks its host.
    const panel = api.panels().findIndex((p) => p.route.page === 'trace');
    assert.ok(panel >= 0, 'the trace panel of the previous test is open');
    await withPickAccepted(api, () => api.panelMessage(panel, { type: 'openSource', params: { ...span, action: 'breakpoint' } }));
    await waitFor('the breakpoint from the trace view', () =>
      vscode.debug.breakpoints.some((b) => b instanceof vscode.SourceBreakpoint && b.location.uri.toString() === breakpoint.uri && b.location.range.start.line + 1 === breakpoint.line) ? true : undefined,
    );
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });
});

/**
 * Runs a command that may ask where the span comes from (a quick pick when no candidate is sure): the first
 * candidate, which must be checkout.js, is accepted.
 */
async function withPickAccepted<T>(api: TraceLensApi, run: () => Thenable<T>): Promise<T> {
  let done = false;
  const result = Promise.resolve(run()).finally(() => (done = true));
  await waitFor('the command to finish or ask', async () => {
    if (done) return true;
    const pick = api.lens.openPick();
    if (!pick) return undefined;
    assert.match(`${pick.items[0]?.label ?? ''} ${pick.items[0]?.description ?? ''} ${pick.items[0]?.detail ?? ''}`, /checkout\.js/, JSON.stringify(pick));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    return true;
  });
  return result;
}

interface SpanBreakpoint {
  readonly uri: string;
  readonly line: number;
  readonly logMessage?: string;
}

/** {traceId, spanId} of a stored checkout.handle span of the session, read through the Jaeger-compatible query API. */
async function handleSpan(): Promise<{ traceId: string; spanId: string }> {
  const url = `http://${WORKSPACE_ADDRESSES.query}/api/traces?service=${encodeURIComponent(CONFIG_NAME)}&operation=checkout.handle&limit=1`;
  const body = (await (await fetch(url)).json()) as { data?: { traceID: string; spans: { spanID: string; operationName: string }[] }[] };
  const trace = body.data?.[0];
  const span = trace?.spans.find((s) => s.operationName === 'checkout.handle');
  assert.ok(trace && span, `a checkout.handle span is stored (${url})`);
  return { traceId: trace.traceID, spanId: span.spanID };
}
