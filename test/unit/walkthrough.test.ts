// The Getting Started walkthrough's pages are static markdown: the environment snippets in them must be exactly what
// "TraceLens: Copy Environment Snippet" copies for the default receiver (src/core/envSnippets.ts is the one source).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { envSnippet, SNIPPET_LANGUAGES } from '../../src/core/envSnippets';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    configuration: { properties: Record<string, { default?: unknown }> };
    walkthroughs: { id: string; steps: { id: string; media: { markdown?: string } }[] }[];
  };
};
const walkthrough = pkg.contributes.walkthroughs.find((w) => w.id === 'tracelens.gettingStarted');

/** `### <heading>` followed by a ```sh block: heading -> the block's text (with its last newline). */
function shellBlocks(markdown: string): [string, string][] {
  return [...markdown.matchAll(/^### (.+)\n\n```sh\n([\s\S]*?)^```$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']);
}

describe('Getting Started walkthrough', () => {
  it('has a markdown page for every step', () => {
    assert.ok(walkthrough, 'package.json contributes no walkthrough tracelens.gettingStarted');
    for (const step of walkthrough.steps) {
      assert.ok(step.media.markdown && existsSync(join(ROOT, step.media.markdown)), `${step.id}: ${step.media.markdown} is missing`);
    }
  });

  it('"Instrument your app" shows, per language, the snippet envSnippet makes for the default receiver', () => {
    const page = walkthrough?.steps.find((s) => s.id === 'instrument')?.media.markdown;
    assert.ok(page);
    const address = pkg.contributes.configuration.properties['tracelens.receivers.otlpHttp']?.default;
    assert.equal(typeof address, 'string');
    const endpoint = `http://${String(address)}`;
    const markdown = readFileSync(join(ROOT, page), 'utf8');
    const expected = SNIPPET_LANGUAGES.map((l): [string, string] => [l.label, envSnippet({ language: l.id, endpoint, protocol: 'http/protobuf' }).text]);
    // On a change to envSnippets.ts, copy the expected blocks into the page.
    assert.deepEqual(shellBlocks(markdown), expected);
    assert.ok(markdown.includes(`\`${endpoint}\``), `the page names the default endpoint ${endpoint}`);
  });
});
