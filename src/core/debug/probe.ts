// The span at a breakpoint. While a JavaScript debuggee is paused, the debug adapter evaluates ACTIVE_SPAN_PROBE in the
// paused frame (no change to the user's code): it reads the OpenTelemetry API's global context manager, takes the
// active span of the frame's async context, any other span that context holds (the HTTP instrumentations keep the
// server span there), and the finished spans of the same trace still waiting in batch span processors' queues, and
// returns them as JSON: an OTLP JSON export request plus which spans are still running. parsePausedSpans reads that
// text (untrusted: it comes from the debuggee) with the receivers' own OTLP JSON decoder. Pure.
import type { Span } from '../model';
import { MalformedPayloadError } from '../model';
import type { Json } from '../otlp/json';
import { decodeTraceRequestValue } from '../otlp/json';
import { isSpanIdHex, isTraceIdHex } from '../ids';

/** Largest probe answer read (the probe itself stops adding spans near 4 MB). */
export const MAX_PROBE_CHARS = 8 * 1024 * 1024;

/**
 * A JavaScript expression (ES2017 and BigInt: Node 10.4 or later) that evaluates to a JSON string:
 * { tracelens: 1, now: "<unix ns>", otel: boolean, active: {traceId, spanId} | null, running: [spanId],
 *   unexported: [spanId], request: ExportTraceServiceRequest (OTLP JSON) }.
 * It changes nothing in the program: it reads the SDK's own fields (where a value may be any object of the program's,
 * such as the context's values, it reads data properties only, so no getter of the program's runs) and calls only
 * spanContext(), the context manager's active(), the context's getValue() and a trace state's serialize().
 */
