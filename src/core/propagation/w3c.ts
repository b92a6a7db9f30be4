// W3C propagation headers, decoded and checked: traceparent and tracestate (Trace Context level 1, and the random
// flag of level 2) and baggage (W3C Baggage). Every parser returns what it found and what is wrong, as data, with
// the 0-based offset of each problem in the text it was given; messages name the 1-based column (offset + 1).
// Header text is untrusted: it is only ever shown, never interpreted, and messages quote it as escaped ASCII.
//   https://www.w3.org/TR/trace-context/  https://www.w3.org/TR/trace-context-2/  https://www.w3.org/TR/baggage/
import { plural } from '../display';
import { spanIdProblem, traceIdProblem } from '../ids';

/** A problem at an offset (0-based, UTF-16 code units) of the parsed text. */
export interface HeaderProblem {
  readonly at: number;
  readonly message: string;
}

/** A problem of one list-member of tracestate or baggage; `member` is its 0-based place among the ','-separated parts. */
export interface ListProblem extends HeaderProblem {
  readonly member: number;
}

export type TraceparentResult =
  | {
      readonly ok: true;
      /** Two lower-case hex digits; 00, or a later version parsed by the rules for unknown versions. */
      readonly version: string;
      readonly traceId: string;
      readonly parentId: string;
      /** The trace-flags byte. */
      readonly flags: number;
      /** Bit 0x01: the caller may have recorded trace data. */
      readonly sampled: boolean;
      /** Bit 0x02 (level 2): the right-most 7 bytes of the trace-id are random. */
      readonly random: boolean;
    }
  | { readonly ok: false; readonly errors: readonly HeaderProblem[] };

export interface TracestateMember {
  readonly key: string;
  readonly value: string;
  /** Offset of the key. */
  readonly at: number;
}

/** The valid list-members, in order; invalid ones are left out and said in `errors`. */
export interface TracestateResult {
  readonly members: readonly TracestateMember[];
  readonly errors: readonly ListProblem[];
  readonly warnings: readonly ListProblem[];
}

export interface BaggageProperty {
  readonly key: string;
  /** Percent-decoded; absent for a key-only property. */
  readonly value?: string;
}

export interface BaggageEntry {
  readonly key: string;
  /** Percent-decoded. */
  readonly value: string;
  readonly properties: readonly BaggageProperty[];
  /** Offset of the key. */
  readonly at: number;
}

/** The valid list-members, in order; invalid ones are left out and said in `errors`. */
export interface BaggageResult {
  readonly entries: readonly BaggageEntry[];
  readonly errors: readonly ListProblem[];
  readonly warnings: readonly ListProblem[];
}

export type HeaderName = 'traceparent' | 'tracestate' | 'baggage';

interface Found {
  /** 0-based line of the pasted text. */
  readonly line: number;
  /** 0-based offset of `value` in that line. */
  readonly column: number;
  /** The header's value as parsed: the offsets of `result` are offsets in it. */
  readonly value: string;
}

export type ParsedHeader =
  | (Found & { readonly name: 'traceparent'; readonly result: TraceparentResult })
  | (Found & { readonly name: 'tracestate'; readonly result: TracestateResult })
  | (Found & { readonly name: 'baggage'; readonly result: BaggageResult });

export interface HeadersResult {
  readonly headers: readonly ParsedHeader[];
  /** Non-blank text that is none of the three headers. */
  readonly ignored: readonly { readonly line: number; readonly text: string }[];
}

export type BuildResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly errors: readonly string[] };

export const FLAG_SAMPLED = 0x01;
export const FLAG_RANDOM = 0x02;

/** Trace Context: at most 32 tracestate list-members; vendors SHOULD propagate at least 512 characters of it. */
export const TRACESTATE_MAX_MEMBERS = 32;
export const TRACESTATE_PROPAGATED_CHARS = 512;
const TRACESTATE_KEY_MAX = 256;
const TENANT_ID_MAX = 241;
const SYSTEM_ID_MAX = 14;
const TRACESTATE_VALUE_MAX = 256;
/** Baggage: a platform MUST propagate at least 64 list-members and 8192 bytes; more may be dropped on the way. */
export const BAGGAGE_PROPAGATED_MEMBERS = 64;
export const BAGGAGE_PROPAGATED_BYTES = 8192;

