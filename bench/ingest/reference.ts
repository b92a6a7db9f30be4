// The reference receiver of the ingest benchmark: the plain way to receive OTLP in Node, to hold TraceLens against.
//   OTLP/HTTP: node:http, POST /v1/traces; protobuf decoded by the generated opentelemetry-proto code (protobufjs),
//              JSON by JSON.parse; 200 with an empty body.
//   OTLP/gRPC: @grpc/grpc-js, TraceService/Export, decoded by the same generated code; an empty response message.
// Every span goes into one Map keyed by trace id + span id, in memory only (nothing survives the process). The Map
// is bounded: past --max-spans (default 500,000, the bound of TraceLens's former in-memory store) the oldest spans are
// dropped. TraceLens now keeps every span in its durable store on disk, and a compact index of all of them in memory.
// GET /stats answers {received, stored}; on SIGTERM the same counts are printed as one JSON line, then it exits.
// Usage (the driver bundles it first): node reference.js --http 127.0.0.1:PORT --grpc 127.0.0.1:PORT [--max-spans N]
import * as grpc from '@grpc/grpc-js';
import * as http from 'node:http';
// The raw TraceService definition (a path and identity serializers), shared with TraceLens's tests: no decoding in it.
import { RAW_TRACE_SERVICE } from '../../src/server/receivers/otlpGrpc';
import type { JsonRequest, RefRequest } from './referenceCodec';
import { decodeReference } from './referenceCodec';

export interface ReferenceStats {
  readonly received: number;
  readonly stored: number;
}

function hex(bytes: Uint8Array): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('hex');
}

class SpanMap {
  private readonly spans = new Map<string, unknown>();
  received = 0;

  constructor(private readonly maxSpans: number) {}

  private put(key: string, span: unknown): void {
    this.received++;
    this.spans.set(key, span);
  }

  /**
   * Drops the oldest spans past the bound, once per request and with one iterator: deleting the first key one span
   * at a time (`map.delete(map.keys().next().value)`) is quadratic in V8, whose fresh iterators walk over the holes
   * that earlier deletes left at the front of the table until it is rehashed.
   */
  private evict(): void {
    let excess = this.spans.size - this.maxSpans;
    if (excess <= 0) return;
    for (const key of this.spans.keys()) {
      this.spans.delete(key);
      if (--excess === 0) break;
    }
  }

  addProtobuf(request: RefRequest): void {
    for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) this.put(hex(s.traceId) + hex(s.spanId), s);
    this.evict();
  }

  addJson(request: JsonRequest): void {
    for (const rs of request.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) this.put(s.traceId + s.spanId, s);
    this.evict();
  }

  stats(): ReferenceStats {
    return { received: this.received, stored: this.spans.size };
  }
}

function hostPort(text: string | undefined, flag: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(text ?? '');
  if (!m) throw new Error(`${flag} needs HOST:PORT`);
  return { host: m[1]!, port: Number(m[2]) };
}

function option(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function httpServer(store: SpanMap): http.Server {
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(store.stats()));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      try {
        if ((req.headers['content-type'] ?? '').startsWith('application/json')) store.addJson(JSON.parse(body.toString('utf8')) as JsonRequest);
        else store.addProtobuf(decodeReference(body));
      } catch (e) {
        res.writeHead(400).end(e instanceof Error ? e.message : String(e));
        return;
      }
      res.writeHead(200, { 'Content-Length': '0' }).end();
    });
  });
}

const EMPTY = Buffer.alloc(0);

function grpcServer(store: SpanMap): grpc.Server {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(RAW_TRACE_SERVICE, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      try {
        store.addProtobuf(decodeReference(call.request));
      } catch (e) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: e instanceof Error ? e.message : String(e) });
        return;
      }
      callback(null, EMPTY);
    },
  });
  return server;
}

async function main(args: readonly string[]): Promise<void> {
  const httpAt = hostPort(option(args, '--http'), '--http');
  const grpcAt = hostPort(option(args, '--grpc'), '--grpc');
  const store = new SpanMap(Number(option(args, '--max-spans') ?? 500_000));
  const web = httpServer(store);
  const rpc = grpcServer(store);
  await new Promise<void>((resolve, reject) => {
    web.once('error', reject);
    web.listen(httpAt.port, httpAt.host, resolve);
  });
  await new Promise<void>((resolve, reject) => {
    rpc.bindAsync(`${grpcAt.host}:${grpcAt.port}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve()));
  });
  process.once('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify(store.stats())}\n`);
    rpc.forceShutdown();
    web.closeAllConnections();
    web.close();
    process.exit(0);
  });
  process.stdout.write('ready\n');
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`reference receiver: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
