// Starts a real TraceServer in this process on free 127.0.0.1 ports (its store in memory unless a dataDir is given),
// and reads traces back through its query API.
import * as net from 'node:net';
import type { ServerConfig } from '../../src/server/config';
import { DEFAULT_CONFIG } from '../../src/server/config';
import type { TraceServerOptions } from '../../src/server/traceServer';
import { TraceServer } from '../../src/server/traceServer';
import type { WireTrace, WireTraceSummary } from '../../src/protocol/wire';
import type { ServerStatus } from '../../src/protocol/messages';

export interface RunningServer {
  readonly server: TraceServer;
  readonly otlpHttp: string;
  readonly otlpGrpc: string;
  readonly zipkin: string;
  readonly query: string;
  readonly logs: string[];
  getTrace(traceId: string): Promise<WireTrace | undefined>;
  findTraces(params?: Record<string, string>): Promise<WireTraceSummary[]>;
  status(): Promise<ServerStatus>;
  /** Polls the query API until the trace has at least `spans` spans, or fails after the deadline. */
  waitForTrace(traceId: string, spans: number, timeoutMs?: number): Promise<WireTrace>;
  close(): Promise<void>;
}

const LOCAL = { host: '127.0.0.1', port: 0 };

/** `options`: the TraceServer's (e.g. a peer secret). */
export async function startServer(overrides: Partial<ServerConfig> = {}, options: TraceServerOptions = {}): Promise<RunningServer> {
  const logs: string[] = [];
  const config: ServerConfig = { ...DEFAULT_CONFIG, otlpHttp: LOCAL, otlpGrpc: LOCAL, zipkin: LOCAL, query: LOCAL, dataDir: null, ...overrides };
  const server = new TraceServer(config, (l) => logs.push(l), options);
  await server.start();
  const url = (p: 'otlp-http' | 'otlp-grpc' | 'zipkin' | 'query'): string => {
    const port = server.port(p);
    return port === undefined ? '' : `http://127.0.0.1:${port}`;
  };
  const query = url('query');
  const getJson = async <T>(path: string): Promise<T | undefined> => {
    const res = await fetch(`${query}${path}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const running: RunningServer = {
    server,
    otlpHttp: url('otlp-http'),
    otlpGrpc: url('otlp-grpc'),
    zipkin: url('zipkin'),
    query,
    logs,
    getTrace: (id) => getJson<WireTrace>(`/api/tracelens/traces/${id}`),
    findTraces: async (params = {}) => (await getJson<WireTraceSummary[]>(`/api/tracelens/traces?${new URLSearchParams(params)}`)) ?? [],
    status: async () => (await getJson<ServerStatus>('/api/tracelens/status'))!,
    async waitForTrace(traceId, spans, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let last: WireTrace | undefined;
      while (Date.now() < deadline) {
        last = await running.getTrace(traceId);
        if (last && last.spans.length >= spans) return last;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`trace ${traceId}: ${last?.spans.length ?? 0} of ${spans} spans after ${timeoutMs} ms`);
    },
    close: () => server.close(),
  };
  return running;
}

/** Ports that were free a moment ago, for servers started in another process. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
