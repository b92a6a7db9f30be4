// Two windows of the real workbench on one machine (code-server gives each window its own extension host, so each
// starts its own trace server, with the same settings): the first server owns the ports and the store, the second
// attaches to it, and a trace sent once shows in both windows. Killing the owner's process (kill -9) moves the
// receivers to the other window's server without a word of "address in use"; the window whose server died starts it
// again, and it attaches; a trace sent after shows in both, next to the first. Screenshots:
// test-results/workbench-windows-1.png and -2.png.
//
// code-server is itself a remote setup (the extension host and the trace server run on the server, the workbench in
// the browser): "TraceLens: Open Web UI in Browser" must open the page through asExternalUri, i.e. code-server's
// forwarding of the server's port, and the page must work under that path. Screenshot: workbench-web-ui.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { Browser, Page } from 'playwright-core';
import type { ServerIdentity } from '../../src/protocol/messages';
import { ownerAt } from '../helpers/machine';
import { SdkShop } from '../helpers/sdkShop';
import type { Workbench } from './workbench';
import { freeListenerSettings, freePort, launchChromium, readChannelLogs, REPO_ROOT, runCommand, startWorkbench } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');

/** A two-span trace from the real SDK (OTLP/HTTP protobuf), sent once. */
async function sendTrace(endpoint: string, service: string, name: string): Promise<void> {
  const shop = new SdkShop(endpoint);
  shop.trace({ service, name, kind: SpanKind.SERVER, start: 0, end: 12, children: [{ service, name: `${name} query`, kind: SpanKind.CLIENT, start: 2, end: 9 }] }, Date.now() - 20);
  await shop.flush();
  await shop.shutdown();
}

/** Waits until the window's status bar shows this many spans. */
async function spansShown(page: Page, n: number): Promise<void> {
  await page.waitForFunction((want) => new RegExp(`TraceLens: ${want} spans`).test(document.querySelector('.statusbar')?.textContent ?? ''), n, { timeout: 60_000 });
}

/** The Traces view of the window (the status bar item focuses it), with a row naming the service. */
async function traceListed(page: Page, service: string): Promise<void> {
  await page.locator('.statusbar-item', { hasText: /TraceLens:/ }).first().click();
  await page.locator('.pane:has(> .pane-header h3.title:text-is("Traces")) .monaco-list-row', { hasText: service }).first().waitFor({ timeout: 30_000 });
}

describe('two workbench windows on one machine', () => {
  const folders: string[] = [];
  let wb: Workbench | undefined;
  let browser: Browser | undefined;

  before(() => mkdirSync(RESULTS, { recursive: true }));
  after(async () => {
    await browser?.close();
    await wb?.stop();
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  });

  it('share one receiver: a trace sent once shows in both; kill -9 of the owner moves it to the other window', async () => {
    for (const name of ['shop', 'billing']) {
      const dir = await mkdtemp(join(tmpdir(), `tracelens-window-${name}-`));
      await writeFile(join(dir, 'README.md'), `# ${name}\n`);
      folders.push(dir);
    }
    const otlpPort = await freePort();
    const otlp = `http://127.0.0.1:${otlpPort}`;
    const settings = await freeListenerSettings(otlpPort);
    const query = `http://${settings['tracelens.queryApi.address']}`;
    wb = await startWorkbench({ extensionPath: REPO_ROOT, workspace: folders[0]!, userSettings: settings });
    browser = await launchChromium();
    const pages: Page[] = [];
    try {
      for (const dir of folders) {
        const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
        await page.goto(wb.folderUrl(undefined, dir));
        await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
        await spansShown(page, 0);
        pages.push(page);
      }
      const first = await ownerAt(query);
      assert.ok(first, 'a TraceLens answers on the query port');
      assert.ok(first.dataDir, 'with its store folder');

      await sendTrace(otlp, 'windows-shop', 'GET /cart');
      for (const page of pages) {
        await spansShown(page, 2);
        await traceListed(page, 'windows-shop');
      }
      const log = await readChannelLogs(wb.logsDir, 'TraceLens');
      assert.ok(!/already in use|is held by/.test(log), `no window says a port is taken:\n${log}`);
      assert.match(log, /attached to TraceLens [\d.]+ at http:\/\/127\.0\.0\.1:\d+ \(process \d+\)/, log);

      // The owner's process dies; another takes the receivers and the store over.
      process.kill(first.pid, 'SIGKILL');
      let next: ServerIdentity | undefined;
      const deadline = Date.now() + 30_000;
      while (!(next && next.pid !== first.pid) && Date.now() < deadline) next = await ownerAt(query);
      assert.ok(next && next.pid !== first.pid, 'a new owner within 30 s');
      assert.equal(next.dataDir, first.dataDir, 'on the same store');

      await sendTrace(otlp, 'windows-billing', 'POST /invoice');
      for (const page of pages) {
        await spansShown(page, 4);
        await traceListed(page, 'windows-billing');
      }
      for (const [i, page] of pages.entries()) await page.screenshot({ path: join(RESULTS, `workbench-windows-${i + 1}.png`) });

      // The web UI from the second window: a browser tab on the forwarded address, showing both services live.
      const [tab] = await Promise.all([pages[1]!.context().waitForEvent('page', { timeout: 30_000 }), runCommand(pages[1]!, 'TraceLens: Open Web UI in Browser')]);
      await tab.waitForLoadState('domcontentloaded');
      const queryPort = new URL(query).port;
      assert.ok(tab.url().startsWith(`${wb.url}/proxy/${queryPort}/`), `opened through the workbench's forwarding: ${tab.url()}`);
      await tab.locator('body', { hasText: 'windows-billing' }).waitFor({ timeout: 30_000 });
      await tab.locator('body', { hasText: 'windows-shop' }).waitFor({ timeout: 30_000 });
      await tab.screenshot({ path: join(RESULTS, 'workbench-web-ui.png') });
    } catch (error) {
      for (const [i, page] of pages.entries()) await page.screenshot({ path: join(RESULTS, `workbench-windows-${i + 1}-failed.png`) }).catch(() => undefined);
      console.log(`TraceLens logs:\n${await readChannelLogs(wb.logsDir, 'TraceLens')}`);
      throw error;
    }
  });
});
