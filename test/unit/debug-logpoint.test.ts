// "Add Logpoint with Span Attributes": the message (expressions for JavaScript and Python, recorded values quoted for
// other languages; span text never becomes an expression) and where it goes (inside the span's function).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logpointLanguage, logpointMessage, opensFunctionBody } from '../../src/core/debug/logpoint';
import type { WireAttribute } from '../../src/protocol/wire';

const attrs: WireAttribute[] = [
  { key: 'app.order.id', value: 'o-1' },
  { key: 'code.function.name', value: 'placeOrder' },
  { key: 'app.qty', value: { int: '3' } },
  { key: 'bad{key}', value: 'x' },
  { key: 'app.order.id', value: 'duplicate' },
];

describe('logpoint messages', () => {
  it('JavaScript: the active span read at run time, one expression per recorded key (code.* and brace keys left out)', () => {
    const m = logpointMessage('orders.place', attrs, 'javascript');
    assert.ok(m.startsWith('[span orders.place] active={'), m);
    assert.match(m, /trace=\{globalThis\[Symbol\.for\('opentelemetry\.js\.api\.1'\)\]\?\.context\?\.active\(\)\?\.getValue\(Symbol\.for\('OpenTelemetry Context Key SPAN'\)\)\?\.spanContext\(\)\?\.traceId\}/);
    assert.match(m, /app\.order\.id=\{[^}]*\?\.attributes\?\.\["app\.order\.id"\]\}/);
    assert.match(m, /app\.qty=\{[^}]*\["app\.qty"\]\}/);
    assert.doesNotMatch(m, /code\.function\.name|bad/);
    assert.equal(m.match(/app\.order\.id=/g)?.length, 1, 'each key once');
    // Braces balance: every expression closes before the next literal part.
    let depth = 0;
    for (const ch of m) {
      depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
      assert.ok(depth === 0 || depth === 1, m);
    }
    assert.equal(depth, 0);
  });

  it('Python reads opentelemetry.trace; other languages quote the recorded values', () => {
    assert.match(logpointMessage('charge', attrs, 'python'), /app\.order\.id=\{getattr\(__import__\('opentelemetry\.trace'/);
    assert.equal(logpointMessage('charge', attrs, 'other'), '[span charge] recorded app.order.id=o-1 app.qty=3');
  });

  it('span text never opens an expression, breaks the line or carries control characters', () => {
    const m = logpointMessage('x{process.exit()}\u001b[2J\nnext\u2028', [{ key: 'k', value: '{boom}\u0007' }], 'other');
    assert.equal(m, '[span x(process.exit()) [2J next ] recorded k=(boom) ');
    assert.ok(![...m].some((ch) => ch === '{' || ch === '}' || ch.charCodeAt(0) < 0x20 || ch === '\u2028'), m);
  });

  it('knows the language by the file name', () => {
    assert.deepEqual(['a.ts', 'b.mjs', 'C.PY', 'd.go', 'e'].map(logpointLanguage), ['javascript', 'javascript', 'python', 'other', 'other']);
  });
});

describe('opensFunctionBody', () => {
  it('finds the lines that open the function a span runs, and only those', () => {
    for (const line of [
      "    return tracer.startActiveSpan('checkout.handle', async (span) => {",
      "  return withSpan('orders.place', { attributes: { 'app.item.sku': String(body?.sku) } }, async (span) => { // the handler",
      "tracer.startActiveSpan('x', function (span) {",
      '    with tracer.start_as_current_span("x") as span:',
      'tracer.spanBuilder("x").startSpan().use { span ->',
      "tracer.in_span('x') do |span|",
    ]) assert.ok(opensFunctionBody(line), line);
    for (const line of ['const x = foo(); // => {', 'if (a) {', 'const total = n * 2;', "span.setAttribute('k', 1);", '']) assert.ok(!opensFunctionBody(line), line);
  });
});
