// Import and export of trace files: the editor reads and writes the files (any file system VS Code can reach), the
// server decodes and encodes them (src/core/transfer.ts). Imports are all or nothing.
import * as vscode from 'vscode';
import type { ExportFormat, ImportResult } from '../protocol/messages';
import { EXPORT_FORMATS } from '../core/transfer';
import { plural } from '../core/display';
import type { Ctx } from './ctx';
import { UserError } from './ctx';

const FILE_FILTERS = { 'Trace files (OTLP JSON, JSON Lines, Jaeger JSON)': ['json', 'jsonl', 'ndjson'], 'All files': ['*'] };
const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

/** Imports the files (asking for them when none are given); every file is checked before anything is stored. */
export async function importTraceFiles(ctx: Ctx, uris?: readonly vscode.Uri[]): Promise<ImportResult | undefined> {
  const picked = uris ?? (await vscode.window.showOpenDialog({ canSelectMany: true, filters: FILE_FILTERS, title: 'TraceLens: Import Traces', openLabel: 'Import' }));
  if (!picked || picked.length === 0) return undefined;
  const files: { name: string; text: string }[] = [];
  for (const uri of picked) {
    const name = uri.path.split('/').pop() ?? uri.toString();
    let bytes: Uint8Array;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_IMPORT_BYTES) throw new UserError(`TraceLens: ${name} is ${Math.round(stat.size / 1024 / 1024)} MiB; imports are limited to 512 MiB per file.`);
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`TraceLens: cannot read ${uri.fsPath || uri.toString()}: ${e instanceof Error ? e.message : String(e)}`);
    }
    files.push({ name, text: new TextDecoder().decode(bytes) });
  }
  let result: ImportResult;
  try {
    result = await ctx.request('tracelens/import', { files });
  } catch (e) {
    // The server's message names the file, line and field; nothing was imported.
    throw new UserError(`TraceLens: nothing was imported. ${e instanceof Error ? e.message : String(e)}`);
  }
  const spans = result.files.reduce((n, f) => n + f.spans, 0);
  const show = result.traceIds.length === 1 ? 'Show Trace' : undefined;
  void vscode.window
    .showInformationMessage(`TraceLens: imported ${plural(result.traceIds.length, 'trace')} (${plural(spans, 'span')}) from ${result.files.map((f) => f.name).join(', ')}.`, ...(show ? [show] : []))
    .then((pick) => {
      if (pick === show) void vscode.commands.executeCommand('tracelens.showTrace', result.traceIds[0]);
    });
  return result;
}

/** Exports the traces to a file the user chooses, in the format they pick. Returns the file, or undefined. */
export async function exportTraceFile(ctx: Ctx, traceIds: readonly string[], format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (traceIds.length === 0) throw new UserError('TraceLens: there are no traces to export.');
  const chosen =
    format ??
    (
      await vscode.window.showQuickPick(
        EXPORT_FORMATS.map((f) => ({ label: f.label, format: f.format })),
        { title: `TraceLens: Export ${plural(traceIds.length, 'Trace')}`, placeHolder: 'File format' },
      )
    )?.format;
  if (!chosen) return undefined;
  const extension = EXPORT_FORMATS.find((f) => f.format === chosen)!.extension;
  const base = vscode.workspace.workspaceFolders?.[0]?.uri;
  const suggested = `${traceIds.length === 1 ? `trace-${traceIds[0]!.slice(0, 12)}` : `traces-${traceIds.length}`}.${extension}`;
  const uri = target ?? (await vscode.window.showSaveDialog({ defaultUri: base ? vscode.Uri.joinPath(base, suggested) : undefined, filters: FILE_FILTERS, title: 'TraceLens: Export Traces' }));
  if (!uri) return undefined;
  const out = await ctx.request('tracelens/export', { traceIds, format: chosen });
  if (out.traces === 0) throw new UserError(`TraceLens: ${plural(out.missing.length, 'trace')} no longer stored (dropped by retention or cleared).`);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(out.text));
  const missing = out.missing.length > 0 ? ` ${plural(out.missing.length, 'trace')} no longer stored.` : '';
  void vscode.window.showInformationMessage(`TraceLens: exported ${plural(out.traces, 'trace')} (${plural(out.spans, 'span')}) to ${uri.fsPath || uri.toString()}.${missing}`);
  return uri;
}
