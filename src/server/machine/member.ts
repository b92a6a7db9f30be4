// One receiver per machine. The first TraceLens process (an editor's trace server or `tracelens serve`) owns the ports
// and the store; every later one configured with the same query API address attaches to it: it forwards its editor's
// requests and follows the owner's live feed (backend.ts). The election is the query port itself: whoever binds it
// owns (the system gives a port to one process, and takes it back when that process dies, even by kill -9).
//
// When the owner goes (exits, dies, or hands over to a newer version), each attached process tries to bind the
// owner's query address; the one that does opens the owner's store (every acknowledged span is on disk there),
// listens on the owner's receiver addresses, and the others attach to it. An editor talking to an attached process
// sees a status change, never an error: requests made meanwhile wait for the new owner and are sent again.
import * as http from 'node:http';
import type { HostPort } from '../../core/address';
import { parseHostPort } from '../../core/address';
import type { ReceiverProtocol, ServerIdentity, TracesChangedEvent } from '../../protocol/messages';
import type { ServerConfig } from '../config';
import { formatHostPort } from '../config';
import { removeDiscovery, removeDiscoverySync, writeDiscovery } from './discovery';
import { TraceServer } from '../traceServer';
import type { Backend, Request } from './backend';
import { localBackend, PeerUnreachableError, remoteBackend } from './backend';
import { fetchIdentity, PEER_PROTOCOL } from './identity';

/** How long a request waits for a new owner before it fails. */
const SWITCH_WAIT_MS = 15_000;
/** How long a process that asked for the ports waits for the owner to release them. */
const HANDOVER_WAIT_MS = 15_000;
/** Tries to find who holds the query port (it may be starting: bound, not yet answering). */
const IDENTIFY_TRIES = 10;

export interface MemberOptions {
  readonly log: (line: string) => void;
  /** Attach to this owner (found through a data folder's discovery file) instead of electing by the query port. */
  readonly owner?: ServerIdentity;
}

type Listener<T> = (value: T) => void;

export class Member {
  private current!: Backend;
  private closing = false;
  private takeovers = 0;
  /** Set while a switch is in progress: requests wait for it. */
  private switching: Promise<void> | undefined;
  private readonly switchListeners = new Set<Listener<Backend>>();
  private readonly traceListeners = new Set<Listener<TracesChangedEvent>>();
  private readonly lensListeners = new Set<() => void>();
  private unsubscribe: (() => void)[] = [];
  private readonly log: (line: string) => void;

  private constructor(
    private readonly config: ServerConfig,
    options: MemberOptions,
  ) {
    this.log = options.log;
  }

  /** Joins the machine: owns it (the query port was free), or attaches to the TraceLens that holds it. */
  static async join(config: ServerConfig, options: MemberOptions): Promise<Member> {
    const m = new Member(config, options);
    if (options.owner) {
      const attached = await m.tryAttach(options.owner);
      if (attached) {
        m.use(attached);
        return m;
      }
    }
    m.use(await m.elect());
    return m;
  }

  /** A member that owns a trace server made elsewhere (benchmarks, tests in one process): no election. */
  static owning(server: TraceServer, log: (line: string) => void): Member {
    const m = new Member(server.config, { log });
    m.use(localBackend(server));
    return m;
  }

  get backend(): Backend {
    return this.current;
  }

  get role(): Backend['role'] {
    return this.current.role;
  }

  /** A request to whoever owns the machine now; one the owner could not answer because it went waits for the next. */
  readonly request: Request = async (method, params) => {
    for (let attempt = 0; ; attempt++) {
      if (this.switching) await this.switching;
      const backend = this.current;
      try {
        return await backend.request(method, params);
      } catch (e) {
        if (!(e instanceof PeerUnreachableError) || attempt > 0 || this.closing) throw e;
        await this.nextBackend(backend);
      }
    }
  };

  onTracesChanged(listener: Listener<TracesChangedEvent>): () => void {
    this.traceListeners.add(listener);
    return () => this.traceListeners.delete(listener);
  }

  onLensChange(listener: () => void): () => void {
    this.lensListeners.add(listener);
    return () => this.lensListeners.delete(listener);
  }

  /** After a takeover or a new owner: the editor is told the new status, and sends its documents again. */
  onDidSwitch(listener: Listener<Backend>): () => void {
    this.switchListeners.add(listener);
    return () => this.switchListeners.delete(listener);
  }

