// The one HTML page of the web UI, for both hosts: a VS Code webview panel (src/extension/panels) and the standalone
// page the trace server serves (src/server/query.ts). Strict CSP: nothing inline, the bundle runs by its nonce, span
// data never reaches the markup (the bundle renders it with DOM APIs).

/** The style sheets every page loads, file names under media/, in order. */
export const UI_STYLES: readonly string[] = ['webview.css', 'trace.css'];

export interface UiHtmlOptions {
  /** Where styles, images and fonts may come from: the webview's cspSource, or 'self' on the standalone page. */
  readonly cspSource: string;
  /** A fresh random value per page (crypto), base64 or hex. */
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUris: readonly string[];
  /** connect-src: 'none' in VS Code (requests go through the host), the query API and its ws:// origin standalone. */
  readonly connectSrc: string;
  readonly mode: 'vscode' | 'standalone';
}

const attr = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function uiHtml(o: UiHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource}`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
    `connect-src ${o.connectSrc}`,
  ].join('; ');
  const styles = o.styleUris.map((u) => `<link rel="stylesheet" href="${attr(u)}">`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TraceLens</title>${styles}</head>
<body data-mode="${o.mode}"><div id="app"></div><script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script></body></html>`;
}
