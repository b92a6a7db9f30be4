// The live feed: the store's changes, throttled (at most one event per interval, with the ids of the traces that
// changed meanwhile), for every client that wants them: the LSP endpoint (the extension) and the WebSocket of the
// query API (the web UI).
import type { LiveMessage, TracesChangedEvent } from '../protocol/messages';
import type { TraceServer } from './traceServer';

/** Live updates are sent at most this often. */
export const NOTIFY_INTERVAL_MS = 250;
const MAX_IDS_PER_EVENT = 500;

export class LiveFeed {
  private changed = new Set<string>();
  private cleared = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(event: TracesChangedEvent) => void>();
  /** Notices to the other TraceLens processes on the feed; each resolves once written. */
  private readonly noticeListeners = new Set<(message: LiveMessage) => Promise<void>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly server: TraceServer) {
    this.unsubscribe = server.store.onDidChange((change) => {
      if (this.listeners.size === 0) return; // nobody listens: nothing to remember
      if (change.cleared) {
        this.cleared = true;
        this.changed.clear();
      }
      for (const id of change.traceIds) this.changed.add(id);
      this.timer ??= setTimeout(() => this.flush(), NOTIFY_INTERVAL_MS);
    });
  }

  /** Names traces that changed outside the store (a debugger paused or resumed a process of theirs). */
  touch(traceIds: Iterable<string>): void {
    if (this.listeners.size === 0) return;
    for (const id of traceIds) this.changed.add(id);
    this.timer ??= setTimeout(() => this.flush(), NOTIFY_INTERVAL_MS);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (event: TracesChangedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeNotices(listener: (message: LiveMessage) => Promise<void>): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Sends a notice to every feed (e.g. "handing over to process N"); resolves once written, or after `ms`. */
  async notify(message: LiveMessage, ms = 1000): Promise<void> {
    const sent = Promise.all([...this.noticeListeners].map((l) => l(message).catch(() => undefined)));
    await Promise.race([sent, new Promise((r) => setTimeout(r, ms).unref())]);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe();
    this.listeners.clear();
    this.noticeListeners.clear();
  }

  private flush(): void {
    this.timer = undefined;
    const ids = [...this.changed];
    const event: TracesChangedEvent = { traceIds: ids.slice(0, MAX_IDS_PER_EVENT), more: ids.length > MAX_IDS_PER_EVENT, cleared: this.cleared, status: this.server.status() };
    this.changed = new Set();
    this.cleared = false;
    for (const l of this.listeners) l(event);
  }
}