// ---------------------------------------------------------------------------------------------------------------
// traceparent

const VERSION_00_FIELDS: readonly { readonly name: string; readonly digits: number }[] = [
  { name: 'trace-id', digits: 32 },
  { name: 'parent-id', digits: 16 },
  { name: 'trace-flags', digits: 2 },
];

/**
 * `version "-" trace-id "-" parent-id "-" trace-flags`, lower-case hex, surrounding spaces and tabs allowed. Version
 * 00 has exactly these 4 fields (55 characters); version ff is forbidden; a later version is parsed as the spec says
 * for unknown versions: the 3 known fields where version 00 has them, then the end or '-' and fields left unread.
 */
export function parseTraceparent(text: string): TraceparentResult {
  const start = skipOws(text, 0);
  const end = trimOwsEnd(text, start);
  if (start === end) return { ok: false, errors: [{ at: start, message: 'traceparent is empty' }] };
  const errors: HeaderProblem[] = [];

  // The version: 2 hex digits and '-'; when that fails the rest cannot be read (the spec restarts the trace).
  hexProblem(text, start, Math.min(start + 2, end), 'version', errors);
  if (errors.length === 0 && end - start < 2) errors.push({ at: end, message: `version has ${end - start} hex digit, expected 2` });
  else if (errors.length === 0 && text[start + 2] !== '-') errors.push(expected('-', text, start + 2, end));
  if (errors.length > 0) return { ok: false, errors };
  const version = text.slice(start, start + 2);
  if (version === 'ff') return { ok: false, errors: [{ at: start, message: 'version ff is forbidden' }] };

  const values: string[] = [];
  let at = start + 3;
  for (const [i, field] of VERSION_00_FIELDS.entries()) {
    if (i > 0) {
      if (at >= end) {
        errors.push({ at: end, message: `missing ${field.name} (${field.digits} hex digits) at column ${end + 1}` });
        break;
      }
      at++; // the '-' that ended the field before
    }
    const dash = text.indexOf('-', at);
    const fieldEnd = dash === -1 || dash > end ? end : dash;
    values.push(text.slice(at, fieldEnd));
    checkField(text, at, fieldEnd, field.name, field.digits, errors);
    at = fieldEnd;
  }
  // Version 00 ends after trace-flags; a later version may go on with '-' and fields of its own.
  if (at < end && version === '00') {
    errors.push({ at, message: `unexpected ${describeChar(text, at)} at column ${at + 1}: version 00 ends after trace-flags (55 characters)` });
  }
  if (errors.length > 0) return { ok: false, errors };
  const [traceId, parentId, flagsHex] = values as [string, string, string];
  const flags = parseInt(flagsHex, 16);
  return { ok: true, version, traceId, parentId, flags, sampled: (flags & FLAG_SAMPLED) !== 0, random: (flags & FLAG_RANDOM) !== 0 };
}

function checkField(text: string, from: number, to: number, name: string, digits: number, errors: HeaderProblem[]): void {
  const before = errors.length;
  hexProblem(text, from, to, name, errors);
  const n = to - from;
  const hex = errors.length === before;
  if (n !== digits) errors.push({ at: from, message: `${name} has ${n} ${hex ? 'hex digit' : 'character'}${n === 1 ? '' : 's'}, expected ${digits}` });
  if (!hex || n !== digits) return;
  const id = text.slice(from, to);
  // The ids' own rules (src/core/ids.ts): with the form checked above, the one problem left is all zeros.
  if ((name === 'trace-id' && traceIdProblem(id)) || (name === 'parent-id' && spanIdProblem(id))) errors.push({ at: from, message: `${name} is all zeros (invalid)` });
}

