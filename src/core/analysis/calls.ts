// What a span says about the call it stands for, read from its attributes by the semantic conventions (current and
// older names): the peer it calls, the operation (a normalised SQL statement, an HTTP route, an RPC method, a
// messaging destination) and a short label. The analyses group repeated calls by this key. Pure.
import { formatWireValue } from '../wire';
import type { WireAttribute, WireSpan } from '../../protocol/wire';

const KIND_CLIENT = 2;
const KIND_PRODUCER = 3;

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

function peerOf(a: readonly WireAttribute[], urlHost?: string): string {
  const service = attrText(a, 'peer.service');
  if (service) return service;
  const host = attrText(a, 'server.address', 'net.peer.name', 'net.peer.ip', 'network.peer.address');
  const port = attrText(a, 'server.port', 'net.peer.port', 'network.peer.port');
  if (host) return port ? `${host}:${port}` : host;
  return urlHost ?? '';
}

/**
 * The call a span makes, or undefined when it is not an outgoing call: a CLIENT or PRODUCER span, or any span with
 * database attributes (some instrumentations mark queries INTERNAL).
 */
export function callInfo(span: WireSpan): CallInfo | undefined {
  const a = span.attributes;
  const make = (protocol: CallInfo['protocol'], peer: string, operation: string): CallInfo => ({ protocol, peer, operation, key: `${protocol}\u0000${peer}\u0000${operation}` });
  const dbSystem = attrText(a, 'db.system.name', 'db.system');
  if (dbSystem !== undefined) {
    const statement = attrText(a, 'db.query.text', 'db.statement');
    const op = statement
      ? normaliseStatement(statement)
      : [attrText(a, 'db.operation.name', 'db.operation'), attrText(a, 'db.collection.name', 'db.sql.table', 'db.mongodb.collection')].filter(Boolean).join(' ') || span.name;
    return make('db', peerOf(a) || attrText(a, 'db.namespace', 'db.name') || dbSystem, op);
  }
  if (span.kind !== KIND_CLIENT && span.kind !== KIND_PRODUCER) return undefined;
  const rpcMethod = attrText(a, 'rpc.method');
  if (rpcMethod !== undefined) return make('rpc', peerOf(a), `${attrText(a, 'rpc.service') ?? ''}/${rpcMethod}`);
  const destination = attrText(a, 'messaging.destination.name', 'messaging.destination');
  if (destination !== undefined) return make('messaging', peerOf(a) || attrText(a, 'messaging.system') || '', `${attrText(a, 'messaging.operation.type', 'messaging.operation') ?? 'send'} ${destination}`);
  const method = attrText(a, 'http.request.method', 'http.method');
  const url = attrText(a, 'url.full', 'http.url');
  const parts = url ? splitUrl(url) : undefined;
  if (method !== undefined || parts) {
    const route = attrText(a, 'url.template', 'http.route') ?? normalisePath(parts?.path ?? attrText(a, 'url.path', 'http.target') ?? span.name);
    return make('http', peerOf(a, parts?.host), `${method ?? 'GET'} ${route}`);
  }
  return make('call', peerOf(a), span.name);
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
