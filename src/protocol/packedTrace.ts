// A WireTrace packed for the UI's transport: each span as a positional array and the trace id said once. A
// 100,000-span trace is about 2.5x smaller as JSON than the object form, and the browser parses arrays faster than
// objects with long keys; the UI unpacks it back to the same WireTrace. Pure, no dependencies.
import type { WireAttribute, WireEvent, WireLink, WireLiveState, WireResource, WireScope, WireSpan, WireTrace } from './wire';

/**
 * [spanId, parentSpanId, name, kind, start, end, attributes, droppedAttributes, events, droppedEvents, links,
 *  droppedLinks, statusCode, statusMessage, traceState, flags, resource, scope]
 */
export type PackedSpan = readonly [
  string,
  string,
  string,
  number,
  string,
  string,
  readonly WireAttribute[],
  number,
  readonly WireEvent[],
  number,
  readonly WireLink[],
  number,
  number,
  string,
  string,
  number,
  number,
  number,
];

export interface PackedTrace {
  readonly traceId: string;
  /**
   * Only what a waterfall draws (ids, names, kinds, times, status, resource): no attributes, events or links, so a big
   * trace paints before the whole of it has arrived. About half the size.
   */
  readonly outline?: boolean;
  readonly resources: readonly WireResource[];
  readonly scopes: readonly WireScope[];
  readonly spans: readonly PackedSpan[];
  /** As WireTrace.live. */
  readonly live?: WireLiveState;
  /** As WireTrace.source. */
  readonly source?: string;
}

/** `outline`: the trace was made without attributes, events and links (toWireTrace's outline), and says so. */
export function packTrace(t: WireTrace, outline = false): PackedTrace {
  return {
    traceId: t.traceId,
    ...(outline ? { outline } : {}),
    ...(t.live ? { live: t.live } : {}),
    ...(t.source ? { source: t.source } : {}),
    resources: t.resources,
    scopes: t.scopes,
    spans: t.spans.map((s): PackedSpan => [
      s.spanId,
      s.parentSpanId,
      s.name,
      s.kind,
      s.startTimeUnixNano,
      s.endTimeUnixNano,
      s.attributes,
      s.droppedAttributesCount,
      s.events,
      s.droppedEventsCount,
      s.links,
      s.droppedLinksCount,
      s.status.code,
      s.status.message,
      s.traceState,
      s.flags,
      s.resource,
      s.scope,
    ]),
  };
}

export function unpackTrace(p: PackedTrace): WireTrace {
  const traceId = p.traceId;
  return {
    traceId,
    ...(p.live ? { live: p.live } : {}),
    ...(p.source ? { source: p.source } : {}),
    resources: p.resources,
    scopes: p.scopes,
    spans: p.spans.map(
      (a): WireSpan => ({
        traceId,
        spanId: a[0],
        parentSpanId: a[1],
        name: a[2],
        kind: a[3],
        startTimeUnixNano: a[4],
        endTimeUnixNano: a[5],
        attributes: a[6],
        droppedAttributesCount: a[7],
        events: a[8],
        droppedEventsCount: a[9],
        links: a[10],
        droppedLinksCount: a[11],
        status: { code: a[12], message: a[13] },
        traceState: a[14],
        flags: a[15],
        resource: a[16],
        scope: a[17],
      }),
    ),
  };
}
