// Small traces drawn as ASCII timelines, for the trace page's view tests. One span per line:
//
//   api:GET /orders  |==========|        service:name, then the span's bar
//     auth           |=|                 two more spaces of indent: a child of the line above with less indent
//     db:SELECT!        |====|           "!" after the name: status ERROR
//   ^lost               |==|             "^" before the name: an orphan (its parent id is not in the trace)
//
// A bar runs from its first "|" to its last (a lone "|" is a zero-length span); one column is one millisecond,
// counted from the least indented line's first character.
// The service is inherited from the parent when not given ("svc" at the top). Span ids are the line numbers in hex.
// Kinds, attributes, exceptions (by span name) and resource attributes (by service) come as options.
import type { WireAttribute, WireSpan, WireTrace } from '../../src/protocol/wire';

export const TIMELINE_TRACE_ID = 'ab'.repeat(16);
/** Unix ns of column 0. */
export const TIMELINE_BASE = 1_700_000_000_000_000_000n;
export const MS = 1_000_000;

export interface Timeline {
  readonly trace: WireTrace;
  /** The span id of the span with this name (the first one). */
  id(name: string): string;
}

export function spanIdOf(line: number): string {
  return (line + 1).toString(16).padStart(16, '0');
}

export interface TimelineOptions {
  /** Span kind by span name (INTERNAL when not given). */
  readonly kinds?: Record<string, number>;
  /** Attributes by span name: every span of that name gets them. */
  readonly attributes?: Record<string, Record<string, string | number | boolean>>;
  /** An `exception` event by span name. */
  readonly exceptions?: Record<string, { readonly type: string; readonly message: string; readonly stacktrace?: string }>;
  /** Extra resource attributes by service (e.g. host.name). */
  readonly resources?: Record<string, Record<string, string>>;
}

const toAttributes = (values: Record<string, string | number | boolean> | undefined): WireAttribute[] =>
  Object.entries(values ?? {}).map(([key, value]) => ({ key, value: typeof value === 'number' && Number.isInteger(value) ? { int: String(value) } : value }));

export function timeline(text: string, options: TimelineOptions = {}): Timeline {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const indent = Math.min(...lines.map((l) => l.length - l.trimStart().length));
  const services: string[] = [];
  const spans: WireSpan[] = [];
  const stack: { depth: number; index: number }[] = [];
  lines.forEach((line, i) => {
    const bar = line.indexOf('|') - indent;
    if (bar < 0) throw new Error(`timeline line ${i + 1} has no bar: ${line}`);
    const last = line.lastIndexOf('|') - indent;
    const depth = (line.length - line.trimStart().length - indent) / 2;
    let label = line.slice(0, bar + indent).trim();
    const error = label.endsWith('!');
    if (error) label = label.slice(0, -1);
    const orphan = label.startsWith('^');
    if (orphan) label = label.slice(1);
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const parent = stack[stack.length - 1];
    const colon = label.indexOf(':');
    const service = colon > 0 ? label.slice(0, colon) : parent ? services[parent.index]! : 'svc';
    const name = colon > 0 ? label.slice(colon + 1) : label;
    services[i] = service;
    stack.push({ depth, index: i });
    spans.push({
      traceId: TIMELINE_TRACE_ID,
      spanId: spanIdOf(i),
      parentSpanId: orphan ? 'ff'.repeat(8) : parent ? spanIdOf(parent.index) : '',
      name,
      kind: options.kinds?.[name] ?? 0,
      startTimeUnixNano: (TIMELINE_BASE + BigInt(bar * MS)).toString(),
      endTimeUnixNano: (TIMELINE_BASE + BigInt(last * MS)).toString(),
      attributes: toAttributes(options.attributes?.[name]),
      droppedAttributesCount: 0,
      events: options.exceptions?.[name]
        ? [{ timeUnixNano: (TIMELINE_BASE + BigInt(last * MS)).toString(), name: 'exception', attributes: toAttributes({ 'exception.type': options.exceptions[name].type, 'exception.message': options.exceptions[name].message, 'exception.stacktrace': options.exceptions[name].stacktrace ?? '' }), droppedAttributesCount: 0 }]
        : [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: error ? 2 : 0, message: '' },
      traceState: '',
      flags: 1,
      resource: 0,
      scope: 0,
    });
  });
  // One resource per service, in order of first appearance.
  const names = [...new Set(spans.map((_, i) => services[i]!))];
  const trace: WireTrace = {
    traceId: TIMELINE_TRACE_ID,
    spans: spans.map((s, i) => ({ ...s, resource: names.indexOf(services[i]!) })),
    resources: names.map((n) => ({ attributes: [{ key: 'service.name', value: n }, ...toAttributes(options.resources?.[n])], droppedAttributesCount: 0, schemaUrl: '' })),
    scopes: [{ name: 'timeline', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' }],
  };
  return {
    trace,
    id(name) {
      const s = trace.spans.find((x) => x.name === name);
      if (!s) throw new Error(`no span named ${name}`);
      return s.spanId;
    },
  };
}
