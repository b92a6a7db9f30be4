// The commands (category "TraceLens"). Each one works, or says why not, whatever state the server is in:
// Ctx.registerCommand turns ServerDownError and UserError into messages.
import * as vscode from 'vscode';
import type { ServerStatus } from '../protocol/messages';
import type { SnippetLanguage } from '../core/envSnippets';
import { envSnippet, SNIPPET_LANGUAGES } from '../core/envSnippets';
import type { Ctx } from './ctx';
import { UserError } from './ctx';
import { formatAge, formatDuration, nanos, plural, truncate } from '../core/display';
import type { SpansView } from './views/spansView';
import type { TracesView } from './views/tracesView';
import { isTraceElement, otlpEndpoint } from './views/tracesView';
import { exportTraceFile, importTraceFiles } from './transfer';
import type { ExportFormat, FindTracesParams } from '../protocol/messages';
import type { WireTraceSummary } from '../protocol/wire';
import { ConfigError } from '../core/address';
import { parseSearch } from '../core/search';
import { nowUnixNanos } from '../core/model';
import { queryEndpoint, WEB_ROUTE } from './browserLinks';
import { readConfig } from './config';
import { isSecretVariable, secretSlots, storeSecret } from './secrets';

export interface Views {
  readonly traces: TracesView;
  readonly spans: SpansView;
}

