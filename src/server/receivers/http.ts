// What the HTTP receivers share: reading a bounded body (compressed and decompressed), CORS, replies, and listening
// with a clear message when the port is taken.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { HostPort } from '../config';
import { formatHostPort, originAllowed } from '../config';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

/** An HTTP error with the status to send and a message that says what was wrong. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Reads the whole body, refusing past maxBytes before and after decompression (gzip bombs included). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes; send smaller batches (e.g. OTEL_BSP_MAX_EXPORT_BATCH_SIZE) or raise the limit`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // 'data' events rather than async iteration: a 500 KB body arrives in dozens of chunks, each a promise otherwise.
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        reject(new HttpError(413, `request body exceeds the limit of ${maxBytes} bytes; send smaller batches or raise the limit`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', resolve);
    req.once('error', reject);
    req.once('aborted', () => reject(new HttpError(400, 'the client aborted the request')));
  });
  const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const opts = { maxOutputLength: maxBytes };
  try {
    switch (encoding) {
      case 'identity':
      case '':
        return raw;
      case 'gzip':
      case 'x-gzip':
        return await gunzip(raw, opts);
      case 'deflate':
        return await inflate(raw, opts);
      case 'br':
        return await brotli(raw, opts);
      default:
        throw new HttpError(415, `Content-Encoding "${encoding}" is not supported; use gzip or none`);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new HttpError(413, `decompressed request body exceeds the limit of ${maxBytes} bytes; send smaller batches or raise the limit`);
    }
    throw new HttpError(400, `request body is not valid ${encoding} data: ${(e as Error).message}`);
  }
}

/** The media type of a Content-Type header, lower-case, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Applies CORS. Returns true when the request was a preflight and has been answered.
 * Requests from an origin that is not allowed get no CORS headers (the browser then blocks them);
 * their preflight gets a 403 that says which setting allows them.
 */
export function handleCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[], methods: string): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  const ok = originAllowed(origin, allowed);
  if (ok) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  }
  if (req.method !== 'OPTIONS') return false;
  if (!ok) {
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`origin ${origin} may not export here; add it to tracelens.receivers.corsOrigins (or --cors-origins)\n`);
    return true;
  }
  res.writeHead(204, {
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Content-Type, Content-Encoding',
    'Access-Control-Max-Age': '600',
  });
  res.end();
  return true;
}

export function reply(res: ServerResponse, status: number, contentType: string, body: Uint8Array | string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(bytes.byteLength), ...headers });
  res.end(bytes);
}

/** A port another program holds; heldBy() words the message once the holder is known (src/server/machine). */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly label: string,
    readonly where: string,
    readonly change: string,
  ) {
    super(`${label} receiver: ${where} is already in use (another TraceLens window, an OpenTelemetry Collector or Jaeger?); stop that program or ${change}`);
  }

  heldBy(holder: string): string {
    return `${this.label} receiver: ${this.where} is held by ${holder}; stop it, or ${this.change}`;
  }
}

/** Listens; on failure rejects with a message naming the address and what to change. */
export function listen(server: Server, address: HostPort, what: { label: string; flag: string; setting: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const where = formatHostPort(address);
      const change = `change "${what.setting}" in the settings (or ${what.flag} on the command line)`;
      if (e.code === 'EADDRINUSE') {
        reject(new PortInUseError(what.label, where, change));
      } else if (e.code === 'EACCES') {
        reject(new Error(`${what.label} receiver: no permission to listen on ${where}; ${change} to a port above 1024`));
      } else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') {
        reject(new Error(`${what.label} receiver: ${address.host} is not an address of this machine; ${change}`));
      } else {
        reject(new Error(`${what.label} receiver: cannot listen on ${where}: ${e.message}; ${change}`));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address.port, address.host);
  });
}
