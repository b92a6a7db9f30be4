// One store folder, one process: `tracelens serve` publishes itself in its data dir (server.json: pid, version, query
// API URL; removed on close), and `tracelens lsp` started on the same folder attaches to it instead of opening the
// store (which that process has locked): it forwards the editor's requests over POST /api/tracelens/rpc and learns of
// changed lenses by polling the engine's generation.
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../../core/store/segmentLog';
import type { Connection } from 'vscode-languageserver/node';
import type { ServerRequests, ServerStatus } from '../../protocol/messages';
import { UI_REQUESTS } from '../../protocol/webview';
import type { LensBackend } from './lspLens';
import { serveLensFeatures } from './lspLens';

export const DISCOVERY_FILE = 'server.json';
const LOCK_FILE = 'tracelens.lock';
/** How often an attached process asks whether lenses changed. */
const POLL_MS = 100;
const ANSWER_TIMEOUT_MS = 3000;

export interface Discovery {
  readonly pid: number;
  readonly version: string;
  /** The query API's base URL, e.g. http://127.0.0.1:16686. */
  readonly queryUrl: string;
}

export async function writeDiscovery(dataDir: string, d: Discovery): Promise<void> {
  const tmp = join(dataDir, `${DISCOVERY_FILE}.${process.pid}.tmp`);
  await fs.writeFile(tmp, JSON.stringify(d));
  await fs.rename(tmp, join(dataDir, DISCOVERY_FILE));
}

/** Removes the discovery file if it is still this process's. */
export async function removeDiscovery(dataDir: string): Promise<void> {
  const d = await readDiscovery(dataDir);
  if (d?.pid === process.pid) await fs.rm(join(dataDir, DISCOVERY_FILE), { force: true });
}

/** The same, synchronously (from a process 'exit' handler). */
export function removeDiscoverySync(dataDir: string): void {
  try {
    const d = JSON.parse(readFileSync(join(dataDir, DISCOVERY_FILE), 'utf8')) as Partial<Discovery>;
    if (d.pid === process.pid) rmSync(join(dataDir, DISCOVERY_FILE), { force: true });
  } catch {
    // already gone
  }
}

async function readDiscovery(dataDir: string): Promise<Discovery | undefined> {
  try {
    const d = JSON.parse(await fs.readFile(join(dataDir, DISCOVERY_FILE), 'utf8')) as Partial<Discovery>;
    if (typeof d.pid === 'number' && typeof d.queryUrl === 'string' && /^http:\/\/[\w.[\]:-]+$/.test(d.queryUrl)) return { pid: d.pid, version: String(d.version ?? ''), queryUrl: d.queryUrl };
  } catch {
    // none, or unreadable: as if none
  }
  return undefined;
}


export type RunningServer =
  | { readonly kind: 'none' }
  | { readonly kind: 'attach'; readonly discovery: Discovery }
  /** A live process holds the folder but does not answer (or does not publish a query API): a clear error. */
  | { readonly kind: 'unresponsive'; readonly pid: number; readonly message: string };

/**
 * Is a trace server running on this data dir, and can we talk to it? A discovery file whose process is gone (or
 * whose pid now belongs to another program while the store's lock is free) is ignored.
 */
export async function findRunningServer(dataDir: string): Promise<RunningServer> {
  const d = await readDiscovery(dataDir);
  if (d && d.pid !== process.pid && isAlive(d.pid)) {
    try {
      const res = await fetch(`${d.queryUrl}/api/tracelens/status`, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
      const status = (await res.json()) as ServerStatus;
      if (status.pid === d.pid) return { kind: 'attach', discovery: d };
    } catch {
      // does not answer: what the lock says decides below
    }
  }
  const lockPid = Number((await fs.readFile(join(dataDir, LOCK_FILE), 'utf8').catch(() => '')).trim());
  if (Number.isInteger(lockPid) && lockPid > 0 && lockPid !== process.pid && isAlive(lockPid)) {
    const message =
      d?.pid === lockPid
        ? `the trace store in ${dataDir} is held by tracelens process ${lockPid}, which does not answer at ${d.queryUrl}; stop it (kill ${lockPid}) or give this one its own folder with --data-dir`
        : `the trace store in ${dataDir} is locked by process ${lockPid}, which publishes no query API to attach to (started with --query off, or an older TraceLens); stop it (kill ${lockPid}), restart it with a query API, or give this one its own folder with --data-dir`;
    return { kind: 'unresponsive', pid: lockPid, message };
  }
  return { kind: 'none' };
}

/** Calls a request of the serving process over its query API. */
export function rpcClient(queryUrl: string): <M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']) => Promise<ServerRequests[M]['result']> {
  return async (method, params) => {
    const res = await fetch(`${queryUrl}/api/tracelens/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ method, params }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { result?: ServerRequests[typeof method]['result']; error?: string };
    if (!res.ok || body.error !== undefined) throw new Error(`${method}: ${body.error ?? res.status}`);
    return body.result as ServerRequests[typeof method]['result'];
  };
}

/** The serving process's lens engine, over HTTP. */
export function remoteLensBackend(queryUrl: string, log: (line: string) => void): LensBackend & { dispose(): void } {
  const call = rpcClient(queryUrl);
  const listeners = new Set<() => void>();
  let generation = -1;
  let failing = false;
  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling || listeners.size === 0) return;
    polling = true;
    try {
      const s = await call('tracelens/lensState', {});
      if (failing) log(`lens: ${queryUrl} answers again`);
      failing = false;
      if (s.generation !== generation) {
        generation = s.generation;
        for (const l of listeners) l();
      }
    } catch (e) {
      if (!failing) log(`lens: the trace server at ${queryUrl} does not answer (${e instanceof Error ? e.message : String(e)}); retrying`);
      failing = true;
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), POLL_MS);
  return {
    request: call,
    onDidChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => clearInterval(timer),
  };
}

/** `tracelens lsp` attached to a running server: lens features and the UI's read requests, forwarded. */
export function serveAttachedLsp(connection: Connection, discovery: Discovery, log: (line: string) => void): void {
  const backend = remoteLensBackend(discovery.queryUrl, log);
  const lens = serveLensFeatures(connection, backend, log);
  connection.onInitialize((params) => ({
    capabilities: lens.initialize(params),
    serverInfo: { name: 'tracelens', version: discovery.version },
  }));
  const call = rpcClient(discovery.queryUrl);
  for (const method of UI_REQUESTS) connection.onRequest(method, (params: ServerRequests[typeof method]['params'] | null) => call(method, params ?? ({} as ServerRequests[typeof method]['params'])));
  connection.onShutdown(async () => {
    await lens.shutdown().catch(() => undefined);
    backend.dispose();
  });
  connection.onExit(() => process.exit(0));
}
