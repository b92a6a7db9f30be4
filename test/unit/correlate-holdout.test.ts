// The correlation engine measured on a held-out corpus (test/fixtures/correlation/holdout.json), labelled by reading
// the fixture workspaces and never tuned against: the top in-workspace candidate of each span must be the labelled
// file and line. Precision counts a candidate for a span labelled null as wrong; recall is over the labelled spans.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import type { SourceCandidate } from '../../src/core/correlate';
import { correlateSpan, createSourceMaps, SourceIndex } from '../../src/core/correlate';
import type { AttrValue, Attributes, LogRecord, Resource, Span, SpanEvent } from '../../src/core/model';
import { EMPTY_SCOPE, SpanKind, SpanStatusCode } from '../../src/core/model';
import { modelSpan } from '../helpers/spans';

const FIXTURES = join(__dirname, '..', 'fixtures', 'correlation');
const ROOTS = { workspace: join(FIXTURES, 'workspace'), 'workspace-billing': join(FIXTURES, 'workspace-billing') } as const;
type RootName = keyof typeof ROOTS;
const PRECISION_GOAL = 0.98;
const RECALL_GOAL = 0.9;

/** A corpus value: JSON as stored, with {"$concat": [...]} and {"$repeat": [text, n]} for huge hostile strings. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface Expect {
  readonly root: RootName;
  readonly file: string;
  readonly line: number;
}
interface CorpusEvent {
  readonly name: string;
  readonly attributes: Record<string, Json>;
}
interface CorpusLog {
  readonly severityText: string;
  readonly severityNumber: number;
  readonly body: Json;
  readonly attributes: Record<string, Json>;
}
interface CorpusSpan {
  readonly id: string;
  readonly signal: string;
  readonly note?: string;
  readonly resource: Record<string, Json>;
  readonly scope?: string;
  readonly name: Json;
  readonly kind: 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  readonly status?: { readonly code: 'OK' | 'ERROR'; readonly message: string };
  readonly attributes: Record<string, Json>;
  readonly events?: readonly CorpusEvent[];
  readonly logs?: readonly CorpusLog[];
  readonly expect: Expect | null;
}
interface Corpus {
  readonly spans: readonly CorpusSpan[];
}

function isRecord(v: Json): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strings with the roots' absolute paths put in, and the huge hostile values built. */
function text(v: Json): string {
  if (typeof v === 'string') return v.split('{workspace-billing}').join(ROOTS['workspace-billing']).split('{workspace}').join(ROOTS.workspace);
  if (isRecord(v) && Array.isArray(v.$concat)) return v.$concat.map(text).join('');
  if (isRecord(v) && Array.isArray(v.$repeat)) {
    const [part, times] = v.$repeat;
    if (typeof part !== 'string' || typeof times !== 'number') throw new Error(`bad $repeat: ${JSON.stringify(v)}`);
    return part.repeat(times);
  }
  throw new Error(`not a text value: ${JSON.stringify(v).slice(0, 80)}`);
}

/** JSON integers are OTLP int64 (bigint), other numbers doubles. */
function attrValue(v: Json): AttrValue {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'boolean' || v === null) return v;
  if (Array.isArray(v)) return v.map(attrValue);
  return text(v);
}

function attributes(o: Record<string, Json>): Attributes {
  return Object.entries(o).map(([key, value]) => ({ key, value: attrValue(value) }));
}

function resourceOf(o: Record<string, Json>): Resource {
  return { attributes: attributes(o), droppedAttributesCount: 0, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
}

function hex(n: number, width: number): string {
  return (n + 1).toString(16).padStart(width, '0');
}

function inputOf(c: CorpusSpan, n: number): { span: Span; resource: Resource; logs: LogRecord[] } {
  const resource = resourceOf(c.resource);
  const traceId = `4bf92f3577b34da6a3ce${hex(n, 12)}`;
  const spanId = `00f067aa${hex(n, 8)}`;
  const start = 1_732_480_000_000_000_000n + BigInt(n) * 1_000_000_000n;
  const scope = c.scope !== undefined ? { ...EMPTY_SCOPE, name: c.scope } : EMPTY_SCOPE;
  const events: SpanEvent[] = (c.events ?? []).map((e) => ({
    timeUnixNano: start + 500_000n,
    name: e.name,
    attributes: attributes(e.attributes),
    droppedAttributesCount: 0,
  }));
  const span = modelSpan({
    traceId,
    spanId,
    parentSpanId: c.kind === 'SERVER' || c.kind === 'CONSUMER' ? '' : 'a3ce929d0e0e4736',
    name: text(c.name),
    kind: SpanKind[c.kind],
    startTimeUnixNano: start,
    endTimeUnixNano: start + 12_500_000n,
    attributes: attributes(c.attributes),
    events,
    ...(c.status ? { status: { code: c.status.code === 'ERROR' ? SpanStatusCode.ERROR : SpanStatusCode.OK, message: c.status.message } } : {}),
    resource,
    scope,
  });
  const logs: LogRecord[] = (c.logs ?? []).map((l) => ({
    timeUnixNano: start + 400_000n,
    observedTimeUnixNano: start + 900_000n,
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: attrValue(l.body),
    attributes: attributes(l.attributes),
    droppedAttributesCount: 0,
    flags: 1,
    traceId,
    spanId,
    eventName: '',
    resource,
    scope,
  }));
  return { span, resource, logs };
}

/** Every file under a root, as the editor's walk finds them: no node_modules or .git, no huge or binary files. */
function walk(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== '.git') walk(path, out);
    } else if (e.isFile() && statSync(path).size <= 1024 * 1024) out.push(path);
  }
  return out;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function buildIndex(): SourceIndex {
  const index = new SourceIndex([ROOTS.workspace, ROOTS['workspace-billing']]);
  for (const root of Object.values(ROOTS)) {
    for (const path of walk(root, [])) {
      const t = readText(path);
      if (t !== undefined && !t.includes('\u0000')) index.setFile(path, t);
    }
  }
  return index;
}

