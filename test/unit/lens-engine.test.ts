// The lens engine (src/server/lens/engine.ts) on a real embedded store (in memory) and a real temporary workspace:
// spans become per-location statistics through their code.* attributes; old spans count as "last seen" only; a wider
// window reads the store again; clearing the store clears the lenses; a change event follows each update; the analyses
// of a location's traces give its findings.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '../../src/core/model';
import { EMPTY_RESOURCE } from '../../src/core/model';
import { EmbeddedStore } from '../../src/core/store/embeddedStore';
import { LensEngine } from '../../src/server/lens/engine';
import { modelSpan } from '../helpers/spans';
import { waitFor } from '../helpers/wait';

const root = mkdtempSync(join(tmpdir(), 'tracelens-engine-'));
const file = join(root, 'app.py');
mkdirSync(root, { recursive: true });
writeFileSync(file, 'def pay():\n    pass\n\n\ndef ship():\n    pass\n');

let n = 0;
/** A span of `name` that ended `agoMs` before now, taking `ms`, mapped to `line` of app.py. */
function span(name: string, line: number, agoMs: number, ms: number, error = false): Span {
  const end = BigInt(Date.now() - agoMs) * 1_000_000n;
  n++;
  return modelSpan({
    traceId: n.toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    name,
    kind: SpanKind.SERVER,
    startTimeUnixNano: end - BigInt(ms * 1e6),
    endTimeUnixNano: end,
    attributes: [
      { key: 'code.filepath', value: file },
      { key: 'code.lineno', value: BigInt(line) },
    ],
    status: { code: error ? SpanStatusCode.ERROR : SpanStatusCode.UNSET, message: error ? 'declined' : '' },
    resource: { ...EMPTY_RESOURCE, attributes: [{ key: 'service.name', value: 'shop' }] },
  });
}

describe('lens engine', () => {
  const store = new EmbeddedStore();
  const engine = new LensEngine(store, () => undefined);
  let changes = 0;
  engine.onDidChange(() => changes++);
  after(async () => {
    engine.dispose();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('maps spans to their functions and counts them per window', async () => {
    engine.workspace.addRoots([root]);
    await engine.workspace.whenIndexed();
    await store.append([{ kind: 'spans', spans: [span('pay', 1, 1000, 10), span('pay', 1, 2000, 30, true), span('ship', 5, 20 * 60_000, 50), span('ship', 5, 3 * 3600_000, 50)] }]);
    await waitFor(() => engine.lensesOf(file).length === 2 && !engine.busy, 5000);
    const pay = engine.lensAt(file, 1)!;
    assert.equal(pay.summary.count, 2);
    assert.equal(pay.summary.errors, 1);
    assert.deepEqual(pay.operations, [{ service: 'shop', name: 'pay' }]);
    await waitFor(() => engine.lensAt(file, 1)!.summary.messages.length === 1, 5000);
    assert.deepEqual(engine.lensAt(file, 1)!.summary.messages, [{ message: 'declined', count: 1 }]);
    const ship = engine.lensAt(file, 5)!;
    assert.equal(ship.summary.count, 0, 'the 20-minute-old call is in the previous window');
    assert.equal(ship.summary.previousCount, 1, 'the 3-hour-old call is in neither window');
    assert.ok(Date.now() - ship.summary.lastSeenMs < 25 * 60_000);
    assert.ok(changes > 0);
    // The analyses of pay's traces: the failing call is where its error starts, and the 30 ms request has nothing
    // traced inside it.
    await waitFor(() => engine.findingsAt(file, 1).length === 2, 5000);
    assert.deepEqual(
      engine.findingsAt(file, 1).map((f) => [f.kind, f.severity, f.traces, f.examined]),
      [
        ['error-origin', 'error', 1, 2],
        ['uninstrumented-time', 'warning', 2, 2],
      ],
    );
    assert.equal(engine.findingsAt(file, 1)[0]!.short, 'Error origin: declined');
    const heat = engine.fileHeat(file);
    assert.deepEqual(
      heat.lines.map((l) => [l.line, l.kind]),
      [[1, 'failing'], [1, 'finding'], [1, 'finding']],
    );
    assert.match(heat.lines[1]!.message, /^Error starts in shop: pay — declined \(in 1 of 2 recent traces\)$/);
  });

  it('a wider window reads the store again', async () => {
    engine.configure({ windowMinutes: 240 });
    await waitFor(() => engine.lensAt(file, 5)?.summary.count === 2 && !engine.busy, 5000);
    assert.equal(engine.lensAt(file, 1)!.summary.count, 2);
  });

  it('clearing the store clears the lenses', async () => {
    const before = engine.generation;
    await store.clear();
    await waitFor(() => engine.lensesOf(file).length === 0 && engine.generation > before, 5000);
    await store.append([{ kind: 'spans', spans: [span('pay', 1, 500, 5)] }]);
    await waitFor(() => engine.lensAt(file, 1)?.summary.count === 1, 5000);
  });
});
