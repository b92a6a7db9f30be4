// Serves the trace page's own harness (bench/ui/harness.ts, bundled with esbuild) on a trace server's origin through
// Playwright's request routing, so it calls the real query API (same origin, same CSP as the standalone page).
import { build } from 'esbuild';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');
let bundle: Promise<string> | undefined;

/** The harness bundle, built once per process. */
export function harnessBundle(): Promise<string> {
  bundle ??= build({ entryPoints: [join(ROOT, 'bench/ui/harness.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', sourcemap: 'inline', logLevel: 'warning' }).then((r) => r.outputFiles[0]!.text);
  return bundle;
}

export const HARNESS_PATH = '/trace-harness.html';

/** Routes HARNESS_PATH and its script on `origin` (the query API) for this page. */
export async function routeHarness(page: Page, origin: string): Promise<void> {
  const host = new URL(origin).host;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws://${host}; img-src 'self' data:">
<title>TraceLens trace page</title><link rel="stylesheet" href="/media/webview.css"><link rel="stylesheet" href="/media/trace.css"></head>
<body data-mode="standalone"><div id="app"></div><script src="/trace-harness.js"></script></body></html>`;
  const js = await harnessBundle();
  await page.route(`${origin}${HARNESS_PATH}`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await page.route(`${origin}/trace-harness.js`, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: js }));
}
