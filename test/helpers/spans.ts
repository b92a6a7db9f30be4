// Spans of the model built by hand for unit tests: every field has a plain default, the test names what matters.
import { SpanKind } from '@opentelemetry/api';
import type { Span } from '../../src/core/model';
import { EMPTY_ATTRIBUTES, EMPTY_RESOURCE, EMPTY_SCOPE, UNSET_STATUS } from '../../src/core/model';

export function modelSpan(o: Partial<Span> & Pick<Span, 'traceId' | 'spanId'>): Span {
  return {
    parentSpanId: '',
    name: 'op',
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_000_001_000n,
    attributes: EMPTY_ATTRIBUTES,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: UNSET_STATUS,
    traceState: '',
    flags: 0,
    resource: EMPTY_RESOURCE,
    scope: EMPTY_SCOPE,
    ...o,
  };
}
