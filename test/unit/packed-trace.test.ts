// The UI's packed trace transport: unpacking a packed trace gives back the WireTrace, every field, through JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toWireTrace } from '../../src/core/wire';
import type { PackedTrace } from '../../src/protocol/packedTrace';
import { packTrace, unpackTrace } from '../../src/protocol/packedTrace';
import { modelSpan } from '../helpers/spans';

const T = '0af7651916cd43dd8448eb211c80319c';
const S = 'b7ad6b7169203331';

describe('packed traces', () => {
  it('unpack(pack(trace)) is the trace, with every span field, and is smaller', () => {
    const spans = [
      modelSpan({ traceId: T, spanId: S, name: 'GET /', attributes: [{ key: 'n', value: 5n }] }),
      modelSpan({ traceId: T, spanId: 'c'.repeat(16), parentSpanId: S, name: 'child', traceState: 'k=v', flags: 1, kind: 2 }),
    ];
    const wire = toWireTrace(T, spans);
    const packed = JSON.stringify(packTrace(wire));
    assert.deepEqual(unpackTrace(JSON.parse(packed) as PackedTrace), JSON.parse(JSON.stringify(wire)));
    assert.ok(packed.length < JSON.stringify(wire).length);
  });
});

describe('trace outlines', () => {
  it('keep what the waterfall draws and leave out attributes, events and links', () => {
    const span = modelSpan({
      traceId: T,
      spanId: S,
      name: 'GET /',
      kind: 1,
      attributes: [{ key: 'secret', value: 'x'.repeat(1000) }],
      events: [{ timeUnixNano: 5n, name: 'exception', attributes: [], droppedAttributesCount: 0 }],
      status: { code: 2, message: 'boom' },
    });
    const outline = packTrace(toWireTrace(T, [span], true), true);
    assert.equal(outline.outline, true);
    const [s] = unpackTrace(JSON.parse(JSON.stringify(outline)) as PackedTrace).spans;
    assert.deepEqual([s!.spanId, s!.name, s!.kind, s!.status], [S, 'GET /', 1, { code: 2, message: 'boom' }]);
    assert.deepEqual([s!.attributes, s!.events, s!.links], [[], [], []]);
    assert.ok(JSON.stringify(outline).length < 600, 'the attribute value is not in the outline');
  });
});