/** Says the first character of [from, to) that is not lower-case hex, if any. */
function hexProblem(text: string, from: number, to: number, name: string, errors: HeaderProblem[]): void {
  for (let i = from; i < to; i++) {
    const c = text[i]!;
    if (isLowerHex(c)) continue;
    if (c >= 'A' && c <= 'F') errors.push({ at: i, message: `upper-case hex at column ${i + 1}: W3C requires lower case` });
    else errors.push({ at: i, message: `${describeChar(text, i)} at column ${i + 1} is not a hex digit (${name})` });
    return;
  }
}

function expected(what: string, text: string, at: number, end: number): HeaderProblem {
  return { at, message: at >= end ? `expected '${what}' at column ${at + 1}, found the end` : `expected '${what}' at column ${at + 1}, found ${describeChar(text, at)}` };
}

// ---------------------------------------------------------------------------------------------------------------
// tracestate

/**
 * `key=value` list-members separated by ',' with optional spaces and tabs; empty members are allowed (and not
 * counted). Keys follow Trace Context level 1: a simple key (a-z first, then a-z 0-9 _ - * /, up to 256) or
 * `tenant@system` (tenant: a-z or 0-9 first, up to 241; system: a-z first, up to 14). Values: 1 to 256 printable
 * ASCII characters but ',' and '=', not ending in a space (trailing spaces are optional whitespace, not the value).
 * At most 32 members; a key may appear once.
 */
export function parseTracestate(text: string): TracestateResult {
  const members: TracestateMember[] = [];
  const errors: ListProblem[] = [];
  const warnings: ListProblem[] = [];
  const seen = new Map<string, number>();
  let counted = 0;
  for (const part of splitList(text)) {
    const { member, from, to } = part;
    if (from === to) continue;
    counted++;
    const problems: HeaderProblem[] = [];
    if (counted > TRACESTATE_MAX_MEMBERS) problems.push({ at: from, message: `list-member ${counted} is over the limit of ${TRACESTATE_MAX_MEMBERS} list-members` });
    const eq = text.indexOf('=', from);
    if (problems.length === 0 && (eq === -1 || eq >= to)) problems.push({ at: from, message: `list-member has no '=': expected key=value` });
    if (problems.length === 0) {
      tracestateKeyProblems(text, from, eq, problems);
      tracestateValueProblems(text, eq + 1, to, problems);
    }
    const key = eq === -1 || eq >= to ? '' : text.slice(from, eq);
    if (problems.length === 0) {
      const first = seen.get(key);
      if (first !== undefined) problems.push({ at: from, message: `duplicate key ${quote(key)}: list-member at column ${first + 1} has it already` });
    }
    if (problems.length > 0) {
      errors.push(...problems.map((p) => ({ ...p, member })));
      continue;
    }
    seen.set(key, from);
    members.push({ key, value: text.slice(eq + 1, to), at: from });
  }
  const length = trimOwsEnd(text, skipOws(text, 0)) - skipOws(text, 0);
  if (length > TRACESTATE_PROPAGATED_CHARS) {
    warnings.push({ at: 0, member: 0, message: `tracestate has ${length} characters: vendors need only propagate ${TRACESTATE_PROPAGATED_CHARS}, and drop whole list-members past that (over 128 characters first)` });
  }
  return { members, errors, warnings };
}

function tracestateKeyProblems(text: string, from: number, to: number, problems: HeaderProblem[]): void {
  if (from === to) {
    problems.push({ at: from, message: `empty key before '=' at column ${to + 1}` });
    return;
  }
  const at = text.indexOf('@', from);
  if (at === -1 || at >= to) {
    keyPart(text, from, to, 'key', TRACESTATE_KEY_MAX, false, problems);
    return;
  }
  const second = text.indexOf('@', at + 1);
  if (second !== -1 && second < to) {
    problems.push({ at: second, message: `second '@' at column ${second + 1}: a multi-tenant key is tenant@system` });
    return;
  }
  if (at === from) problems.push({ at, message: `tenant-id before '@' at column ${at + 1} is empty` });
  else keyPart(text, from, at, 'tenant-id', TENANT_ID_MAX, true, problems);
  if (at + 1 === to) problems.push({ at, message: `system-id after '@' at column ${at + 1} is empty` });
  else keyPart(text, at + 1, to, 'system-id', SYSTEM_ID_MAX, false, problems);
}

