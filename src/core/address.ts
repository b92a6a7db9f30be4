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
