// The span at a breakpoint. When a JavaScript debuggee stops, the active-span probe (src/core/debug/probe.ts) is
// evaluated in the paused frame through the debug adapter; the server merges what it finds into the trace (running
// spans, spans not exported yet) until the debuggee resumes. Shown as a status bar item and as the "Span at
// Breakpoint" view beside the Call Stack; both open the trace view on the paused span. Other runtimes are told apart
// plainly: not yet supported.
import * as vscode from 'vscode';
import { ACTIVE_SPAN_PROBE } from '../../core/debug/probe';
import { formatDuration, nanos, truncate } from '../../core/display';
import type { DebugPausedResult, PausedChainSpan } from '../../protocol/messages';
import type { Ctx } from '../ctx';
import { plain } from '../lens/format';
import type { DebugSessions, PauseListener } from './sessions';

/** Debug types of js-debug, whose frames can evaluate JavaScript. */
const JAVASCRIPT_TYPES = new Set(['pwa-node', 'node', 'node-terminal', 'pwa-extensionHost', 'extensionHost', 'pwa-chrome', 'chrome', 'pwa-msedge', 'msedge']);
const REQUEST_TIMEOUT_MS = 5000;

export type PausedState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'reading'; readonly session: string }
  | { readonly kind: 'span'; readonly session: string; readonly sessionName: string; readonly result: Extract<DebugPausedResult, { status: 'span' }> }
  | { readonly kind: 'none'; readonly session: string; readonly message: string };

type Node = { readonly kind: 'span'; readonly span: PausedChainSpan; readonly paused: boolean } | { readonly kind: 'open' };

