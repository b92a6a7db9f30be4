// Search inside one trace (the box above the waterfall). Words, all of which a span must meet:
//   free text        in the span's name, service, span id, or an attribute key or value (span or resource), any case
//   key=value        an attribute (span, then resource) whose value reads exactly so (any case); also service=, name=
//   >100ms  >=1s     duration at least (Go durations); minDuration=100ms is the same
//   <5ms    <=5ms    duration at most; maxDuration=5ms is the same
// Values with spaces go in double quotes. A bad word is returned as data (the page shows it), never thrown.
import { parseGoDuration } from '../jaeger';
import { formatWireValue } from '../wire';
import type { WireAttribute } from '../../protocol/wire';
import type { TraceView, ViewSpan } from './traceView';

export interface FindResult {
  /** Matching span positions in tree (row) order. */
  readonly matches: readonly number[];
  /** What is wrong with the query, if anything (then there are no matches). */
  readonly error?: string;
}

type Test = (s: ViewSpan) => boolean;

function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:[^\s"]+|"[^"]*"?)+/g)) out.push(m[0].replace(/"/g, ''));
  return out;
}

const attrText = (a: WireAttribute): string => formatWireValue(a.value).toLowerCase();

function duration(text: string): number | undefined {
  const n = parseGoDuration(text.trim());
  return n === undefined || n < 0n ? undefined : Number(n);
}

function parse(view: TraceView, text: string): Test[] | string {
  const tests: Test[] = [];
  const resourceAttrs = (s: ViewSpan): readonly WireAttribute[] => view.trace.resources[s.span.resource]?.attributes ?? [];
  for (const word of words(text)) {
    const cmp = /^(>=|<=|>|<)(.+)$/.exec(word);
    if (cmp) {
      const n = duration(cmp[2]!);
      if (n === undefined) return `"${cmp[2]}" is not a duration; use e.g. 100ms, 1.5s`;
      const op = cmp[1]!;
      tests.push(op === '>' ? (s) => s.duration > n : op === '>=' ? (s) => s.duration >= n : op === '<' ? (s) => s.duration < n : (s) => s.duration <= n);
      continue;
    }
    const eq = word.indexOf('=');
    if (eq > 0) {
      const key = word.slice(0, eq);
      const value = word.slice(eq + 1).toLowerCase();
      const named = key.toLowerCase();
      if (named === 'minduration' || named === 'maxduration') {
        const n = duration(value);
        if (n === undefined) return `"${value}" is not a duration; use e.g. 100ms, 1.5s`;
        tests.push(named === 'minduration' ? (s) => s.duration >= n : (s) => s.duration <= n);
      } else if (named === 'service') tests.push((s) => s.service.toLowerCase() === value);
      else if (named === 'name' || named === 'operation') tests.push((s) => s.span.name.toLowerCase() === value);
      else {
        tests.push((s) => {
          const a = s.span.attributes.find((x) => x.key === key) ?? resourceAttrs(s).find((x) => x.key === key);
          return a !== undefined && attrText(a) === value;
        });
      }
      continue;
    }
    const needle = word.toLowerCase();
    const texts = haystacks(view);
    tests.push((s) => texts[s.pos]!.includes(needle));
  }
  return tests;
}

const haystackCache = new WeakMap<TraceView, readonly string[]>();

/** Per span, the text free words are looked for in (lowercased once per view, not per query). Lines keep a word from
 * matching across two fields. */
function haystacks(view: TraceView): readonly string[] {
  let hit = haystackCache.get(view);
  if (hit) return hit;
  const resourceText = view.trace.resources.map((r) => r.attributes.map((a) => `${a.key}\n${attrText(a)}`).join('\n'));
  hit = view.spans.map((s) => {
    let text = `${s.span.name}\n${s.service}\n${s.span.spanId}\n${resourceText[s.span.resource] ?? ''}`;
    for (const a of s.span.attributes) text += `\n${a.key}\n${attrText(a)}`;
    return text.toLowerCase();
  });
  haystackCache.set(view, hit);
  return hit;
}

const cache = new WeakMap<TraceView, Map<string, FindResult>>();

export function findSpans(view: TraceView, text: string): FindResult {
  let perView = cache.get(view);
  if (!perView) cache.set(view, (perView = new Map()));
  const hit = perView.get(text);
  if (hit) return hit;
  const tests = parse(view, text);
  let result: FindResult;
  if (typeof tests === 'string') result = { matches: [], error: tests };
  else if (tests.length === 0) result = { matches: [] };
  else result = { matches: view.spans.filter((s) => tests.every((t) => t(s))).map((s) => s.pos) };
  if (perView.size > 50) perView.clear();
  perView.set(text, result);
  return result;
}

/** The next (dir 1) or previous (dir -1) position in a sorted list after `current`, wrapping; undefined if none. */
export function step(positions: readonly number[], current: number, dir: 1 | -1): number | undefined {
  if (positions.length === 0) return undefined;
  // First index whose position is > current (binary search).
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (positions[mid]! > current) hi = mid;
    else lo = mid + 1;
  }
  if (dir === 1) return positions[lo < positions.length ? lo : 0];
  // Last index whose position is < current.
  let i = lo - 1;
  if (i >= 0 && positions[i] === current) i--;
  return positions[i >= 0 ? i : positions.length - 1];
}

const errorCache = new WeakMap<TraceView, readonly number[]>();

/** Positions of the error spans, in row order. */
export function errorSpans(view: TraceView): readonly number[] {
  let hit = errorCache.get(view);
  if (!hit) errorCache.set(view, (hit = view.spans.filter((s) => s.error).map((s) => s.pos)));
  return hit;
}
