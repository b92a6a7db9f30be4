// The UI's one HTML page (src/webview/html.ts): the CSP both hosts rely on, the nonce on the only script, and
// attribute values that cannot break out of their quotes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UI_STYLES, uiHtml } from '../../src/webview/html';

describe('UI page', () => {
  it('has a strict CSP: nothing by default, the script by nonce, styles/images/fonts from the source given', () => {
    const html = uiHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'abc123', scriptUri: 'https://x/out/webview.js', styleUris: UI_STYLES.map((s) => `https://x/media/${s}`), connectSrc: "'none'", mode: 'vscode' });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
    assert.equal(
      csp,
      "default-src 'none'; script-src 'nonce-abc123'; style-src https://file+.vscode-resource.vscode-cdn.net; img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net; connect-src 'none'",
    );
    assert.deepEqual([...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]), [' nonce="abc123" src="https://x/out/webview.js"']);
    assert.deepEqual([...html.matchAll(/<link rel="stylesheet" href="([^"]*)">/g)].map((m) => m[1]), ['https://x/media/webview.css', 'https://x/media/trace.css']);
    assert.match(html, /<body data-mode="vscode"><div id="app"><\/div>/);
    assert.doesNotMatch(html, /<style|\sstyle=|\son\w+=/i, 'nothing inline');
  });

  it('escapes what it puts in attributes', () => {
    const html = uiHtml({ cspSource: "'self'", nonce: 'n', scriptUri: '/a.js"><script>alert(1)</script>', styleUris: ['/b.css" onload="x'], connectSrc: "'self'", mode: 'standalone' });
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /src="\/a\.js&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.match(html, /href="\/b\.css&quot; onload=&quot;x"/);
  });
});
