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

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** --remote NAME=jaeger+http://HOST:16686 (or tracelens+http://...: another TraceLens speaks the same API). */
export interface RemoteConfig {
  readonly name: string;
  readonly kind: 'jaeger' | 'tracelens';
  readonly url: string;
}

export function parseRemote(text: string, flag: string): RemoteConfig {
  const m = /^([A-Za-z0-9][\w.-]{0,63})=(\w+)\+(https?:\/\/[^\s]+?)\/*$/.exec(text.trim());
  if (!m) throw new ConfigError(`${flag}: "${text}" is not NAME=jaeger+http://HOST:16686 (or tracelens+http://...)`);
  const kind = m[2]!.toLowerCase();
  if (kind === 'tempo') throw new ConfigError(`${flag}: Tempo remotes are not supported yet; a Jaeger query API (jaeger+http://HOST:16686) or another TraceLens (tracelens+http://HOST:16686) is`);
  if (kind !== 'jaeger' && kind !== 'tracelens') throw new ConfigError(`${flag}: "${kind}" is not a kind of remote; use jaeger+ or tracelens+`);
  let url: URL;
  try {
    url = new URL(m[3]!);
  } catch {
    throw new ConfigError(`${flag}: "${m[3]}" is not a URL`);
  }
  if (url.username !== '' || url.password !== '') throw new ConfigError(`${flag}: put a remote's token in TRACELENS_REMOTE_TOKEN_${m[1]!.toUpperCase().replace(/\W/g, '_')}, never in its URL`);
  return { name: m[1]!, kind, url: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}
