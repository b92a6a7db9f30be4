// What lenses and hovers say (src/server/lens/render.ts), and the workspace walk that feeds correlation
// (src/server/lens/workspace.ts) on real temporary folders.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { WindowSummary } from '../../src/core/lensStats';
import { BUCKET_MS, OperationStats, summarize } from '../../src/core/lensStats';
import type { LocationFinding } from '../../src/server/lens/findings';
import { escapeMarkdown, findingLensTitle, hoverMarkdown, lensTitle, trendText } from '../../src/server/lens/render';
import { MAX_FILE_BYTES, Workspace } from '../../src/server/lens/workspace';

const NOW = 1_800_000_000_000;

function summary(durationsMs: readonly number[], errors = 0, previousMs?: number): WindowSummary {
  const op = new OperationStats();
  durationsMs.forEach((d, i) => op.record(NOW - 3000, d * 1e6, i < errors));
  if (previousMs !== undefined) for (let i = 0; i < 10; i++) op.record(NOW - 20 * BUCKET_MS, previousMs * 1e6, false);
  return summarize([op], NOW, 15);
}

describe('lens text', () => {
  it('a lens: calls, percentiles, trend, error rate, age', () => {
    const s = summary([...Array<number>(1198).fill(12), ...Array<number>(6).fill(400)], 29, 100);
    const title = lensTitle(s, 15, NOW);
    // Within the sketch's 1 %: 12 ms reads 11.9 or 12.0.
    assert.match(title, /^● 1,204 calls · p50 1[12]\.\d ms · p95 1[12]\.\d ms ▼0\.1x · p99 1[12]\.\d ms · 2\.4% errors · 3 s ago$/);
    assert.match(lensTitle(summary([5]), 15, NOW), /^● 1 call · p50 [\d.]+ ms · p95 [\d.]+ ms · p99 [\d.]+ ms · 3 s ago$/, 'no trend without a previous window, no errors part');
  });

  it('no calls in the window, but seen before: says so', () => {
    const op = new OperationStats();
    op.record(NOW - 2 * 3600_000, 5e6, false);
    assert.equal(lensTitle(summarize([op], NOW, 15), 15, NOW), '○ no calls in 15 min · 2 h ago');
  });

  it('the trend arrow only for a change of 10 % or more', () => {
    assert.equal(trendText(2.14), ' ▲2.1x');
    assert.equal(trendText(1.05), '');
    assert.equal(trendText(0.5), ' ▼0.5x');
    assert.equal(trendText(undefined), '');
  });

  it('span text is escaped for markdown and folded to one line', () => {
    const hostile = '# h1\n[x](javascript:alert(1)) <b>*em*</b> `c` ![i](http://x/y.png) | a | _u_ ~s~ &amp;';
    const out = escapeMarkdown(hostile);
    assert.ok(!out.includes('\n'));
    // Every ASCII punctuation character is preceded by a backslash.
    for (let i = 0; i < out.length; i++) {
      if (/[!-/:-@[-`{-~]/.test(out[i]!) && out[i] !== '\\') assert.equal(out[i - 1], '\\', `${out[i]} at ${i} in ${out}`);
    }
    assert.equal(escapeMarkdown('x'.repeat(500), 10).length, 10);
  });

  it('a hover: operations and messages escaped, links only with hex ids', () => {
    const op = new OperationStats();
    op.record(NOW - 1000, 30e6, true);
    op.noteError(NOW - 1000, '<script>alert(1)</script>');
    const md = hoverMarkdown(summarize([op], NOW, 15), {
      windowMinutes: 15,
      operations: [{ service: 'shop`', name: '[GET](http://evil)' }],
      links: [
        { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), durationNanos: 30e6, error: true },
        { traceId: 'not hex)](http://evil', spanId: 'b'.repeat(16), durationNanos: 1, error: false },
      ],
      queryUrl: 'http://127.0.0.1:16686',
      nowMs: NOW,
    });
    assert.ok(md.includes('\\<script\\>alert\\(1\\)\\<\\/script\\>'), md);
    assert.ok(md.includes('\\[GET\\]\\(http\\:\\/\\/evil\\)'), md);
    assert.ok(md.includes('**shop\\`**'), md); // bold, escaped: a code span would show the backslash
    assert.ok(md.includes(`command:tracelens.openTrace?${encodeURIComponent(JSON.stringify([{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }]))}`));
    assert.ok(md.includes(`(http://127.0.0.1:16686/#/trace/${'a'.repeat(32)}?span=${'b'.repeat(16)})`));
    assert.ok(!md.includes('not hex'), 'a link with a malformed id is left out');
  });

  it('findings: a lens each, and a hover list with links, span text escaped and cut', () => {
    const finding: LocationFinding = {
      kind: 'n-plus-one',
      severity: 'warning',
      title: 'N+1: 6 × SELECT items in check_stock [x](http://evil)',
      short: `N+1: 6 × SELECT items\n${'<b>'.repeat(40)}`,
      traces: 3,
      examined: 8,
      traceId: 'c'.repeat(32),
      spanId: 'd'.repeat(16),
    };
    const title = findingLensTitle(finding);
    assert.match(title, /^⚠ N\+1: 6 × SELECT items <b>.*… · 3 of 8 traces$/);
    assert.ok(!title.includes('\n') && title.length < 120);
    const md = hoverMarkdown(summary([10]), { windowMinutes: 15, operations: [{ service: 's', name: 'n' }], links: [], findings: [finding, { ...finding, traceId: 'bad' }], nowMs: NOW });
    assert.ok(md.includes('**Findings** (in the slowest and failing traces of the last 15 min):'), md);
    assert.ok(md.includes('\\[x\\]\\(http\\:\\/\\/evil\\)'), md);
    assert.ok(md.includes(`· 3 of 8 traces · [open](command:tracelens.openTrace?${encodeURIComponent(JSON.stringify([{ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16) }]))})`), md);
    assert.equal(md.split('command:tracelens.openTrace').length, 2, 'the finding with a malformed id has no link');
  });
});

describe('workspace walk', () => {
  const root = mkdtempSync(join(tmpdir(), 'tracelens-ws-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('indexes text files; skips .git, node_modules, out, binaries and files over 1 MB; open documents overlay them', async () => {
    const files: Record<string, string | Buffer> = {
      'src/a.ts': 'export function a() {}\n',
      'src/deep/b.py': 'def b():\n  pass\n',
      'node_modules/dep/index.js': 'module.exports = 1;\n',
      '.git/config': '[core]\n',
      'out/bundle.js': 'var x;\n',
      'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      'data.bin.txt': Buffer.from([0x61, 0x00, 0x62]),
      'huge.ts': 'x'.repeat(MAX_FILE_BYTES + 1),
    };
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), content);
    }
    const ws = new Workspace(() => undefined);
    let changes = 0;
    ws.onDidChange(() => changes++);
    assert.equal(ws.addRoots([root]), true);
    assert.equal(ws.addRoots([root]), false, 'a known root is not walked again');
    await ws.whenIndexed();
    const index = ws.sourceIndex;
    assert.ok(index.hasFile(join(root, 'src/a.ts')));
    assert.ok(index.hasFile(join(root, 'src/deep/b.py')));
    for (const skipped of ['node_modules/dep/index.js', '.git/config', 'out/bundle.js', 'logo.png', 'data.bin.txt', 'huge.ts']) {
      assert.ok(!index.hasFile(join(root, skipped)), skipped);
    }
    assert.equal(index.fileCount, 2);
    assert.ok(changes >= 1);
    const a = join(root, 'src/a.ts');
    ws.setDocument(a, 'unsaved text');
    assert.equal(ws.readText(a), 'unsaved text');
    ws.fileChanged(a, true); // an open document keeps its editor text
    assert.ok(index.hasFile(a));
    ws.closeDocument(a);
    assert.equal(ws.readText(a), 'export function a() {}\n');
    ws.fileChanged(join(root, 'src/deep/b.py'), true);
    assert.ok(!index.hasFile(join(root, 'src/deep/b.py')));
    assert.ok(ws.inWorkspace(a));
    assert.ok(!ws.inWorkspace(`${root}-other/x.ts`));
  });
});
