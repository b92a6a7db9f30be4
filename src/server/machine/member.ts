// One receiver per machine. The first TraceLens process (an editor's trace server or `tracelens serve`) owns the ports
// and the store; every later one of the same user configured with the same query API address attaches to it: it
// forwards its editor's requests and follows the owner's live feed (backend.ts). The election is the query port
// itself: whoever binds it owns (the system gives a port to one process, and takes it back when that process dies,
// even by kill -9). A holder is trusted only when it proves it knows this user's machine secret (secret.ts).
//
// When the owner goes (exits, dies, or hands over to a newer version), each attached process tries to bind the
// owner's query address; the one that does opens the owner's store (every acknowledged span is on disk there),
// listens on the owner's receiver addresses, and the others attach to it. If something else takes the port, the
// process runs on its own. An editor talking to an attached process sees a status change, not an error: requests
// made meanwhile wait (bounded) for the next owner, and those safe to repeat are sent again.
import * as http from 'node:http';
import type { HostPort } from '../../core/address';
import { localHttpUrl, parseHostPort } from '../../core/address';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReceiverProtocol, ServerIdentity, ServerRequests, TracesChangedEvent } from '../../protocol/messages';
import type { ServerConfig } from '../config';
import { formatHostPort } from '../config';
import { TraceServer } from '../traceServer';
import type { Backend, Request } from './backend';
import { localBackend, PeerUnreachableError, remoteBackend } from './backend';
import { removeDiscovery, removeDiscoverySync, writeDiscovery } from './discovery';
import type { FoundTraceLens } from './identity';
import { findTraceLens, PEER_PROTOCOL } from './identity';
import { machineSecret } from './secret';

/** How long a request waits for a switch of owner before it fails. */
const SWITCH_WAIT_MS = 15_000;
/** How long a process that asked for the ports waits for the owner to release them (and others wait for it). */
const HANDOVER_WAIT_MS = 15_000;
/** How long a process looks for the next owner before it runs on its own. */
const SUCCESSOR_WAIT_MS = 20_000;
/** Tries to find who holds the query port at start (it may be starting: bound, not yet answering). */
const IDENTIFY_TRIES = 10;
/** Ports the previous owner held are retried this long (a process closing releases them a moment later). */
const PORT_RETRY_MS = 3000;
/** Requests not sent twice when the owner changes while they run: they may have taken effect. */
const NOT_REPEATED = new Set<keyof ServerRequests>(['tracelens/import', 'tracelens/clear', 'tracelens/receivers', 'tracelens/handOver', 'tracelens/takeOver']);

export interface MemberOptions {
  readonly log: (line: string) => void;
  /** Attach to the owner at this query URL (a data folder's discovery file) instead of electing by the query port. */
  readonly ownerUrl?: string;
}

type Listener<T> = (value: T) => void;

