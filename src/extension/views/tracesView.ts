// The Traces view: service -> root operation -> traces, newest first, refreshed live from the server's (throttled)
// tracesChanged events. Span text is untrusted: labels and descriptions are plain text, tooltips escape it.
import * as vscode from 'vscode';
import type { ServerStatus } from '../../protocol/messages';
import type { WireTraceSummary } from '../../protocol/wire';
import type { TreeSnapshot } from '../api';
import type { Ctx } from '../ctx';
import type { OperationGroup, ServiceGroup } from '../../core/display';
import { escapeHtml, formatAge, formatDuration, groupTraces, nanos, plural, truncate } from '../../core/display';
import { snapshotTree } from './snapshot';
import type { DebugSessions, TracedSession } from '../debug/sessions';
import { toWireSession } from '../debug/sessions';

/** The view lists this many of the newest traces. */
export const MAX_TRACES = 500;
const REFRESH_DELAY_MS = 200;
const AGE_REFRESH_MS = 10_000;

export type TraceElement =
  | { readonly kind: 'service'; readonly group: ServiceGroup }
  | { readonly kind: 'operation'; readonly service: string; readonly group: OperationGroup }
  | { readonly kind: 'trace'; readonly summary: WireTraceSummary };

export function isTraceElement(value: unknown): value is Extract<TraceElement, { kind: 'trace' }> {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'trace' && 'summary' in value;
}

/** The OTLP endpoint exporters should use: OTLP/HTTP when it listens, else OTLP/gRPC. */
export function otlpEndpoint(status: ServerStatus): { endpoint: string; protocol: 'http/protobuf' | 'grpc'; label: string } | undefined {
  for (const [protocol, otlp] of [['otlp-http', 'http/protobuf'], ['otlp-grpc', 'grpc']] as const) {
    const r = status.receivers.find((x) => x.protocol === protocol && x.state === 'listening' && x.endpoint);
    if (r?.endpoint) return { endpoint: r.endpoint, protocol: otlp, label: r.label };
  }
  return undefined;
}

export class TracesView implements vscode.TreeDataProvider<TraceElement> {
  private groups: ServiceGroup[] = [];
  private summaries: readonly WireTraceSummary[] = [];
  private traceCount = 0;
  private readonly changed = new vscode.EventEmitter<TraceElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<TraceElement>;
  private timer: NodeJS.Timeout | undefined;
  /** Orders refreshes: an older answer never replaces a newer one. */
  private seq = 0;
  private pid: number | undefined;
  /** Traces changed while the view was hidden: refresh when it shows. */
  private stale = false;
  private sessions: DebugSessions | undefined;
  /** Only the traces of the current debug session (sessions.current). */
  private onlySession = false;

  constructor(private readonly ctx: Ctx) {
    // Trace files dropped on the view (from the Explorer or the desktop) are imported.
    const dragAndDropController: vscode.TreeDragAndDropController<TraceElement> = {
      dropMimeTypes: ['text/uri-list'],
      dragMimeTypes: [],
      handleDrop: async (_target, data) => {
        const list = await data.get('text/uri-list')?.asString();
        const uris = (list ?? '')
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#'))
          .map((l) => vscode.Uri.parse(l));
        if (uris.length > 0) await vscode.commands.executeCommand('tracelens.importTraces', uris);
      },
    };
    this.view = vscode.window.createTreeView('tracelens.traces', { treeDataProvider: this, showCollapseAll: true, canSelectMany: true, dragAndDropController });
    const ages = setInterval(() => {
      if (this.view.visible && this.traceCount > 0) this.changed.fire(undefined);
    }, AGE_REFRESH_MS);
    ctx.pushExt(
      this.view,
      this.changed,
      { dispose: () => clearInterval(ages) },
      { dispose: () => clearTimeout(this.timer) },
      ctx.onDidChangeTraces(() => this.scheduleRefresh()),
      this.view.onDidChangeVisibility((e) => {
        if (e.visible && this.stale) this.scheduleRefresh();
      }),
      ctx.onDidChangeState(() => this.onState()),
    );
  }

  /** Reloads the list now. */
  async refresh(): Promise<void> {
    this.stale = false;
    const seq = ++this.seq;
    const session = this.filteredSession();
    const summaries =
      this.ctx.state.kind !== 'running'
        ? []
        : session
          ? await this.ctx.request('tracelens/sessionTraces', { session: toWireSession(session), limit: MAX_TRACES })
          : await this.ctx.request('tracelens/findTraces', { limit: MAX_TRACES });
    if (seq === this.seq) this.set(summaries);
  }

  /** Debug sessions wired to the receiver: a new one shows only its traces (tracelens.debug.showSessionTraces). */
  followSessions(sessions: DebugSessions, showNewSession: () => boolean): void {
    this.sessions = sessions;
    this.ctx.pushExt(
      sessions.onDidChange(({ started }) => {
        if (started && showNewSession()) this.onlySession = true;
        this.updateContext();
        if (this.onlySession) {
          // A new session starts with a clean view: nothing of it has arrived yet.
          if (started) this.set([]);
          else this.describe(); // a process id, or the end: "(ended)"
          this.scheduleRefresh();
        }
      }),
    );
    this.updateContext();
  }

  /** Shows only the current debug session's traces (true) or every trace. */
  showOnlySession(on: boolean): Promise<void> {
    this.onlySession = on;
    this.updateContext();
    this.describe(); // at once; the list follows
    return this.refresh();
  }

