// What a span says about the call it stands for, read from its attributes by the semantic conventions (current and
// older names): the peer it calls, the operation (a normalised SQL statement, an HTTP route, an RPC method, a
// messaging destination) and a short label. The analyses group repeated calls by this key. Pure.
import { SpanKind } from '../model';
import { formatWireValue } from '../wire';
import type { WireAttribute, WireSpan } from '../../protocol/wire';
import type { TraceView, ViewSpan } from '../views/traceView';


/** Longest statement kept in a key or a title (statements can be megabytes of hostile text). */
const MAX_STATEMENT = 300;

export interface CallInfo {
  /** 'db', 'http', 'rpc', 'messaging' or 'call' (an outgoing span with no protocol attributes). */
  readonly protocol: 'db' | 'http' | 'rpc' | 'messaging' | 'call';
  /** Who is called: peer.service, server.address[:port], the URL's host, the database; '' when unknown. */
  readonly peer: string;
  /** The operation on the peer: normalised statement, "GET /users/{id}", "pkg.Svc/Method", destination. */
  readonly operation: string;
  /** protocol + peer + operation: equal keys are the same call repeated. */
  readonly key: string;
}

/** The first attribute with one of these keys, as text; undefined when none is there. */
export function attrText(attributes: readonly WireAttribute[], ...keys: string[]): string | undefined {
  for (const key of keys) {
    for (const a of attributes) if (a.key === key && a.value !== null) return typeof a.value === 'string' ? a.value : formatWireValue(a.value);
  }
  return undefined;
}

/**
 * A SQL statement with its literals replaced: 'x' and numbers and $1 / :name / ? parameters become ?, IN lists one ?,
 * white space folded, cut to MAX_STATEMENT characters. Two statements that differ only in their values are equal.
 */
export function normaliseStatement(sql: string): string {
  return remembered(statements, sql, normaliseStatementOnce);
}

/** Statements and paths repeat (an N+1 is one statement many times): each is normalised once, up to a bound. */
const statements = new Map<string, string>();
const paths = new Map<string, string>();
const REMEMBERED = 10_000;
function remembered(cache: Map<string, string>, text: string, f: (text: string) => string): string {
  let out = cache.get(text);
  if (out === undefined) {
    if (cache.size >= REMEMBERED) cache.clear();
    cache.set(text, (out = f(text)));
  }
  return out;
}

function normaliseStatementOnce(sql: string): string {
  const text = sql.length > 4 * MAX_STATEMENT ? sql.slice(0, 4 * MAX_STATEMENT) : sql;
  const out = text
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/"(?:[^"\\]|\\.)*"(?=\s*(?:[,)]|$))/g, '?')
    .replace(/\$\d+|:[A-Za-z_]\w*|\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?)')
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > MAX_STATEMENT ? `${out.slice(0, MAX_STATEMENT - 1)}…` : out;
}

/** A URL path with its ids folded: numbers, UUIDs and long hex runs become {id}; the query string is dropped. */
export function normalisePath(path: string): string {
  return remembered(paths, path, normalisePathOnce);
}

function normalisePathOnce(path: string): string {
  const bare = path.replace(/[?#].*$/, '');
  return bare
    .split('/')
    .map((seg) => (/^\d+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{16,}$/i.test(seg) ? '{id}' : seg))
    .join('/')
    .slice(0, MAX_STATEMENT);
}

/** Host and path of a URL text; undefined when it is not one. */
function splitUrl(text: string): { host: string; path: string } | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)/i.exec(text);
  return m ? { host: m[1]!.replace(/^[^@]*@/, ''), path: m[2] || '/' } : undefined;
}

/** Every attribute key callInfo reads (a span's attributes are scanned once for these), and its slot in FOUND. */
const CALL_KEYS = new Map(
  [
    'peer.service', 'server.address', 'net.peer.name', 'net.peer.ip', 'network.peer.address', 'server.port', 'net.peer.port', 'network.peer.port',
    'db.system.name', 'db.system', 'db.query.text', 'db.statement', 'db.operation.name', 'db.operation', 'db.collection.name', 'db.sql.table',
    'db.mongodb.collection', 'db.namespace', 'db.name', 'rpc.method', 'rpc.service', 'messaging.destination.name', 'messaging.destination',
    'messaging.system', 'messaging.operation.type', 'messaging.operation', 'http.request.method', 'http.method', 'url.full', 'http.url',
    'url.template', 'http.route', 'url.path', 'http.target',
  ].map((k, i) => [k, i]),
);

/** The values found for CALL_KEYS on the span being read: reused (callInfo runs once per span, 100,000s of times). */
const FOUND: (string | undefined)[] = new Array<string | undefined>(CALL_KEYS.size);
type Found = typeof FOUND;

/** The first of these keys that the span has, as text. */
function pick(found: Found, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = found[CALL_KEYS.get(k)!];
    if (v !== undefined) return v;
  }
  return undefined;
}

function peerOf(found: Found, urlHost?: string): string {
  const service = pick(found, 'peer.service');
  if (service) return service;
  const host = pick(found, 'server.address', 'net.peer.name', 'net.peer.ip', 'network.peer.address');
  const port = pick(found, 'server.port', 'net.peer.port', 'network.peer.port');
  if (host) return port ? `${host}:${port}` : host;
  return urlHost ?? '';
}

/**
 * The call a span makes, or undefined when it is not an outgoing call: a CLIENT or PRODUCER span, or any span with
 * database attributes (some instrumentations mark queries INTERNAL).
 */