/** A simple key, tenant-id or system-id: its first character, the others, its length. */
function keyPart(text: string, from: number, to: number, name: string, max: number, digitFirst: boolean, problems: HeaderProblem[]): void {
  const first = text[from]!;
  if (!(isLcAlpha(first) || (digitFirst && isDigit(first)))) {
    const wanted = digitFirst ? 'a lower-case letter or a digit' : 'a lower-case letter (a-z)';
    problems.push({ at: from, message: isUpperAlpha(first) ? `upper-case ${describeChar(text, from)} at column ${from + 1}: ${name} must start with ${wanted}` : `${name} must start with ${wanted}, found ${describeChar(text, from)} at column ${from + 1}` });
  } else {
    for (let i = from + 1; i < to; i++) {
      const c = text[i]!;
      if (isKeyChar(c)) continue;
      problems.push({ at: i, message: isUpperAlpha(c) ? `upper-case ${describeChar(text, i)} at column ${i + 1}: tracestate keys are lower case` : `${describeChar(text, i)} at column ${i + 1} is not allowed in a ${name} (a-z 0-9 _ - * /)` });
      break;
    }
  }
  if (to - from > max) problems.push({ at: from, message: `${name} has ${to - from} characters, at most ${max}` });
}

function tracestateValueProblems(text: string, from: number, to: number, problems: HeaderProblem[]): void {
  if (from === to) {
    problems.push({ at: from, message: `empty value after '=' at column ${from}` });
    return;
  }
  for (let i = from; i < to; i++) {
    const c = text[i]!;
    if (c === '=') {
      problems.push({ at: i, message: `'=' at column ${i + 1} is not allowed in a value` });
      break;
    }
    if (!isPrintableAscii(c)) {
      problems.push({ at: i, message: `${describeChar(text, i)} at column ${i + 1} is not allowed in a value: printable ASCII (0x20-0x7E) only` });
      break;
    }
  }
  if (to - from > TRACESTATE_VALUE_MAX) problems.push({ at: from, message: `value has ${to - from} characters, at most ${TRACESTATE_VALUE_MAX}` });
}

// ---------------------------------------------------------------------------------------------------------------
// baggage

/**
 * `key=value;property;key=value` list-members separated by ','; optional spaces and tabs around every part. Keys
 * (of members and properties) are RFC 7230 tokens; values are printable ASCII but space, '"', ',', ';' and '\',
 * percent-decoded as UTF-8 (invalid UTF-8 becomes U+FFFD, as the spec says). More than 64 members or 8192 bytes is a
 * warning: platforms need only propagate that much. Repeated keys are a warning: the spec allows them.
 */
export function parseBaggage(text: string): BaggageResult {
  const entries: BaggageEntry[] = [];
  const errors: ListProblem[] = [];
  const warnings: ListProblem[] = [];
  const start = skipOws(text, 0);
  const end = trimOwsEnd(text, start);
  if (start === end) return { entries, errors: [{ at: start, member: 0, message: 'baggage is empty: expected at least one key=value' }], warnings };
  const seen = new Map<string, number>();
  const parts = splitList(text);
  for (const { member, from, to } of parts) {
    const problems: HeaderProblem[] = [];
    const notes: HeaderProblem[] = [];
    if (from === to) {
      errors.push({ at: from, member, message: `empty list-member at column ${from + 1}: expected key=value` });
      continue;
    }
    const pieces = splitOn(text, from, to, ';');
    const head = pieces[0]!;
    const pair = baggagePair(text, head.from, head.to, true, problems, notes);
    const properties: BaggageProperty[] = [];
    for (const p of pieces.slice(1)) {
      if (p.from === p.to) {
        problems.push({ at: p.from, message: `empty property after ';' at column ${p.from}` });
        continue;
      }
      const prop = baggagePair(text, p.from, p.to, false, problems, notes);
      if (prop) properties.push(prop.value === undefined ? { key: prop.key } : { key: prop.key, value: prop.value });
    }
    warnings.push(...notes.map((n) => ({ ...n, member })));
    if (problems.length > 0 || !pair || pair.value === undefined) {
      errors.push(...problems.map((p) => ({ ...p, member })));
      continue;
    }
    const first = seen.get(pair.key);
    if (first === undefined) seen.set(pair.key, from);
    else warnings.push({ at: from, member, message: `key ${quote(pair.key)} repeats the list-member at column ${first + 1}; producers SHOULD avoid repeated keys` });
    entries.push({ key: pair.key, value: pair.value, properties, at: from });
  }
  const nonEmpty = parts.filter((p) => p.from !== p.to);
  const over = nonEmpty[BAGGAGE_PROPAGATED_MEMBERS];
  if (over) warnings.push({ at: over.from, member: over.member, message: `${nonEmpty.length} list-members: a platform need only propagate ${BAGGAGE_PROPAGATED_MEMBERS}, so some may be dropped` });
  const bytes = new TextEncoder().encode(text.slice(start, end)).length;
  if (bytes > BAGGAGE_PROPAGATED_BYTES) warnings.push({ at: start, member: 0, message: `baggage is ${bytes} bytes: a platform need only propagate ${BAGGAGE_PROPAGATED_BYTES}, so some list-members may be dropped` });
  return { entries, errors, warnings };
}

