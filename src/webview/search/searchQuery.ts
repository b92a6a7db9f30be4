// The search page's form and its one-line search (core/search.ts parseSearch's language), kept in sync: a form is
// written as a line, a line read back into a form. Pure (no DOM): tested in plain Node.
// The line's words are parseSearch's, plus from= and to= (a custom time range, ISO local times such as
// 2026-11-24T20:05) and sort=duration (slowest first) which a search line outside this page has no use for;
// parseSearch reports every other mistake.
import { parseSearch, SEARCH_CONDITION, searchWords } from '../../core/search';
import type { FindTracesParams } from '../../protocol/messages';

/** The time range choices; 'any' has no start bound, 'custom' uses from/to. */
export const RANGES = ['any', '5m', '15m', '1h', '6h', '24h', '7d', 'custom'] as const;
export const SPAN_KINDS = ['server', 'client', 'producer', 'consumer', 'internal'] as const;
/** The list's order: '' newest first (the server's), 'duration' slowest first. */
export const SORTS = ['', 'duration'] as const;

export interface SearchForm {
  readonly service: string;
  readonly operation: string;
  /** '' or one of SPAN_KINDS. */
  readonly kind: string;
  /** Attribute conditions as words: "http.route=/cart http.response.status_code>=500 has:db.statement". */
  readonly attributes: string;
  /** Go durations ("100ms"), or ''. */
  readonly minDuration: string;
  readonly maxDuration: string;
  /** 'any', 'custom', or a lookback (a Go duration, usually one of RANGES). */
  readonly range: string;
  /** For 'custom': local ISO times, '' for open. */
  readonly from: string;
  readonly to: string;
  readonly errorsOnly: boolean;
  /** A positive whole number as text, or '' for the server's default. */
  readonly limit: string;
  /** One of SORTS. */
  readonly sort: string;
}

export const EMPTY_FORM: SearchForm = { service: '', operation: '', kind: '', attributes: '', minDuration: '', maxDuration: '', range: 'any', from: '', to: '', errorsOnly: false, limit: '', sort: '' };

/** A mistake in a line or form field, in words a person can act on. */
export class SearchSyntaxError extends Error {}

/** parseSearch's words, its mistakes as SearchSyntaxError. */
function words(text: string): string[] {
  try {
    return searchWords(text);
  } catch (e) {
    throw new SearchSyntaxError(e instanceof Error ? e.message : String(e));
  }
}

