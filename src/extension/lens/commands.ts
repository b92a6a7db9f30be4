// The span <-> code commands: what a code lens click runs (Show Spans at This Location), Find Spans for This
// Function (editor context menu), and Go to Span Source (Spans view, palette, webview panels). Each one answers
// with a quick pick or a message: never a silent nothing. The quick pick open now is readable for the in-host tests.
import * as vscode from 'vscode';
import type { LocationSpan, LocationSpansResult, WireSourceCandidate } from '../../protocol/messages';
import { SHOW_LOCATION_SPANS_COMMAND } from '../../protocol/messages';
import { formatDuration, serviceOf, spanDuration, STATUS_ERROR, truncate } from '../../core/display';
import type { OpenPick } from '../api';
import { logpointLanguage, logpointMessage, opensFunctionBody } from '../../core/debug/logpoint';
import { readLensConfig } from '../config';
import { pickTrace } from '../commands';
import type { Ctx } from '../ctx';
import { UserError } from '../ctx';
import type { SpansView } from '../views/spansView';
import { spanOfElement } from '../views/spansView';
import { candidatePickText, missingFileMessage, noSourceMessage, openDirectly, plain, spanPickText, spansTitle, uriPath } from './format';

/** How many spans a location's quick pick lists. */
const SPAN_LIMIT = 50;
const OPEN_TRACE = 'tracelens.openTrace';

/** Where Go to Span Source went. */
export interface OpenedSource {
  readonly uri: string;
  /** 1-based. */
  readonly line: number;
}

/** What Add Breakpoint / Add Logpoint set. */
export interface SpanBreakpoint extends OpenedSource {
  readonly logMessage?: string;
}

interface SpanRef {
  readonly traceId: string;
  readonly spanId: string;
  readonly name?: string;
}

type Item<T> = vscode.QuickPickItem & { readonly value: T };

