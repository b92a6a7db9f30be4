// A team's Jaeger (or another TraceLens, which speaks the same API) as a source of traces: Jaeger's api/v3 (OTLP JSON
// traces), with the legacy /api/services for servers that predate it. Every call is bounded by the caller's signal.
import type { OperationInfo, TraceQuery } from '../../core/store/store';
import type { Span } from '../../core/model';
import { SpanKind } from '../../core/model';
import { decodeTraceRequestValue } from '../../core/otlp/json';
import type { TraceSummary } from '../../core/trace';
import { summarizeTrace } from '../../core/trace';
import { queryLimit } from '../../core/store/query';

export interface RemoteSource {
  readonly name: string;
  readonly url: string;
  findTraces(query: TraceQuery, signal: AbortSignal): Promise<TraceSummary[]>;
  getTrace(traceId: string, signal: AbortSignal): Promise<readonly Span[] | undefined>;
  services(signal: AbortSignal): Promise<string[]>;
  operations(service: string | undefined, signal: AbortSignal): Promise<OperationInfo[]>;
}

/** A remote that answered with an error the user should read. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
}

const DAY_NANOS = 86_400_000_000_000n;
const KINDS: Record<string, SpanKind> = { server: SpanKind.SERVER, client: SpanKind.CLIENT, producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER, internal: SpanKind.INTERNAL };

function rfc3339(nanos: bigint): string {
  const ms = nanos / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 19)}.${(nanos % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

export class JaegerSource implements RemoteSource {
  constructor(
    readonly name: string,
    readonly url: string,
    private readonly headers: Record<string, string> = {},
    /** Jaeger searches one service at a time; another TraceLens searches them all. */
    private readonly needsService = true,
  ) {}

  private async get(path: string, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}${path}`, { headers: { Accept: 'application/json', ...this.headers }, signal });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new RemoteError(`${this.name}: ${path.split('?')[0]} answered ${res.status} with something that is not JSON; is ${this.url} a Jaeger query API?`);
    }
    return { status: res.status, body };
  }

  async services(signal: AbortSignal): Promise<string[]> {
    const v3 = await this.get('/api/v3/services', signal);
    const list = (v3.body as { services?: unknown })?.services;
    if (v3.status === 200 && Array.isArray(list)) return list.filter((s): s is string => typeof s === 'string');
    const legacy = await this.get('/api/services', signal);
    const data = (legacy.body as { data?: unknown })?.data;
    if (legacy.status === 200 && Array.isArray(data)) return data.filter((s): s is string => typeof s === 'string');
    throw new RemoteError(`${this.name}: no service list at ${this.url}/api/v3/services (${v3.status}) nor /api/services (${legacy.status})`);
  }

  async operations(service: string | undefined, signal: AbortSignal): Promise<OperationInfo[]> {
    const services = service !== undefined ? [service] : await this.services(signal);
    const out: OperationInfo[] = [];
    for (const s of services) {
      const r = await this.get(`/api/v3/operations?service=${encodeURIComponent(s)}`, signal);
      const ops = (r.body as { operations?: { name?: unknown; spanKind?: unknown }[] })?.operations;
      if (r.status !== 200 || !Array.isArray(ops)) continue;
      for (const o of ops) if (typeof o.name === 'string') out.push({ service: s, name: o.name, spanKind: KINDS[String(o.spanKind ?? '').toLowerCase()] ?? SpanKind.INTERNAL });
    }
    return out;
  }

  /** Jaeger searches one service at a time: without one, it is not asked. */
  async findTraces(query: TraceQuery, signal: AbortSignal): Promise<TraceSummary[]> {
    if (query.service === undefined && this.needsService) return [];
    const to = query.startToNanos ?? BigInt(Date.now()) * 1_000_000n;
    const from = query.startFromNanos ?? to - DAY_NANOS;
    const p = new URLSearchParams({
      ...(query.service !== undefined ? { 'query.service_name': query.service } : {}),
      'query.start_time_min': rfc3339(from),
      'query.start_time_max': rfc3339(to),
      'query.num_traces': String(queryLimit(query)),
    });
    if (query.operation !== undefined) p.set('query.operation_name', query.operation);
    if (query.minDurationNanos !== undefined) p.set('query.duration_min', `${query.minDurationNanos}ns`);
    if (query.maxDurationNanos !== undefined) p.set('query.duration_max', `${query.maxDurationNanos}ns`);
    const equal = (query.attributes ?? []).filter((a) => a.op === '=');
    if (query.errorsOnly) equal.push({ key: 'error', op: '=', value: 'true' });
    if (equal.length > 0) p.set('query.attributes', JSON.stringify(Object.fromEntries(equal.map((a) => [a.key, String(a.value)]))));
    const r = await this.get(`/api/v3/traces?${p}`, signal);
    if (r.status === 404) return [];
    const result = (r.body as { result?: unknown; error?: { message?: string } })?.result;
    if (r.status !== 200 || result === undefined) throw new RemoteError(`${this.name}: search answered ${r.status}${(r.body as { error?: { message?: string } })?.error?.message ? `: ${(r.body as { error: { message: string } }).error.message}` : ''}`);
    const byTrace = new Map<string, Span[]>();
    for (const s of decodeTraceRequestValue(result as never).spans) {
      let list = byTrace.get(s.traceId);
      if (!list) byTrace.set(s.traceId, (list = []));
      list.push(s);
    }
    return [...byTrace.values()].map((spans) => summarizeTrace(spans)!).filter(Boolean);
  }

  async getTrace(traceId: string, signal: AbortSignal): Promise<readonly Span[] | undefined> {
    const r = await this.get(`/api/v3/traces/${traceId}`, signal);
    if (r.status === 404) return undefined;
    const result = (r.body as { result?: unknown })?.result;
    if (r.status !== 200 || result === undefined) throw new RemoteError(`${this.name}: trace ${traceId} answered ${r.status}`);
    const spans = decodeTraceRequestValue(result as never).spans;
    return spans.length > 0 ? [...spans].sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0)) : undefined;
  }
}
