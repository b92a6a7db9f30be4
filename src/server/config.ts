// The trace server's configuration: defaults, the command line of `tracelens serve`, and the names of the matching
// VS Code settings (so every error message can say what to change).
import type { HostPort } from '../core/address';
import { ConfigError, parseHostPort } from '../core/address';

export type { HostPort } from '../core/address';
export { ConfigError, formatHostPort, parseHostPort } from '../core/address';
export { ADDRESS_OPTIONS } from '../protocol/settings';

export interface ServerConfig {
  /** null: that receiver is off. */
  readonly otlpHttp: HostPort | null;
  readonly otlpGrpc: HostPort | null;
  readonly zipkin: HostPort | null;
  readonly query: HostPort | null;
  readonly dataDir: string | undefined;
  /** Largest request body, compressed or not (after decompression too). */
  readonly maxBodyBytes: number;
  /** Spans waiting to be stored; past this, exports get 429 / UNAVAILABLE with a retry delay. */
  readonly maxQueuedSpans: number;
  /** Retention of the in-memory store: oldest traces go first. */
  readonly maxStoredSpans: number;
  /** Browser origins allowed to export (CORS); '*' matches any port or sub-part. */
  readonly corsOrigins: readonly string[];
  /** Trace the server's own ingest path under service.name "tracelens". */
  readonly selfTrace: boolean;
}

export const DEFAULT_CONFIG: ServerConfig = {
  otlpHttp: { host: '127.0.0.1', port: 4318 },
  otlpGrpc: { host: '127.0.0.1', port: 4317 },
  zipkin: { host: '127.0.0.1', port: 9411 },
  query: { host: '127.0.0.1', port: 16686 },
  dataDir: undefined,
  maxBodyBytes: 16 * 1024 * 1024,
  maxQueuedSpans: 200_000,
  maxStoredSpans: 500_000,
  corsOrigins: ['http://localhost:*', 'https://localhost:*', 'http://127.0.0.1:*', 'https://127.0.0.1:*'],
  selfTrace: false,
};

export const HELP = `tracelens: a local OpenTelemetry trace receiver, store and query server.

Usage:
  tracelens serve [options]     run the receivers and the query API until interrupted
  tracelens --help              this text

Options (every address is HOST:PORT, or "off"):
  --otlp-http ADDR        OTLP/HTTP receiver, protobuf and JSON     (default 127.0.0.1:4318)
  --otlp-grpc ADDR        OTLP/gRPC receiver                        (default 127.0.0.1:4317)
  --zipkin ADDR           Zipkin v2 JSON receiver, /api/v2/spans    (default 127.0.0.1:9411)
  --query ADDR            HTTP query API and web UI                 (default 127.0.0.1:16686)
  --data-dir DIR          where the trace store keeps its data
  --max-body-bytes N      largest request body, also after decompression (default 16777216)
  --max-queued-spans N    spans waiting to be stored before exports are told to retry (default 200000)
  --max-spans N           spans kept in the store, oldest traces dropped first (default 500000)
  --cors-origins LIST     comma-separated browser origins allowed to export, '*' as a wildcard
                          (default http://localhost:*,https://localhost:*,http://127.0.0.1:*,https://127.0.0.1:*)
  --self-trace            trace TraceLens's own ingest path, shown as the service "tracelens"

Exporters: OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 (http/protobuf or http/json),
           http://127.0.0.1:4317 with OTEL_EXPORTER_OTLP_PROTOCOL=grpc,
           Zipkin: http://127.0.0.1:9411/api/v2/spans.
`;

function positiveInt(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n <= 0) throw new ConfigError(`${what} needs a positive whole number, got "${text ?? ''}"`);
  return n;
}

/** Parses the options after `serve`. Unknown options are errors; LSP transport flags are left to the LSP layer. */
export function parseServeArgs(args: readonly string[]): ServerConfig {
  const c: { -readonly [K in keyof ServerConfig]: ServerConfig[K] } = { ...DEFAULT_CONFIG };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) throw new ConfigError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--otlp-http':
        c.otlpHttp = parseHostPort(value(), flag);
        break;
      case '--otlp-grpc':
        c.otlpGrpc = parseHostPort(value(), flag);
        break;
      case '--zipkin':
        c.zipkin = parseHostPort(value(), flag);
        break;
      case '--query':
        c.query = parseHostPort(value(), flag);
        break;
      case '--data-dir':
        c.dataDir = value();
        break;
      case '--max-body-bytes':
        c.maxBodyBytes = positiveInt(value(), flag);
        break;
      case '--max-queued-spans':
        c.maxQueuedSpans = positiveInt(value(), flag);
        break;
      case '--max-spans':
        c.maxStoredSpans = positiveInt(value(), flag);
        break;
      case '--cors-origins':
        c.corsOrigins = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case '--self-trace':
        c.selfTrace = true;
        break;
      case '--stdio':
      case '--node-ipc':
        break;
      default:
        if (flag.startsWith('--socket') || flag.startsWith('--clientProcessId')) break;
        throw new ConfigError(`unknown option "${arg}" (see tracelens --help)`);
    }
  }
  return c;
}

/** Does a browser origin match one of the allowed patterns ('*' matches any run of characters)? */
export function originAllowed(origin: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (p === '*') return true;
    const re = new RegExp(`^${p.split('*').map(escapeRegExp).join('[^/]*')}$`, 'i');
    return re.test(origin);
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
