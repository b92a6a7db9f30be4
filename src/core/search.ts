// The search line of "TraceLens: Search Traces…": a few words, Jaeger's search in one line.
//   service=checkout op="GET /cart" error http.response.status_code>=500 minDuration=100ms since=1h limit=50
// Words: service=, operation= (or op=), kind=server, error (or errors), minDuration=, maxDuration= (Go durations:
// 1.5ms, 2s, 1h), since= (a lookback), limit=, and attribute conditions key=value, key!=value, key>N, key>=N, key<N,
// key<=N, and has:key (the key exists). Values with spaces go in double quotes.
import { ConfigError } from './address';
import { parseGoDuration, parseJaegerSpanKind } from './jaeger';
import type { FindTracesParams, WireAttributeFilter } from '../protocol/messages';

/** Splits on spaces, keeping "double-quoted parts" together (the quotes removed); ConfigError on an open quote. */
export function searchWords(text: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"]+|"[^"]*")+/g;
  for (const m of text.matchAll(re)) out.push(m[0].replace(/"/g, ''));
  if (text.split('"').length % 2 === 0) throw new ConfigError('a double quote is not closed');
  return out;
}

function duration(text: string, what: string): string {
  const n = parseGoDuration(text);
  if (n === undefined || n < 0n) throw new ConfigError(`${what} "${text}" is not a duration; use e.g. 250ms, 1.5s or 2m`);
  return n.toString();
}

/** A condition word: key, operator, value. */
export const SEARCH_CONDITION = /^([^=!<>]+?)(=|!=|>=|<=|>|<)(.*)$/;

/** The search a line asks for; ConfigError says what is wrong with it. `nowNanos` anchors since=. */
export function parseSearch(text: string, nowNanos: bigint): FindTracesParams {
  const q: { -readonly [K in keyof FindTracesParams]: FindTracesParams[K] } = {};
  const attributes: WireAttributeFilter[] = [];
  for (const word of searchWords(text)) {
    const lower = word.toLowerCase();
    if (lower === 'error' || lower === 'errors') {
      q.errorsOnly = true;
      continue;
    }
    if (lower.startsWith('has:')) {
      if (word.length === 4) throw new ConfigError('has: needs an attribute key, e.g. has:db.statement');
      attributes.push({ key: word.slice(4), op: 'exists' });
      continue;
    }
    const m = SEARCH_CONDITION.exec(word);
    if (!m) throw new ConfigError(`"${word}" is not a condition; use e.g. service=checkout, http.route=/cart, minDuration=100ms or has:db.statement`);
    const [, key, op, value] = m as unknown as [string, string, WireAttributeFilter['op'], string];
    const named = key.toLowerCase();
    if (op === '=' && (named === 'service' || named === 'operation' || named === 'op' || named === 'kind' || named === 'minduration' || named === 'maxduration' || named === 'since' || named === 'limit')) {
      if (value === '') throw new ConfigError(`${key}= needs a value`);
      if (named === 'service') q.service = value;
      else if (named === 'operation' || named === 'op') q.operation = value;
      else if (named === 'kind') q.spanKind = parseJaegerSpanKind(value, 'kind');
      else if (named === 'minduration') q.minDurationNanos = duration(value, key);
      else if (named === 'maxduration') q.maxDurationNanos = duration(value, key);
      else if (named === 'since') q.startFromNanos = (nowNanos - BigInt(duration(value, key))).toString();
      else {
        const n = Number(value);
        if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`limit "${value}" is not a positive whole number`);
        q.limit = n;
      }
      continue;
    }
    if (op === '=' || op === '!=') {
      attributes.push({ key, op, value });
      continue;
    }
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n)) throw new ConfigError(`${key}${op}${value}: a comparison needs a number`);
    attributes.push({ key, op, value: n });
  }
  if (attributes.length > 0) q.attributes = attributes;
  return q;
}