export function callInfo(span: WireSpan): CallInfo | undefined {
  const outgoing = span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
  // Most spans are neither calls nor queries: for those, look only for a "db." key before reading anything.
  if (!outgoing && !span.attributes.some((a) => a.key.charCodeAt(0) === 100 && a.key.startsWith('db.system'))) return undefined;
  FOUND.fill(undefined);
  let any = false;
  for (const a of span.attributes) {
    const slot = CALL_KEYS.get(a.key);
    if (slot === undefined || a.value === null || FOUND[slot] !== undefined) continue;
    FOUND[slot] = typeof a.value === 'string' ? a.value : formatWireValue(a.value);
    any = true;
  }
  if (!any) return outgoing ? make('call', '', span.name) : undefined;
  const found = FOUND;
  const dbSystem = pick(found, 'db.system.name', 'db.system');
  if (dbSystem !== undefined) {
    const statement = pick(found, 'db.query.text', 'db.statement');
    const op = statement
      ? normaliseStatement(statement)
      : [pick(found, 'db.operation.name', 'db.operation'), pick(found, 'db.collection.name', 'db.sql.table', 'db.mongodb.collection')].filter(Boolean).join(' ') || span.name;
    return make('db', peerOf(found) || pick(found, 'db.namespace', 'db.name') || dbSystem, op);
  }
  if (!outgoing) return undefined;
  const rpcMethod = pick(found, 'rpc.method');
  if (rpcMethod !== undefined) return make('rpc', peerOf(found), `${pick(found, 'rpc.service') ?? ''}/${rpcMethod}`);
  const destination = pick(found, 'messaging.destination.name', 'messaging.destination');
  if (destination !== undefined) return make('messaging', peerOf(found) || pick(found, 'messaging.system') || '', `${pick(found, 'messaging.operation.type', 'messaging.operation') ?? 'send'} ${destination}`);
  const method = pick(found, 'http.request.method', 'http.method');
  const url = pick(found, 'url.full', 'http.url');
  const parts = url ? splitUrl(url) : undefined;
  if (method !== undefined || parts) {
    const route = pick(found, 'url.template', 'http.route') ?? normalisePath(parts?.path ?? pick(found, 'url.path', 'http.target') ?? span.name);
    return make('http', peerOf(found, parts?.host), `${method ?? 'GET'} ${route}`);
  }
  return make('call', peerOf(found), span.name);
}

function make(protocol: CallInfo['protocol'], peer: string, operation: string): CallInfo {
  return { protocol, peer, operation, key: `${protocol}\u0000${peer}\u0000${operation}` };
}

const memo = new WeakMap<TraceView, (CallInfo | null | undefined)[]>();

/** callInfo of the span at a position of the view, computed once per view and span (every detector asks). */
export function callAt(view: TraceView, pos: number): CallInfo | undefined {
  let calls = memo.get(view);
  if (!calls) memo.set(view, (calls = new Array<CallInfo | null | undefined>(view.spans.length)));
  let c = calls[pos];
  if (c === undefined) calls[pos] = c = callInfo(view.spans[pos]!.span) ?? null;
  return c ?? undefined;
}

/** An outgoing call among a span's children. */
export interface ChildCall {
  readonly span: ViewSpan;
  readonly call: CallInfo;
  /** Who answered: the service of the call's child in another service, else the service that answered calls to the
   * same address elsewhere in the trace, else the peer its attributes name. */
  readonly callee: string;
}

/** The service that answered a call: its child in another service, if any. */
function answering(view: TraceView, s: ViewSpan): string | undefined {
  for (const k of s.children) if (view.spans[k]!.service !== s.service) return view.spans[k]!.service;
  return undefined;
}

const byParentMemo = new WeakMap<TraceView, ReadonlyMap<number, readonly ChildCall[]>>();

/** Parent position -> its children that are outgoing calls, by start; computed once per view (one pass). */
export function callsByParent(view: TraceView): ReadonlyMap<number, readonly ChildCall[]> {
  let out = byParentMemo.get(view);
  if (out) return out;
  // Peer address -> the service that answered calls to it somewhere in the trace.
  const answeredBy = new Map<string, string>();
  const answers: (string | undefined)[] = new Array<string | undefined>(view.spans.length);
  for (const s of view.spans) {
    const call = s.parent >= 0 ? callAt(view, s.pos) : undefined;
    if (!call) continue;
    const service = (answers[s.pos] = answering(view, s));
    if (service !== undefined && call.peer !== '') answeredBy.set(call.peer, service);
  }
  const m = new Map<number, ChildCall[]>();
  for (const s of view.spans) {
    const call = s.parent >= 0 ? callAt(view, s.pos) : undefined;
    if (!call) continue;
    let list = m.get(s.parent);
    if (!list) m.set(s.parent, (list = []));
    list.push({ span: s, call, callee: answers[s.pos] ?? answeredBy.get(call.peer) ?? (call.peer || call.operation) });
  }
  // Children come in tree order, and a parent's children are by start: so are these lists.
  byParentMemo.set(view, (out = m));
  return out;
}

/** The path a CLIENT span called (for matching it with a server span elsewhere), '' when unknown. */
export function clientPath(span: WireSpan): string {
  const url = attrText(span.attributes, 'url.full', 'http.url');
  const path = url ? splitUrl(url)?.path : attrText(span.attributes, 'url.path', 'http.target');
  return path ? path.replace(/[?#].*$/, '') : '';
}

/** The path a SERVER span served, '' when unknown. */
export function serverPath(span: WireSpan): string {
  const text = attrText(span.attributes, 'url.path', 'http.target') ?? splitUrl(attrText(span.attributes, 'url.full', 'http.url') ?? '')?.path;
  return text ? text.replace(/[?#].*$/, '') : '';
}
