// The analysis routes' query parameters (GET /api/tracelens/hotspots, /propagation, /slow-cohort) read into the typed
// requests' params; a bad value throws ConfigError with a message that says what to send (the route answers 400).
import { ConfigError } from '../address';
import { traceIdParam } from '../ids';
import { parseGoDuration, parseLookback } from '../jaeger';
import type { HotspotsParams, PropagationParams, SlowCohortParams } from '../../protocol/analysis';
import { MAX_LOOKBACK_MINUTES as HOTSPOT_LOOKBACK_MINUTES } from './hotspots';

const MAX_LOOKBACK_MINUTES = 366 * 24 * 60;

/** lookback=1h / 30m / 2d -> minutes; undefined when absent. */
function lookbackMinutes(q: URLSearchParams): number | undefined {
  const text = q.get('lookback');
  if (text === null || text === '') return undefined;
  const nanos = parseLookback(text);
  if (nanos === undefined || nanos <= 0n) throw new ConfigError(`lookback ${JSON.stringify(text)} is not a duration; use e.g. 15m, 1h, 12h or 2d`);
  return Math.min(Number(nanos) / 60e9, MAX_LOOKBACK_MINUTES);
}

function limitParam(q: URLSearchParams, max: number): number | undefined {
  const text = q.get('limit');
  if (text === null || text === '') return undefined;
  const n = Number(text);
  if (!/^\d{1,9}$/.test(text) || n < 1 || n > max) throw new ConfigError(`limit ${JSON.stringify(text)} is not a whole number from 1 to ${max}`);
  return n;
}

function text(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

function traceIdQuery(q: URLSearchParams): string | undefined {
  const v = text(q, 'traceID') ?? text(q, 'traceId');
  if (v === undefined) return undefined;
  const id = traceIdParam(v);
  if (!id) throw new ConfigError(`traceID ${JSON.stringify(v.slice(0, 64))} is not a trace ID: expected up to 32 hex digits`);
  return id;
}

/** The present ones of service=, operation= and lookback= (as minutes), which hotspots and the slow cohort share. */
function scope(q: URLSearchParams, maxMinutes = Infinity): { service?: string; operation?: string; lookbackMinutes?: number } {
  const lookback = lookbackMinutes(q);
  if (lookback !== undefined && lookback > maxMinutes) throw new ConfigError(`lookback ${JSON.stringify(q.get('lookback'))} is longer than the 24h hotspots keep; use e.g. 1h, 6h or 24h`);
  const service = text(q, 'service');
  const operation = text(q, 'operation');
  return {
    ...(service !== undefined ? { service } : {}),
    ...(operation !== undefined ? { operation } : {}),
    ...(lookback !== undefined ? { lookbackMinutes: lookback } : {}),
  };
}

/** ?service=&operation=&lookback=&limit=&groupBy=operation|location */
export function parseHotspotsQuery(q: URLSearchParams): HotspotsParams {
  const groupBy = text(q, 'groupBy');
  if (groupBy !== undefined && groupBy !== 'operation' && groupBy !== 'location') throw new ConfigError(`groupBy ${JSON.stringify(groupBy)} is not one of operation, location`);
  const where = scope(q, HOTSPOT_LOOKBACK_MINUTES);
  const limit = limitParam(q, 1000);
  return { ...where, ...(limit !== undefined ? { limit } : {}), ...(groupBy !== undefined ? { groupBy } : {}) };
}

/** ?traceID= for one trace, or ?lookback=&limit= for the newest traces of a window. */
export function parsePropagationQuery(q: URLSearchParams): PropagationParams {
  const traceId = traceIdQuery(q);
  const lookback = lookbackMinutes(q);
  const limit = limitParam(q, 200);
  if (traceId !== undefined && (lookback !== undefined || limit !== undefined)) throw new ConfigError('give either traceID, or lookback and limit for a window, not both');
  return { ...(traceId !== undefined ? { traceId } : {}), ...(lookback !== undefined ? { lookbackMinutes: lookback } : {}), ...(limit !== undefined ? { limit } : {}) };
}

/** ?service=&operation=&lookback=&minDuration=250ms */
export function parseSlowCohortQuery(q: URLSearchParams): SlowCohortParams {
  const min = text(q, 'minDuration');
  let minDurationNanos: string | undefined;
  if (min !== undefined) {
    const d = parseGoDuration(min);
    if (d === undefined || d <= 0n) throw new ConfigError(`minDuration ${JSON.stringify(min)} is not a duration; use e.g. 250ms or 1.5s`);
    minDurationNanos = String(d);
  }
  return { ...scope(q), ...(minDurationNanos !== undefined ? { minDurationNanos } : {}) };
}