export function registerCommands(ctx: Ctx, views: Views): void {
  ctx.registerCommand('startReceiver', async () => {
    const status = await ctx.request('tracelens/receivers', { action: 'start' });
    ctx.acceptStatus(status, true);
    const listening = status.receivers.filter((r) => r.protocol !== 'query' && r.state === 'listening');
    if (listening.length > 0) void vscode.window.showInformationMessage(`TraceLens: receiving on ${listening.map((r) => `${r.label} ${r.endpoint ?? r.address}`).join(', ')}.`);
    return status;
  });

  ctx.registerCommand('stopReceiver', async () => {
    const status = await ctx.request('tracelens/receivers', { action: 'stop' });
    ctx.acceptStatus(status);
    void vscode.window.showInformationMessage('TraceLens: receivers stopped; exporters now get "connection refused". Stored traces stay until you clear them.');
    return status;
  });

  // The web UI in the browser, through asExternalUri (remote development); { route } optional. Returns the URL.
  ctx.registerCommand('openInBrowser', async (arg?: unknown) => {
    const status = await currentStatus(ctx);
    const endpoint = queryEndpoint(status);
    if (!endpoint) throw new UserError('TraceLens: the query API is not listening, so there is no web UI to open; set "tracelens.queryApi.address" (e.g. 127.0.0.1:16686).');
    const given = (arg as { route?: unknown } | undefined)?.route;
    const route = typeof given === 'string' && WEB_ROUTE.test(given) ? given : '/';
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(`${endpoint}/`));
    const target = external.with({ fragment: route });
    ctx.log.info(`opening the web UI: ${target.toString(true)}${external.toString(true) !== `${endpoint}/` ? ` (forwarded from ${endpoint})` : ''}`);
    await vscode.env.openExternal(target);
    return target.toString(true);
  });

  // A password or token for a team's backend, into SecretStorage; args { variable, value } skip the prompts.
  ctx.registerCommand('setSecret', async (arg?: unknown) => {
    const given = arg as { variable?: unknown; value?: unknown } | undefined;
    let variable = typeof given?.variable === 'string' ? given.variable : undefined;
    if (variable === undefined) {
      const slots = secretSlots(readConfig());
      if (slots.length === 0) throw new UserError('TraceLens: nothing needs a password or token: set "tracelens.store.clickhouse", "tracelens.forward" or "tracelens.remotes" first.');
      variable = (await vscode.window.showQuickPick(slots.map((s) => ({ label: s.label, description: s.variable, variable: s.variable })), { title: 'TraceLens: Set a Password or Token' }))?.variable;
      if (variable === undefined) return undefined;
    }
    if (!isSecretVariable(variable)) throw new UserError(`TraceLens: ${variable} is not a password or token TraceLens uses.`);
    const value = typeof given?.value === 'string' ? given.value : await vscode.window.showInputBox({ title: variable, prompt: 'Kept in VS Code\'s secret storage (the system keychain), never in settings. Empty: forget it.', password: true, ignoreFocusOut: true });
    if (value === undefined) return undefined;
    await storeSecret(ctx.extCtx.secrets, variable, value);
    await ctx.restart();
    return variable;
  });

  ctx.registerCommand('takeOver', async () => {
    const before = await currentStatus(ctx);
    if (before.machine?.role !== 'attached') {
      void vscode.window.showInformationMessage('TraceLens: this window already runs the receivers and the store.');
      return before;
    }
    const status = await ctx.takeOver();
    void vscode.window.showInformationMessage(`TraceLens: this window now runs the receivers and the store (taken over from process ${before.machine.owner.pid}).`);
    return status;
  });

  ctx.registerCommand('restartServer', async () => {
    await ctx.restart();
    return ctx.state.kind;
  });

  ctx.registerCommand('clearData', async () => {
    const status = await ctx.request('tracelens/clear', {});
    ctx.acceptStatus(status);
    await Promise.all([views.traces.refresh(), views.spans.reload()]);
    return status;
  });

  ctx.registerCommand('copyEndpoint', async () => {
    const status = await currentStatus(ctx);
    const otlp = otlpEndpoint(status);
    if (!otlp) throw noReceiver(status);
    await vscode.env.clipboard.writeText(otlp.endpoint);
    void vscode.window.showInformationMessage(`TraceLens: copied ${otlp.endpoint} (${otlp.label}) to the clipboard.`);
    return otlp.endpoint;
  });

  ctx.registerCommand('copyEnvSnippet', async (arg?: unknown) => {
    const status = await currentStatus(ctx);
    const otlp = otlpEndpoint(status);
    if (!otlp) throw noReceiver(status);
    const language = SNIPPET_LANGUAGES.find((l) => l.id === arg)?.id ?? (await pickLanguage());
    if (!language) return undefined;
    const snippet = envSnippet({ language, endpoint: otlp.endpoint, protocol: otlp.protocol, shell: process.platform === 'win32' ? 'powershell' : 'posix' });
    await vscode.env.clipboard.writeText(snippet.text);
    const label = SNIPPET_LANGUAGES.find((l) => l.id === language)?.label ?? language;
    void vscode.window.showInformationMessage(`TraceLens: copied the ${label} environment for ${otlp.endpoint}. Set it where your application starts.`, 'Open in Editor').then(async (pick) => {
      if (pick) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: snippet.text, language: process.platform === 'win32' ? 'powershell' : 'shellscript' }));
    });
    return snippet.text;
  });

  ctx.registerCommand('showLog', () => ctx.showLog());

  ctx.registerCommand('refresh', async () => {
    await Promise.all([views.traces.refresh(), views.spans.reload()]);
  });

  ctx.registerCommand('importTraces', async (arg?: unknown) => {
    const uris = arg instanceof vscode.Uri ? [arg] : Array.isArray(arg) && arg.every((u) => u instanceof vscode.Uri) ? (arg as vscode.Uri[]) : undefined;
    const result = await importTraceFiles(ctx, uris);
    if (result) await views.traces.refresh();
    return result;
  });

  /** Arguments (all optional): a trace item or id, a format, a target Uri (tests and other extensions pass them). */
  ctx.registerCommand('exportTrace', async (arg?: unknown, format?: unknown, target?: unknown) => {
    const traceId = typeof arg === 'string' ? arg : isTraceElement(arg) ? arg.summary.traceId : await pickTrace(ctx);
    if (!traceId) return undefined;
    return exportTraceFile(ctx, [traceId], exportFormat(format), target instanceof vscode.Uri ? target : undefined);
  });

  ctx.registerCommand('exportTraces', async (format?: unknown, target?: unknown) =>
    exportTraceFile(ctx, views.traces.listedTraceIds(), exportFormat(format), target instanceof vscode.Uri ? target : undefined),
  );

  /** With a search line as argument (tests, other extensions): the matching summaries, no UI. */
  let lastSearch = '';
  ctx.registerCommand('searchTraces', async (arg?: unknown) => {
    const now = nowUnixNanos;
    if (typeof arg === 'string') return ctx.request('tracelens/findTraces', { limit: 50, ...searchOrThrow(arg, now()) });
    const text = await vscode.window.showInputBox({
      title: 'TraceLens: Search Traces',
      value: lastSearch,
      prompt: 'service=, op=, kind=, error, minDuration=, maxDuration=, since=, limit=, key=value, key>=N, has:key',
      placeHolder: 'service=checkout error http.response.status_code>=500 minDuration=100ms since=1h',
      validateInput: (t) => {
        try {
          parseSearch(t, now());
          return undefined;
        } catch (e) {
          return e instanceof ConfigError ? e.message : String(e);
        }
      },
    });
    if (text === undefined) return undefined;
    lastSearch = text;
    const found = await ctx.request('tracelens/findTraces', { limit: 50, ...searchOrThrow(text, now()) });
    if (found.length === 0) {
      void vscode.window.showInformationMessage(`TraceLens: no trace has a span matching "${truncate(text, 80)}".`);
      return found;
    }
    const traceId = await pickFrom(found, `TraceLens: ${plural(found.length, 'trace')} matching "${truncate(text, 60)}"`);
    if (traceId) await views.spans.show(traceId);
    return found;
  });

  ctx.registerCommand('showTrace', async (arg?: unknown) => {
    const traceId = typeof arg === 'string' ? arg : isTraceElement(arg) ? arg.summary.traceId : await pickTrace(ctx);
    if (traceId) await views.spans.show(traceId);
    return traceId;
  });
}

