// What answers an editor's requests in a TraceLens process: the trace server in this process (the machine's owner),
// or the owner's, reached over its query API (POST /api/tracelens/rpc for requests, the WebSocket live feed for
// changes, lensState polling for lenses). The LSP endpoint and `tracelens serve` talk to a Backend only, so a process
// can switch from one to the other when it takes over (member.ts).
import WebSocket from 'ws';
import type { LiveMessage, MachineStatus, ServerIdentity, ServerRequests, ServerStatus, TracesChangedEvent } from '../../protocol/messages';
import { LIVE_PATH } from '../../protocol/messages';
import { serverHandlers } from '../handlers';
import { disposeLensEngine, lensEngine } from '../lens/service';
import type { TraceServer } from '../traceServer';
import { VERSION } from '../traceServer';
import { versionSkew } from './identity';
import { PEER_HEADER } from './secret';

export type Request = <M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']) => Promise<ServerRequests[M]['result']>;

export interface Backend {
  readonly role: 'owner' | 'attached';
  /** The owner's identity (this process's own when it is the owner and has a query API). */
  readonly owner: ServerIdentity | undefined;
  readonly request: Request;
  /** The throttled live feed; returns the unsubscribe function. */
  onTracesChanged(listener: (event: TracesChangedEvent) => void): () => void;
  /** Lenses may have changed. */
  onLensChange(listener: () => void): () => void;
  close(): Promise<void>;
}

/** The owner could not be reached (it exited, or is handing over): the request may be retried on the next owner. */
export class PeerUnreachableError extends Error {
  override readonly name = 'PeerUnreachableError';
}

/** The trace server of this process. */
export function localBackend(server: TraceServer): Backend {
  const handlers = serverHandlers(server);
  let closing: Promise<void> | undefined;
  return {
    role: 'owner',
    get owner() {
      return server.identity();
    },
    async request(method, params) {
      const handler = handlers[method] as ((p: typeof params) => unknown) | undefined;
      if (!handler) throw new Error(`${method} is not a request this server answers`);
      return (await handler(params)) as ServerRequests[typeof method]['result'];
    },
    onTracesChanged: (listener) => server.live.subscribe(listener),
    onLensChange: (listener) => lensEngine(server)?.onDidChange(() => listener()) ?? (() => undefined),
    close() {
      closing ??= (async () => {
        disposeLensEngine(server);
        await server.close();
      })();
      return closing;
    },
  };
}

const RPC_TIMEOUT_MS = 30_000;
/** How often an attached process asks whether lenses changed. */
const LENS_POLL_MS = 100;

/** Connection failures that mean the owner is gone (or going): nothing was answered. */
const GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * Calls a request of the owner over its query API, with this user's machine secret. A connection the owner refused
 * or closed is a PeerUnreachableError (the request may go to the next owner); a timeout is not (it may have run).
 */
export function rpcClient(queryUrl: string, secret: string): Request {
  return async (method, params) => {
    let res: Response;
    let body: { result?: unknown; error?: string };
    try {
      res = await fetch(`${queryUrl}/api/tracelens/rpc`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [PEER_HEADER]: secret },
        body: JSON.stringify({ method, params }),
        signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
      });
      body = (await res.json()) as typeof body;
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? (e.cause as NodeJS.ErrnoException) : undefined;
      if (cause?.code && GONE.has(cause.code)) throw new PeerUnreachableError(`the trace server at ${queryUrl} is gone (${cause.message})`, { cause: e });
      if (e instanceof Error && e.name === 'TimeoutError') throw new Error(`${method}: the trace server at ${queryUrl} did not answer within ${RPC_TIMEOUT_MS / 1000} s`, { cause: e });
      throw new Error(`${method}: the trace server at ${queryUrl} failed: ${cause?.message ?? (e instanceof Error ? e.message : String(e))}`, { cause: e });
    }
    if (!res.ok || body.error !== undefined) throw new Error(`${method}: ${body.error ?? res.status}`);
    return body.result as ServerRequests[typeof method]['result'];
  };
}

export interface RemoteOptions {
  readonly log: (line: string) => void;
  readonly secret: string;
  /** Times this process took over before (for its status). */
  readonly takeovers: number;
  /** Called once when the owner's live feed closes: it exited, or hands over (to that process). */
  readonly onLost: (handingOverTo: number | undefined) => void;
}

/** The owner's trace server, from a process attached to it. Resolves once its live feed is open. */
export async function remoteBackend(owner: ServerIdentity, options: RemoteOptions): Promise<Backend> {
  const call = rpcClient(owner.queryUrl, options.secret);
  const machine: MachineStatus = {
    role: 'attached',
    owner,
    self: { pid: process.pid, version: VERSION },
    takeovers: options.takeovers,
    ...(versionSkew(owner, VERSION) ? { skew: versionSkew(owner, VERSION) } : {}),
  };
  /** The owner's status as this process's: the same receivers and store, this process's part in the machine. */
  const mine = (s: ServerStatus): ServerStatus => ({ ...s, machine });
  const request: Request = async (method, params) => {
    const result = await call(method, params);
    const returnsStatus = method === 'tracelens/status' || method === 'tracelens/clear' || method === 'tracelens/receivers' || method === 'tracelens/takeOver';
    return (returnsStatus && result ? mine(result as ServerStatus) : result) as ServerRequests[typeof method]['result'];
  };

  const traceListeners = new Set<(event: TracesChangedEvent) => void>();
  const lensListeners = new Set<() => void>();
  let closed = false;
  let handingOverTo: number | undefined;
  const ws = new WebSocket(`${owner.queryUrl.replace(/^http/, 'ws')}${LIVE_PATH}`, { maxPayload: 16 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (e) => reject(new PeerUnreachableError(`the live feed of ${owner.queryUrl} did not open: ${e.message}`)));
  });
  ws.on('error', () => undefined); // 'close' follows
  ws.on('message', (data) => {
    let message: LiveMessage;
    try {
      message = JSON.parse(String(data)) as LiveMessage;
    } catch {
      return;
    }
    if (message.method === 'tracelens/handingOver') handingOverTo = message.params.to;
    if (message.method !== 'tracelens/tracesChanged') return;
    const event = { ...message.params, status: mine(message.params.status) };
    for (const l of traceListeners) l(event);
  });
  ws.once('close', () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    options.onLost(handingOverTo);
  });

  // Lenses: the owner's engine generation, polled while someone listens.
  let generation = -1;
  let polling = false;
  let failing = false;
  const poll = async (): Promise<void> => {
    if (polling || lensListeners.size === 0) return;
    polling = true;
    try {
      const s = await call('tracelens/lensState', {});
      if (failing) options.log(`lens: ${owner.queryUrl} answers again`);
      failing = false;
      if (s.generation !== generation) {
        generation = s.generation;
        for (const l of lensListeners) l();
      }
    } catch (e) {
      if (!failing && !closed) options.log(`lens: ${e instanceof Error ? e.message : String(e)}; retrying`);
      failing = true;
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), LENS_POLL_MS);

  return {
    role: 'attached',
    owner,
    request,
    onTracesChanged(listener) {
      traceListeners.add(listener);
      return () => traceListeners.delete(listener);
    },
    onLensChange(listener) {
      lensListeners.add(listener);
      return () => lensListeners.delete(listener);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      ws.terminate();
    },
  };
}
