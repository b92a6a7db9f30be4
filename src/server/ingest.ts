// The ingest queue between the receivers and the store. Receivers offer batches (spans or log records, with the bytes
// they came in); a batch is admitted when it fits within maxQueuedSpans (an empty queue always admits one batch, so a
// large batch cannot starve), and its promise resolves once the store has it durably: only then does the receiver
// acknowledge the export. A batch that does not fit is refused at once so that the exporter retries later (HTTP 429 +
// Retry-After, gRPC UNAVAILABLE). Pending batches are written together (group commit: one write, one fdatasync) on the
// next turn of the event loop. The queue can be paused while the store cannot take writes (being cleared, importing):
// exports then queue up to the bound and are refused past it, and nothing is lost.
import type { IngestBatch, TraceStore } from '../core/store/store';
import { batchSize } from '../core/store/store';

export interface IngestCounters {
  acceptedSpans: number;
  rejectedSpans: number;
  refusedSpans: number;
}

interface Pending {
  readonly batch: IngestBatch;
  readonly size: number;
  readonly done: (error?: Error) => void;
}

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(
    readonly queued: number,
    readonly capacity: number,
  ) {
    super(`the ingest queue is full (${queued} of ${capacity} spans waiting); retry shortly`);
  }
}

/** Seconds an exporter should wait before retrying a refused export. */
export const RETRY_AFTER_SECONDS = 1;

export class IngestQueue {
  readonly counters: IngestCounters = { acceptedSpans: 0, rejectedSpans: 0, refusedSpans: 0 };
  private pending: Pending[] = [];
  private queued = 0;
  private scheduled = false;
  private writing = false;
  private paused = 0;

  constructor(
    private readonly store: TraceStore,
    private readonly capacity: number,
  ) {}

  get queuedSpans(): number {
    return this.queued;
  }

  /** Counts spans the decoder rejected as invalid (they are never offered). */
  noteRejected(n: number): void {
    this.counters.rejectedSpans += n;
  }

  /** Resolves when the batch is stored; rejects with QueueFullError at once when it does not fit. */
  offer(batch: IngestBatch): Promise<void> {
    const size = batchSize(batch);
    if (size === 0) return Promise.resolve();
    if (this.queued > 0 && this.queued + size > this.capacity) {
      if (batch.kind !== 'logs') this.counters.refusedSpans += size;
      return Promise.reject(new QueueFullError(this.queued, this.capacity));
    }
    this.queued += size;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ batch, size, done: (e) => (e ? reject(e) : resolve()) });
      this.schedule();
    });
  }

  /** Holds writes until the returned function is called (pauses nest). */
  pause(): () => void {
    this.paused++;
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.paused--;
      this.schedule();
    };
  }

  /** Runs `work` with writes held, e.g. a store operation that must not interleave with appends. */
  async whilePaused<T>(work: () => Promise<T>): Promise<T> {
    const resume = this.pause();
    try {
      while (this.writing) await new Promise((r) => setImmediate(r));
      return await work();
    } finally {
      resume();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.writing || this.paused > 0 || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.pending.length > 0 && this.paused === 0) {
      const batch = this.pending;
      this.pending = [];
      let size = 0;
      let spans = 0;
      for (const b of batch) {
        size += b.size;
        if (b.batch.kind !== 'logs') spans += b.size;
      }
      let error: Error | undefined;
      try {
        await this.store.append(batch.map((b) => b.batch));
        this.counters.acceptedSpans += spans;
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
      }
      this.queued -= size;
      for (const b of batch) b.done(error);
    }
    this.writing = false;
  }
}