/** `key OWS "=" OWS value` (a value is required for a list-member) or, for a property, also `key OWS`. */
function baggagePair(
  text: string,
  from: number,
  to: number,
  member: boolean,
  problems: HeaderProblem[],
  notes: HeaderProblem[],
): { key: string; value: string | undefined } | undefined {
  const eq = text.indexOf('=', from);
  const keyEnd = eq === -1 || eq >= to ? to : trimOwsEnd(text, from, eq);
  if (member && (eq === -1 || eq >= to)) {
    problems.push({ at: from, message: `list-member has no '=': expected key=value` });
    return undefined;
  }
  const before = problems.length;
  if (keyEnd === from) problems.push({ at: from, message: `empty ${member ? 'key' : 'property key'} before '=' at column ${eq + 1}` });
  for (let i = from; i < keyEnd; i++) {
    const c = text[i]!;
    if (isTchar(c)) continue;
    problems.push({ at: i, message: `${describeChar(text, i)} at column ${i + 1} is not allowed in a ${member ? 'key' : 'property key'}: keys are RFC 7230 tokens` });
    break;
  }
  if (eq === -1 || eq >= to) return problems.length === before ? { key: text.slice(from, keyEnd), value: undefined } : undefined;
  const valueFrom = skipOws(text, eq + 1, to);
  const value = percentDecode(text, valueFrom, to, problems, notes);
  return problems.length === before && value !== undefined ? { key: text.slice(from, keyEnd), value } : undefined;
}