export class LensCommands {
  private open: OpenPick | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly spans: SpansView,
  ) {
    // The command every lens runs: tracelens.showLocationSpans.
    ctx.registerCommand(SHOW_LOCATION_SPANS_COMMAND.replace(/^tracelens\./, ''), (arg?: unknown) => this.showLocationSpans(arg));
    ctx.registerCommand('findSpansForFunction', (arg?: unknown) => this.findSpansForFunction(arg));
    ctx.registerCommand('goToSpanSource', (arg?: unknown) => this.goToSpanSource(arg));
    ctx.registerCommand('addBreakpointAtSpan', (arg?: unknown) => this.addBreakpoint(arg, false));
    ctx.registerCommand('addLogpointAtSpan', (arg?: unknown) => this.addBreakpoint(arg, true));
  }

  /** The TraceLens quick pick open now, if any. */
  get openPick(): OpenPick | undefined {
    return this.open;
  }

  /** A lens click: the spans of {uri, line}, slowest first; the chosen one opens. Returns it. */
  private async showLocationSpans(arg: unknown): Promise<LocationSpan | undefined> {
    const at = locationArg(arg);
    if (!at) throw new UserError('TraceLens: "Show Spans at This Location" runs from a code lens: it needs a file and a line.');
    const result = await this.ctx.request('tracelens/locationSpans', { uri: at.uri, line: at.line, limit: SPAN_LIMIT });
    return this.pickAndOpen(result, at);
  }

  /** The spans of the function around the cursor (or of the given file's first line from a menu without editor). */
  private async findSpansForFunction(arg: unknown): Promise<LocationSpan | undefined> {
    const editor = vscode.window.activeTextEditor;
    const target = arg instanceof vscode.Uri && editor?.document.uri.toString() !== arg.toString() ? { uri: arg, line: 1 } : editor ? { uri: editor.document.uri, line: editor.selection.active.line + 1 } : undefined;
    if (!target) throw new UserError('TraceLens: open a file and put the cursor in a function first.');
    if (target.uri.scheme !== 'file') throw new UserError(`TraceLens: spans map to files on disk; ${truncate(target.uri.toString(), 120)} is not one.`);
    const at = { uri: target.uri.toString(), line: target.line };
    const result = await this.ctx.request('tracelens/locationSpans', { ...at, limit: SPAN_LIMIT });
    return this.pickAndOpen(result, at);
  }

  private async pickAndOpen(result: LocationSpansResult, at: { uri: string; line: number }): Promise<LocationSpan | undefined> {
    const file = vscode.workspace.asRelativePath(vscode.Uri.parse(at.uri), false);
    const fn = result.location?.functionName;
    if (result.spans.length === 0) {
      const what = fn ? `function ${plain(fn, 80)}` : `${file}:${result.location?.line ?? at.line}`;
      void vscode.window.showInformationMessage(
        `TraceLens: no spans of ${what} in the last ${readLensConfig().settings.windowMinutes} min ("tracelens.lens.windowMinutes"). Spans map to code through their code.* attributes or exception stack traces; run the code with tracing on and try again.`,
      );
      return undefined;
    }
    const now = Date.now();
    const chosen = await this.pick(
      spansTitle(result.spans.length, fn, file, result.location?.line ?? at.line),
      result.spans.map((s) => ({ ...spanPickText(s, now), value: s })),
    );
    if (chosen) await openSpan(chosen.trace.traceId, chosen.spanId);
    return chosen;
  }

  /** Opens the source of a span: {traceId, spanId}, a Spans view row, the selected row, or one picked. */
  private async goToSpanSource(arg: unknown): Promise<OpenedSource | undefined> {
    const found = await this.chooseSource(arg, 'Go to Span Source');
    if (!found || !(await confirmOutside(found.source))) return undefined;
    return openCandidate(found.source);
  }

  /**
   * Adds a breakpoint, or a logpoint that prints the attributes the span records (src/core/debug/logpoint.ts), at
   * the span's source line, and shows the line.
   */
  private async addBreakpoint(arg: unknown, logpoint: boolean): Promise<SpanBreakpoint | undefined> {
    const what = logpoint ? 'Add Logpoint with Span Attributes' : 'Add Breakpoint at Span';
    const found = await this.chooseSource(arg, what);
    if (!found || !(await confirmOutside(found.source))) return undefined;
    const opened = await openCandidate(found.source);
    if (!opened) return undefined;
    const uri = vscode.Uri.parse(opened.uri);
    let message: string | undefined;
    if (logpoint) {
      const trace = await this.ctx.request('tracelens/getTrace', { traceId: found.span.traceId });
      const span = trace?.spans.find((s) => s.spanId === found.span.spanId);
      message = logpointMessage(span?.name ?? found.span.name ?? 'span', span?.attributes ?? [], logpointLanguage(uri.path));
    }
    // A span's source line usually starts it (startActiveSpan(..., (span) => {): the span is active from the next line.
    const document = await vscode.workspace.openTextDocument(uri);
    const line = opensFunctionBody(document.lineAt(opened.line - 1).text) && opened.line < document.lineCount ? opened.line + 1 : opened.line;
    const location = new vscode.Location(uri, new vscode.Position(line - 1, 0));
    const same = vscode.debug.breakpoints.find(
      (b): b is vscode.SourceBreakpoint => b instanceof vscode.SourceBreakpoint && b.location.uri.toString() === uri.toString() && b.location.range.start.line === line - 1,
    );
    // One breakpoint a line: the one there keeps its condition and hit count, and takes the new log message (or none).
    if (same) vscode.debug.removeBreakpoints([same]);
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(location, true, same?.condition, same?.hitCondition, message)]);
    const where = `${vscode.workspace.asRelativePath(uri, false)}:${line}`;
    void vscode.window.showInformationMessage(logpoint ? `TraceLens: logpoint added at ${where}; it prints the span's attributes each time the line runs.` : `TraceLens: breakpoint added at ${where}.`);
    return { uri: opened.uri, line, ...(message !== undefined ? { logMessage: message } : {}) };
  }

  /** The span (argument, selected row, or picked) and the source candidate to use (the sure one, or picked). */
  private async chooseSource(arg: unknown, action: string): Promise<{ span: SpanRef; source: WireSourceCandidate } | undefined> {
    const span = spanArg(arg) ?? this.spans.selectedSpan ?? (await this.pickSpan(action));
    if (!span) return undefined;
    const { candidates } = await this.ctx.request('tracelens/spanSource', { traceId: span.traceId, spanId: span.spanId });
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(noSourceMessage(span.name ?? (await this.spanName(span))));
      return undefined;
    }
    const source =
      openDirectly(candidates) ??
      (await this.pick(
        `TraceLens: where "${plain(span.name ?? span.spanId, 60)}" may come from`,
        candidates.map((c) => ({ ...candidatePickText(c, shownPath(c)), value: c })),
      ));
    return source && { span, source };
  }

  /** A span of the trace the Spans view shows, or of a trace picked first. */
  private async pickSpan(action: string): Promise<SpanRef | undefined> {
    const traceId = this.spans.traceId ?? (await pickTrace(this.ctx, `TraceLens: ${action}: which trace?`));
    if (!traceId) return undefined;
    const trace = this.spans.traceId === traceId && this.spans.trace ? this.spans.trace : await this.ctx.request('tracelens/getTrace', { traceId });
    if (!trace || trace.spans.length === 0) throw new UserError(`TraceLens: trace ${traceId} is not stored (any more).`);
    return this.pick(
      `TraceLens: ${action}: which span?`,
      trace.spans.map((s) => ({
        label: plain(s.name, 120),
        description: `${plain(serviceOf(trace, s), 60)} · ${formatDuration(spanDuration(s))}${s.status.code === STATUS_ERROR ? ' · error' : ''}`,
        detail: `span ${s.spanId}`,
        value: { traceId: s.traceId, spanId: s.spanId, name: s.name },
      })),
    );
  }

  private async spanName(span: SpanRef): Promise<string | undefined> {
    const trace = await this.ctx.request('tracelens/getTrace', { traceId: span.traceId });
    return trace?.spans.find((s) => s.spanId === span.spanId)?.name;
  }

  /** A quick pick whose rows match on description and detail too; resolves with the chosen value. */
  private pick<T>(title: string, items: readonly Item<T>[]): Promise<T | undefined> {
    const qp = vscode.window.createQuickPick<Item<T>>();
    qp.title = title;
    qp.items = items;
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    const shown: OpenPick = { title, items: items.map(({ label, description, detail }) => ({ label, description, detail })) };
    this.open = shown;
    return new Promise<T | undefined>((resolve) => {
      let value: T | undefined;
      qp.onDidAccept(() => {
        value = qp.selectedItems[0]?.value ?? qp.activeItems[0]?.value;
        qp.hide();
      });
      qp.onDidHide(() => {
        if (this.open === shown) this.open = undefined;
        qp.dispose();
        resolve(value);
      });
      qp.show();
    });
  }
}