  /** The user asked this process to own the machine (e.g. it is newer than the owner). */
  async takeOver(): Promise<void> {
    const from = this.current;
    if (from.role === 'owner' || !from.owner) return;
    const owner = from.owner;
    this.log(`asking TraceLens ${owner.version} (process ${owner.pid}) to hand its receivers and store over`);
    const done = this.begin();
    try {
      await from.request('tracelens/handOver', { to: process.pid }).catch((e: unknown) => {
        // An older owner without the request, or one that closed the connection while releasing: the claim decides.
        if (!(e instanceof PeerUnreachableError)) throw e;
      });
      await from.close();
      const deadline = Date.now() + HANDOVER_WAIT_MS;
      for (;;) {
        const claim = await claimPort(listenerAddress(owner, 'query'));
        if (claim) {
          this.use(await this.becomeOwner(claim, owner), false);
          return;
        }
        if (Date.now() > deadline) {
          this.use(await this.elect(), false);
          throw new Error(`TraceLens ${owner.version} (process ${owner.pid}) did not release its ports within ${HANDOVER_WAIT_MS / 1000} s`);
        }
        await sleep(20);
      }
    } finally {
      done();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const u of this.unsubscribe) u();
    await this.releaseOwnership();
    await this.current.close();
  }

  // ---- internals ----

  /** Becomes the owner if the configured query port is free; else attaches to the TraceLens holding it. */
  private async elect(): Promise<Backend> {
    const query = this.config.query;
    // No query API, or an ephemeral port: nobody can find this process, and it finds nobody.
    if (!query || query.port === 0) return this.becomeOwner(undefined, undefined);
    for (let attempt = 0; attempt < IDENTIFY_TRIES; attempt++) {
      const claim = await claimPort(query);
      if (claim) return this.becomeOwner(claim, undefined);
      if (claim === null) break; // not a port in use (no permission, not an address here): the listener says why
      const holder = await fetchIdentity(baseUrl(query));
      if (holder && holder.protocol === PEER_PROTOCOL) {
        const attached = await this.tryAttach(holder);
        if (attached) return attached;
      } else if (holder) {
        this.log(`the query port ${formatHostPort(query)} is held by TraceLens ${holder.version} (process ${holder.pid}), which speaks another protocol; this process runs on its own`);
        break;
      }
      await sleep(50 * (attempt + 1));
    }
    // A foreign program holds the port (or a TraceLens that never answers): run here; the failed listeners say who.
    return this.becomeOwner(undefined, undefined);
  }

