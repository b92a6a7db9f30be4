// One store folder, one process: the owner of a store publishes itself in its data dir (server.json: pid, version,
// query API URL; removed on close), and `tracelens lsp` started on the same folder attaches to it instead of opening
// the store (which that process has locked), whatever query port either was given (member.ts).
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../../core/store/segmentLog';
import type { ServerStatus } from '../../protocol/messages';

export const DISCOVERY_FILE = 'server.json';
const LOCK_FILE = 'tracelens.lock';
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
