// Forwarding to a team's collector: every batch the receivers acknowledged is also sent to an upstream OTLP/HTTP
// endpoint, read from the durable store's log in order (the log is the backlog: bounded by the store's retention),
// with retries and backoff that honour Retry-After. The position reached is kept in the data folder after each
// acknowledgement from upstream, so a restart (a kill -9 included) resumes where it stopped: nothing is lost, and at
// most the last batch is sent twice.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddedStore, LogFrame, LogPosition } from '../../core/store/embeddedStore';
import type { BodyFormat } from '../../core/store/store';
import { decodeZipkinJson } from '../../core/zipkin';
import { encodeTracesJson } from '../../core/otlp/encodeJson';
import type { ForwardStatus } from '../../protocol/messages';

const CURSOR_FILE = 'forward.json';
const FRAMES_PER_READ = 64;
const REQUEST_TIMEOUT_MS = 10_000;
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** With nothing to send, the log is looked at again this often (changes also wake it). */
const IDLE_MS = 1000;

interface Cursor {
  readonly url: string;
  readonly position: LogPosition;
  readonly sentBatches: number;
}

/** What one frame becomes upstream: the path, the content type and the bytes (OTLP as received; Zipkin as OTLP/JSON). */
export function upstreamRequest(format: BodyFormat, body: Uint8Array): { path: string; contentType: string; body: Uint8Array | string } {
  switch (format) {
    case 'otlp-proto':
      return { path: '/v1/traces', contentType: 'application/x-protobuf', body };
    case 'otlp-json':
      return { path: '/v1/traces', contentType: 'application/json', body };
    case 'zipkin-json':
      return { path: '/v1/traces', contentType: 'application/json', body: encodeTracesJson(decodeZipkinJson(Buffer.from(body).toString('utf8')).spans) };
    case 'otlp-logs-proto':
      return { path: '/v1/logs', contentType: 'application/x-protobuf', body };
    case 'otlp-logs-json':
      return { path: '/v1/logs', contentType: 'application/json', body };
  }
}

/** Retry-After in seconds or as an HTTP date -> ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export class Forwarder {
  private cursor: Cursor | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly unsubscribe: () => void;
  private state: ForwardStatus;
  private readonly running: Promise<void>;

  constructor(
    private readonly store: EmbeddedStore,
    private readonly url: string,
    private readonly dataDir: string,
    private readonly log: (line: string) => void,
    private readonly headers: Record<string, string> = {},
  ) {
    this.state = { url, state: 'starting', sentBatches: 0, backlogBytes: 0 };
    this.unsubscribe = store.onDidChange((change) => {
      if (change.cleared && this.cursor) this.cursor = { ...this.cursor, position: store.logEnd };
      this.wake?.();
    });
    this.running = this.run().catch((e: unknown) => this.log(`forward: stopped: ${e instanceof Error ? e.message : String(e)}`));
  }

  status(): ForwardStatus {
    return { ...this.state, backlogBytes: this.cursor ? this.store.logBytesAfter(this.cursor.position) : 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    await this.store.whenReady();
    this.cursor = await this.loadCursor();
    await this.saveCursor(); // from now on, what is acknowledged here is owed upstream, across restarts
    this.log(`forward: sending every acknowledged batch to ${this.url} (from segment ${this.cursor.position.segment}, byte ${this.cursor.position.offset})`);
    let backoff = MIN_BACKOFF_MS;
    while (!this.closed) {
      const { frames, skipped } = await this.store.readLog(this.cursor.position, FRAMES_PER_READ);
      if (skipped) this.log(`forward: the store's retention dropped data before it was sent to ${this.url} (the upstream was away longer than the store keeps data)`);
      if (frames.length === 0) {
        this.state = { ...this.state, state: 'ok' };
        await this.sleep(IDLE_MS);
        continue;
      }
      for (const frame of frames) {
        if (this.closed) return;
        const outcome = await this.send(frame);
        if (outcome.retryInMs !== undefined) {
          const wait = Math.max(outcome.retryInMs, backoff);
          this.state = { ...this.state, state: 'retrying', lastError: outcome.error, retryAtMs: Date.now() + wait };
          await this.sleep(wait);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
          break; // read again from the cursor: the same frame first
        }
        backoff = MIN_BACKOFF_MS;
        if (outcome.error) this.log(`forward: ${this.url} refused a batch for good (${outcome.error}); it is skipped`);
        this.cursor = { url: this.url, position: frame.next, sentBatches: this.cursor.sentBatches + (outcome.error ? 0 : 1) };
        await this.saveCursor();
        this.state = { url: this.url, state: 'ok', sentBatches: this.cursor.sentBatches, backlogBytes: 0, ...(outcome.error ? { lastError: outcome.error } : {}) };
      }
    }
  }

  /** One POST: done (2xx), skipped for good (4xx other than 408/429: the data is refused), or to retry. */
  private async send(frame: LogFrame): Promise<{ error?: string; retryInMs?: number }> {
    let req: ReturnType<typeof upstreamRequest>;
    try {
      req = upstreamRequest(frame.format, frame.body);
    } catch (e) {
      return { error: `the stored batch could not be converted: ${e instanceof Error ? e.message : String(e)}` };
    }
    try {
      const res = await fetch(`${this.url}${req.path}`, {
        method: 'POST',
        headers: { 'Content-Type': req.contentType, ...this.headers },
        body: typeof req.body === 'string' ? req.body : new Uint8Array(req.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return {};
      const error = `HTTP ${res.status} from ${this.url}${req.path}`;
      if (res.status === 408 || res.status === 429 || res.status >= 500) return { error, retryInMs: retryAfterMs(res.headers.get('retry-after')) ?? 0 };
      return { error };
    } catch (e) {
      const why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      return { error: `${this.url} does not answer (${why})`, retryInMs: 0 };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** The saved position for this upstream; a new upstream starts at the end of the log (not with old data). */
  private async loadCursor(): Promise<Cursor> {
    try {
      const saved = JSON.parse(await fs.readFile(join(this.dataDir, CURSOR_FILE), 'utf8')) as Partial<Cursor>;
      const p = saved.position;
      if (saved.url === this.url && p && Number.isInteger(p.segment) && Number.isInteger(p.offset)) return { url: this.url, position: p, sentBatches: Number(saved.sentBatches) || 0 };
    } catch {
      // none yet
    }
    return { url: this.url, position: this.store.logEnd, sentBatches: 0 };
  }

  private async saveCursor(): Promise<void> {
    const tmp = join(this.dataDir, `${CURSOR_FILE}.tmp`);
    await fs.writeFile(tmp, JSON.stringify(this.cursor));
    await fs.rename(tmp, join(this.dataDir, CURSOR_FILE));
  }
}
