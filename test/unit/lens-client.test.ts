// The pure side of the editor's span <-> code commands (src/extension/lens/format.ts): tracelens.pathMappings as the
// server gets them, when a source opens without asking, and the quick-pick rows built from untrusted span text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LocationSpan, WireSourceCandidate } from '../../src/protocol/messages';
import { candidatePickText, expandPathMappings, missingFileMessage, noSourceMessage, openDirectly, spanPickText } from '../../src/extension/lens/format';

const folders = [
  { name: 'api', path: '/home/me/shop/api' },
  { name: 'web', path: '/home/me/shop/web' },
];

function candidate(over: Partial<WireSourceCandidate> = {}): WireSourceCandidate {
  return { uri: 'file:///home/me/shop/api/src/orders.ts', line: 12, confidence: 0.95, inWorkspace: true, evidence: [{ kind: 'code.attributes', detail: 'code.file.path=/app/src/orders.ts' }], ...over };
}

describe('tracelens.pathMappings for the server', () => {
  it('expands ${workspaceFolder} to each folder in turn and ${workspaceFolder:name} to that folder', () => {
    assert.deepEqual(expandPathMappings([{ from: '/app', to: '${workspaceFolder}' }], folders), [
      { from: '/app', to: '/home/me/shop/api' },
      { from: '/app', to: '/home/me/shop/web' },
    ]);
    assert.deepEqual(expandPathMappings([{ from: '/srv/web', to: '${workspaceFolder:web}/src' }], folders), [{ from: '/srv/web', to: '/home/me/shop/web/src' }]);
    assert.deepEqual(expandPathMappings([{ from: 'C:\\build', to: '/opt/code' }], folders), [{ from: 'C:\\build', to: '/opt/code' }]);
  });

  it('drops malformed entries, unknown folder names, and ${workspaceFolder} without a folder', () => {
    assert.deepEqual(expandPathMappings('nope', folders), []);
    assert.deepEqual(
      expandPathMappings([null, 3, { from: '/a' }, { from: '', to: '/b' }, { from: '/c', to: 7 }, { from: '/d', to: '${workspaceFolder:gone}' }, { from: '/e', to: '/f' }], folders),
      [{ from: '/e', to: '/f' }],
    );
    assert.deepEqual(expandPathMappings([{ from: '/app', to: '${workspaceFolder}' }], []), []);
  });
});

describe('Go to Span Source', () => {
  it('opens without asking only one sure candidate inside the workspace', () => {
    assert.equal(openDirectly([candidate()])?.line, 12);
    assert.equal(openDirectly([candidate({ confidence: 0.89 })]), undefined, 'not sure enough');
    assert.equal(openDirectly([candidate({ inWorkspace: false })]), undefined, 'outside: ask first');
    assert.equal(openDirectly([candidate(), candidate({ line: 40 })]), undefined, 'two: pick');
    assert.equal(openDirectly([]), undefined);
  });

  it('shows a candidate with its function, confidence, place and evidence', () => {
    assert.deepEqual(candidatePickText(candidate({ functionName: 'placeOrder' }), 'src/orders.ts'), {
      label: 'src/orders.ts:12',
      description: 'placeOrder · 95% sure',
      detail: 'code.attributes: code.file.path=/app/src/orders.ts',
    });
    const outside = candidatePickText(candidate({ inWorkspace: false, confidence: 0.4, evidence: [] }), '/opt/lib/x.js');
    assert.equal(outside.description, '40% sure · outside the workspace');
    assert.equal(outside.detail, 'no evidence given');
  });

  it('says why no source is known and what to do about container paths', () => {
    const text = noSourceMessage('GET /orders');
    assert.match(text, /no source is known for span "GET \/orders"/);
    assert.match(text, /code\.\* attributes/);
    assert.match(text, /stack trace/);
    assert.match(text, /tracelens\.pathMappings/);
    assert.match(noSourceMessage(undefined), /for this span\./);
    assert.match(missingFileMessage('/app/src/x.ts'), /\/app\/src\/x\.ts does not exist here.*tracelens\.pathMappings/);
  });
});

describe('spans of a location', () => {
  const span = (over: Partial<LocationSpan>): LocationSpan => ({
    trace: { traceId: 'a'.repeat(32), rootService: 'frontend', rootName: 'GET /checkout', hasRoot: true, startTimeUnixNano: String(BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1_000_000n), durationNanos: '5000000', spanCount: 16, errorCount: 0, orphanCount: 0, services: [] },
    spanId: 'b'.repeat(16),
    spanName: 'orders.place',
    service: 'orders',
    durationNanos: '23400000',
    error: false,
    ...over,
  });

  it('rows say duration and name; service and error; when and which trace', () => {
    const now = Date.UTC(2026, 0, 2, 3, 9, 5);
    const row = spanPickText(span({}), now);
    assert.equal(row.label, '23.4 ms  orders.place');
    assert.equal(row.description, 'orders');
    assert.match(row.detail, new RegExp(`^5m ago · .+ · trace ${'a'.repeat(32)} \\(frontend: GET /checkout, 16 spans\\)$`));
    assert.equal(spanPickText(span({ error: true }), now).description, 'orders · error');
  });

  it('keeps hostile span text to one short, inert line: no icons, no command links', () => {
    const row = spanPickText(span({ spanName: `evil\n$(zap) [run](command:tracelens.clearData) ${'x'.repeat(500)}`, service: 'svc\r\nnext' }), Date.now());
    assert.doesNotMatch(row.label, /\n/);
    assert.ok(row.label.length < 140, `${row.label.length} characters`);
    assert.doesNotMatch(row.label, /\$\(zap\)/, 'no codicon');
    assert.doesNotMatch(row.label, /\]\(command:/, 'no link');
    assert.match(row.label, /evil \$\u200b\(zap\) \[run\]\u200b\(command:tracelens\.clearData\)/, 'the text itself stays');
    assert.equal(row.description, 'svc next');
    assert.doesNotMatch(noSourceMessage('[x](command:tracelens.clearData)'), /\]\(command:/);
  });
});