export class Member {
  private current!: Backend;
  private closing = false;
  private handingOver = false;
  private takeovers = 0;
  /** Switches of owner run one at a time; `switching` is set while one runs. */
  private switchQueue: Promise<void> = Promise.resolve();
  private switching: Promise<void> | undefined;
  private readonly switchListeners = new Set<Listener<Backend>>();
  private readonly traceListeners = new Set<Listener<TracesChangedEvent>>();
  private readonly lensListeners = new Set<() => void>();
  private unsubscribe: (() => void)[] = [];
  private lensUnsubscribe: (() => void) | undefined;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly config: ServerConfig,
    /** Undefined when it could not be read or made: this process then runs on its own. */
    private readonly secret: string | undefined,
    options: MemberOptions,
  ) {
    this.log = options.log;
  }

  /** Joins the machine: owns it (the query port was free), or attaches to this user's TraceLens that holds it. */
  static async join(config: ServerConfig, options: MemberOptions): Promise<Member> {
    const secret = await machineSecret().catch((e: unknown) => {
      options.log(`no machine secret (${e instanceof Error ? e.message : String(e)}): this process shares nothing with other TraceLens processes`);
      return undefined;
    });
    const m = new Member(config, secret, options);
    const found = options.ownerUrl !== undefined && secret !== undefined ? await findTraceLens(options.ownerUrl, { secret }) : undefined;
    if (found?.trusted) {
      const attached = await m.tryAttach(found.identity);
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
    const m = new Member(server.config, undefined, { log });
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
      await this.afterSwitch();
      const backend = this.current;
      try {
        return await backend.request(method, params);
      } catch (e) {
        if (!(e instanceof PeerUnreachableError) || attempt > 0 || this.closing || NOT_REPEATED.has(method)) throw e;
        await this.nextBackend(backend);
      }
    }
  };

  onTracesChanged(listener: Listener<TracesChangedEvent>): () => void {
    this.traceListeners.add(listener);
    return () => this.traceListeners.delete(listener);
  }

  /** Lens changes; the backend is asked for them only while someone listens (an attached process polls the owner). */
  onLensChange(listener: () => void): () => void {
    this.lensListeners.add(listener);
    this.followLenses();
    return () => {
      this.lensListeners.delete(listener);
      this.followLenses();
    };
  }

  private followLenses(): void {
    if (this.lensListeners.size > 0 && !this.lensUnsubscribe && this.current) {
      this.lensUnsubscribe = this.current.onLensChange(() => {
        for (const l of this.lensListeners) l();
      });
    } else if (this.lensListeners.size === 0 && this.lensUnsubscribe) {
      this.lensUnsubscribe();
      this.lensUnsubscribe = undefined;
    }
  }

  /** After a takeover or a new owner: the editor is told the new status, and sends its documents again. */
  onDidSwitch(listener: Listener<Backend>): () => void {
    this.switchListeners.add(listener);
    return () => this.switchListeners.delete(listener);
  }

  /** The user asked this process to own the machine (e.g. it is newer than the owner). */
  takeOver(): Promise<void> {
    return this.serially(async () => {
      const from = this.current;
      if (from.role === 'owner' || !from.owner || this.closing) return;
      const owner = from.owner;
      this.log(`asking TraceLens ${owner.version} (process ${owner.pid}) to hand its receivers and store over`);
      const answer = await from.request('tracelens/handOver', { to: process.pid }).catch((e: unknown) => {
        // The owner closed the connection while it released: the claim below decides.
        if (e instanceof PeerUnreachableError) return { releasing: true };
        throw e;
      });
      if (!answer.releasing) throw new Error(`TraceLens ${owner.version} (process ${owner.pid}) is handing over or closing already; try again in a moment`);
      await from.close();
      const query = listenerAddress(owner, 'query');
      const deadline = Date.now() + HANDOVER_WAIT_MS;
      while (!this.closing) {
        const claim = await claimPort(query);
        if (claim) {
          this.use(await this.becomeOwner(claim, owner), false);
          return;
        }
        const holder = await this.find(query, 500);
        if (holder?.trusted && holder.identity.pid !== owner.pid) {
          // Another process was quicker: follow it, and say so.
          const attached = await this.tryAttach(holder.identity);
          if (attached) {
            this.use(attached, false);
            throw new Error(`process ${holder.identity.pid} took the receivers over first; this one follows it`);
          }
        }
        if (Date.now() > deadline) {
          this.use(await this.elect(), false);
          throw new Error(`TraceLens ${owner.version} (process ${owner.pid}) did not release its ports within ${HANDOVER_WAIT_MS / 1000} s`);
        }
        await sleep(20);
      }
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.race([this.switchQueue, sleep(5000)]);
    for (const u of this.unsubscribe) u();
    this.lensUnsubscribe?.();
    await this.releaseOwnership();
    await this.current.close();
  }

  // ---- internals ----

  /** Becomes the owner if the configured query port is free; else attaches to this user's TraceLens holding it. */
  private async elect(): Promise<Backend> {
    const query = this.config.query;
    // No query API, an ephemeral port, or no secret: nobody can find this process, and it finds nobody.
    if (!query || query.port === 0 || this.secret === undefined) return this.becomeOwner(undefined, undefined);
    for (let attempt = 0; attempt < IDENTIFY_TRIES; attempt++) {
      const claim = await claimPort(query);
      if (claim) return this.becomeOwner(claim, undefined);
      if (claim === null) break; // not a port in use (no permission, not an address here): the listener says why
      const holder = await this.find(query);
      if (holder) {
        const attached = holder.trusted && holder.identity.protocol === PEER_PROTOCOL ? await this.tryAttach(holder.identity) : undefined;
        if (attached) return attached;
        if (!holder.trusted || holder.identity.protocol !== PEER_PROTOCOL) {
          this.log(`the query port ${formatHostPort(query)} is held by TraceLens ${holder.identity.version} (process ${holder.identity.pid}), ${holder.trusted ? 'which speaks another protocol' : 'not one of this user\'s'}; this process runs on its own`);
          break;
        }
      }
      await sleep(50 * (attempt + 1));
    }
    // A foreign program holds the port (or a TraceLens that never answers): run here; the failed listeners say who.
    return this.becomeOwner(undefined, undefined);
  }

  private find(address: HostPort, timeoutMs?: number): Promise<FoundTraceLens | undefined> {
    return findTraceLens(localHttpUrl(address), { ...(this.secret !== undefined ? { secret: this.secret } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  }

  private async tryAttach(owner: ServerIdentity): Promise<Backend | undefined> {
    if (this.secret === undefined) return undefined;
    try {
      const backend = await remoteBackend(owner, {
        log: this.log,
        secret: this.secret,
        takeovers: this.takeovers,
        onLost: (to) => void this.ownerLost(backend, to),
      });
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
    const server = new TraceServer(config, this.log, {
      ...(claim ? { queryListener: claim } : {}),
      takeovers: this.takeovers,
      ...(this.secret !== undefined ? { peerSecret: this.secret } : {}),
    });
    server.handOver = (to) => this.handOver(server, to);
    // The previous owner's receiver ports are free once it is gone; one closing a moment later is retried briefly
    // (without naming holders each time), then whoever still holds one is named.
    let status = await server.start(!previous);
    const inherited = (p: ReceiverProtocol): boolean => previous?.listeners[p] !== undefined;
    const deadline = Date.now() + PORT_RETRY_MS;
    while (previous && Date.now() < deadline && status.receivers.some((r) => r.state === 'failed' && inherited(r.protocol))) {
      await sleep(100);
      status = await server.start(false);
    }
    if (previous) {
      status = await server.start(true);
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

  /**
   * Owner side of a handover: answers at once, then tells the attached processes (so that they hold back), releases
   * receivers, store and query API (in that order: the taker finds the store unlocked) and follows the taker.
   */
  private async handOver(server: TraceServer, to: number): Promise<boolean> {
    if (this.current.role !== 'owner' || this.closing || this.handingOver || this.switching) return false;
    this.handingOver = true;
    const previous = server.identity();
    this.log(`handing the receivers and the store over to process ${to}`);
    setImmediate(() => {
      void this.serially(async () => {
        try {
          await server.live.notify({ method: 'tracelens/handingOver', params: { to } });
          await this.releaseOwnership();
          await this.current.close();
          const next = previous ? await this.waitForOwner(previous) : undefined;
          this.use(next ?? (await this.elect()), false);
        } finally {
          this.handingOver = false;
        }
      }).catch((e: unknown) => this.log(`handing over failed: ${e instanceof Error ? e.message : String(e)}`));
    });
    return true;
  }

  /** The owner's live feed closed: attach to whoever owns next, or own the machine. */
  private ownerLost(lost: Backend, handingOverTo: number | undefined): void {
    if (this.closing || lost !== this.current) return;
    void this.serially(async () => {
      if (lost !== this.current || this.closing) return;
      this.use(await this.successor(lost.owner!, handingOverTo), false);
    }).catch((e: unknown) => this.log(`after the owner went: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** After the owner went: the same owner again (its feed only dropped), a new one, or this process. */
  private async successor(lost: ServerIdentity, handingOverTo: number | undefined): Promise<Backend> {
    const query = listenerAddress(lost, 'query');
    this.log(`the trace server ${lost.queryUrl} (process ${lost.pid}) went away${handingOverTo ? `, handing over to process ${handingOverTo}` : ''}; following its successor or taking over`);
    // Handing over to another process: give it the first try at the port.
    const holdBack = handingOverTo !== undefined && handingOverTo !== process.pid ? Date.now() + HANDOVER_WAIT_MS : 0;
    const deadline = Date.now() + SUCCESSOR_WAIT_MS + (holdBack ? HANDOVER_WAIT_MS : 0);
    // A little spread, so that when several processes race, one of them usually wins outright.
    await sleep(Math.floor(Math.random() * 100));
    for (let attempt = 0; !this.closing && Date.now() < deadline; attempt++) {
      const holder = await this.find(query, 500);
      if (holder?.trusted && holder.identity.protocol === PEER_PROTOCOL) {
        const attached = await this.tryAttach(holder.identity);
        if (attached) return attached;
      }
      if (!holder && Date.now() >= holdBack) {
        const claim = await claimPort(query);
        if (claim) return this.becomeOwner(claim, lost);
      }
      await sleep(Math.min(1000, 20 * 2 ** Math.min(attempt, 6)));
    }
    // Something else holds the query port now (another user's TraceLens, another program): run on our own, on the
    // previous owner's receivers and store if they are free; the failed listeners say who holds the rest.
    this.log(`no TraceLens of this user took the query port ${formatHostPort(query)} over; this process runs on its own`);
    return this.becomeOwner(undefined, lost);
  }

  /** Waits (bounded) for this user's TraceLens to hold the query port again (after a handover), and attaches. */
  private async waitForOwner(previous: ServerIdentity): Promise<Backend | undefined> {
    const deadline = Date.now() + HANDOVER_WAIT_MS;
    const query = listenerAddress(previous, 'query');
    while (Date.now() < deadline && !this.closing) {
      const holder = await this.find(query, 500);
      if (holder?.trusted && holder.identity.pid !== process.pid) return this.tryAttach(holder.identity);
      await sleep(50);
    }
    return undefined;
  }

  /** Runs a switch of owner after the ones before it; `switching` is set meanwhile. */
  private serially(job: () => Promise<void>): Promise<void> {
    const run = this.switchQueue.then(job);
    this.switchQueue = run.catch(() => undefined);
    const marker = this.switchQueue.then(() => {
      if (this.switching === marker) this.switching = undefined;
    });
    this.switching = marker;
    return run;
  }

  /** Waits for a switch in progress, bounded: a request never waits forever. */
  private async afterSwitch(): Promise<void> {
    if (this.switching) await Promise.race([this.switching, sleep(SWITCH_WAIT_MS)]);
  }

  /** Waits until `from` is no longer the backend (or a while), for a retry. */
  private async nextBackend(from: Backend): Promise<void> {
    const deadline = Date.now() + SWITCH_WAIT_MS;
    while (this.current === from && Date.now() < deadline && !this.closing) await sleep(20);
  }

  private use(backend: Backend, initial = true): void {
    for (const u of this.unsubscribe) u();
    this.lensUnsubscribe?.();
    this.lensUnsubscribe = undefined;
    const replaced = initial ? undefined : this.current;
    this.current = backend;
    if (replaced && replaced !== backend) void replaced.close().catch(() => undefined);
    this.unsubscribe = [
      backend.onTracesChanged((e) => {
        for (const l of this.traceListeners) l(e);
      }),
    ];
    this.followLenses();
    if (this.closing) {
      void backend.close().catch(() => undefined);
      return;
    }
    if (!initial) for (const l of this.switchListeners) l(backend);
  }

  /** The discovery file goes with ownership. */
  private async releaseOwnership(): Promise<void> {
    if (this.current?.role === 'owner' && this.current.owner) {
      const dataDir = this.current.owner.dataDir ?? null;
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

