// OTLP/HTTP receiver: POST /v1/traces and /v1/logs, application/x-protobuf or application/json, optionally compressed.
// Responses follow the OTLP/HTTP spec: 200 + Export*ServiceResponse (partial_success when items were rejected)
// in the request's encoding; 400 + google.rpc.Status for a malformed payload; 413, 415, 404, 405; 429 + Retry-After
// when the ingest queue is full.
import * as http from 'node:http';
import { MalformedPayloadError } from '../../core/model';
import { decodeTraceRequestJson, encodeTraceResponseJson } from '../../core/otlp/json';
import { decodeLogsRequest, decodeLogsRequestJson, encodeLogsResponse, encodeLogsResponseJson } from '../../core/otlp/logs';
import { encodeRpcStatus, encodeTraceResponse } from '../../core/otlp/protobuf';
import { StoreWriteError } from '../../core/store/store';
import type { ServerConfig } from '../config';
import type { IngestQueue } from '../ingest';
import { QueueFullError, RETRY_AFTER_SECONDS } from '../ingest';
import type { ExportOutcome } from './export';
import { ingestLogs, ingestProtobufSpans, ingestSpans } from './export';
import { HttpError, handleCors, mediaType, readBody, reply } from './http';
import type { ServerIdentity } from '../../protocol/messages';
import { answerHealth } from '../machine/identity';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** google.rpc.Code values used in Status bodies. */
const RPC = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;

function rpcCodeFor(status: number): number {
  if (status === 404) return RPC.NOT_FOUND;
  if (status === 405 || status === 415) return RPC.UNIMPLEMENTED;
  if (status === 413 || status === 429) return RPC.RESOURCE_EXHAUSTED;
  if (status === 503) return RPC.UNAVAILABLE;
  if (status >= 500) return RPC.INTERNAL;
  return RPC.INVALID_ARGUMENT;
}

function sendStatus(res: http.ServerResponse, json: boolean, status: number, message: string, headers: Record<string, string> = {}): void {
  const code = rpcCodeFor(status);
  if (json) reply(res, status, JSON_TYPE, JSON.stringify({ code, message }), headers);
  else reply(res, status, PROTOBUF, encodeRpcStatus(code, message), headers);
}

/** `health`: this process's identity for GET /api/tracelens/health (who holds the port, for a TraceLens that finds it taken). */
export function createOtlpHttpServer(config: ServerConfig, queue: IngestQueue, log: (line: string) => void, health?: { readonly identity: () => ServerIdentity | undefined; readonly secret: string | undefined }): http.Server {
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      log(`OTLP/HTTP: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendStatus(res, false, 500, 'internal error in the TraceLens receiver; see its log');
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (health && answerHealth(req, res, health.identity, health.secret)) return;
    if (handleCors(req, res, config.corsOrigins, 'POST, OPTIONS')) return;
    const type = mediaType(req);
    const json = type === JSON_TYPE;
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/v1/traces' && path !== '/v1/logs') {
      const hint = path === '/v1/metrics' ? ' (TraceLens stores traces and logs, not metrics)' : '';
      return sendStatus(res, json, 404, `no OTLP endpoint at ${path}${hint}; traces go to POST /v1/traces, logs to POST /v1/logs`);
    }
    if (req.method !== 'POST') return sendStatus(res, json, 405, `${req.method} is not allowed on ${path}; use POST`, { Allow: 'POST, OPTIONS' });
    if (type !== PROTOBUF && !json) {
      req.resume();
      return sendStatus(res, false, 415, `Content-Type "${type || '(none)'}" is not supported; use application/x-protobuf or application/json`);
    }
    try {
      const body = await readBody(req, config.maxBodyBytes);
      const encoding = json ? 'json' : 'protobuf';
      let outcome: ExportOutcome;
      if (path === '/v1/logs') {
        outcome = await ingestLogs(`otlp-http-logs-${encoding}`, queue, json ? 'otlp-logs-json' : 'otlp-logs-proto', body, () =>
          json ? decodeLogsRequestJson(body.toString('utf8')) : decodeLogsRequest(body),
        );
        if (json) reply(res, 200, JSON_TYPE, encodeLogsResponseJson(outcome.rejected, outcome.errorMessage));
        else reply(res, 200, PROTOBUF, encodeLogsResponse(outcome.rejected, outcome.errorMessage));
        return;
      }
      outcome = json
        ? await ingestSpans('otlp-http-json', queue, 'otlp-json', body, () => decodeTraceRequestJson(body.toString('utf8')))
        : await ingestProtobufSpans('otlp-http-protobuf', queue, body);
      if (json) reply(res, 200, JSON_TYPE, encodeTraceResponseJson(outcome.rejected, outcome.errorMessage));
      else reply(res, 200, PROTOBUF, encodeTraceResponse(outcome.rejected, outcome.errorMessage));
    } catch (e) {
      if (e instanceof HttpError) return sendStatus(res, json, e.status, e.message, e.status === 413 ? { Connection: 'close', ...e.headers } : e.headers);
      if (e instanceof MalformedPayloadError) return sendStatus(res, json, 400, e.message);
      if (e instanceof QueueFullError) return sendStatus(res, json, 429, e.message, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
      if (e instanceof StoreWriteError) return sendStatus(res, json, 503, e.message, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
      throw e;
    }
  }

  return server;
}
