// The correlation engine (src/core/correlate): stack parsers per runtime, path resolution, source maps through real
// files, literal extraction per language, enclosingFunction, hostile input, and the labelled corpus
// (test/fixtures/correlation/corpus.json) with its precision and recall.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { AttrValue, Attributes, LogRecord, Span, SpanEvent } from '../../src/core/model';
import { EMPTY_RESOURCE, EMPTY_SCOPE } from '../../src/core/model';
import { SourceIndex, correlateSpan, createSourceMaps, parseStackTrace } from '../../src/core/correlate';
import type { PathMapping, SourceCandidate } from '../../src/core/correlate';
import { modelSpan } from '../helpers/spans';

const FIXTURES = resolve(__dirname, '../fixtures/correlation');
const ROOTS = { workspace: join(FIXTURES, 'workspace'), 'workspace-billing': join(FIXTURES, 'workspace-billing') } as const;
type RootName = keyof typeof ROOTS;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** The fixture workspace indexed the way the lens server does it: every text file but source maps, read for real. */
function fixtureIndex(): SourceIndex {
  const index = new SourceIndex(Object.values(ROOTS));
  for (const root of Object.values(ROOTS)) {
    for (const file of walk(root)) {
      if (file.endsWith('.map') || file.endsWith('.md') || file.endsWith('build.mjs')) continue;
      index.setFile(file, readFileSync(file, 'utf8'));
    }
  }
  return index;
}
const readReal = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

// ---- The corpus's JSON form -> the model ----
interface CorpusEntry {
  readonly id: string;
  readonly signal: string;
  readonly resource: Record<string, unknown>;
  readonly span: { name: string; kind: string; attributes: Record<string, unknown>; events: { name: string; attributes: Record<string, unknown> }[] };
  readonly logs?: { severityText: string; body: unknown; attributes: Record<string, unknown> }[];
  readonly pathMappings?: PathMapping[];
  readonly expect: { root: RootName; file: string; line: number } | null;
}

/** "{workspace}" in corpus text stands for the fixture root's absolute path on this machine. */
function expand(s: string): string {
  return s.replaceAll('{workspace}', ROOTS.workspace);
}
/** JSON integers are OTLP int64 (bigint in the model), as the SDKs send code.lineno and friends. */
function value(v: unknown): AttrValue {
  if (typeof v === 'string') return expand(v);
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(value);
  return null;
}
function attributes(o: Record<string, unknown>): Attributes {
  return Object.entries(o).map(([key, v]) => ({ key, value: value(v) }));
}
function toInput(c: CorpusEntry): { span: Span; logs: LogRecord[] } {
  const resource = { ...EMPTY_RESOURCE, attributes: attributes(c.resource) };
  const events: SpanEvent[] = c.span.events.map((e) => ({ timeUnixNano: 1n, name: e.name, attributes: attributes(e.attributes), droppedAttributesCount: 0 }));
  const span = modelSpan({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: c.span.name, kind: SpanKind[c.span.kind as keyof typeof SpanKind], attributes: attributes(c.span.attributes), events, resource });
  const logs: LogRecord[] = (c.logs ?? []).map((l) => ({
    timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 17, severityText: l.severityText, body: value(l.body), attributes: attributes(l.attributes),
    droppedAttributesCount: 0, flags: 0, traceId: span.traceId, spanId: span.spanId, eventName: '', resource, scope: EMPTY_SCOPE,
  }));
  return { span, logs };
}

describe('correlation corpus', () => {
  const corpus = JSON.parse(readFileSync(join(FIXTURES, 'corpus.json'), 'utf8')) as CorpusEntry[];
  const index = fixtureIndex();
  const sourceMaps = createSourceMaps(readReal);

  it('has at least 200 labelled spans across every signal', () => {
    assert.ok(corpus.length >= 200, `${corpus.length} spans`);
    const signals = new Set(corpus.map((c) => c.signal));
    for (const s of ['code.attributes', 'code.stacktrace', 'exception.stacktrace', 'log.stacktrace', 'span-name', 'http.route', 'rpc.method', 'db.query', 'messaging.destination', 'path-mapping']) assert.ok(signals.has(s), s);
    assert.ok(corpus.filter((c) => c.expect === null).length >= 30);
  });

  // "Correct": the top workspace candidate is the expected file at exactly the expected line. Candidates outside the
  // workspace (an unmapped foreign path, shown only after asking) are not locations in the workspace and do not count
  // as a top candidate; a span labelled null with any workspace candidate counts against precision.
  it('precision >= 0.98 and recall >= 0.90, exact lines', () => {
    let withTop = 0;
    let correct = 0;
    let expected = 0;
    const misses: string[] = [];
    const bySignal = new Map<string, { n: number; ok: number }>();
    for (const c of corpus) {
      const { span, logs } = toInput(c);
      const mappings = c.pathMappings?.map((m) => ({ from: expand(m.from), to: expand(m.to) }));
      const candidates = correlateSpan({ span, resource: span.resource, logs }, index, { sourceMaps, ...(mappings ? { pathMappings: mappings } : {}) });
      const top: SourceCandidate | undefined = candidates.find((k) => k.inWorkspace);
      const want = c.expect ? { path: join(ROOTS[c.expect.root], c.expect.file), line: c.expect.line } : undefined;
      const ok = !!top && !!want && top.path === want.path && top.line === want.line;
      if (top) withTop++;
      if (want) expected++;
      if (ok) correct++;
      const s = bySignal.get(c.signal) ?? { n: 0, ok: 0 };
      s.n++;
      if (ok || (!want && !top)) s.ok++;
      bySignal.set(c.signal, s);
      if (!ok && (top || want)) {
        const got = top ? `${relative(FIXTURES, top.path)}:${top.line} (${top.confidence})` : 'nothing';
        misses.push(`  ${c.id}: expected ${want ? `${relative(FIXTURES, want.path)}:${want.line}` : 'nothing'}, got ${got}`);
      }
    }
    const precision = withTop === 0 ? 0 : correct / withTop;
    const recall = expected === 0 ? 0 : correct / expected;
    console.log(`corpus: ${corpus.length} spans, ${expected} with an expected location; ${withTop} with a top candidate, ${correct} correct`);
    console.log(`precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}`);
    console.log([...bySignal].map(([k, v]) => `  ${k}: ${v.ok}/${v.n}`).join('\n'));
    if (misses.length > 0) console.log(`misses:\n${misses.join('\n')}`);
    assert.ok(precision >= 0.98, `precision ${precision}`);
    assert.ok(recall >= 0.9, `recall ${recall}`);
  });
});
