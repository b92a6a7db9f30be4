// Listen addresses: HOST:PORT text <-> { host, port }, with errors that say what was wrong. Pure.

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** "127.0.0.1:4318", ":4318", "4318", "[::1]:4318", or "off". */
export function parseHostPort(text: string, what: string): HostPort | null {
  const t = text.trim();
  if (t === 'off' || t === '') return null;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(t) ?? /^()()(\d+)$/.exec(t);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${what}: "${text}" is not HOST:PORT (e.g. 127.0.0.1:4318) or "off"`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

/** The http:// base URL that reaches a listener from this machine: a wildcard bind is reached on loopback. */
export function localHttpUrl(a: HostPort): string {
  const host = a.host === '0.0.0.0' || a.host === '::' || a.host === '' ? '127.0.0.1' : a.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** --remote NAME=jaeger+http://HOST:16686, NAME=tempo+http://HOST:3200, or NAME=tracelens+http://... (another
 * TraceLens speaks Jaeger's API). */
export interface RemoteConfig {
  readonly name: string;
  readonly kind: 'jaeger' | 'tracelens' | 'tempo';
  readonly url: string;
}

export function parseRemote(text: string, flag: string): RemoteConfig {
  const m = /^([A-Za-z0-9][\w.-]{0,63})=(\w+)\+(https?:\/\/[^\s]+?)\/*$/.exec(text.trim());
  if (!m) throw new ConfigError(`${flag}: "${text}" is not NAME=jaeger+http://HOST:16686 (or tempo+http://HOST:3200, tracelens+http://...)`);
  const kind = m[2]!.toLowerCase();
  if (kind !== 'jaeger' && kind !== 'tracelens' && kind !== 'tempo') throw new ConfigError(`${flag}: "${kind}" is not a kind of remote; use jaeger+, tempo+ or tracelens+`);
  let url: URL;
  try {
    url = new URL(m[3]!);
  } catch {
    throw new ConfigError(`${flag}: "${m[3]}" is not a URL`);
  }
  if (url.username !== '' || url.password !== '') throw new ConfigError(`${flag}: put a remote's token in ${remoteTokenVariable(m[1]!)}, never in its URL`);
  return { name: m[1]!, kind, url: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

export type StoreConfig =
  | { readonly kind: 'embedded' }
  /** A ClickHouse server over HTTP(S); the password comes from TRACELENS_CLICKHOUSE_PASSWORD or passwordFile. */
  | { readonly kind: 'clickhouse'; readonly url: string; readonly user: string; readonly database: string; readonly passwordFile?: string }
  /** ClickHouse in this process (chDB, a development dependency): for tests and trying the ClickHouse store. */
  | { readonly kind: 'chdb'; readonly path: string; readonly database: string };

/** Where a store is, for people (never with a password). */
export function storeLocation(s: StoreConfig): string {
  if (s.kind === 'clickhouse') return `clickhouse+${s.url.replace('://', `://${encodeURIComponent(s.user)}@`)}/${s.database}`;
  if (s.kind === 'chdb') return `chdb:${s.path}`;
  return 'embedded';
}

/** --store: "embedded", "clickhouse+http(s)://USER@HOST:PORT/DATABASE" or "chdb:FOLDER". */
export function parseStore(text: string, flag: string): StoreConfig {
  const t = text.trim();
  if (t === 'embedded') return { kind: 'embedded' };
  if (t.startsWith('chdb:')) {
    const path = t.slice('chdb:'.length);
    if (path === '') throw new ConfigError(`${flag}: chdb: needs a folder, e.g. chdb:/tmp/traces`);
    return { kind: 'chdb', path, database: 'otel' };
  }
  const m = /^clickhouse\+(https?):\/\/(.+)$/.exec(t);
  if (!m) throw new ConfigError(`${flag}: "${text}" is not a store; use embedded, clickhouse+http://USER@HOST:8123/DATABASE or chdb:FOLDER`);
  let url: URL;
  try {
    url = new URL(`${m[1]}://${m[2]}`);
  } catch {
    throw new ConfigError(`${flag}: "${text}" is not a URL such as clickhouse+http://default@127.0.0.1:8123/otel`);
  }
  if (url.password !== '') throw new ConfigError(`${flag}: put the ClickHouse password in TRACELENS_CLICKHOUSE_PASSWORD or in a file named with --clickhouse-password-file, never on the command line`);
  const database = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, '')) || 'otel';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new ConfigError(`${flag}: the database "${database}" is not a plain ClickHouse name (letters, digits and _)`);
  return { kind: 'clickhouse', url: `${url.protocol}//${url.host}`, user: decodeURIComponent(url.username) || 'default', database };
}

/** The environment variable that holds a remote's bearer token. */
export function remoteTokenVariable(name: string): string {
  return `TRACELENS_REMOTE_TOKEN_${name.toUpperCase().replace(/\W/g, '_')}`;
}
