// The packaged extension in the real workbench: `npm run package` builds the .vsix (offline, no prompt) into a
// temporary folder, it holds the runtime and nothing else, code-server installs it with --install-extension (not
// the development folder), and in Chromium the installed extension activates (the status bar item), receives a span
// sent by the real OpenTelemetry SDK (the count), and "TraceLens: Open Trace View" opens a trace view panel showing
// it. Screenshot: test-results/workbench-vsix.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import type { Workbench } from './workbench';
import { freeListenerSettings, freePort, launchChromium, REPO_ROOT, startWorkbench } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
const VSIX_NAME = `${manifest.name}-${manifest.version}.vsix`;

/** Runs `npm run package -- --out-dir DIR` (build, then vsce) with no stdin; resolves with its output. */
async function npmPackage(outDir: string): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['run', 'package', '--', '--out-dir', outDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const code = await new Promise<number | null>((r, reject) => {
    child.once('error', reject);
    child.once('close', (c) => r(c));
  });
  assert.equal(code, 0, `npm run package failed:\n${output}`);
  return output;
}

/** The names in a zip file's central directory. */
function zipNames(file: string): string[] {
  const zip = readFileSync(file);
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, `${file} is a zip file`);
  const names: string[] = [];
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return names;
}

/** A two-span trace from the real SDK (OTLP/HTTP protobuf); resolves with its trace id. */
async function sendTrace(endpoint: string, service: string, rootName: string, childName: string): Promise<string> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('workbench-vsix');
  const t0 = Date.now();
  const root = tracer.startSpan(rootName, { kind: SpanKind.SERVER, startTime: t0 });
  tracer.startSpan(childName, { kind: SpanKind.CLIENT, startTime: t0 + 2 }, trace.setSpan(ROOT_CONTEXT, root)).end(t0 + 9);
  root.end(t0 + 12);
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

describe('the packaged .vsix in the real workbench', () => {
  let packageDir = '';
  let workspace = '';
  let vsix = '';
  let wb: Workbench | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let otlp = '';

  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    packageDir = await mkdtemp(join(tmpdir(), 'tracelens-vsix-'));
    workspace = await mkdtemp(join(tmpdir(), 'tracelens-vsix-ws-'));
  });

  after(async () => {
    await browser?.close();
    await wb?.stop();
    for (const dir of [packageDir, workspace]) if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('npm run package builds a .vsix with the runtime and nothing else', async () => {
    const output = await npmPackage(packageDir);
    vsix = join(packageDir, VSIX_NAME);
    assert.ok(existsSync(vsix), `${vsix} exists`);
    const names = zipNames(vsix);
    assert.match(output, new RegExp(`${VSIX_NAME.replace(/\./g, '\\.')}: \\d+ KB, ${names.length} files`), 'the script prints name, size and file count');
    for (const required of ['package.json', 'readme.md', 'changelog.md', 'LICENSE.txt', 'out/extension.js', 'out/server.js', 'out/webview.js', 'media/icon.png']) {
      assert.ok(names.includes(`extension/${required}`), `the .vsix holds extension/${required}: ${names.join(', ')}`);
    }
    const extra = names.filter((n) => /\.map$|\.ts$|(^|\/)(src|test|demo|bench|node_modules|scripts|docs)\//.test(n));
    assert.deepEqual(extra, [], 'no source maps, sources, tests, demo, bench or node_modules');
  });

  it('installs with --install-extension, activates, receives a span and opens it in a trace view', async () => {
    assert.ok(vsix !== '' && existsSync(vsix), 'the .vsix of the previous test');
    const otlpPort = await freePort();
    otlp = `http://127.0.0.1:${otlpPort}`;
    wb = await startWorkbench({
      extensionPath: REPO_ROOT,
      vsix,
      workspace,
      userSettings: {
        ...(await freeListenerSettings(otlpPort)),
        'tracelens.store.inMemory': true,
        'workbench.colorTheme': 'Default Dark Modern',
      },
    });

    // Installed from the package: a real folder extracted from the .vsix, not a link to the repository.
    const installedName = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
    const installed = join(wb.extensionsDir, installedName);
    assert.ok(existsSync(installed), `installed as ${installedName}: ${(await readdir(wb.extensionsDir)).join(', ')}`);
    assert.ok(!lstatSync(installed).isSymbolicLink(), 'not a symlink to the development folder');
    assert.ok(existsSync(join(installed, 'out', 'server.js')) && !existsSync(join(installed, 'src')), 'the packaged runtime only');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    try {
      await page.goto(wb.folderUrl());
      await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
      // Activated: the status bar item with the live count.
      await page.waitForFunction(() => /TraceLens: 0 spans/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 60_000 });
      // A first start on a fresh profile opens the TraceLens view by itself (no click): not an empty editor.
      await page.locator('.pane:has(> .pane-header h3.title:text-is("Traces"))').waitFor({ timeout: 30_000 });

      const traceId = await sendTrace(otlp, 'vsix-shop', 'GET /vsix-order', 'SELECT vsix_orders');
      await page.waitForFunction(() => /TraceLens: 2 spans/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 30_000 });

      // "TraceLens: Open Trace View" from the command palette; the trace is among the recent ones.
      await page.locator('.statusbar').click({ position: { x: 600, y: 10 } });
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input').first();
      await input.waitFor({ timeout: 10_000 });
      await input.fill('>TraceLens: Open Trace View');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: /^TraceLens: Open Trace View/ }).first().click({ timeout: 10_000 });
      await input.fill(traceId);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: /^vsix-shop: GET \/vsix-order/ }).first().click({ timeout: 20_000 });

      const ui: FrameLocator = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const names = ui.locator('.tl-waterfall .tl-row .tl-name');
      await names.filter({ hasText: 'SELECT vsix_orders' }).waitFor({ timeout: 30_000 });
      assert.deepEqual(await names.allInnerTexts(), ['GET /vsix-order', 'SELECT vsix_orders']);
      assert.match(await ui.locator('.tl-field[data-field="trace-id"]').innerText(), new RegExp(traceId));
      await page.screenshot({ path: join(RESULTS, 'workbench-vsix.png') });
    } catch (error) {
      await page.screenshot({ path: join(RESULTS, 'workbench-vsix-failed.png') }).catch(() => undefined);
      console.log(`code-server output:\n${wb.serverOutput()}`);
      console.log(`extension host log (last lines):\n${(await wb.extensionHostLog()).split('\n').slice(-30).join('\n')}`);
      throw error;
    }
  });
});
