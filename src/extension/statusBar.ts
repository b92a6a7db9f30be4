// The status bar item: live span count, each receiver's endpoint or failure in the tooltip, a warning background
// when a receiver failed and an error background when the server is down. Clicking it focuses the Traces view.
import * as vscode from 'vscode';
import type { ServerState } from './api';
import type { Ctx } from './ctx';
import { escapeHtml, formatBytes, plural } from '../core/display';

export function createStatusBar(ctx: Ctx): void {
  const item = vscode.window.createStatusBarItem('tracelens.status', vscode.StatusBarAlignment.Left, 0);
  item.name = 'TraceLens';
  item.command = { command: 'tracelens.traces.focus', title: 'Show TraceLens Traces' };
  const update = (state: ServerState): void => render(item, state);
  update(ctx.state);
  item.show();
  ctx.pushExt(item, ctx.onDidChangeState(update));
}

function render(item: vscode.StatusBarItem, state: ServerState): void {
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown('**TraceLens**  \n');
  if (state.kind === 'starting') {
    item.text = '$(sync~spin) TraceLens: starting';
    item.backgroundColor = undefined;
    md.appendMarkdown('The trace server is starting.');
  } else if (state.kind === 'failed') {
    item.text = '$(error) TraceLens: server stopped';
    item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    md.appendMarkdown('The trace server is not running: ');
    md.appendText(escapeHtml(state.reason));
    md.appendMarkdown('  \nRun **TraceLens: Restart Server** to start it; **TraceLens: Show Log** has the details.');
  } else {
    const s = state.status;
    const failed = s.receivers.some((r) => r.state === 'failed') || s.store.warning !== undefined;
    const receiving = s.receivers.some((r) => r.protocol !== 'query' && r.state === 'listening');
    item.text = `${receiving ? '$(pulse)' : '$(debug-pause)'} TraceLens: ${plural(s.spanCount, 'span')}`;
    item.backgroundColor = failed ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    md.appendText(escapeHtml(`${plural(s.spanCount, 'span')} in ${plural(s.traceCount, 'trace')}; server ${s.version}, pid ${s.pid}`));
    md.appendMarkdown('\n\n');
    const m = s.machine;
    if (m?.role === 'attached') {
      md.appendText(escapeHtml(`Shared: the receivers and the store run in TraceLens ${m.owner.version} (process ${m.owner.pid}), for every window on this machine; this window takes them over if it goes.`));
      if (m.skew) md.appendText(escapeHtml(` ${m.skew.message}.`));
      md.appendMarkdown('\n\n');
    } else if (m && m.takeovers > 0) {
      md.appendText(escapeHtml('This window took the receivers and the store over from a TraceLens that went away.'));
      md.appendMarkdown('\n\n');
    }
    for (const r of s.receivers) {
      md.appendMarkdown(`- ${r.state === 'failed' ? '$(warning) ' : ''}**`);
      md.appendText(escapeHtml(r.label));
      md.appendMarkdown('**: ');
      if (r.state === 'listening') md.appendText(escapeHtml(r.endpoint ?? r.address));
      else if (r.state === 'failed') md.appendText(escapeHtml(`failed: ${r.error ?? `could not listen on ${r.address}`}`));
      else md.appendText(escapeHtml(r.state === 'disabled' ? 'off' : `stopped (${r.address})`));
      md.appendMarkdown('\n');
    }
    md.appendMarkdown(`- ${s.store.warning ? '$(warning) ' : ''}**Store**: `);
    const where = s.store.location === 'memory' ? 'in memory (nothing survives a restart)' : `${s.store.location} (${formatBytes(s.store.diskBytes)})`;
    md.appendText(escapeHtml(`${s.store.ready ? '' : 'opening: '}${where}${s.store.logCount > 0 ? `, ${plural(s.store.logCount, 'log record')}` : ''}`));
    if (s.store.warning) md.appendText(escapeHtml(` — ${s.store.warning}`));
    md.appendMarkdown('\n');
    const f = s.forward;
    if (f) {
      md.appendMarkdown(`- ${f.state === 'retrying' ? '$(warning) ' : ''}**Forwarding**: `);
      const backlog = f.backlogBytes > 0 ? `, ${formatBytes(f.backlogBytes)} waiting` : '';
      md.appendText(escapeHtml(`${f.url}, ${f.sentBatches} batches sent${backlog}${f.state === 'retrying' && f.lastError ? `; retrying: ${f.lastError}` : ''}`));
      md.appendMarkdown('\n');
    }
    for (const r of s.remotes ?? []) {
      md.appendMarkdown(`- ${r.state === 'down' || r.state === 'slow' ? '$(warning) ' : ''}**Remote `);
      md.appendText(escapeHtml(r.name));
      md.appendMarkdown('**: ');
      const state = r.state === 'ok' ? `answers (${r.millis ?? 0} ms)` : r.state === 'unknown' ? 'not asked yet' : `${r.state}: ${r.error ?? ''}`;
      md.appendText(escapeHtml(`${r.url}, ${state}`));
      md.appendMarkdown('\n');
    }
    if (!receiving) md.appendMarkdown('\nReceivers are stopped: run **TraceLens: Start Receiver**.');
  }
  item.tooltip = md;
  item.accessibilityInformation = { label: item.text.replace(/\$\([^)]*\)\s*/g, '') };
}