export const ACTIVE_SPAN_PROBE = `(function () {
  var out = { tracelens: 1, now: String(Date.now()) + '000000', otel: false, active: null, running: [], unexported: [], request: { resourceSpans: [] } };
  try {
    // Sub-millisecond, like the SDK's times (Date.now() anchors plus performance.now() steps): an event recorded in
    // the same millisecond as the pause is not after it. Only within that millisecond: the monotonic clock drifts
    // from the wall clock the SDK anchors to when the system clock is adjusted.
    var perf = typeof performance === 'object' && performance && typeof performance.now === 'function' && typeof performance.timeOrigin === 'number' ? performance : null;
    if (perf) {
      var ms = perf.timeOrigin + perf.now();
      var precise = BigInt(Math.floor(ms)) * BigInt(1000000) + BigInt(Math.floor((ms % 1) * 1000000));
      var wall = BigInt(out.now);
      if (precise > wall && precise < wall + BigInt(1000000)) out.now = precise.toString();
    }
    var g = typeof globalThis === 'object' ? globalThis : global;
    var api = null;
    for (var major = 9; major >= 1 && !api; major--) api = g[Symbol.for('opentelemetry.js.api.' + major)] || null;
    if (!api) return JSON.stringify(out);
    out.otel = true;
    var cm = api.context;
    var ctx = cm && typeof cm.active === 'function' ? cm.active() : null;
    var isSpan = function (s) { return !!s && typeof s === 'object' && typeof s.spanContext === 'function'; };
    // A recorded span of the SDK: a non-recording span (sampled out, or a remote parent) only carries a context.
    var isRecorded = function (s) { return Array.isArray(s.startTime) && s.startTime.length === 2; };
    var active = ctx && typeof ctx.getValue === 'function' ? ctx.getValue(Symbol.for('OpenTelemetry Context Key SPAN')) : null;
    if (!isSpan(active)) return JSON.stringify(out);
    var asc = active.spanContext();
    if (!asc || typeof asc.traceId !== 'string' || typeof asc.spanId !== 'string') return JSON.stringify(out);
    out.active = { traceId: asc.traceId, spanId: asc.spanId };
    var spans = [];
    var seen = Object.create(null);
    var add = function (s) {
      if (!isSpan(s) || spans.length >= 500 || !isRecorded(s)) return;
      var c = s.spanContext();
      if (!c || c.traceId !== asc.traceId || typeof c.spanId !== 'string' || seen[c.spanId]) return;
      seen[c.spanId] = true;
      spans.push(s);
    };
    // A data property only: no getter of an object the program put in its context runs.
    var own = function (o, k) {
      if (!o || typeof o !== 'object') return undefined;
      var d = Object.getOwnPropertyDescriptor(o, k);
      return d && 'value' in d ? d.value : undefined;
    };
    add(active);
    // Other spans of the context: the HTTP instrumentations keep the server span as RPC metadata ({ type, span }).
    var values = own(ctx, '_currentContext');
    if (values instanceof Map) values.forEach(function (v) { add(v); add(own(v, 'span')); });
    // Ended spans still queued in batch span processors: TracerProvider._activeSpanProcessor (MultiSpanProcessor)
    // ._spanProcessors[i]._finishedSpans, found from the global provider (ProxyTracerProvider._delegate) and from the
    // active span's own processor (providers that are not the global one).
    var visited = [];
    var visit = function (p, depth) {
      if (!p || typeof p !== 'object' || depth > 5 || visited.indexOf(p) >= 0 || visited.length > 64) return;
      visited.push(p);
      var queue = own(p, '_finishedSpans');
      if (Array.isArray(queue)) queue.slice(-10000).forEach(add);
      ['_spanProcessors', 'spanProcessors'].forEach(function (k) { var list = own(p, k); if (Array.isArray(list)) list.slice(0, 32).forEach(function (x) { visit(x, depth + 1); }); });
      ['_delegate', '_activeSpanProcessor', 'activeSpanProcessor', '_spanProcessor', '_processor', '_tracerOptions', '_config'].forEach(function (k) { visit(own(p, k), depth + 1); });
    };
    visit(api.trace, 0);
    visit(own(active, '_spanProcessor'), 1);
    var nanos = function (t, otherwise) {
      if (!Array.isArray(t) || t.length !== 2 || !isFinite(t[0]) || !isFinite(t[1]) || t[0] < 0 || t[1] < 0) return otherwise;
      return (BigInt(Math.trunc(t[0])) * BigInt(1000000000) + BigInt(Math.trunc(t[1]))).toString();
    };
    var later = function (a, b) { return BigInt(a) > BigInt(b) ? a : b; };
    var value = function (v, depth) {
      if (typeof v === 'string') return { stringValue: v.length > 4096 ? v.slice(0, 4096) : v };
      if (typeof v === 'boolean') return { boolValue: v };
      if (typeof v === 'bigint') return { intValue: v.toString() };
      if (typeof v === 'number') return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: isFinite(v) ? v : String(v) };
      if (v === null || v === undefined) return {};
      if (v instanceof Uint8Array) return typeof Buffer === 'function' ? { bytesValue: Buffer.from(v.buffer, v.byteOffset, Math.min(v.length, 4096)).toString('base64') } : {};
      if (Array.isArray(v)) return depth < 4 ? { arrayValue: { values: v.slice(0, 256).map(function (x) { return value(x, depth + 1); }) } } : {};
      if (typeof v === 'object') return depth < 4 ? { kvlistValue: { values: attrs(v, depth + 1) } } : {};
      return { stringValue: String(v).slice(0, 4096) };
    };
    var attrs = function (o, depth) {
      if (!o || typeof o !== 'object') return [];
      return Object.keys(o).slice(0, 128).map(function (k) { return { key: k.slice(0, 256), value: value(own(o, k), depth || 0) }; });
    };
    // Resource attributes without the 'attributes' getter (it logs an error while async detectors are pending):
    // _rawAttributes ([key, value] pairs, the first of a key wins, promises skipped) in SDK 2.x and later.
    var resourceAttrs = function (r) {
      var raw = own(r, '_rawAttributes');
      if (Array.isArray(raw)) {
        var o = {};
        raw.slice(0, 256).forEach(function (kv) {
          if (!Array.isArray(kv) || typeof kv[0] !== 'string' || kv[0] in o || kv[1] === null || kv[1] === undefined || typeof kv[1].then === 'function') return;
          o[kv[0]] = kv[1];
        });
        return attrs(o);
      }
      var sync = own(r, '_attributes') || own(r, '_syncAttributes');
      return attrs(sync && typeof sync === 'object' ? sync : own(r, 'attributes'));
    };
    var budget = 4000000;
    spans.forEach(function (s) {
      var c = s.spanContext();
      var ended = s._ended === true || own(s, 'ended') === true;
      var pc = own(s, 'parentSpanContext');
      var parent = pc && typeof pc === 'object' ? pc.spanId : own(s, 'parentSpanId');
      var scope = own(s, 'instrumentationScope') || own(s, 'instrumentationLibrary') || {};
      var status = own(s, 'status') || {};
      var start = nanos(s.startTime, out.now);
      var kind = own(s, 'kind');
      var events = own(s, 'events');
      var links = own(s, 'links');
      var item = {
        resource: { attributes: resourceAttrs(own(s, 'resource')) },
        scopeSpans: [{
          scope: { name: String(scope.name || ''), version: String(scope.version || '') },
          spans: [{
            traceId: c.traceId, spanId: c.spanId, parentSpanId: typeof parent === 'string' ? parent : '',
            traceState: c.traceState && typeof c.traceState.serialize === 'function' ? String(c.traceState.serialize()).slice(0, 512) : '',
            name: String(own(s, 'name') || '').slice(0, 1024), kind: (typeof kind === 'number' && kind >= 0 && kind <= 4 ? kind : 0) + 1,
            startTimeUnixNano: start,
            // A running span ends at the pause (never before its start: the SDK's clock has sub-millisecond steps).
            endTimeUnixNano: ended ? nanos(s.endTime, start) : later(out.now, start),
            attributes: attrs(own(s, 'attributes')),
            droppedAttributesCount: Number(own(s, '_droppedAttributesCount') || 0) >>> 0,
            events: (Array.isArray(events) ? events.slice(0, 128) : []).map(function (e) { return { name: String(e.name || '').slice(0, 1024), timeUnixNano: nanos(e.time, start), attributes: attrs(e.attributes), droppedAttributesCount: Number(e.droppedAttributesCount || 0) >>> 0 }; }),
            droppedEventsCount: Number(own(s, '_droppedEventsCount') || 0) >>> 0,
            links: (Array.isArray(links) ? links.slice(0, 128) : []).map(function (l) { var lc = l.context || {}; return { traceId: String(lc.traceId || ''), spanId: String(lc.spanId || ''), attributes: attrs(l.attributes), droppedAttributesCount: Number(l.droppedAttributesCount || 0) >>> 0 }; }),
            droppedLinksCount: Number(own(s, '_droppedLinksCount') || 0) >>> 0,
            status: { code: status.code === 1 || status.code === 2 ? status.code : 0, message: String(status.message || '').slice(0, 4096) },
            flags: typeof c.traceFlags === 'number' ? c.traceFlags & 255 : 0
          }]
        }]
      };
      var size = JSON.stringify(item).length;
      if (size > budget) return;
      budget -= size;
      out.request.resourceSpans.push(item);
      (ended ? out.unexported : out.running).push(c.spanId);
    });
  } catch (e) {
    out.error = String(e && e.message || e).slice(0, 500);
  }
  return JSON.stringify(out);
})()`;

