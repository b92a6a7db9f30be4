// Runs the in-host mocha suite (test/integration, built to out/test/integration) inside code-server's real
// extension host, on the fixture workspace, and fails when the suite fails.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runIntegration } from './run-integration';
import { REPO_ROOT } from './workbench';

describe('extension tests inside a real VS Code extension host (code-server)', () => {
  it('the mocha suite passes', async () => {
    const result = await runIntegration({
      tests: join(REPO_ROOT, 'out', 'test', 'integration', 'index.js'),
      workspace: join(REPO_ROOT, 'test', 'fixtures', 'workspace'),
      timeoutS: 300,
    });
    assert.equal(result.exitCode, 0, `suite exit code ${result.exitCode}; see the log above and test-results/`);
  });
});
