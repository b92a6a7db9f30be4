// Grafana Tempo as a source of traces: GET /api/v2/traces/{id} (falling back to /api/traces/{id}) for a trace, and
// /api/search with TraceQL built from the search form for the rest. Tempo answers in protobuf's JSON mapping: trace
// and span ids in base64 (made hex here), and v1 traces under "batches" (made OTLP "resourceSpans").
import type { Span } from '../../core/model';
import { SpanKind } from '../../core/model';
import { decodeTraceRequestValue } from '../../core/otlp/json';
import { queryLimit } from '../../core/store/query';
import type { AttributeFilter, OperationInfo, TraceQuery } from '../../core/store/store';
import type { TraceSummary } from '../../core/trace';
import { summarizeTrace } from '../../core/trace';
import type { RemoteSource } from './jaegerSource';
import { RemoteError } from './jaegerSource';

const DAY_NANOS = 86_400_000_000_000n;
const KIND_WORDS: Record<number, string> = { [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client', [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer', [SpanKind.INTERNAL]: 'internal' };

/** A TraceQL string literal. */
function literal(text: string): string {
  return JSON.stringify(text);
}

/** A TraceQL attribute name: `.key` for a plain one, `."key with spaces"` otherwise. */
function attribute(key: string): string {
  return /^[A-Za-z_][\w.]*$/.test(key) ? `.${key}` : `.${literal(key)}`;
}

function condition(f: AttributeFilter): string | undefined {
  if (f.key === 'error' && f.op === '=' && String(f.value) === 'true') return 'status = error';
  if (f.op === 'exists') return `${attribute(f.key)} != nil`;
  if (f.op === '=' || f.op === '!=') return `${attribute(f.key)} ${f.op} ${literal(String(f.value ?? ''))}`;
  const n = Number(f.value);
  return Number.isFinite(n) ? `${attribute(f.key)} ${f.op} ${n}` : undefined;
}

/** The TraceQL of a search: one span set whose spans meet every condition at once (as the local search). */
export function traceQl(q: TraceQuery): string {
  const parts: string[] = [];
  if (q.service !== undefined) parts.push(`resource.service.name = ${literal(q.service)}`);
  if (q.operation !== undefined) parts.push(`name = ${literal(q.operation)}`);
  if (q.spanKind !== undefined) parts.push(`kind = ${KIND_WORDS[q.spanKind] ?? 'internal'}`);
  if (q.errorsOnly) parts.push('status = error');
  if (q.minDurationNanos !== undefined) parts.push(`duration >= ${q.minDurationNanos}ns`);
  if (q.maxDurationNanos !== undefined) parts.push(`duration <= ${q.maxDurationNanos}ns`);
  for (const f of q.attributes ?? []) {
    const c = condition(f);
    if (c) parts.push(c);
  }
  return `{ ${parts.join(' && ')} }`.replace('{  }', '{}');
}

/** Tempo's JSON (base64 ids, v1 "batches") as OTLP/JSON. */
export function tempoToOtlp(body: unknown): unknown {
  const root = (body as { trace?: unknown })?.trace ?? body;
  const r = root as { batches?: unknown[]; resourceSpans?: unknown[] };
  const resourceSpans = (r.resourceSpans ?? r.batches ?? []).map((b) => {
    const batch = b as Record<string, unknown>;
    const scopes = (batch['scopeSpans'] ?? batch['instrumentationLibrarySpans'] ?? []) as Record<string, unknown>[];
    return {
      ...batch,
      scopeSpans: scopes.map((s) => ({ ...s, scope: s['scope'] ?? s['instrumentationLibrary'], spans: ((s['spans'] ?? []) as Record<string, unknown>[]).map(hexIds) })),
    };
  });
  return { resourceSpans };
}

function hexIds(span: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...span, traceId: hex(span['traceId'], 16), spanId: hex(span['spanId'], 8) };
  if (typeof span['parentSpanId'] === 'string' && span['parentSpanId'] !== '') out['parentSpanId'] = hex(span['parentSpanId'], 8);
  if (Array.isArray(span['links'])) out['links'] = (span['links'] as Record<string, unknown>[]).map((l) => ({ ...l, traceId: hex(l['traceId'], 16), spanId: hex(l['spanId'], 8) }));
  return out;
}

