// A team's trace backends beside the local store: searches ask every remote at once and merge what answered in time
// with the local results (a remote that is down or slow never holds the local ones back), a trace not stored here is
// looked up in the remotes, and each remote's state is part of the server's status. Remote results carry the
// remote's name (`source`), which the views show.
import type { Span } from '../../core/model';
import type { OperationInfo, TraceQuery } from '../../core/store/store';
import { queryLimit } from '../../core/store/query';
import type { TraceSummary } from '../../core/trace';
import type { RemoteStatus } from '../../protocol/messages';
import type { RemoteSource } from './jaegerSource';

/** A remote's answer is waited for this long in a search (the local results are ready long before). */
const SEARCH_TIMEOUT_MS = 3000;
/** A trace lookup may take longer: it is the one thing the user asked for. */
const TRACE_TIMEOUT_MS = 10_000;

export class Remotes {
  private readonly states = new Map<string, RemoteStatus>();

  constructor(
    readonly sources: readonly RemoteSource[],
    private readonly log: (line: string) => void = () => undefined,
  ) {
    for (const s of sources) this.states.set(s.name, { name: s.name, url: s.url, state: 'unknown' });
  }

  get size(): number {
    return this.sources.length;
  }

  status(): RemoteStatus[] {
    return [...this.states.values()];
  }

  /** Local results and every remote's that came in time, newest first, at most the query's limit. */
  async findTraces(local: readonly TraceSummary[], query: TraceQuery): Promise<TraceSummary[]> {
    if (this.sources.length === 0) return [...local];
    const answers = await Promise.all(this.sources.map((s) => this.ask(s, SEARCH_TIMEOUT_MS, (signal) => s.findTraces(query, signal))));
    const seen = new Set(local.map((t) => t.traceId));
    const merged: TraceSummary[] = [...local];
    answers.forEach((found, i) => {
      for (const t of found ?? []) {
        if (seen.has(t.traceId)) continue;
        seen.add(t.traceId);
        merged.push({ ...t, source: this.sources[i]!.name });
      }
    });
    merged.sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? 1 : a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 0));
    return merged.slice(0, queryLimit(query));
  }

  /** The first remote that has the trace, with its name. */
  async getTrace(traceId: string): Promise<{ readonly spans: readonly Span[]; readonly source: string } | undefined> {
    const answers = await Promise.all(this.sources.map((s) => this.ask(s, TRACE_TIMEOUT_MS, (signal) => s.getTrace(traceId, signal))));
    for (const [i, spans] of answers.entries()) if (spans) return { spans, source: this.sources[i]!.name };
    return undefined;
  }

  async services(local: readonly string[]): Promise<string[]> {
    const answers = await Promise.all(this.sources.map((s) => this.ask(s, SEARCH_TIMEOUT_MS, (signal) => s.services(signal))));
    return [...new Set([...local, ...answers.flatMap((a) => a ?? [])])].sort();
  }

  async operations(local: readonly OperationInfo[], service: string | undefined): Promise<OperationInfo[]> {
    const answers = await Promise.all(this.sources.map((s) => this.ask(s, SEARCH_TIMEOUT_MS, (signal) => s.operations(service, signal))));
    const key = (o: OperationInfo): string => `${o.service}\u0000${o.name}\u0000${o.spanKind}`;
    const out = new Map(local.map((o) => [key(o), o]));
    for (const o of answers.flatMap((a) => a ?? [])) if (!out.has(key(o))) out.set(key(o), o);
    return [...out.values()].sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
  }

  /** One call to a remote, bounded; its outcome becomes the remote's state. Undefined when it failed. */
  private async ask<T>(source: RemoteSource, timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    try {
      const result = await call(AbortSignal.timeout(timeoutMs));
      this.set(source, { state: 'ok', millis: Math.round(performance.now() - started) });
      return result;
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      const error = timedOut ? `did not answer within ${timeoutMs / 1000} s` : e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      this.set(source, { state: timedOut ? 'slow' : 'down', error });
      return undefined;
    }
  }

  private set(source: RemoteSource, change: Partial<RemoteStatus>): void {
    const before = this.states.get(source.name);
    const next: RemoteStatus = { name: source.name, url: source.url, state: change.state ?? 'unknown', ...(change.error ? { error: change.error } : {}), ...(change.millis !== undefined ? { millis: change.millis } : {}) };
    if (before?.state !== next.state) this.log(next.state === 'ok' ? `remote ${source.name} (${source.url}) answers` : `remote ${source.name} (${source.url}) ${next.error ?? next.state}; searches go on without it`);
    this.states.set(source.name, next);
  }
}
