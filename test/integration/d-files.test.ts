// The durable store and trace files, in the real extension host: traces survive a server restart (the store lives in
// the extension's global storage), Export Trace writes a file that Import Traces reads back after Clear Data, and a
// bad file imports nothing.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { find, receiver, sendTrace, statusWhere, traceLens, waitFor } from './lib/host';

suite('durable store and trace files', () => {
  const service = `files-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'tracelens-files-'));
  let traceId = '';

  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  test('traces survive a restart of the trace server: the store is on disk in global storage', async () => {
    const api = await traceLens();
    const status = await statusWhere(api, 'running with its store open', (s) => s.store.ready);
    assert.notEqual(status.store.location, 'memory');
    assert.match(status.store.location, /[\\/]store$/);
    traceId = await sendTrace(receiver(status, 'otlp-http').endpoint ?? '', service);
    await waitFor('the trace in the Traces view', async () => find(await api.tracesView(), service));
    await vscode.commands.executeCommand('tracelens.restartServer');
    const after = await statusWhere(api, 'running again', (s) => s.store.ready && s.pid !== status.pid);
    assert.ok(after.spanCount >= 3, `${after.spanCount} spans after the restart`);
    await vscode.commands.executeCommand('tracelens.refresh');
    await waitFor('the trace in the Traces view after the restart', async () => find(await api.tracesView(), service));
  });

  test('Export Trace writes OTLP JSON Lines; Import Traces brings the trace back after Clear Data', async () => {
    const api = await traceLens();
    const file = vscode.Uri.file(join(dir, 'one.jsonl'));
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('tracelens.exportTrace', traceId, 'otlp-jsonl', file);
    assert.equal(written?.fsPath, file.fsPath);
    const lines = readFileSync(file.fsPath, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.includes(traceId) && lines[0]!.includes(service));

    await vscode.commands.executeCommand('tracelens.clearData');
    await waitFor('an empty Traces view', async () => ((await api.tracesView()).length === 0 ? true : undefined));
    await vscode.commands.executeCommand('tracelens.importTraces', file);
    const svc = await waitFor('the imported trace in the Traces view', async () => find(await api.tracesView(), service));
    assert.equal(svc.children[0]?.children[0]?.description?.startsWith('3 spans'), true, svc.children[0]?.children[0]?.description);
  });

  test('a bad file imports nothing, not even the good file beside it', async () => {
    const api = await traceLens();
    const before = (await api.status())!.spanCount;
    const good = vscode.Uri.file(join(dir, 'one.jsonl'));
    const bad = vscode.Uri.file(join(dir, 'bad.jsonl'));
    writeFileSync(bad.fsPath, `${readFileSync(good.fsPath, 'utf8')}{"resourceSpans": [oops]}\n`);
    await vscode.commands.executeCommand('tracelens.clearData');
    const result = await vscode.commands.executeCommand('tracelens.importTraces', [good, bad]);
    assert.equal(result, undefined, 'the command reports the error instead of a result');
    assert.equal((await api.status())!.spanCount, 0, `nothing stored (there were ${before} spans before Clear Data)`);
  });
});