/** An id as hex: hex stays; base64 of the right length becomes hex. */
function hex(v: unknown, bytes: number): unknown {
  if (typeof v !== 'string') return v;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(v)) return v.toLowerCase();
  const decoded = Buffer.from(v, 'base64');
  return decoded.length === bytes ? decoded.toString('hex') : v;
}

export class TempoSource implements RemoteSource {
  constructor(
    readonly name: string,
    readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private async get(path: string, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}${path}`, { headers: { Accept: 'application/json', ...this.headers }, signal });
    const text = await res.text();
    try {
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    } catch {
      throw new RemoteError(`${this.name}: ${path.split('?')[0]} answered ${res.status} with something that is not JSON; is ${this.url} a Tempo API?`);
    }
  }

  async getTrace(traceId: string, signal: AbortSignal): Promise<readonly Span[] | undefined> {
    let r = await this.get(`/api/v2/traces/${traceId}`, signal);
    if (r.status === 404 && (r.body as { trace?: unknown } | undefined)?.trace === undefined) r = await this.get(`/api/traces/${traceId}`, signal);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new RemoteError(`${this.name}: trace ${traceId} answered ${r.status}`);
    const spans = decodeTraceRequestValue(tempoToOtlp(r.body) as never).spans;
    return spans.length > 0 ? spans : undefined;
  }

  /** A search: the TraceQL of the form, then each trace found (Tempo's search results carry no span counts). */
  async findTraces(query: TraceQuery, signal: AbortSignal): Promise<TraceSummary[]> {
    const to = query.startToNanos ?? BigInt(Date.now()) * 1_000_000n;
    const from = query.startFromNanos ?? to - DAY_NANOS;
    const p = new URLSearchParams({ q: traceQl(query), start: String(from / 1_000_000_000n), end: String(to / 1_000_000_000n + 1n), limit: String(queryLimit(query)) });
    const r = await this.get(`/api/search?${p}`, signal);
    if (r.status !== 200) throw new RemoteError(`${this.name}: search answered ${r.status}${typeof (r.body as { error?: unknown })?.error === 'string' ? `: ${(r.body as { error: string }).error}` : ''}`);
    const ids = ((r.body as { traces?: { traceID?: unknown }[] })?.traces ?? []).map((t) => hex(t.traceID, 16)).filter((id): id is string => typeof id === 'string' && /^[0-9a-f]{32}$/.test(id));
    const traces = await Promise.all(ids.map((id) => this.getTrace(id, signal).catch(() => undefined)));
    return traces.flatMap((spans) => (spans ? [summarizeTrace(spans)!] : []));
  }

  async services(signal: AbortSignal): Promise<string[]> {
    const v2 = await this.get('/api/v2/search/tag/resource.service.name/values', signal);
    const values = (v2.body as { tagValues?: unknown[] })?.tagValues;
    if (v2.status === 200 && Array.isArray(values)) return values.map((v) => (typeof v === 'string' ? v : (v as { value?: unknown })?.value)).filter((v): v is string => typeof v === 'string');
    const v1 = await this.get('/api/search/tag/service.name/values', signal);
    const old = (v1.body as { tagValues?: unknown[] })?.tagValues;
    if (v1.status === 200 && Array.isArray(old)) return old.filter((v): v is string => typeof v === 'string');
    throw new RemoteError(`${this.name}: no service list at ${this.url} (${v2.status}, ${v1.status})`);
  }

  /** Span names, per service when one is given (Tempo has no kinds here: INTERNAL). */
  async operations(service: string | undefined, signal: AbortSignal): Promise<OperationInfo[]> {
    const services = service !== undefined ? [service] : await this.services(signal);
    const out: OperationInfo[] = [];
    for (const s of services) {
      const q = encodeURIComponent(`{ resource.service.name = ${literal(s)} }`);
      const r = await this.get(`/api/v2/search/tag/name/values?q=${q}`, signal);
      const values = (r.body as { tagValues?: unknown[] })?.tagValues;
      if (r.status !== 200 || !Array.isArray(values)) continue;
      for (const v of values) {
        const name = typeof v === 'string' ? v : (v as { value?: unknown })?.value;
        if (typeof name === 'string') out.push({ service: s, name, spanKind: SpanKind.INTERNAL });
      }
    }
    return out;
  }
}
