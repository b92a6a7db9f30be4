// The standalone web UI from the editor, wherever the editor runs: "TraceLens: Open Web UI in Browser" (commands.ts)
// and the hovers' "web" links go through vscode.env.asExternalUri, so in Remote SSH, Dev Containers, WSL, Codespaces
// or code-server (where the trace server listens on the remote machine's loopback) the browser gets a forwarded URL.
// Pure: no vscode.
import type { ServerStatus } from '../protocol/messages';

export const OPEN_IN_BROWSER_COMMAND = 'tracelens.openInBrowser';

/** A hash route of the web UI ("/trace/<id>?span=<id>"): letters, digits and the route's punctuation only. */
export const WEB_ROUTE = /^\/[\w/?=&.%-]*$/;

/**
 * Rewrites a hover's links to the query API's page (http://127.0.0.1:PORT/#/route) into command links that open it
 * through asExternalUri. Other links are left alone. Pure.
 */
export function webLinksToCommands(markdown: string, queryUrl: string): string {
  const base = queryUrl.replace(/\/+$/, '');
  return markdown.replace(/\]\((http:\/\/[^)\s]+)\)/g, (whole, url: string) => {
    if (!url.startsWith(`${base}/#`)) return whole;
    const route = url.slice(base.length + 2);
    if (!WEB_ROUTE.test(route)) return whole;
    return `](command:${OPEN_IN_BROWSER_COMMAND}?${encodeURIComponent(JSON.stringify([{ route }]))})`;
  });
}

/** The query API's base URL when it listens. */
export function queryEndpoint(status: ServerStatus | undefined): string | undefined {
  return status?.receivers.find((r) => r.protocol === 'query' && r.state === 'listening')?.endpoint;
}
