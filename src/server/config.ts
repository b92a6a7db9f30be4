// The trace server's configuration: defaults, the command line of `tracelens serve`, and the names of the matching
// VS Code settings (so every error message can say what to change).
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HostPort, RemoteConfig, StoreConfig } from '../core/address';
import { ConfigError, parseHostPort, parseRemote, parseStore } from '../core/address';
import { DEFAULT_RETENTION_BYTES, DEFAULT_RETENTION_MS } from '../core/store/embeddedStore';

export type { HostPort } from '../core/address';
export { ConfigError, formatHostPort, parseHostPort, parseRemote, parseStore, storeLocation } from '../core/address';
export type { RemoteConfig, StoreConfig } from '../core/address';
export { ADDRESS_OPTIONS } from '../protocol/settings';

export interface ServerConfig {
  /** null: that receiver is off. */
  readonly otlpHttp: HostPort | null;
  readonly otlpGrpc: HostPort | null;
  readonly zipkin: HostPort | null;
  readonly query: HostPort | null;
  /** The embedded store's folder; null keeps traces in memory only. */
  readonly dataDir: string | null;
  /** Where traces are stored: the embedded store (the default, in dataDir) or ClickHouse. */
  readonly store: StoreConfig;
  /** A team's backends searched beside the store. */
  readonly remotes: readonly RemoteConfig[];
  /** An upstream OTLP/HTTP endpoint every acknowledged batch is also sent to (a team's collector), or null. */
  readonly forward: string | null;
  /** Retention: the oldest data goes first once the store is larger or older than this. */
  readonly retentionBytes: number;
  readonly retentionMs: number;
  /** Largest request body, compressed or not (after decompression too). */
  readonly maxBodyBytes: number;
  /** Spans waiting to be stored; past this, exports get 429 / UNAVAILABLE with a retry delay. */
  readonly maxQueuedSpans: number;
  /** Browser origins allowed to export (CORS); '*' matches any port or sub-part. */
  readonly corsOrigins: readonly string[];
  /** Trace the server's own ingest path under service.name "tracelens". */
  readonly selfTrace: boolean;
  /** Span attributes with this prefix are baggage entries (as a baggage span processor records them). */
  readonly baggagePrefix: string;
}

export const DEFAULT_CONFIG: ServerConfig = {
  otlpHttp: { host: '127.0.0.1', port: 4318 },
  otlpGrpc: { host: '127.0.0.1', port: 4317 },
  zipkin: { host: '127.0.0.1', port: 9411 },
  query: { host: '127.0.0.1', port: 16686 },
  dataDir: defaultDataDir(),
  store: { kind: 'embedded' },
  remotes: [],
  forward: null,
  retentionBytes: DEFAULT_RETENTION_BYTES,
  retentionMs: DEFAULT_RETENTION_MS,
  maxBodyBytes: 16 * 1024 * 1024,
  maxQueuedSpans: 200_000,
  corsOrigins: ['http://localhost:*', 'https://localhost:*', 'http://127.0.0.1:*', 'https://127.0.0.1:*'],
  selfTrace: false,
  baggagePrefix: 'baggage.',
};

