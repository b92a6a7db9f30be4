// Hovers' links to the web UI become command links that open it through asExternalUri (remote development).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPEN_IN_BROWSER_COMMAND, webLinksToCommands } from '../../src/extension/browserLinks';

const T = '0af7651916cd43dd8448eb211c80319c';
const S = '00f067aa0ba902b7';

describe('web UI links in hovers', () => {
  it('turns links to the query API page into the open-in-browser command with the route', () => {
    const md = `- [12 ms · trace 0af76519](command:tracelens.openTrace?x) · [web](http://127.0.0.1:16686/#/trace/${T}?span=${S})`;
    const out = webLinksToCommands(md, 'http://127.0.0.1:16686');
    const m = /\[web\]\(command:([\w.]+)\?([^)]+)\)/.exec(out);
    assert.ok(m, out);
    assert.equal(m[1], OPEN_IN_BROWSER_COMMAND);
    assert.deepEqual(JSON.parse(decodeURIComponent(m[2]!)), [{ route: `/trace/${T}?span=${S}` }]);
    assert.ok(out.startsWith('- [12 ms · trace 0af76519](command:tracelens.openTrace?x)'), 'other links stay');
  });

  it('leaves links to other hosts, other ports and odd routes alone', () => {
    for (const link of ['http://127.0.0.1:9999/#/trace/x', 'http://evil.example/#/trace/x', 'http://127.0.0.1:16686/#/trace/x"onclick', 'http://127.0.0.1:16686/api/traces']) {
      const md = `[web](${link})`;
      assert.equal(webLinksToCommands(md, 'http://127.0.0.1:16686'), md, link);
    }
  });
});