/** A DAP request that gives up: a session that does not know the request never answers. */
async function dap<T>(session: vscode.DebugSession, command: string, args: Record<string, unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      session.customRequest(command, args) as Promise<T>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the debugger did not answer "${command}" within ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class PausedSpanView implements PauseListener, vscode.TreeDataProvider<Node> {
  private current: PausedState = { kind: 'idle' };
  /** Orders pauses: an answer for an older stop is dropped. */
  private seq = 0;
  /** Sessions whose pause the server holds (tracelens/debugPaused sent, no debugResumed yet). */
  private readonly onServer = new Set<string>();
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<PausedState>();
  readonly onDidChangeState = this.stateChanged.event;
  private readonly view: vscode.TreeView<Node>;
  private readonly item: vscode.StatusBarItem;

  constructor(
    private readonly ctx: Ctx,
    sessions: DebugSessions,
  ) {
    this.view = vscode.window.createTreeView('tracelens.pausedSpan', { treeDataProvider: this });
    this.item = vscode.window.createStatusBarItem('tracelens.pausedSpan', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'TraceLens: Span at Breakpoint';
    ctx.pushExt(this.view, this.item, this.changed, this.stateChanged);
    ctx.registerCommand('showPausedSpan', () => this.open());
    sessions.listenForPauses(this);
    // A new server process holds no pause: say so rather than show a span its trace view no longer has.
    let pid = ctx.state.kind === 'running' ? ctx.state.status.pid : undefined;
    ctx.pushExt(
      ctx.onDidChangeState((state) => {
        const next = state.kind === 'running' ? state.status.pid : undefined;
        if (next === pid) return;
        pid = next;
        this.onServer.clear();
        const c = this.current;
        if (c.kind === 'span' || c.kind === 'reading') {
          this.seq++;
          this.set({ kind: 'none', session: c.session, message: 'The trace server restarted while the debuggee was paused: step or continue to read the span again.' });
        }
      }),
    );
    this.render();
  }

  get state(): PausedState {
    return this.current;
  }

  stopped(session: vscode.DebugSession, threadId: number | undefined): void {
    const stoppedAt = Date.now();
    const seq = ++this.seq;
    if (!JAVASCRIPT_TYPES.has(session.type)) {
      this.set({
        kind: 'none',
        session: session.id,
        message: `Reading the active span at a breakpoint is not yet supported for "${session.type}" sessions (only JavaScript: Node.js). The session's traces still arrive in the Traces view.`,
      });
      return;
    }
    this.set({ kind: 'reading', session: session.id });
    this.read(session, threadId, seq, stoppedAt)
      .then((result) => {
        if (seq !== this.seq) return;
        this.ctx.log.info(`debug "${session.name}": paused; ${result.status === 'span' ? `span ${result.spanId} of trace ${result.traceId}` : result.status} (read in ${Date.now() - stoppedAt} ms)`);
        this.set(result.status === 'span' ? { kind: 'span', session: session.id, sessionName: session.name, result } : { kind: 'none', session: session.id, message: result.message });
      })
      .catch((e: unknown) => {
        if (seq !== this.seq) return;
        const message = `Could not read the active span: ${e instanceof Error ? e.message : String(e)}`;
        this.ctx.log.warn(`debug "${session.name}": ${message}`);
        this.set({ kind: 'none', session: session.id, message });
      });
  }

  resumed(session: vscode.DebugSession): void {
    // The server keeps a pause per session (two child processes can be paused at once): end this one's there.
    if (this.onServer.delete(session.id) && this.ctx.state.kind === 'running') {
      this.ctx.request('tracelens/debugResumed', { sessionId: session.id }).catch(() => undefined);
    }
    const c = this.current;
    if (c.kind === 'idle' || c.session !== session.id) return;
    this.seq++;
    this.set({ kind: 'idle' });
  }

  /** Opens the trace view on the paused span. */
  async open(): Promise<void> {
    const c = this.current;
    if (c.kind !== 'span') {
      void vscode.window.showInformationMessage(
        c.kind === 'none' ? `TraceLens: ${c.message}` : 'TraceLens: no span at a breakpoint. Pause a Node.js debug session inside a traced function first.',
      );
      return;
    }
    await vscode.commands.executeCommand('tracelens.openTrace', { traceId: c.result.traceId, spanId: c.result.spanId });
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'open') {
      const c = this.current;
      const item = new vscode.TreeItem('Open in Trace View');
      item.iconPath = new vscode.ThemeIcon('type-hierarchy');
      if (c.kind === 'span') item.description = `${c.result.spans} spans · ${c.result.running} running · ${c.result.unexported} not exported yet`;
      item.command = { command: 'tracelens.showPausedSpan', title: 'Open in Trace View' };
      return item;
    }
    const s = node.span;
    const item = new vscode.TreeItem(truncate(s.name, 100));
    item.id = `paused:${s.spanId}`;
    item.description = `${truncate(s.service, 60)} · ${node.paused ? 'paused here · ' : s.running ? 'running · ' : ''}${formatDuration(nanos(s.durationNanos))}${s.running ? ' so far' : ''}`;
    item.iconPath = new vscode.ThemeIcon(node.paused ? 'debug-pause' : s.running ? 'loading~spin' : 'pass');
    item.tooltip = `${s.name}\n${s.service} · span ${s.spanId}\n${s.running ? 'Still running when the debugger paused (not exported yet)' : 'Ended'}`;
    item.command = { command: 'tracelens.showPausedSpan', title: 'Open in Trace View' };
    return item;
  }

  getChildren(node?: Node): Node[] {
    const c = this.current;
    if (node || c.kind !== 'span') return [];
    return [...c.result.chain.map((span, i): Node => ({ kind: 'span', span, paused: i === 0 })), { kind: 'open' }];
  }

  private async read(session: vscode.DebugSession, threadId: number | undefined, seq: number, stoppedAt: number): Promise<DebugPausedResult> {
    const thread = threadId ?? (await dap<{ threads?: { id: number }[] }>(session, 'threads', {})).threads?.[0]?.id;
    if (thread === undefined) throw new Error('the debugger names no paused thread');
    const trace = await dap<{ stackFrames?: { id: number }[] }>(session, 'stackTrace', { threadId: thread, startFrame: 0, levels: 1 });
    const frameId = trace.stackFrames?.[0]?.id;
    if (frameId === undefined) throw new Error('the paused thread has no stack frame');
    const pausedForMs = Date.now() - stoppedAt;
    const answer = await dap<{ result?: unknown }>(session, 'evaluate', { expression: ACTIVE_SPAN_PROBE, frameId, context: 'clipboard' });
    // js-debug answers the clipboard context with the string as a JSON literal.
    let probe: unknown = answer.result;
    if (typeof probe === 'string' && probe.startsWith('"')) probe = JSON.parse(probe);
    if (typeof probe !== 'string') throw new Error('the debugger answered something else than text');
    // Resumed (or paused again) meanwhile: this pause is over, the server must not hold it.
    if (seq !== this.seq) return { status: 'no-span', message: 'resumed' };
    this.onServer.add(session.id);
    return this.ctx.request('tracelens/debugPaused', { sessionId: session.id, sessionName: session.name, probe, pausedForMs });
  }

  private set(state: PausedState): void {
    this.current = state;
    this.render();
    this.stateChanged.fire(state);
  }

  private render(): void {
    const c = this.current;
    this.view.message =
      c.kind === 'idle'
        ? 'Pause a Node.js debug session inside a traced function: its span and trace show here.'
        : c.kind === 'reading'
          ? 'Reading the active span…'
          : c.kind === 'none'
            ? c.message
            : undefined;
    if (c.kind === 'span') {
      const paused = c.result.chain[0];
      this.item.text = `$(debug-pause) ${plain(paused?.name ?? c.result.spanId, 40)}`;
      this.item.tooltip = `TraceLens: paused in span "${truncate(paused?.name ?? c.result.spanId, 200)}" of trace ${c.result.traceId} (${c.result.running} running). Click to open it in the trace view.`;
      this.item.command = 'tracelens.showPausedSpan';
      this.item.show();
    } else {
      this.item.hide();
    }
    this.changed.fire(undefined);
  }
}