  /** The debug session whose traces the view lists, if it lists only one session's. */
  filteredSession(): TracedSession | undefined {
    return this.onlySession ? this.sessions?.current : undefined;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', 'tracelens.tracesFilter', this.filteredSession() ? 'session' : this.sessions?.current ? 'all' : 'none');
  }

  /** What the view shows, brought up to date first if it is hidden and behind. */
  async snapshot(): Promise<TreeSnapshot[]> {
    if (this.stale) await this.refresh();
    return snapshotTree(this);
  }

  getTreeItem(el: TraceElement): vscode.TreeItem {
    switch (el.kind) {
      case 'service': {
        const item = new vscode.TreeItem(truncate(el.group.service, 100), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `service:${el.group.service}`;
        item.iconPath = new vscode.ThemeIcon('server-process');
        item.description = plural(el.group.operations.reduce((n, op) => n + op.traces.length, 0), 'trace');
        item.contextValue = 'service';
        return item;
      }
      case 'operation': {
        const item = new vscode.TreeItem(truncate(el.group.operation, 100), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `operation:${el.service}\u0000${el.group.operation}`;
        item.iconPath = new vscode.ThemeIcon('symbol-method');
        item.description = plural(el.group.traces.length, 'trace');
        item.contextValue = 'operation';
        return item;
      }
      case 'trace':
        return traceItem(el.summary);
    }
  }

  getChildren(el?: TraceElement): TraceElement[] {
    if (!el) return this.groups.map((group) => ({ kind: 'service', group }));
    if (el.kind === 'service') return el.group.operations.map((group) => ({ kind: 'operation', service: el.group.service, group }));
    if (el.kind === 'operation') return el.group.traces.map((summary) => ({ kind: 'trace', summary }));
    return [];
  }

  /** The ids of the traces the view lists, newest first. */
  listedTraceIds(): string[] {
    return this.summaries.map((s) => s.traceId);
  }

  private set(summaries: readonly WireTraceSummary[]): void {
    this.summaries = summaries;
    this.groups = groupTraces(summaries);
    this.traceCount = summaries.length;
    this.changed.fire(undefined);
    this.describe();
  }

  /** The description and the empty-session message of a running server's list (onState says when it is not running). */
  private describe(): void {
    const session = this.filteredSession();
    const running = this.ctx.state.kind === 'running';
    if (this.ctx.state.kind === 'running') this.view.description = describeView(this.ctx.state.status, session);
    this.view.message =
      running && session && this.traceCount === 0
        ? `No traces from the debug session "${truncate(session.name, 60)}" yet: its processes export here as they run. "Show All Traces" lists every trace.`
        : undefined;
  }

  private scheduleRefresh(): void {
    if (!this.view.visible) {
      // Nobody looks: no requests while spans pour in. The status bar still counts them (from the events).
      this.stale = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((e: unknown) => this.ctx.log.debug(`traces view refresh: ${e instanceof Error ? e.message : String(e)}`));
    }, REFRESH_DELAY_MS);
  }

  private onState(): void {
    const state = this.ctx.state;
    if (state.kind !== 'running') {
      this.pid = undefined;
      this.seq++;
      this.set([]);
      this.view.description = state.kind === 'starting' ? 'starting…' : 'server not running';
      return;
    }
    this.describe();
    // A new server process: its store starts empty (or from its data dir); list what it has.
    if (state.status.pid !== this.pid) {
      this.pid = state.status.pid;
      this.scheduleRefresh();
    }
  }
}

function describeView(state: ServerStatus, session: TracedSession | undefined): string {
  if (session) return `debug session: ${truncate(session.name, 60)}${session.endNanos !== undefined ? ' (ended)' : ''}`;
  const otlp = otlpEndpoint(state);
  return otlp ? otlp.endpoint : 'no OTLP receiver listening';
}

function traceItem(t: WireTraceSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(formatDuration(nanos(t.durationNanos)), vscode.TreeItemCollapsibleState.None);
  item.id = `trace:${t.traceId}`;
  const ageMs = Date.now() - Number(nanos(t.startTimeUnixNano) / 1_000_000n);
  const errors = t.errorCount > 0 ? ` · ${plural(t.errorCount, 'error')}` : '';
  item.description = `${plural(t.spanCount, 'span')}${errors} · ${formatAge(ageMs)}`;
  item.iconPath = t.errorCount > 0 ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('symbol-event');
  item.contextValue = 'trace';
  item.command = { command: 'tracelens.showTrace', title: 'Show Trace', arguments: [t.traceId] };
  const md = new vscode.MarkdownString();
  const line = (label: string, value: string): void => {
    md.appendMarkdown(`**${label}:** `);
    md.appendText(escapeHtml(truncate(value, 300)));
    md.appendMarkdown('  \n');
  };
  line('Trace', t.traceId);
  line('Root', `${t.rootService}: ${t.rootName}${t.hasRoot ? '' : ' (root span not received yet)'}`);
  line('Started', new Date(Number(nanos(t.startTimeUnixNano) / 1_000_000n)).toISOString());
  line('Duration', formatDuration(nanos(t.durationNanos)));
  line('Spans', `${t.spanCount}, ${plural(t.errorCount, 'error')}${t.orphanCount > 0 ? `, ${t.orphanCount} without their parent` : ''}`);
  line('Services', t.services.map((s) => `${s.service} (${s.spans})`).join(', '));
  item.tooltip = md;
  item.accessibilityInformation = { label: `Trace ${t.rootService} ${t.rootName}, ${item.label as string}, ${item.description}` };
  return item;
}
