// Which traces belong to a debug session. A span comes from the session's processes when
//   - its resource carries the session's tag (SESSION_ATTRIBUTE, set through OTEL_RESOURCE_ATTRIBUTES at launch; child
//     processes inherit it), or
//   - it started within the session's time window and its resource names one of the session's process ids, or
//   - (only while no process id is known) it started within the window and its service is the session's service.
// Each rule is one store query; the session's traces are their union, newest first. Pure.
import type { FindTracesParams, WireDebugSession } from '../../protocol/messages';
import type { WireTraceSummary } from '../../protocol/wire';
import { SESSION_ATTRIBUTE } from './otelEnv';

/** Spans may start a little before the debugger reports the session (clocks, process start-up). */
const WINDOW_SLACK_NANOS = 1_000_000_000n;

function nanos(text: string, field: string): bigint {
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) throw new RangeError(`session.${field} must be Unix nanoseconds as a decimal string`);
  return BigInt(text);
}

/** The store queries whose union is the session's traces. */
export function sessionQueries(s: WireDebugSession, limit: number): FindTracesParams[] {
  const queries: FindTracesParams[] = [{ attributes: [{ key: SESSION_ATTRIBUTE, op: '=', value: String(s.id) }], limit }];
  const from = nanos(s.startNanos, 'startNanos') - WINDOW_SLACK_NANOS;
  const window = { startFromNanos: String(from < 0n ? 0n : from), ...(s.endNanos ? { startToNanos: String(nanos(s.endNanos, 'endNanos') + WINDOW_SLACK_NANOS) } : {}) };
  const pids = (Array.isArray(s.pids) ? s.pids : []).filter((p) => Number.isSafeInteger(p) && p > 0).slice(0, 16);
  for (const pid of pids) queries.push({ ...window, attributes: [{ key: 'process.pid', op: '=', value: pid }], limit });
  // Without a usable process id only the service tells the session's spans (junk ids are as good as none).
  if (pids.length === 0 && typeof s.serviceName === 'string' && s.serviceName) queries.push({ ...window, service: s.serviceName, limit });
  return queries;
}

/** The union of several answers: each trace once, newest first, at most `limit`. */
export function mergeSummaries(lists: readonly (readonly WireTraceSummary[])[], limit: number): WireTraceSummary[] {
  const byId = new Map<string, WireTraceSummary>();
  for (const list of lists) for (const t of list) if (!byId.has(t.traceId)) byId.set(t.traceId, t);
  return [...byId.values()]
    .sort((a, b) => {
      const x = BigInt(a.startTimeUnixNano);
      const y = BigInt(b.startTimeUnixNano);
      return x > y ? -1 : x < y ? 1 : a.traceId < b.traceId ? -1 : 1;
    })
    .slice(0, limit);
}