/** Checks the value's characters and percent-encoding, and decodes it (UTF-8; invalid sequences become U+FFFD). */
function percentDecode(text: string, from: number, to: number, problems: HeaderProblem[], notes: HeaderProblem[]): string | undefined {
  const bytes: number[] = [];
  for (let i = from; i < to; i++) {
    const c = text[i]!;
    if (c === '%') {
      const hex = text.slice(i + 1, Math.min(i + 3, to));
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        problems.push({ at: i, message: `invalid percent-encoding ${quote(text.slice(i, Math.min(i + 3, to)))} at column ${i + 1}: '%' must be followed by 2 hex digits` });
        return undefined;
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (isBaggageOctet(c)) {
      bytes.push(c.charCodeAt(0));
    } else {
      problems.push({ at: i, message: `${describeChar(text, i)} at column ${i + 1} is not allowed in a value: percent-encode it` });
      return undefined;
    }
  }
  const raw = Uint8Array.from(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    notes.push({ at: from, message: `value at column ${from + 1} is not UTF-8 after percent-decoding: invalid bytes read as U+FFFD` });
    return new TextDecoder('utf-8').decode(raw);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// pasted text

/** `-H 'name: value'`, `-H "name: value"`, `--header name:value` in a curl command line. */
const CURL_HEADER = /(?:^|\s)(?:-H|--header)(?:\s+|=)?(?:'([^']*)'|"([^"]*)"|([^\s'"]\S*))/g;
/** A header name and ':' after whitespace: where a second header starts on the same line. */
const INLINE_HEADER = /(?:^|[ \t])(traceparent|tracestate|baggage)[ \t]*:/gi;
const HEADER_LINE = /^["']?(traceparent|tracestate|baggage)["']?[ \t]*[:=][ \t]*/i;
const BARE_TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]*(?:-|$)/i;
const FULL_TRACEPARENT = /\b[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}\b/i;
const NAMED_HEADER = /\b(?:traceparent|tracestate|baggage)\b["']?[ \t]*[:=]/i;

/**
 * Every traceparent, tracestate and baggage header in pasted text: lines like `traceparent: 00-…` or
 * `baggage=k=v` (any case), a bare traceparent value, `-H 'traceparent: …'` in a curl command, several headers on
 * one line (`traceparent: … tracestate: …`), quoted JSON-like `"traceparent": "…",`. Each header is parsed alone.
 */
export function parseHeaders(text: string): HeadersResult {
  const headers: ParsedHeader[] = [];
  const ignored: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((lineText, line) => {
    const segments: { from: number; to: number }[] = [];
    const curl = [...lineText.matchAll(CURL_HEADER)];
    if (curl.length > 0) {
      for (const m of curl) {
        const inner = m[1] ?? m[2] ?? m[3] ?? '';
        const from = m.index + m[0].length - inner.length - (m[3] === undefined ? 1 : 0);
        segments.push({ from, to: from + inner.length });
      }
    } else {
      segments.push({ from: 0, to: lineText.length });
    }
    for (const seg of segments) {
      for (const piece of splitInline(lineText, seg.from, seg.to)) {
        const from = skipWhitespace(lineText, piece.from, piece.to);
        const to = trimWhitespaceEnd(lineText, from, piece.to);
        if (from === to) continue;
        const found = recognise(lineText, from, to);
        if (!found) ignored.push({ line, text: lineText.slice(from, to) });
        else headers.push(parsed(found.name, { line, column: found.from, value: lineText.slice(found.from, found.to) }));
      }
    }
  });
  return { headers, ignored };
}

/** Does the text (the clipboard, say) look like trace context headers worth offering? */
/** The trace headers of a pasted text (a devtools or curl dump: other headers left out) as one line, each as
 * "name: value", for a one-line input; parseHeaders reads it back to the same headers. */
export function headersLine(text: string): string {
  return parseHeaders(text)
    .headers.map((h) => `${h.name}: ${h.value.trim()}`)
    .join(' ');
}

export function looksLikeTraceHeaders(text: string): boolean {
  return NAMED_HEADER.test(text) || FULL_TRACEPARENT.test(text);
}

function splitInline(line: string, from: number, to: number): { from: number; to: number }[] {
  const starts: number[] = [];
  for (const m of line.slice(from, to).matchAll(INLINE_HEADER)) starts.push(from + m.index + (m[0].length - m[0].trimStart().length));
  if (starts.length === 0) return [{ from, to }];
  const out: { from: number; to: number }[] = [];
  if (line.slice(from, starts[0]).trim() !== '') out.push({ from, to: starts[0]! });
  starts.forEach((s, i) => out.push({ from: s, to: starts[i + 1] ?? to }));
  return out;
}

function recognise(line: string, from: number, to: number): { name: HeaderName; from: number; to: number } | undefined {
  const text = line.slice(from, to);
  const named = HEADER_LINE.exec(text);
  if (named) {
    const name = named[1]!.toLowerCase() as HeaderName;
    let vFrom = from + named[0].length;
    let vTo = to;
    if (line[vTo - 1] === ',' && vTo > vFrom && /^["']/.test(line[vFrom] ?? '')) vTo--; // "traceparent": "…",
    const q = line[vFrom];
    if ((q === '"' || q === "'") && vTo - vFrom >= 2 && line[vTo - 1] === q) {
      vFrom++;
      vTo--;
    }
    return { name, from: vFrom, to: vTo };
  }
  return BARE_TRACEPARENT.test(text) ? { name: 'traceparent', from, to } : undefined;
}

function parsed(name: HeaderName, found: Found): ParsedHeader {
  switch (name) {
    case 'traceparent':
      return { ...found, name, result: parseTraceparent(found.value) };
    case 'tracestate':
      return { ...found, name, result: parseTracestate(found.value) };
    case 'baggage':
      return { ...found, name, result: parseBaggage(found.value) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// building

/** `00-<trace id>-<span id>-<flags>` for a span, or why not (ids as the store keys them: lower-case hex). */
/**
 * The trace flags of a request that continues a stored span: sampled (the span was recorded and exported, and
 * exporters only get sampled spans; older SDKs leave the OTLP flags field 0), and the random bit as the span's own
 * flags say. The reserved bits stay zero, as senders must leave them.
 */
export function continuingFlags(storedFlags: number): number {
  return FLAG_SAMPLED | (storedFlags & FLAG_RANDOM);
}

export function buildTraceparent(traceId: string, spanId: string, flags: number): BuildResult {
  const errors: string[] = [];
  const t = traceIdProblem(traceId);
  if (t) errors.push(`trace id: ${t}`);
  const s = spanIdProblem(spanId);
  if (s) errors.push(`span id: ${s}`);
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) errors.push(`trace flags: ${flags} is not a byte (0-255)`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}` };
}

// ---------------------------------------------------------------------------------------------------------------
// the report

const WINDOW = 60;

/**
 * The decoded headers as markdown: each header's fields, or its problems with a caret under the column. Header text
 * only ever appears inside code fences (as printable ASCII, other characters shown as '·'), never as markup.
 */
export function formatHeadersReport(result: HeadersResult): string {
  const out: string[] = ['# Trace context headers', ''];
  if (result.headers.length === 0) out.push('No traceparent, tracestate or baggage header found.', '');
  for (const h of result.headers) {
    const where = `line ${h.line + 1}, column ${h.column + 1}`;
    if (h.name === 'traceparent') {
      const r = h.result;
      out.push(`## traceparent: ${r.ok ? 'valid' : plural(r.errors.length, 'error')} (${where})`, '');
      if (r.ok) {
        out.push(...block([shown(h.value)]), '');
        out.push('| field | value |', '|---|---|');
        out.push(`| version | ${r.version}${r.version === '00' ? '' : ' (a later version: fields after trace-flags not read)'} |`);
        out.push(`| trace id | ${r.traceId} |`, `| parent id | ${r.parentId} |`);
        out.push(`| flags | ${hex2(r.flags)}: ${describeFlags(r.flags)} |`, '');
      } else {
        out.push(...problems(h.value, r.errors));
      }
    } else if (h.name === 'tracestate') {
      const r = h.result;
      out.push(`## tracestate: ${plural(r.members.length, 'list-member')}${r.errors.length > 0 ? `, ${plural(r.errors.length, 'error')}` : ''} (${where})`, '');
      if (r.members.length > 0) out.push(...block(r.members.map((m) => `${shown(m.key)} = ${shown(m.value)}`)), '');
      out.push(...problems(h.value, r.errors, r.warnings));
    } else {
      const r = h.result;
      out.push(`## baggage: ${plural(r.entries.length, 'entry', 'entries')}${r.errors.length > 0 ? `, ${plural(r.errors.length, 'error')}` : ''} (${where})`, '');
      if (r.entries.length > 0) {
        const lines = r.entries.map((e) => `${shown(e.key)} = ${quote(e.value, 200)}${e.properties.map((p) => `; ${shown(p.key)}${p.value === undefined ? '' : ` = ${quote(p.value, 200)}`}`).join('')}`);
        out.push(...block(lines), '');
      }
      out.push(...problems(h.value, r.errors, r.warnings));
    }
  }
  if (result.ignored.length > 0) {
    out.push(`## Not read (${plural(result.ignored.length, 'line')})`, '');
    out.push(...block(result.ignored.map((i) => `${i.line + 1}: ${shown(i.text.slice(0, 200))}`)), '');
  }
  return out.join('\n');
}

/** The value, a caret under the column, the message; for each problem (the value cut around long columns). */
export function caretLines(value: string, at: number): [string, string] {
  const from = value.length > 2 * WINDOW && at > WINDOW ? at - WINDOW : 0;
  const to = Math.min(value.length, from + 2 * WINDOW);
  const head = from > 0 ? '…' : '';
  const tail = to < value.length ? '…' : '';
  return [`${head}${shown(value.slice(from, to))}${tail}`, `${' '.repeat(head.length + at - from)}^`];
}

function problems(value: string, errors: readonly HeaderProblem[], warnings: readonly HeaderProblem[] = []): string[] {
  const out: string[] = [];
  for (const [kind, list] of [['error', errors], ['warning', warnings]] as const) {
    for (const p of list) {
      const [line, caret] = caretLines(value, p.at);
      out.push(...block([line, `${caret} ${kind}: ${p.message}`]), '');
    }
  }
  return out;
}

/** A code fence longer than any run of backticks inside. */
function block(lines: readonly string[]): string[] {
  const longest = Math.max(0, ...lines.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}text`, ...lines, fence];
}

function describeFlags(flags: number): string {
  const parts = [flags & FLAG_SAMPLED ? 'sampled' : 'not sampled', flags & FLAG_RANDOM ? 'random trace id' : 'random flag not set'];
  const reserved = flags & ~(FLAG_SAMPLED | FLAG_RANDOM);
  if (reserved) parts.push(`reserved bits ${hex2(reserved)} set (senders must leave them zero)`);
  return parts.join(', ');
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

// ---------------------------------------------------------------------------------------------------------------
// characters

/** The list-members between ',' with their surrounding spaces and tabs left out; [from, to) offsets. */
function splitList(text: string): { member: number; from: number; to: number }[] {
  return splitOn(text, 0, text.length, ',').map((p, member) => ({ member, ...p }));
}

function splitOn(text: string, from: number, to: number, sep: string): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let start = from;
  for (;;) {
    const i = text.indexOf(sep, start);
    const end = i === -1 || i >= to ? to : i;
    const f = skipOws(text, start, end);
    out.push({ from: f, to: trimOwsEnd(text, f, end) });
    if (end === to) return out;
    start = end + 1;
  }
}

const isOws = (c: string | undefined): boolean => c === ' ' || c === '\t';

function skipOws(text: string, from: number, to = text.length): number {
  let i = from;
  while (i < to && isOws(text[i])) i++;
  return i;
}

function trimOwsEnd(text: string, from: number, to = text.length): number {
  let i = to;
  while (i > from && isOws(text[i - 1])) i--;
  return i;
}

function skipWhitespace(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && /\s/.test(text[i]!)) i++;
  return i;
}

function trimWhitespaceEnd(text: string, from: number, to: number): number {
  let i = to;
  while (i > from && /\s/.test(text[i - 1]!)) i--;
  return i;
}

const isLowerHex = (c: string): boolean => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLcAlpha = (c: string): boolean => c >= 'a' && c <= 'z';
const isUpperAlpha = (c: string): boolean => c >= 'A' && c <= 'Z';
const isKeyChar = (c: string): boolean => isLcAlpha(c) || isDigit(c) || c === '_' || c === '-' || c === '*' || c === '/';
const isPrintableAscii = (c: string): boolean => c >= ' ' && c <= '~';
/** RFC 7230 tchar. */
const isTchar = (c: string): boolean => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/.test(c);
/** W3C Baggage baggage-octet: printable ASCII but space, '"', ',', ';' and '\'. */
const isBaggageOctet = (c: string): boolean => c > ' ' && c <= '~' && c !== '"' && c !== ',' && c !== ';' && c !== '\\';

/** A character for a message: 'x' when printable ASCII, else its code point (U+0009). */
function describeChar(text: string, at: number): string {
  const c = text[at] ?? '';
  if (isPrintableAscii(c)) return `'${c}'`;
  return `U+${(text.codePointAt(at) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Untrusted text for a message: JSON-quoted, non-ASCII escaped, cut to `max` characters. */
function quote(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (c) => (c === '…' ? '...' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Header text for display: one character per column, printable ASCII kept, anything else '·'. */
function shown(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '·');
}
