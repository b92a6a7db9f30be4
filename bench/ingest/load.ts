// The ingest benchmark's load generator: a process of its own (forked by bench/ingest.ts, commands over IPC), so that
// on a 2-core machine the client and the receiver each get a core. It sends the pre-serialized batches as an exporter
// does: OTLP/HTTP over a keep-alive node:http Agent, OTLP/gRPC with @grpc/grpc-js on one channel, raw protobuf bytes.
// Usage (by the driver only, which bundles it): node load.js PAYLOAD_DIR
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RAW_TRACE_SERVICE } from '../../src/server/receivers/otlpGrpc';
import type { LatencyRun, LoadCommand, LoadReply, PayloadManifest, Protocol, RunResult, Target, ThroughputRun } from './messages';
import { MANIFEST_FILE } from './messages';
import { UniqueIdBatch } from './uniqueIds';

const REQUEST_TIMEOUT_MS = 30_000;

interface Sent {
  readonly ok: boolean;
  readonly reason: string;
}

interface Sender {
  send(body: Buffer): Promise<Sent>;
  close(): void;
}

function httpSender(target: Target, protocol: 'protobuf' | 'json', concurrency: number): Sender {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const contentType = protocol === 'json' ? 'application/json' : 'application/x-protobuf';
  return {
    send: (body) =>
      new Promise<Sent>((resolve) => {
        const req = http.request(
          {
            agent,
            host: target.host,
            port: target.httpPort,
            method: 'POST',
            path: '/v1/traces',
            headers: { 'Content-Type': contentType, 'Content-Length': String(body.length) },
            timeout: REQUEST_TIMEOUT_MS,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              resolve(status === 200 ? { ok: true, reason: '' } : { ok: false, reason: `HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}` });
            });
            res.on('error', (e) => resolve({ ok: false, reason: e.message }));
          },
        );
        req.on('timeout', () => req.destroy(new Error('request timed out')));
        req.on('error', (e) => resolve({ ok: false, reason: e.message }));
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

const TraceServiceClient = grpc.makeGenericClientConstructor(RAW_TRACE_SERVICE, 'TraceService');

function grpcSender(target: Target): Sender {
  const client = new TraceServiceClient(`${target.host}:${target.grpcPort}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
  });
  const exportCall = client['Export'] as unknown as (
    body: Buffer,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null) => void,
  ) => void;
  return {
    send: (body) =>
      new Promise<Sent>((resolve) => {
        exportCall.call(client, body, new grpc.Metadata(), { deadline: Date.now() + REQUEST_TIMEOUT_MS }, (error) => {
          resolve(error ? { ok: false, reason: `gRPC ${grpc.status[error.code] ?? error.code}: ${error.details}` } : { ok: true, reason: '' });
        });
      }),
    close: () => client.close(),
  };
}

interface Payload {
  readonly spanCount: number;
  readonly protobuf: UniqueIdBatch;
  readonly json: UniqueIdBatch;
}

function loadPayloads(dir: string): Payload[] {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as PayloadManifest;
  return manifest.batches.map((b) => ({
    spanCount: b.spanCount,
    protobuf: new UniqueIdBatch(readFileSync(join(dir, b.protobuf)), 'protobuf', b.traceIds),
    json: new UniqueIdBatch(readFileSync(join(dir, b.json)), 'json', b.traceIds),
  }));
}

class Load {
  /** Sequence number of the next export: makes its trace ids unique within this process's life. */
  private seq = 0;
  private next = 0;

  constructor(private readonly payloads: readonly Payload[]) {}

  /** The next export to send, round-robin over the batches, with fresh trace ids. */
  body(protocol: Protocol): { body: Buffer; spans: number } {
    const p = this.payloads[this.next++ % this.payloads.length]!;
    const seq = ++this.seq;
    return { body: (protocol === 'json' ? p.json : p.protobuf).render(seq), spans: p.spanCount };
  }

  sender(protocol: Protocol, target: Target, concurrency: number): Sender {
    return protocol === 'grpc' ? grpcSender(target) : httpSender(target, protocol, concurrency);
  }

  async throughput(run: ThroughputRun): Promise<RunResult> {
    const sender = this.sender(run.protocol, run.target, run.concurrency);
    const result = newResult(run.id);
    const t0 = performance.now();
    const windowStart = t0 + run.warmupMs;
    const stopAt = windowStart + run.durationMs;
    const worker = async (): Promise<void> => {
      while (performance.now() < stopAt) {
        const { body, spans } = this.body(run.protocol);
        const sent = await sender.send(body);
        const done = performance.now();
        if (sent.ok) {
          result.ackedSpans += spans;
          result.ackedRequests++;
          if (done >= windowStart && done <= stopAt) result.windowSpans += spans;
        } else {
          noteFailure(result, sent.reason);
          if (result.failures > 1000) break;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: run.concurrency }, worker));
    } finally {
      sender.close();
    }
    result.windowMs = run.durationMs;
    return result;
  }

  async latency(run: LatencyRun): Promise<RunResult> {
    const sender = this.sender(run.protocol, run.target, 1);
    const result = newResult(run.id);
    const latencies: number[] = [];
    try {
      for (let i = 0; i < run.warmupExports + run.exports; i++) {
        const { body, spans } = this.body(run.protocol);
        const start = performance.now();
        const sent = await sender.send(body);
        const ms = performance.now() - start;
        if (!sent.ok) {
          noteFailure(result, sent.reason);
          continue;
        }
        result.ackedSpans += spans;
        result.ackedRequests++;
        if (i >= run.warmupExports) latencies.push(ms);
      }
    } finally {
      sender.close();
    }
    return { ...result, latenciesMs: latencies };
  }
}

type MutableResult = { -readonly [K in keyof RunResult]: RunResult[K] } & { failureReasons: string[] };

function newResult(id: number): MutableResult {
  return { kind: 'result', id, ackedSpans: 0, ackedRequests: 0, windowSpans: 0, windowMs: 0, failures: 0, failureReasons: [], latenciesMs: [] };
}

function noteFailure(result: MutableResult, reason: string): void {
  result.failures++;
  if (result.failureReasons.length < 5) result.failureReasons.push(reason);
}

function send(reply: LoadReply): void {
  process.send?.(reply);
}

function main(): void {
  const dir = process.argv[2];
  if (!dir || !process.send) {
    process.stderr.write('the load generator is started by bench/ingest.ts (it needs an IPC channel and a payload directory)\n');
    process.exit(2);
  }
  const load = new Load(loadPayloads(dir));
  process.on('message', (command: LoadCommand) => {
    if (command.kind === 'exit') process.exit(0);
    const run = command.kind === 'throughput' ? load.throughput(command) : load.latency(command);
    run.then(send, (e: unknown) => send({ kind: 'error', id: command.id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  });
  // The driver going away (killed, crashed) must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'ready' });
}

main();
