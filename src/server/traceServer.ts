// The trace server: store + ingest queue + receivers + query API, with start/stop of the receivers and a status.
// Used by `tracelens serve` (main.ts), by the LSP endpoint the extension talks to, and by tests in-process.
import type * as grpc from '@grpc/grpc-js';
import type * as http from 'node:http';
import type { TraceStore } from '../core/store/store';
import { isRowIndexed } from '../core/store/store';
import type { ExportParams, ExportResult, ImportParams, ImportResult, MachineStatus, PortHolder, ReceiverProtocol, ReceiverStatus, ServerIdentity, ServerStatus } from '../protocol/messages';
import type { ExportTrace } from '../core/transfer';
import { exportTraces, parseTraceFile } from '../core/transfer';
import type { HostPort, ServerConfig } from './config';
import { ADDRESS_OPTIONS, formatHostPort } from './config';
import { DebugPauses } from './debugPauses';
import { IngestQueue } from './ingest';
import { LiveFeed } from './liveFeed';
import { serveQuery, STOPPING } from './query';
import { createOtlpHttpServer } from './receivers/otlpHttp';
import { bindGrpc, createOtlpGrpcServer } from './receivers/otlpGrpc';
import { createZipkinServer } from './receivers/zipkin';
import { listen, PortInUseError } from './receivers/http';
import { enableSelfTracing } from './telemetry';
import { HotspotEngine } from './analysis/hotspots';
import { openStore } from './store/openStore';
import { JaegerSource } from './remotes/jaegerSource';
import { TempoSource } from './remotes/tempoSource';
import { Remotes } from './remotes/remotes';
import { Forwarder } from './forward/forwarder';
import { EmbeddedStore } from '../core/store/embeddedStore';
import { localHttpUrl, remoteTokenVariable } from '../core/address';
import { PEER_PROTOCOL } from './machine/identity';
import { describeHolder, identifyPortHolder } from './machine/portHolder';

export const VERSION = '0.1.0';

interface Running {
  readonly stop: () => Promise<void>;
  readonly port: number;
}

interface Slot {
  readonly protocol: ReceiverProtocol;
  readonly address: HostPort | null;
  running?: Running;
  error?: string;
  holder?: PortHolder;
}

export interface TraceServerOptions {
  /** The store to use instead of an embedded one on config.dataDir (tests, other backends). */
  readonly store?: TraceStore;
  /** An HTTP server already listening on the query address (the machine's election: src/server/machine). */
  readonly queryListener?: http.Server;
  /** Times this process took the ports over from another TraceLens (for the status). */
  readonly takeovers?: number;
  /** This user's machine secret (src/server/machine/secret.ts): peers that carry it may make every request. */
  readonly peerSecret?: string;
}

export class TraceServer {
  readonly store: TraceStore;
  readonly queue: IngestQueue;
  /** Throttled store changes for the LSP endpoint and the query API's WebSocket. */
  readonly live: LiveFeed;
  /** Processes a debugger holds paused, and the spans of theirs that join their traces meanwhile. */
  readonly pauses: DebugPauses;
  /** A team's backends searched beside the store. */
  readonly remotes: Remotes;
  /** Forwarding to a team's collector (--forward). */
  readonly forwarder: Forwarder | undefined;
  /** Hotspots across traces, kept up to date as spans arrive (undefined for a store other than the embedded one). */
  readonly hotspots: HotspotEngine | undefined;
  private readonly slots: Slot[];
  private stopSelfTracing: (() => Promise<void>) | undefined;
  private queryListener: http.Server | undefined;
  private readonly takeovers: number;
  readonly peerSecret: string | undefined;
  /** Set by the machine membership (src/server/machine/member.ts): release ports and store for another process. */
  handOver: ((to: number) => Promise<boolean>) | undefined;

  constructor(
    readonly config: ServerConfig,
    private readonly log: (line: string) => void = (l) => console.error(l),
    options: TraceServerOptions = {},
  ) {
    this.queryListener = options.queryListener;
    this.takeovers = options.takeovers ?? 0;
    this.peerSecret = options.peerSecret;
    const store = options.store;
    this.store = store ?? openStore(config, this.log);
    this.forwarder =
      config.forward !== null && config.dataDir !== null && this.store instanceof EmbeddedStore
        ? new Forwarder(this.store, config.forward, config.dataDir, this.log, forwardHeaders())
        : undefined;
    this.remotes = new Remotes(
      config.remotes.map((r) => (r.kind === 'tempo' ? new TempoSource(r.name, r.url, remoteHeaders(r.name)) : new JaegerSource(r.name, r.url, remoteHeaders(r.name), r.kind === 'jaeger'))),
      this.log,
    );
    this.queue = new IngestQueue(this.store, config.maxQueuedSpans);
    this.live = new LiveFeed(this);
    this.pauses = new DebugPauses((ids) => this.live.touch(ids));
    this.hotspots = isRowIndexed(this.store) ? new HotspotEngine(this.store, { log: this.log }) : undefined;
    this.slots = [
      { protocol: 'otlp-http', address: config.otlpHttp },
      { protocol: 'otlp-grpc', address: config.otlpGrpc },
      { protocol: 'zipkin', address: config.zipkin },
      { protocol: 'query', address: config.query },
    ];
    if (config.selfTrace) this.stopSelfTracing = enableSelfTracing(this.store);
  }

