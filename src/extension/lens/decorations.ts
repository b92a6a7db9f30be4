// Gutter decorations for the hot and failing lines of the visible file editors (tracelens/fileHeat): a flame and
// an error mark in the gutter and the overview ruler, the server's message as a plain-text hover. Refreshed when
// the visible editors change, when traces arrive and when the server (re)starts, at most every 500 ms; off with
// tracelens.lens.decorations.
import * as vscode from 'vscode';
import type { FileHeatResult } from '../../protocol/messages';
import type { HeatLines } from '../api';
import type { Ctx } from '../ctx';
import { ServerDownError } from '../ctx';

const REFRESH_DELAY_MS = 500;
const HOVER_MAX = 2000;

export class HeatDecorations implements vscode.Disposable {
  private readonly hot: vscode.TextEditorDecorationType;
  private readonly failing: vscode.TextEditorDecorationType;
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private stateKind: string;
  /** What is applied now, by document URI (decorations cannot be read back from the editor). */
  private readonly applied = new Map<string, HeatLines>();
  /** Failures already logged (one line per kind, not one per refresh). */
  private readonly logged = new Set<string>();

  constructor(
    private readonly ctx: Ctx,
    private enabled: boolean,
  ) {
    this.stateKind = ctx.state.kind;
    this.hot = vscode.window.createTextEditorDecorationType({
      gutterIconPath: ctx.extCtx.asAbsolutePath('media/lens-hot.svg'),
      gutterIconSize: 'contain',
      overviewRulerColor: new vscode.ThemeColor('editorWarning.foreground'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
    });
    this.failing = vscode.window.createTextEditorDecorationType({
      gutterIconPath: ctx.extCtx.asAbsolutePath('media/lens-failing.svg'),
      gutterIconSize: 'contain',
      overviewRulerColor: new vscode.ThemeColor('editorError.foreground'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
    });
    this.subs.push(
      this.hot,
      this.failing,
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      ctx.onDidChangeTraces(() => this.schedule()),
      ctx.onDidChangeState((s) => {
        // Each status while running fires too: refresh only when the server comes (back) or goes.
        if (s.kind !== this.stateKind) this.schedule();
        this.stateKind = s.kind;
      }),
    );
    this.schedule();
  }

  /** tracelens.lens.decorations changed. */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.schedule();
  }

  /** The lines decorated in a document now. */
  lines(uri: string): HeatLines | undefined {
    return this.applied.get(uri);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.subs) d.dispose();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((e: unknown) => this.ctx.log.error('gutter decorations', e));
    }, REFRESH_DELAY_MS);
  }

  private async refresh(): Promise<void> {
    const seq = ++this.seq;
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document.uri.scheme === 'file');
    const on = this.enabled && this.ctx.state.kind === 'running';
    const uris = on ? [...new Set(editors.map((e) => e.document.uri.toString()))] : [];
    const heat = new Map(await Promise.all(uris.map(async (uri) => [uri, await this.fileHeat(uri)] as const)));
    if (seq !== this.seq) return; // a newer refresh owns the editors
    this.applied.clear();
    for (const editor of editors) {
      const uri = editor.document.uri.toString();
      const lines = heat.get(uri)?.lines ?? [];
      const options = (kind: 'hot' | 'failing'): vscode.DecorationOptions[] =>
        lines
          .filter((l) => l.kind === kind && Number.isInteger(l.line) && l.line >= 1 && l.line <= editor.document.lineCount)
          .map((l) => ({ range: editor.document.lineAt(l.line - 1).range, hoverMessage: plainText(l.message) }));
      const hot = options('hot');
      const failing = options('failing');
      editor.setDecorations(this.hot, hot);
      editor.setDecorations(this.failing, failing);
      if (hot.length + failing.length > 0) {
        this.applied.set(uri, { hot: hot.map((o) => o.range.start.line + 1), failing: failing.map((o) => o.range.start.line + 1) });
      }
    }
  }

  private async fileHeat(uri: string): Promise<FileHeatResult | undefined> {
    try {
      return await this.ctx.request('tracelens/fileHeat', { uri });
    } catch (e) {
      // The server went away (the state change refreshes again), or it cannot answer: no decorations, one log line.
      const text = e instanceof Error ? e.message : String(e);
      if (!(e instanceof ServerDownError) && !this.logged.has(text)) {
        this.logged.add(text);
        this.ctx.log.warn(`gutter decorations: tracelens/fileHeat failed: ${text}`);
      }
      return undefined;
    }
  }
}

/** Span-derived text as a hover: escaped, so it is shown as written (never trusted markdown, no links, no HTML). */
function plainText(message: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.isTrusted = false;
  md.supportHtml = false;
  return md.appendText(message.length > HOVER_MAX ? `${message.slice(0, HOVER_MAX - 1)}…` : message);
}
