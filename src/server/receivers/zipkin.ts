// Zipkin v2 receiver: POST /api/v2/spans with a JSON array of spans (what Zipkin and Jaeger accept). 202 on success.
import * as http from 'node:http';
import { MalformedPayloadError } from '../../core/model';
import { decodeZipkinJson } from '../../core/zipkin';
import { StoreWriteError } from '../../core/store/store';
import type { ServerConfig } from '../config';
import type { IngestQueue } from '../ingest';
import { QueueFullError, RETRY_AFTER_SECONDS } from '../ingest';
import { ingestSpans } from './export';
import { HttpError, handleCors, mediaType, readBody, reply } from './http';
import type { ServerIdentity } from '../../protocol/messages';
import { answerHealth } from '../machine/identity';

const TEXT = 'text/plain; charset=utf-8';

/** `health`: this process's identity for GET /api/tracelens/health (who holds the port, for a TraceLens that finds it taken). */
export function createZipkinServer(config: ServerConfig, queue: IngestQueue, log: (line: string) => void, health?: { readonly identity: () => ServerIdentity | undefined; readonly secret: string | undefined }): http.Server {
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      log(`Zipkin: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      reply(res, 500, TEXT, 'internal error in the TraceLens receiver; see its log\n');
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (health && answerHealth(req, res, health.identity, health.secret)) return;
    if (handleCors(req, res, config.corsOrigins, 'POST, OPTIONS')) return;
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/api/v2/spans') return reply(res, 404, TEXT, `no Zipkin endpoint at ${path}; spans go to POST /api/v2/spans\n`);
    if (req.method !== 'POST') return reply(res, 405, TEXT, `${req.method} is not allowed; use POST\n`, { Allow: 'POST, OPTIONS' });
    const type = mediaType(req);
    if (type !== 'application/json' && type !== '') {
      req.resume();
      return reply(res, 415, TEXT, `Content-Type "${type}" is not supported; TraceLens reads Zipkin v2 JSON (application/json)\n`);
    }
    try {
      const body = await readBody(req, config.maxBodyBytes);
      const outcome = await ingestSpans('zipkin', queue, 'zipkin-json', body, () => decodeZipkinJson(body.toString('utf8')));
      reply(res, 202, TEXT, outcome.errorMessage ? `${outcome.errorMessage}\n` : '');
    } catch (e) {
      if (e instanceof HttpError) return reply(res, e.status, TEXT, `${e.message}\n`, e.status === 413 ? { Connection: 'close' } : {});
      if (e instanceof MalformedPayloadError) return reply(res, 400, TEXT, `${e.message}\n`);
      if (e instanceof QueueFullError) return reply(res, 429, TEXT, `${e.message}\n`, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
      if (e instanceof StoreWriteError) return reply(res, 503, TEXT, `${e.message}\n`, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
      throw e;
    }
  }

  return server;
}