  /**
   * Starts every configured listener that is not running. A port in use fails that one listener only, and (unless
   * `identify` is false) its holder is found out and named.
   */
  async start(identify = true): Promise<ServerStatus> {
    await Promise.all(this.slots.map((slot) => this.startSlot(slot, identify)));
    // Exports that arrive while the store is still opening wait in the ingest queue.
    await this.store.whenReady();
    return this.status();
  }

  /** Stops the receivers (not the query API): exporters then get connection refused, and retry or drop. */
  async stopReceivers(): Promise<ServerStatus> {
    await Promise.all(this.slots.filter((s) => s.protocol !== 'query').map((s) => this.stopSlot(s)));
    return this.status();
  }

  /** Deletes every stored trace; exports arriving meanwhile wait in the queue and are stored after. */
  async clear(): Promise<ServerStatus> {
    await this.queue.whilePaused(() => this.store.clear());
    return this.status();
  }

  /** Imports trace files all or nothing: every file is decoded before anything is stored (throws ImportError). */
  async importFiles(p: ImportParams): Promise<ImportResult> {
    const files = p.files.map((f) => parseTraceFile(f.name, f.text));
    await this.queue.whilePaused(() => this.store.append(files.flatMap((f) => f.batches)));
    const traceIds = new Set<string>();
    for (const f of files) for (const id of f.traceIds) traceIds.add(id);
    this.log(`imported ${files.map((f) => `${f.name} (${f.spanCount} spans)`).join(', ')}`);
    return { files: files.map((f) => ({ name: f.name, traces: f.traceIds.size, spans: f.spanCount })), traceIds: [...traceIds] };
  }

  async exportTraces(p: ExportParams): Promise<ExportResult> {
    const traces: ExportTrace[] = [];
    const missing: string[] = [];
    for (const traceId of p.traceIds) {
      const spans = await this.store.getTrace(traceId);
      if (spans) traces.push({ traceId, spans });
      else missing.push(traceId);
    }
    return { text: exportTraces(traces, p.format), traces: traces.length, spans: traces.reduce((n, t) => n + t.spans.length, 0), missing };
  }

  /**
   * Stops the receivers, closes the store, then the query API: a process that takes over once the query port is free
   * finds the store unlocked (src/server/machine/member.ts).
   */
  async close(): Promise<void> {
    await Promise.all(this.slots.filter((s) => s.protocol !== 'query').map((s) => this.stopSlot(s)));
    this.live.dispose();
    this.hotspots?.dispose();
    await this.forwarder?.close();
    await this.stopSelfTracing?.();
    await this.store.close();
    await Promise.all(this.slots.map((s) => this.stopSlot(s)));
  }

  /** The port a listener is bound to (useful with port 0), or undefined. */
  port(protocol: ReceiverProtocol): number | undefined {
    return this.slots.find((s) => s.protocol === protocol)?.running?.port;
  }

  /** Who this process is, for the health route and its peers (undefined without a query API to reach it by). */
  identity(): ServerIdentity | undefined {
    const port = this.port('query');
    const host = this.config.query?.host;
    if (port === undefined || host === undefined) return undefined;
    const listeners: Partial<Record<ReceiverProtocol, string>> = {};
    for (const s of this.slots) if (s.address && s.running) listeners[s.protocol] = formatHostPort({ ...s.address, port: s.running.port });
    return {
      name: 'tracelens',
      version: VERSION,
      protocol: PEER_PROTOCOL,
      pid: process.pid,
      queryUrl: localHttpUrl({ host, port }),
      // A process taking over opens this folder; a ClickHouse store is not handed on (it uses its own configuration).
      dataDir: this.config.store.kind === 'embedded' && this.store.warning === undefined ? this.config.dataDir : null,
      listeners,
    };
  }

