// The extension activates in a real extension host, starts its trace server with the workspace's settings, and
// its commands work: Copy OTLP Endpoint and Copy Environment Snippet put the running receiver on the clipboard.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { allListening, EXTENSION_ID, receiver, statusWhere, traceLens, WORKSPACE_ADDRESSES } from './lib/host';

suite('activation', () => {
  test('activates, and its server listens on the workspace ports', async () => {
    const api = await traceLens();
    const status = await statusWhere(api, 'every receiver listening', allListening);
    assert.deepEqual(
      Object.fromEntries(status.receivers.map((r) => [r.protocol, r.address])),
      WORKSPACE_ADDRESSES,
    );
    assert.equal(receiver(status, 'otlp-http').endpoint, 'http://127.0.0.1:24318');
    assert.equal(receiver(status, 'zipkin').endpoint, 'http://127.0.0.1:24311/api/v2/spans');
    assert.equal(api.state().kind, 'running');
  });

  test('registers every contributed command; the palette hides only what needs an editor location', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    const pkg = ext?.packageJSON as { contributes: { commands: { command: string; category: string }[]; menus: { commandPalette?: { command: string; when: string }[] } } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const declared = pkg.contributes.commands.map((c) => c.command);
    assert.ok(declared.length >= 20, `${declared.length} commands declared`);
    for (const c of pkg.contributes.commands) {
      assert.ok(registered.has(c.command), `${c.command} is not registered`);
      assert.equal(c.category, 'TraceLens');
    }
    // Take Over only in a window attached to another's receivers; a lens click carries its location (never from the
    // palette); Find Spans needs the cursor of a text editor.
    assert.deepEqual(pkg.contributes.menus.commandPalette, [
      { command: 'tracelens.takeOver', when: 'tracelens.attached' },
      { command: 'tracelens.showLocationSpans', when: 'false' },
      { command: 'tracelens.findSpansForFunction', when: 'editorTextFocus' },
    ]);
  });

  test('Copy OTLP Endpoint puts the endpoint on the clipboard', async () => {
    await statusWhere(await traceLens(), 'every receiver listening', allListening);
    await vscode.env.clipboard.writeText('nothing yet');
    const copied = await vscode.commands.executeCommand<string>('tracelens.copyEndpoint');
    assert.equal(copied, 'http://127.0.0.1:24318');
    assert.equal(await vscode.env.clipboard.readText(), 'http://127.0.0.1:24318');
  });

  test('Copy Environment Snippet writes the variables for the running receiver', async () => {
    const copied = await vscode.commands.executeCommand<string>('tracelens.copyEnvSnippet', 'python');
    const clipboard = await vscode.env.clipboard.readText();
    assert.equal(clipboard, copied);
    assert.match(clipboard, /^export OTEL_EXPORTER_OTLP_ENDPOINT='http:\/\/127\.0\.0\.1:24318'$/m);
    assert.match(clipboard, /^export OTEL_EXPORTER_OTLP_PROTOCOL='http\/protobuf'$/m);
    assert.match(clipboard, /opentelemetry-instrument/);
  });
});
