// Trace context headers in the real extension host: Decode Trace Context Headers… parses pasted traceparent and
// tracestate headers, returns what it found and opens the report (fields, or errors with a caret) as a read-only
// markdown document; Copy traceparent for Span puts a span's traceparent on the clipboard.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { HeadersResult } from '../../src/core/propagation/w3c';
import { parseTraceparent } from '../../src/core/propagation/w3c';
import type { WireTraceSummary } from '../../src/protocol/wire';
import { receiver, sendTrace, statusWhere, traceLens, waitFor } from './lib/host';

const TRACE = randomBytes(16).toString('hex');
const PARENT = randomBytes(8).toString('hex');

/** The report editor opened for this text (untitled reports have their own read-only scheme). */
const reportShowing = (needle: string): Promise<vscode.TextDocument> =>
  waitFor(`the report showing ${needle}`, () => {
    const doc = vscode.window.activeTextEditor?.document;
    return doc?.uri.scheme === 'tracelens-headers' && doc.getText().includes(needle) ? doc : undefined;
  });

suite('trace context headers', () => {
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('decodes a valid traceparent and its tracestate; the report lists the fields', async () => {
    await traceLens();
    const text = `traceparent: 00-${TRACE}-${PARENT}-03\ntracestate: congo=t61rcWkgMzE, rojo=00f067aa0ba902b7`;
    const result = await vscode.commands.executeCommand<HeadersResult>('tracelens.decodeTraceHeaders', text);
    assert.deepEqual(result.ignored, []);
    const [tp, ts] = result.headers;
    assert.ok(tp?.name === 'traceparent' && tp.result.ok, JSON.stringify(tp));
    assert.deepEqual(tp.result, { ok: true, version: '00', traceId: TRACE, parentId: PARENT, flags: 3, sampled: true, random: true });
    assert.ok(ts?.name === 'tracestate');
    assert.deepEqual(ts.result.members.map((m) => m.key), ['congo', 'rojo']);

    const doc = await reportShowing(TRACE);
    assert.equal(doc.languageId, 'markdown');
    assert.equal(doc.isUntitled, false, 'a read-only report, not an untitled file to save');
    assert.ok(doc.getText().includes(`| trace id | ${TRACE} |`), doc.getText());
    assert.ok(doc.getText().includes('| flags | 03: sampled, random trace id |'), doc.getText());
  });

  test('an invalid traceparent returns its errors; the report puts a caret under the column', async () => {
    const value = `00-${TRACE}-${PARENT.slice(1)}-01`;
    const result = await vscode.commands.executeCommand<HeadersResult>('tracelens.decodeTraceHeaders', `curl -H 'traceparent: ${value}' http://localhost/`);
    const [tp] = result.headers;
    assert.ok(tp?.name === 'traceparent' && !tp.result.ok, JSON.stringify(tp));
    assert.deepEqual(tp.result.errors, [{ at: 36, message: 'parent-id has 15 hex digits, expected 16' }]);

    const doc = await reportShowing('parent-id has 15 hex digits');
    const lines = doc.getText().split('\n');
    const i = lines.indexOf(value);
    assert.ok(i > 0, doc.getText());
    assert.equal(lines[i + 1], `${' '.repeat(36)}^ error: parent-id has 15 hex digits, expected 16`);
  });

  test('text without a trace header decodes to nothing and opens no report', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const result = await vscode.commands.executeCommand<HeadersResult>('tracelens.decodeTraceHeaders', 'Content-Type: application/json');
    assert.deepEqual(result, { headers: [], ignored: [{ line: 0, text: 'Content-Type: application/json' }] });
    assert.equal(vscode.window.activeTextEditor, undefined);
  });

  test('Copy traceparent for Span copies a span of the shown trace, sampled, or the flags it is given', async () => {
    const api = await traceLens();
    const status = await statusWhere(api, 'running');
    const service = `headers-${randomBytes(3).toString('hex')}`;
    const traceId = await sendTrace(receiver(status, 'otlp-http').endpoint ?? '', service);
    await waitFor('the trace stored', async () => {
      const t = await vscode.commands.executeCommand<WireTraceSummary[] | undefined>('tracelens.searchTraces', `service=${service}`);
      return t && t.length > 0 ? t : undefined;
    });
    await vscode.commands.executeCommand('tracelens.showTrace', traceId);
    // The root row's tooltip names its span id (the Spans view is plain text).
    const spanId = await waitFor('the root span in the Spans view', async () => {
      const root = api.shownTrace() === traceId ? (await api.spansView())[0] : undefined;
      return /\bspan ([0-9a-f]{16})\b/.exec(root?.tooltip ?? '')?.[1];
    });

    await vscode.env.clipboard.writeText('nothing yet');
    const copied = await vscode.commands.executeCommand<string>('tracelens.copyTraceparent', { traceId, spanId });
    assert.equal(await vscode.env.clipboard.readText(), copied);
    const parsed = parseTraceparent(copied);
    assert.ok(parsed.ok, copied);
    assert.deepEqual([parsed.traceId, parsed.parentId, parsed.sampled, parsed.flags & ~3], [traceId, spanId, true, 0]);

    const explicit = await vscode.commands.executeCommand<string>('tracelens.copyTraceparent', { traceId: TRACE, spanId: PARENT, flags: 0 });
    assert.equal(explicit, `00-${TRACE}-${PARENT}-00`);
    assert.equal(await vscode.env.clipboard.readText(), explicit);
  });

  test('Copy traceparent for Span says what is wrong instead of copying a bad value', async () => {
    await vscode.env.clipboard.writeText('unchanged');
    const result = await vscode.commands.executeCommand<string | undefined>('tracelens.copyTraceparent', { traceId: '0'.repeat(32), spanId: PARENT });
    assert.equal(result, undefined);
    assert.equal(await vscode.env.clipboard.readText(), 'unchanged');
  });
});