/** Where `tracelens serve` keeps its store unless told otherwise (the extension passes its global storage folder). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'tracelens');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'tracelens');
  return join(env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share'), 'tracelens');
}

export const HELP = `tracelens: a local OpenTelemetry trace receiver, store and query server.

Usage:
  tracelens serve [options]     run the receivers and the query API until interrupted
  tracelens lsp --stdio [options]
                                the language server for any LSP editor (code lenses, hovers, diagnostics):
                                attaches to the server already running on --data-dir, else runs one itself
  tracelens --help              this text

Options (every address is HOST:PORT, or "off"):
  --otlp-http ADDR        OTLP/HTTP receiver, protobuf and JSON     (default 127.0.0.1:4318)
  --otlp-grpc ADDR        OTLP/gRPC receiver                        (default 127.0.0.1:4317)
  --zipkin ADDR           Zipkin v2 JSON receiver, /api/v2/spans    (default 127.0.0.1:9411)
  --query ADDR            query API (Jaeger-compatible) and web UI  (default 127.0.0.1:16686)
  --data-dir DIR          where the trace store keeps its data (default ${defaultDataDir()})
  --in-memory             keep traces in memory only (at most 512 MiB of them): nothing survives a restart
  --store STORE           where traces are stored: embedded (default, in --data-dir),
                          clickhouse+http://USER@HOST:8123/DATABASE (the OpenTelemetry exporter's tables, created
                          when absent; password from TRACELENS_CLICKHOUSE_PASSWORD or --clickhouse-password-file),
                          or chdb:FOLDER (ClickHouse in this process; needs the chdb package)
  --clickhouse-password-file FILE
                          the ClickHouse user's password, read from this file
  --forward URL           also send every acknowledged batch to this OTLP/HTTP endpoint (a team's collector, e.g.
                          http://collector:4318), from the durable store's log: retried, resumed after a restart;
                          a bearer token from TRACELENS_FORWARD_TOKEN
  --remote NAME=KIND+URL  a team's backend searched beside the store, its traces labelled NAME (repeatable):
                          jaeger+http://HOST:16686 (Jaeger's query API), tempo+http://HOST:3200 (Grafana Tempo),
                          tracelens+http://HOST:16686; a bearer
                          token from TRACELENS_REMOTE_TOKEN_NAME
  --retention-size SIZE   drop the oldest data once the store is larger than this (default 2GiB; e.g. 500MiB)
  --retention-age AGE     drop data older than this (default 7d; e.g. 12h, 30m)
  --max-body-bytes N      largest request body, also after decompression (default 16777216)
  --max-queued-spans N    spans waiting to be stored before exports are told to retry (default 200000)
  --cors-origins LIST     comma-separated browser origins allowed to export, '*' as a wildcard
                          (default http://localhost:*,https://localhost:*,http://127.0.0.1:*,https://127.0.0.1:*)
  --self-trace            trace TraceLens's own ingest path, shown as the service "tracelens"
  --baggage-prefix TEXT   span attributes with this prefix are baggage entries, for the propagation analyses
                          (default "baggage.", as a baggage span processor configured with that prefix records them)

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
  let passwordFile: string | undefined;
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
        if (c.dataDir.trim() === '') throw new ConfigError('--data-dir needs a folder');
        break;
      case '--in-memory':
        c.dataDir = null;
        break;
      case '--store':
        c.store = parseStore(value(), flag);
        break;
      case '--remote': {
        const remote = parseRemote(value(), flag);
        if (c.remotes.some((r) => r.name === remote.name)) throw new ConfigError(`${flag}: two remotes are named "${remote.name}"`);
        c.remotes = [...c.remotes, remote];
        break;
      }
      case '--forward': {
        const text = value().trim();
        if (text === '' || text === 'off') {
          c.forward = null;
          break;
        }
        let url: URL;
        try {
          url = new URL(text);
        } catch {
          throw new ConfigError(`${flag}: "${text}" is not a URL such as http://collector:4318`);
        }
        if (!/^https?:$/.test(url.protocol)) throw new ConfigError(`${flag}: an OTLP/HTTP endpoint (http:// or https://), such as http://collector:4318`);
        if (url.username !== '' || url.password !== '') throw new ConfigError(`${flag}: put a token in TRACELENS_FORWARD_TOKEN, never in the URL`);
        c.forward = `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1\/traces$/, '')}`;
        break;
      }
      case '--clickhouse-password-file':
        passwordFile = value();
        break;
      case '--retention-size':
        c.retentionBytes = parseSize(value(), flag);
        break;
      case '--retention-age':
        c.retentionMs = parseAge(value(), flag);
        break;
      case '--max-body-bytes':
        c.maxBodyBytes = positiveInt(value(), flag);
        break;
      case '--max-queued-spans':
        c.maxQueuedSpans = positiveInt(value(), flag);
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
      case '--baggage-prefix':
        c.baggagePrefix = value().trim();
        if (c.baggagePrefix === '') throw new ConfigError('--baggage-prefix needs a prefix such as "baggage." (without one, every attribute would count as baggage)');
        break;
      case '--stdio':
      case '--node-ipc':
        break;
      default:
        if (flag.startsWith('--socket') || flag.startsWith('--clientProcessId')) break;
        throw new ConfigError(`unknown option "${arg}" (see tracelens --help)`);
    }
  }
  if (c.forward !== null && (c.store.kind !== 'embedded' || c.dataDir === null)) {
    throw new ConfigError('--forward sends from the durable store\'s log: it needs the embedded store on disk (not --in-memory or another --store)');
  }
  if (passwordFile !== undefined) {
    if (c.store.kind !== 'clickhouse') throw new ConfigError('--clickhouse-password-file goes with --store clickhouse+http://...');
    c.store = { ...c.store, passwordFile };
  }
  return c;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** "2GiB", "500MB", "1048576" -> bytes. */
export function parseSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  const n = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(n > 0)) throw new ConfigError(`${what} needs a size such as 2GiB, 500MiB or 1048576 (bytes), got "${text}"`);
  return n;
}

const AGE_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "7d", "12h", "30m", "90s", "2w" -> milliseconds. */
export function parseAge(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  const n = m ? Number(m[1]) * AGE_UNITS[m[2]!.toLowerCase()]! : NaN;
  if (!(n > 0)) throw new ConfigError(`${what} needs an age such as 7d, 12h or 30m, got "${text}"`);
  return n;
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