/** "root:file:line" of a candidate, for the report. */
function where(c: SourceCandidate): string {
  for (const [name, root] of Object.entries(ROOTS)) {
    const rel = relative(root, c.path);
    if (!rel.startsWith('..') && rel !== c.path) return `${name}:${rel.split(sep).join('/')}:${c.line}`;
  }
  return `${c.path}:${c.line}`;
}

function isExpected(c: SourceCandidate, e: Expect): boolean {
  return c.path === join(ROOTS[e.root], ...e.file.split('/')) && c.line === e.line;
}

function evidenceOf(c: SourceCandidate): string {
  return c.evidence.map((e) => `${e.kind}(${e.detail.slice(0, 100)})`).join(' + ');
}

describe('correlation on the held-out corpus', () => {
  const corpus = JSON.parse(readFileSync(join(FIXTURES, 'holdout.json'), 'utf8')) as Corpus;

  it('has a sound corpus: unique ids, labels on real lines, about a quarter nulls', () => {
    const ids = new Set(corpus.spans.map((s) => s.id));
    assert.equal(ids.size, corpus.spans.length);
    assert.ok(corpus.spans.length >= 120, `${corpus.spans.length} spans`);
    for (const s of corpus.spans) {
      if (s.expect === null) continue;
      const lines = readFileSync(join(ROOTS[s.expect.root], ...s.expect.file.split('/')), 'utf8').split('\n');
      assert.ok(s.expect.line >= 1 && s.expect.line <= lines.length, `${s.id}: line ${s.expect.line} of ${lines.length}`);
    }
    const nulls = corpus.spans.filter((s) => s.expect === null).length / corpus.spans.length;
    assert.ok(nulls >= 0.2 && nulls <= 0.35, `nulls ${nulls}`);
  });

  it('meets the precision and recall goals', () => {
    const index = buildIndex();
    const sourceMaps = createSourceMaps(readText);
    let answered = 0;
    let correct = 0;
    let labelled = 0;
    const misses: string[] = [];
    corpus.spans.forEach((c, n) => {
      const input = inputOf(c, n);
      const candidates = correlateSpan(input.logs.length > 0 ? input : { span: input.span, resource: input.resource }, index, { sourceMaps });
      const top = candidates.find((k) => k.inWorkspace);
      if (c.expect !== null) labelled++;
      if (top !== undefined) answered++;
      const ok = top !== undefined && c.expect !== null && isExpected(top, c.expect);
      if (ok) correct++;
      else if (top !== undefined || c.expect !== null) {
        const expected = c.expect === null ? 'null' : `${c.expect.root}:${c.expect.file}:${c.expect.line}`;
        const got = top === undefined ? 'nothing' : `${where(top)} (confidence ${top.confidence.toFixed(2)})`;
        misses.push(`  ${c.id} [${c.signal}]\n    expected ${expected}\n    got      ${got}${top ? `\n    evidence ${evidenceOf(top)}` : ''}`);
      }
    });
    const precision = answered === 0 ? 0 : correct / answered;
    const recall = labelled === 0 ? 0 : correct / labelled;
    console.log(
      `held-out corpus: ${corpus.spans.length} spans (${labelled} labelled, ${corpus.spans.length - labelled} null); ` +
        `${answered} answered, ${correct} correct; precision ${precision.toFixed(3)} (goal ${PRECISION_GOAL}), recall ${recall.toFixed(3)} (goal ${RECALL_GOAL})`,
    );
    if (misses.length > 0) console.log(`misses (${misses.length}):\n${misses.join('\n')}`);
    assert.ok(precision >= PRECISION_GOAL, `precision ${precision.toFixed(3)} < ${PRECISION_GOAL}`);
    assert.ok(recall >= RECALL_GOAL, `recall ${recall.toFixed(3)} < ${RECALL_GOAL}`);
  });
});