  /** This process as the owner of the machine's receivers, when it has a query API peers can reach. */
  private machine(): MachineStatus | undefined {
    const owner = this.identity();
    return owner && { role: 'owner', owner, self: { pid: process.pid, version: VERSION }, takeovers: this.takeovers };
  }

  status(): ServerStatus {
    const stats = this.store.stats();
    const machine = this.machine();
    return {
      version: VERSION,
      pid: process.pid,
      receivers: this.slots.map((s) => this.slotStatus(s)),
      spanCount: stats.spanCount,
      traceCount: stats.traceCount,
      acceptedSpans: this.queue.counters.acceptedSpans,
      rejectedSpans: this.queue.counters.rejectedSpans,
      refusedSpans: this.queue.counters.refusedSpans,
      queuedSpans: this.queue.queuedSpans,
      store: {
        location: stats.location,
        ready: this.store.isReady,
        diskBytes: stats.diskBytes,
        logCount: stats.logCount,
        evictedSpans: stats.evictedSpans,
        ...(this.store.warning ? { warning: this.store.warning } : {}),
      },
      ...(machine ? { machine } : {}),
      ...(this.remotes.size > 0 ? { remotes: this.remotes.status() } : {}),
      ...(this.forwarder ? { forward: this.forwarder.status() } : {}),
    };
  }

  private slotStatus(s: Slot): ReceiverStatus {
    const label = ADDRESS_OPTIONS[s.protocol].label;
    if (!s.address) return { protocol: s.protocol, label, address: 'off', state: 'disabled' };
    const bound = { ...s.address, port: s.running?.port ?? s.address.port };
    const address = formatHostPort(bound);
    if (s.running) return { protocol: s.protocol, label, address, state: 'listening', endpoint: endpointFor(s.protocol, bound) };
    if (s.error) return { protocol: s.protocol, label, address, state: 'failed', error: s.error, ...(s.holder ? { holder: s.holder } : {}) };
    return { protocol: s.protocol, label, address, state: 'stopped' };
  }

  private async startSlot(slot: Slot, identify: boolean): Promise<void> {
    if (!slot.address || slot.running) return;
    try {
      slot.running = await this.open(slot.protocol, slot.address);
      slot.error = undefined;
      slot.holder = undefined;
      this.log(`${ADDRESS_OPTIONS[slot.protocol].label} listening on ${formatHostPort({ ...slot.address, port: slot.running.port })}`);
    } catch (e) {
      slot.holder = e instanceof PortInUseError && identify ? await identifyPortHolder(slot.protocol, slot.address, this.peerSecret) : undefined;
      slot.error = slot.holder && e instanceof PortInUseError ? e.heldBy(describeHolder(slot.holder)) : e instanceof Error ? e.message : String(e);
      this.log(slot.error);
    }
  }

  private async stopSlot(slot: Slot): Promise<void> {
    const r = slot.running;
    slot.running = undefined;
    await r?.stop();
  }

  private async open(protocol: ReceiverProtocol, address: HostPort): Promise<Running> {
    const what = ADDRESS_OPTIONS[protocol];
    if (protocol === 'otlp-grpc') {
      const server = createOtlpGrpcServer(this.config, this.queue, this.log);
      const port = await bindGrpc(server, address);
      return { port, stop: () => stopGrpc(server) };
    }
    const health = { identity: (): ServerIdentity | undefined => this.identity(), secret: this.peerSecret };
    const claimed = protocol === 'query' ? this.queryListener : undefined;
    if (protocol === 'query') this.queryListener = undefined; // adopted once: a restart of the query API listens anew
    const server =
      protocol === 'otlp-http'
        ? createOtlpHttpServer(this.config, this.queue, this.log, health)
        : protocol === 'zipkin'
          ? createZipkinServer(this.config, this.queue, this.log, health)
          : serveQuery(this, claimed);
    if (!claimed) await listen(server, address, what);
    const bound = server.address();
    return { port: typeof bound === 'object' && bound ? bound.port : address.port, stop: () => stopHttp(server) };
  }
}

/** The forwarder's bearer token, from TRACELENS_FORWARD_TOKEN. */
function forwardHeaders(): Record<string, string> {
  const token = process.env['TRACELENS_FORWARD_TOKEN'];
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** A remote's bearer token, from TRACELENS_REMOTE_TOKEN_<NAME> (never from the command line or settings files). */
function remoteHeaders(name: string): Record<string, string> {
  const token = process.env[remoteTokenVariable(name)];
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function endpointFor(protocol: ReceiverProtocol, a: HostPort): string {
  const base = `http://${formatHostPort(a)}`;
  return protocol === 'zipkin' ? `${base}/api/v2/spans` : base;
}

function stopHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.emit(STOPPING);
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function stopGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 2000);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
