// A team's backend on the standalone page in real Chromium: a TraceLens with a remote (a second real TraceLens
// speaking the Jaeger API) lists the remote's trace beside its own, marked with the remote's name, and opens it with
// "From remote team" in the header. Screenshots: test-results/web-remote-search.png and web-remote-trace.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { SdkShop } from '../helpers/sdkShop';
import { launchChromium, REPO_ROOT } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');

describe('remotes on the standalone page', () => {
  let team: RunningServer;
  let local: RunningServer;
  let browser: Browser;
  let teamTrace = '';

  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    team = await startServer();
    local = await startServer({ remotes: [{ name: 'team', kind: 'tracelens', url: team.query }] });
    const teamShop = new SdkShop(team.otlpHttp);
    teamTrace = teamShop.trace({ service: 'billing', name: 'POST /invoice', kind: SpanKind.SERVER, start: 0, end: 30, children: [{ service: 'ledger', name: 'INSERT entry', kind: SpanKind.CLIENT, start: 4, end: 22 }] }, Date.now() - 3000);
    await teamShop.flush();
    await teamShop.shutdown();
    const localShop = new SdkShop(local.otlpHttp);
    const localTrace = localShop.trace({ service: 'web', name: 'GET /cart', kind: SpanKind.SERVER, start: 0, end: 12 }, Date.now() - 1000);
    await localShop.flush();
    await localShop.shutdown();
    await team.waitForTrace(teamTrace, 2);
    await local.waitForTrace(localTrace, 1);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await local?.close();
    await team?.close();
  });

  it("lists the remote's trace beside the local one, marked with its name, and opens it", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    await page.goto(local.query);
    const remoteRow = page.locator('table.traces tbody tr', { has: page.locator('.source-badge', { hasText: 'team' }) });
    await remoteRow.waitFor({ timeout: 15_000 });
    assert.equal(await remoteRow.getAttribute('data-trace-id'), teamTrace);
    assert.match(await remoteRow.locator('.root-service').innerText(), /billing\s*team/);
    assert.equal(await page.locator('table.traces tbody tr', { hasText: 'GET /cart' }).locator('.source-badge').count(), 0, 'a local trace has no mark');
    await page.screenshot({ path: join(RESULTS, 'web-remote-search.png') });

    await remoteRow.locator('.root-name').click();
    const source = page.locator('.tl-field[data-field="source"]');
    await source.waitFor({ timeout: 15_000 });
    assert.match(await source.innerText(), /From\s*remote team/);
    await page.locator('.tl-row .tl-name', { hasText: 'INSERT entry' }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(RESULTS, 'web-remote-trace.png') });
    await page.close();
  });
});