/** A word for the line: values with spaces go in double quotes (a double quote itself cannot be written). */
function word(key: string, op: string, value: string): string {
  const v = value.replace(/"/g, '');
  return /\s/.test(v) || v === '' ? `${key}${op}"${v}"` : `${key}${op}${v}`;
}

/** An attribute condition as typed ("http.route=/a b" from the quoted form) back into a word of the line. */
function attributeWord(w: string): string {
  if (w.toLowerCase().startsWith('has:')) return w;
  const m = SEARCH_CONDITION.exec(w);
  return m ? word(m[1]!, m[2]!, m[3]!) : w;
}

/** The form as one search line; fields left empty are left out. */
export function formToLine(f: SearchForm): string {
  const out: string[] = [];
  if (f.service) out.push(word('service', '=', f.service));
  if (f.operation) out.push(word('op', '=', f.operation));
  if (f.kind) out.push(`kind=${f.kind}`);
  for (const w of words(f.attributes)) out.push(attributeWord(w));
  if (f.minDuration.trim()) out.push(`minDuration=${f.minDuration.trim()}`);
  if (f.maxDuration.trim()) out.push(`maxDuration=${f.maxDuration.trim()}`);
  if (f.range === 'custom') {
    if (f.from) out.push(`from=${f.from}`);
    if (f.to) out.push(`to=${f.to}`);
  } else if (f.range && f.range !== 'any') out.push(`since=${f.range}`);
  if (f.errorsOnly) out.push('error');
  if (f.limit.trim()) out.push(`limit=${f.limit.trim()}`);
  if (f.sort) out.push(`sort=${f.sort}`);
  return out.join(' ');
}

/** A line read into the form; SearchSyntaxError when parseSearch (or from=/to=) refuses it. */
export function lineToForm(line: string): SearchForm {
  const f: { -readonly [K in keyof SearchForm]: SearchForm[K] } = { ...EMPTY_FORM };
  const attributes: string[] = [];
  for (const w of words(line)) {
    const lower = w.toLowerCase();
    if (lower === 'error' || lower === 'errors') {
      f.errorsOnly = true;
      continue;
    }
    const m = SEARCH_CONDITION.exec(w);
    const key = m?.[1]!.toLowerCase();
    if (m && m[2] === '=') {
      const value = m[3]!;
      if (key === 'service') f.service = value;
      else if (key === 'operation' || key === 'op') f.operation = value;
      else if (key === 'kind') f.kind = value.toLowerCase();
      else if (key === 'minduration') f.minDuration = value;
      else if (key === 'maxduration') f.maxDuration = value;
      else if (key === 'since') f.range = value;
      else if (key === 'limit') f.limit = value;
      else if (key === 'sort') {
        const sort = SORTS.find((x) => x !== '' && x === value.toLowerCase());
        if (!sort) throw new SearchSyntaxError(`sort=${value}: the list sorts by duration (sort=duration), or newest first without sort=`);
        f.sort = sort;
      }
      else if (key === 'from' || key === 'to') {
        f.range = 'custom';
        f[key] = value;
      } else attributes.push(attributeWord(w));
      continue;
    }
    attributes.push(attributeWord(w));
  }
  f.attributes = attributes.join(' ');
  formToQuery(f, 0); // refuses what parseSearch refuses
  return f;
}

/** A custom range bound: a local ISO time ("2026-11-24T20:05") or Unix milliseconds, as Unix nanoseconds. */
function timeNanos(text: string, what: string): string {
  const ms = /^\d{12,}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new SearchSyntaxError(`${what} "${text}" is not a time; use e.g. ${what}=2026-11-24T20:05`);
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}

/** The request a form asks for at `nowMs` (since= counts back from it). */
export function formToQuery(f: SearchForm, nowMs: number): FindTracesParams {
  const attrWords = words(f.attributes);
  for (const w of attrWords) {
    const key = SEARCH_CONDITION.exec(w)?.[1]?.toLowerCase();
    if (key === 'from' || key === 'to') throw new SearchSyntaxError(`${w}: from= and to= set the time range, not an attribute`);
    if (key === 'sort') throw new SearchSyntaxError(`${w}: sort= orders the list, not an attribute`);
  }
  const line = formToLine({ ...f, range: f.range === 'custom' ? 'any' : f.range, sort: '' });
  let q: FindTracesParams;
  try {
    q = parseSearch(line, BigInt(nowMs) * 1_000_000n);
  } catch (e) {
    throw new SearchSyntaxError(e instanceof Error ? e.message : String(e));
  }
  if (f.range !== 'custom') return q;
  return { ...q, ...(f.from ? { startFromNanos: timeNanos(f.from, 'from') } : {}), ...(f.to ? { startToNanos: timeNanos(f.to, 'to') } : {}) };
}

/** A search whose results can change as traces arrive (no fixed end time). */
export function isLive(f: SearchForm): boolean {
  return !(f.range === 'custom' && f.to !== '');
}

/** The attribute words alone, checked: what the attributes field accepts (parseSearch's conditions). */
export function checkAttributes(text: string): void {
  formToQuery({ ...EMPTY_FORM, attributes: text }, 0);
}

/** Microseconds as a duration of the line, rounded down ("12.345ms", "850us"): minDuration= of a p95, say. */
export function durationWord(micros: number): string {
  const us = Math.max(0, Math.floor(micros));
  return us >= 1000 ? `${(us / 1000).toFixed(3).replace(/\.?0+$/, '')}ms` : `${us}us`;
}

/** A window in minutes as the line's lookback ("15m", "1h", "24h"): since= of the same window. */
export function sinceWord(minutes: number): string {
  const m = Math.max(1, Math.round(minutes));
  return m % 60 === 0 ? `${m / 60}h` : `${m}m`;
}
