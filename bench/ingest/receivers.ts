// The receivers under test, each in a process of its own on 127.0.0.1 and ports found free at run time:
// TraceLens (the bundled `tracelens serve`, with its durable store in a fresh folder: every export is on disk, and
// fdatasync'd, before it is acknowledged) and the reference receiver (bench/ingest/reference.ts, a Map in memory).
// Every child this module starts is recorded, and killed when the benchmark ends, fails or is interrupted; the
// store folders are removed when their receiver stops (and, with the run's scratch folder, on interruption).
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import type { Target } from './messages';

export type ReceiverName = 'tracelens' | 'reference';

/** What a receiver says it stored; compared with what the load generator saw acknowledged. */
export interface StoredCounts {
  /** Spans it took in (TraceLens: acceptedSpans; reference: spans put in its Map). */
  readonly accepted: number;
  /** Spans it holds now (TraceLens: all of them, on disk; the reference: at most its maxSpans). */
  readonly stored: number;
  /** Spans it turned away (TraceLens: rejected + refused; reference: none, it has no such path). */
  readonly turnedAway: number;
}

export interface Receiver {
  readonly name: ReceiverName;
  readonly target: Target;
  readonly pid: number;
  counts(): Promise<StoredCounts>;
  /** SIGTERM, wait for the exit (a CPU profile is written then), SIGKILL if it takes too long. */
  stop(): Promise<void>;
  /** The reference prints its final counts as it exits. */
  readonly finalCounts: () => StoredCounts | undefined;
}

const HOST = '127.0.0.1';
const children = new Set<ChildProcess>();

/** Kills every child still running (synchronous, for exit handlers). */
export function killAllChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function getJson<T>(url: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text) as T);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `probe` resolves, the child exits, or the deadline passes. */
async function waitReady(child: ChildProcess, what: string, log: () => string, probe: () => Promise<unknown>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited before it was ready (${child.exitCode ?? child.signalCode}):\n${log()}`);
    try {
      await probe();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${log()}`);
      await sleep(50);
    }
  }
}

/** Resolves on 'close': the child has exited and its stdout is read to the end (the reference's last line). */
function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function captured(child: ChildProcess): () => string {
  let text = '';
  const keep = (c: Buffer): void => {
    text = (text + c.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

export interface StartOptions {
  /** The reference's bound: past it, its Map drops the oldest spans. */
  readonly referenceMaxSpans: number;
  /** TraceLens's store: a fresh folder made in this directory (`--data-dir`), or `--in-memory` when undefined. */
  readonly dataDirIn: string | undefined;
  /** Write a V8 CPU profile of the receiver into this directory (node --cpu-prof), as PROFILE_NAME.cpuprofile. */
  readonly cpuProfDir?: string | undefined;
  readonly profileName?: string;
}

function profFlags(o: StartOptions, name: string): string[] {
  return o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir, '--cpu-prof-name', `${o.profileName ?? `${name}-${Date.now()}`}.cpuprofile`] : [];
}

interface TraceLensStatus {
  readonly spanCount: number;
  readonly acceptedSpans: number;
  readonly rejectedSpans: number;
  readonly refusedSpans: number;
}

export async function startTraceLens(serverJs: string, o: StartOptions): Promise<Receiver> {
  const [httpPort, grpcPort, queryPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = o.dataDirIn === undefined ? undefined : mkdtempSync(join(o.dataDirIn, 'tracelens-data-'));
  const child = track(
    spawn(
      process.execPath,
      [
        ...profFlags(o, 'tracelens'),
        serverJs,
        'serve',
        '--otlp-http',
        `${HOST}:${httpPort}`,
        '--otlp-grpc',
        `${HOST}:${grpcPort}`,
        '--zipkin',
        'off',
        '--query',
        `${HOST}:${queryPort}`,
        ...(dataDir === undefined ? ['--in-memory'] : ['--data-dir', dataDir]),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const log = captured(child);
  const statusUrl = `http://${HOST}:${queryPort}/api/tracelens/status`;
  const counts = async (): Promise<StoredCounts> => {
    const s = await getJson<TraceLensStatus>(statusUrl);
    return { accepted: s.acceptedSpans, stored: s.spanCount, turnedAway: s.rejectedSpans + s.refusedSpans };
  };
  await waitReady(child, 'TraceLens', log, async () => {
    await counts();
    // gRPC binds in parallel with the HTTP listeners: make sure it is up too.
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(grpcPort, HOST, () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    });
  });
  return {
    name: 'tracelens',
    target: { host: HOST, httpPort, grpcPort },
    pid: child.pid!,
    counts,
    stop: async () => {
      await stopChild(child);
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    },
    finalCounts: () => undefined,
  };
}

/** `referenceJs`: bench/ingest/reference.ts, bundled like the server (see bundleProcesses in bench/ingest.ts). */
export async function startReference(referenceJs: string, o: StartOptions): Promise<Receiver> {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const child = track(
    spawn(
      process.execPath,
      [...profFlags(o, 'reference'), referenceJs, '--http', `${HOST}:${httpPort}`, '--grpc', `${HOST}:${grpcPort}`, '--max-spans', String(o.referenceMaxSpans)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const log = captured(child);
  let stdout = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  const toCounts = (s: { received: number; stored: number }): StoredCounts => ({ accepted: s.received, stored: s.stored, turnedAway: 0 });
  const counts = async (): Promise<StoredCounts> => toCounts(await getJson<{ received: number; stored: number }>(`http://${HOST}:${httpPort}/stats`));
  await waitReady(child, 'the reference receiver', log, async () => {
    if (!stdout.includes('ready\n')) throw new Error('not ready');
    await counts();
  });
  return {
    name: 'reference',
    target: { host: HOST, httpPort, grpcPort },
    pid: child.pid!,
    counts,
    stop: () => stopChild(child),
    finalCounts: () => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      return line ? toCounts(JSON.parse(line) as { received: number; stored: number }) : undefined;
    },
  };
}