function searchOrThrow(text: string, now: bigint): FindTracesParams {
  try {
    return parseSearch(text, now);
  } catch (e) {
    if (e instanceof ConfigError) throw new UserError(`TraceLens: ${e.message}`);
    throw e;
  }
}

function exportFormat(v: unknown): ExportFormat | undefined {
  return v === 'otlp-jsonl' || v === 'jaeger-json' ? v : undefined;
}

/** The status, fresh from the server (throws ServerDownError when it is not running). */
async function currentStatus(ctx: Ctx): Promise<ServerStatus> {
  const status = await ctx.request('tracelens/status', {});
  ctx.acceptStatus(status);
  return status;
}

function noReceiver(status: ServerStatus): UserError {
  const otlp = status.receivers.filter((r) => r.protocol === 'otlp-http' || r.protocol === 'otlp-grpc');
  const why = otlp.map((r) => `${r.label} ${r.state === 'failed' ? `failed: ${r.error ?? ''}` : r.state === 'disabled' ? 'is off' : 'is stopped'}`).join('; ');
  return new UserError(`TraceLens: no OTLP receiver is listening (${why}). Run "TraceLens: Start Receiver", or change the receiver settings.`);
}

async function pickLanguage(): Promise<SnippetLanguage | undefined> {
  const picked = await vscode.window.showQuickPick(
    SNIPPET_LANGUAGES.map((l) => ({ label: l.label, description: l.reader, id: l.id })),
    { title: 'TraceLens: Copy Environment Snippet', placeHolder: 'The language of the application to trace' },
  );
  return picked?.id;
}

export async function pickTrace(ctx: Ctx, title = 'TraceLens: Show Trace'): Promise<string | undefined> {
  const traces = await ctx.request('tracelens/findTraces', { limit: 100 });
  if (traces.length === 0) throw new UserError('TraceLens: no traces yet. Point an exporter at the receiver ("TraceLens: Copy Environment Snippet").');
  return pickFrom(traces, title);
}

async function pickFrom(traces: readonly WireTraceSummary[], title: string): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(traces.map(tracePickItem), { title, matchOnDetail: true });
  return picked?.traceId;
}

/** A trace as a quick-pick row: root service and operation; duration, spans, errors, age; the id as detail. */
export function tracePickItem(t: WireTraceSummary): vscode.QuickPickItem & { readonly traceId: string } {
  return {
    label: truncate(`${t.rootService}: ${t.rootName}`, 120),
    description: `${formatDuration(nanos(t.durationNanos))} · ${plural(t.spanCount, 'span')}${t.errorCount > 0 ? ` · ${plural(t.errorCount, 'error')}` : ''} · ${formatAge(Date.now() - Number(nanos(t.startTimeUnixNano) / 1_000_000n))}`,
    detail: t.traceId,
    traceId: t.traceId,
  };
}