  private async tryAttach(owner: ServerIdentity): Promise<Backend | undefined> {
    try {
      const backend = await remoteBackend(owner, { log: this.log, takeovers: this.takeovers, onLost: () => void this.ownerLost(backend) });
      this.log(`attached to TraceLens ${owner.version} at ${owner.queryUrl} (process ${owner.pid}), which holds the receivers and the store${owner.dataDir ? ` (${owner.dataDir})` : ''}; this process takes over if it goes`);
      return backend;
    } catch (e) {
      this.log(`could not attach to ${owner.queryUrl}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** Runs the trace server here: on this process's configuration, or on the previous owner's ports and store. */
  private async becomeOwner(claim: http.Server | undefined, previous: ServerIdentity | undefined): Promise<Backend> {
    const config = previous ? this.successorConfig(previous) : this.config;
    if (previous) this.takeovers++;
    const server = new TraceServer(config, this.log, { ...(claim ? { queryListener: claim } : {}), takeovers: this.takeovers });
    server.handOver = (to) => this.handOver(server, to);
    let status = await server.start();
    // Ports the previous owner held are free once it is gone; one closing a moment later is retried briefly.
    for (let attempt = 0; previous && attempt < 20 && status.receivers.some((r) => r.state === 'failed'); attempt++) {
      await sleep(100);
      status = await server.start();
    }
    if (previous) {
      this.log(`took over the receivers and the store${config.dataDir ? ` ${config.dataDir}` : ''} from TraceLens ${previous.version} (process ${previous.pid})`);
    }
    const identity = server.identity();
    const dataDir = config.dataDir;
    if (dataDir !== null && identity && !status.store.warning) {
      await writeDiscovery(dataDir, { pid: process.pid, version: identity.version, queryUrl: identity.queryUrl }).catch((e: unknown) => this.log(`could not write the discovery file: ${String(e)}`));
      process.once('exit', () => removeDiscoverySync(dataDir));
    }
    return localBackend(server);
  }

  /** This process's configuration on the previous owner's addresses and store folder. */
  private successorConfig(previous: ServerIdentity): ServerConfig {
    const at = (p: ReceiverProtocol, own: HostPort | null): HostPort | null => (previous.listeners[p] ? listenerAddress(previous, p) : own);
    return {
      ...this.config,
      otlpHttp: at('otlp-http', this.config.otlpHttp),
      otlpGrpc: at('otlp-grpc', this.config.otlpGrpc),
      zipkin: at('zipkin', this.config.zipkin),
      query: listenerAddress(previous, 'query'),
      dataDir: previous.dataDir !== undefined ? previous.dataDir : this.config.dataDir,
    };
  }

  /** Owner side of a handover: answers, then releases (receivers, store, query API last) and attaches to the taker. */
  private async handOver(server: TraceServer, to: number): Promise<boolean> {
    if (this.current.role !== 'owner' || this.closing) return false;
    const previous = server.identity();
    this.log(`handing the receivers and the store over to process ${to}`);
    const done = this.begin();
    setImmediate(() => {
      void (async () => {
        try {
          await this.releaseOwnership();
          await this.current.close(); // the store closes before the query API: the taker finds it unlocked
          const next = previous ? await this.waitForOwner(previous, to) : undefined;
          this.use(next ?? (await this.elect()), false);
        } catch (e) {
          this.log(`handing over failed: ${e instanceof Error ? e.message : String(e)}`);
          this.use(await this.elect(), false);
        } finally {
          done();
        }
      })();
    });
    return true;
  }

  /** The owner's live feed closed: attach to whoever owns next, or own the machine. */
  private async ownerLost(lost: Backend): Promise<void> {
    if (this.closing || lost !== this.current || this.switching) return;
    const done = this.begin();
    try {
      this.use(await this.successor(lost.owner!), false);
    } finally {
      done();
    }
  }

  /** After the owner went: the same owner again (its feed only dropped), a new one, or this process. */
  private async successor(lost: ServerIdentity): Promise<Backend> {
    const query = listenerAddress(lost, 'query');
    this.log(`the trace server ${lost.queryUrl} (process ${lost.pid}) went away; taking over or following its successor`);
    // A little spread, so that when several processes race, one of them usually wins outright.
    await sleep(Math.floor(Math.random() * 100));
    for (let attempt = 0; !this.closing; attempt++) {
      const holder = await fetchIdentity(baseUrl(query), 500);
      if (holder && holder.protocol === PEER_PROTOCOL) {
        const attached = await this.tryAttach(holder);
        if (attached) return attached;
      }
      if (!holder) {
        const claim = await claimPort(query);
        if (claim) return this.becomeOwner(claim, lost);
      }
      await sleep(Math.min(1000, 20 * 2 ** Math.min(attempt, 6)));
    }
    throw new Error('closing');
  }

  /** Waits (bounded) for the process a handover went to, and attaches to it. */
  private async waitForOwner(previous: ServerIdentity, to: number): Promise<Backend | undefined> {
    const deadline = Date.now() + HANDOVER_WAIT_MS;
    while (Date.now() < deadline && !this.closing) {
      const holder = await fetchIdentity(previous.queryUrl, 500);
      if (holder?.pid === to) return this.tryAttach(holder);
      await sleep(50);
    }
    return undefined;
  }

  /** Marks a switch in progress; returns the function that ends it. */
  private begin(): () => void {
    let end!: () => void;
    this.switching = new Promise<void>((resolve) => (end = resolve));
    return () => {
      this.switching = undefined;
      end();
    };
  }

  /** Waits until `from` is no longer the backend (or a while), for a retry. */
  private async nextBackend(from: Backend): Promise<void> {
    const deadline = Date.now() + SWITCH_WAIT_MS;
    while (this.current === from && Date.now() < deadline && !this.closing) {
      if (this.switching) await this.switching;
      else await sleep(20);
    }
  }

  private use(backend: Backend, initial = true): void {
    for (const u of this.unsubscribe) u();
    this.current = backend;
    this.unsubscribe = [
      backend.onTracesChanged((e) => {
        for (const l of this.traceListeners) l(e);
      }),
      backend.onLensChange(() => {
        for (const l of this.lensListeners) l();
      }),
    ];
    if (!initial) for (const l of this.switchListeners) l(backend);
  }

  /** The discovery file goes with ownership. */
  private async releaseOwnership(): Promise<void> {
    if (this.current?.role === 'owner' && this.current.owner) {
      const dataDir = (this.current.owner.dataDir ?? null) as string | null;
      if (dataDir !== null) await removeDiscovery(dataDir).catch(() => undefined);
    }
  }
}

/**
 * Binds an HTTP server to the address: the machine's election. Undefined when the port is taken; null when it cannot
 * be bound for another reason (the query listener then reports why).
 */
export function claimPort(address: HostPort): Promise<http.Server | undefined | null> {
  return new Promise((resolve) => {
    const server = http.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE' ? undefined : null));
    server.listen(address.port, address.host, () => resolve(server));
  });
}

function listenerAddress(owner: ServerIdentity, protocol: ReceiverProtocol): HostPort {
  const text = owner.listeners[protocol] ?? new URL(owner.queryUrl).host;
  return parseHostPort(text, protocol) ?? { host: '127.0.0.1', port: 0 };
}

function baseUrl(a: HostPort): string {
  const host = a.host === '0.0.0.0' || a.host === '::' || a.host === '' ? '127.0.0.1' : a.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