/** What the probe found in the paused frame. */
export type PausedSpans =
  | { readonly kind: 'no-otel' }
  | { readonly kind: 'no-span' }
  | {
      readonly kind: 'span';
      readonly traceId: string;
      readonly spanId: string;
      /** The spans the process holds for the trace: running ones end at `now`. */
      readonly spans: readonly Span[];
      readonly running: ReadonlySet<string>;
      readonly unexported: ReadonlySet<string>;
      /** The debuggee's clock when paused, Unix ns. */
      readonly now: bigint;
    };

const fail = (what: string): never => {
  throw new MalformedPayloadError(`the active-span probe returned ${what}`);
};

const ids = (v: unknown, what: string): Set<string> => {
  if (!Array.isArray(v)) return fail(`no ${what} list`);
  return new Set(v.filter((x): x is string => typeof x === 'string' && isSpanIdHex(x)));
};

/** Reads the probe's JSON text. Throws MalformedPayloadError when it is not the probe's answer. */
export function parsePausedSpans(text: string): PausedSpans {
  if (text.length > MAX_PROBE_CHARS) fail(`${text.length} characters (more than ${MAX_PROBE_CHARS})`);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return fail('text that is not JSON');
  }
  if (typeof root !== 'object' || root === null || (root as { tracelens?: unknown }).tracelens !== 1) return fail('something else than its answer');
  const o = root as Record<string, unknown>;
  if (typeof o['error'] === 'string' && o['active'] === null) fail(`an error: ${o['error'].slice(0, 500)}`);
  if (o['otel'] !== true) return { kind: 'no-otel' };
  const active = o['active'];
  if (active === null || active === undefined) return { kind: 'no-span' };
  const a = active as Record<string, unknown>;
  const traceId = typeof a['traceId'] === 'string' ? a['traceId'] : '';
  const spanId = typeof a['spanId'] === 'string' ? a['spanId'] : '';
  // An invalid context (all zeros, from a non-recording span) is no span either.
  if (!isTraceIdHex(traceId) || !isSpanIdHex(spanId) || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return { kind: 'no-span' };
  const now = typeof o['now'] === 'string' && /^\d{1,20}$/.test(o['now']) ? BigInt(o['now']) : fail('no time');
  const running = ids(o['running'], 'running');
  const unexported = ids(o['unexported'], 'unexported');
  let decoded: ReturnType<typeof decodeTraceRequestValue>;
  try {
    decoded = decodeTraceRequestValue((o['request'] ?? {}) as Json);
  } catch (e) {
    // Anything the decoder cannot walk (e.g. nested deeper than the stack) is junk like any other.
    if (e instanceof MalformedPayloadError) throw e;
    return fail(`spans that cannot be read (${e instanceof Error ? e.message : String(e)})`);
  }
  const spans = decoded.spans.filter((s) => s.traceId === traceId);
  return { kind: 'span', traceId, spanId, spans, running, unexported, now };
}

/**
 * The probe's answer as of the moment the debuggee paused, `pausedForNanos` before the probe read its clock: `now`
 * moves back by that much, and so do the ends of the running spans (never before their start).
 */
export function atPause(found: Extract<PausedSpans, { kind: 'span' }>, pausedForNanos: bigint): Extract<PausedSpans, { kind: 'span' }> {
  if (pausedForNanos <= 0n) return found;
  const now = found.now - pausedForNanos;
  const spans = found.spans.map((s) =>
    found.running.has(s.spanId) && s.endTimeUnixNano > now ? { ...s, endTimeUnixNano: now > s.startTimeUnixNano ? now : s.startTimeUnixNano } : s,
  );
  return { ...found, spans, now };
}