/** The span to open: the trace panel when the panels are there, else the Spans view. */
async function openSpan(traceId: string, spanId: string): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes(OPEN_TRACE)) await vscode.commands.executeCommand(OPEN_TRACE, { traceId, spanId });
  else await vscode.commands.executeCommand('tracelens.showTrace', traceId);
}

/** A file outside the workspace opens only when the user says so: span text names it, and span text is untrusted. */
async function confirmOutside(c: WireSourceCandidate): Promise<boolean> {
  if (c.inWorkspace) return true;
  const open = await vscode.window.showWarningMessage(`Open ${plain(uriPath(c.uri), 300)}? It is outside the workspace.`, { modal: true }, 'Open');
  return open === 'Open';
}

/** Opens a candidate at its line: revealed in the centre, the line selected. A missing file is an error. */
async function openCandidate(c: WireSourceCandidate): Promise<OpenedSource | undefined> {
  const uri = vscode.Uri.parse(c.uri);
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    void vscode.window.showErrorMessage(missingFileMessage(uriPath(c.uri)), 'Open Settings').then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'tracelens.pathMappings');
    });
    return undefined;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  const line = Math.min(Math.max(c.line, 1), document.lineCount) - 1;
  const range = document.lineAt(line).range;
  const editor = await vscode.window.showTextDocument(document, { selection: new vscode.Selection(range.start, range.end), preview: true });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
  return { uri: document.uri.toString(), line: line + 1 };
}

/** Candidates inside the workspace are shown relative to it. */
function shownPath(c: WireSourceCandidate): string {
  const uri = vscode.Uri.parse(c.uri);
  return uri.scheme === 'file' ? vscode.workspace.asRelativePath(uri, false) : c.uri;
}

function locationArg(arg: unknown): { uri: string; line: number } | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { uri, line } = arg as Record<string, unknown>;
  return typeof uri === 'string' && typeof line === 'number' && Number.isInteger(line) && line >= 1 ? { uri, line } : undefined;
}

function spanArg(arg: unknown): SpanRef | undefined {
  const row = spanOfElement(arg);
  if (row) return row;
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { traceId, spanId } = arg as Record<string, unknown>;
  return typeof traceId === 'string' && typeof spanId === 'string' ? { traceId, spanId } : undefined;
}

