// The message of "Add logpoint with this span's attributes": each time the line runs, the debugger prints the active
// span's name, trace id and its values of the attributes the chosen span recorded (JavaScript/TypeScript through the
// OpenTelemetry API's global, Python through opentelemetry.trace). Inside the span's function that is the span itself,
// with what it has recorded so far; on the line that starts it, the enclosing span. For other languages the message
// quotes the values the chosen span recorded, marked as such. Expressions sit in {braces}, as logpoints expect. Pure.
import type { WireAttribute, WireValue } from '../../protocol/wire';

export type LogpointLanguage = 'javascript' | 'python' | 'other';

/** Attributes named in one message; code.* attributes say where the code is, which the logpoint already knows. */
const MAX_KEYS = 8;

const JS_ACTIVE_SPAN = "globalThis[Symbol.for('opentelemetry.js.api.1')]?.context?.active()?.getValue(Symbol.for('OpenTelemetry Context Key SPAN'))";
const PY_ACTIVE_SPAN = "__import__('opentelemetry.trace', fromlist=['trace']).get_current_span()";

/** The language whose debugger evaluates a logpoint in this file. */
export function logpointLanguage(path: string): LogpointLanguage {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  if (['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx'].includes(ext)) return 'javascript';
  if (ext === 'py') return 'python';
  return 'other';
}

/** Text shown as is: braces would start an expression. */
const literal = (text: string, max = 80): string =>
  text
    .replace(/[{}]/g, (b) => (b === '{' ? '(' : ')'))
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ') // control characters (ESC would restyle the Debug Console) and line breaks
    .slice(0, max);

function valueText(v: WireValue): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  if ('int' in v) return v.int;
  if ('double' in v) return v.double;
  if ('bytes' in v) return `bytes(${v.bytes.length})`;
  return '{…}';
}

/** The logpoint message for a span named `name` that recorded `attributes`, in a file of `language`. */
export function logpointMessage(name: string, attributes: readonly WireAttribute[], language: LogpointLanguage): string {
  const seen = new Set<string>();
  const keys: WireAttribute[] = [];
  for (const a of attributes) {
    if (keys.length >= MAX_KEYS || seen.has(a.key) || a.key.startsWith('code.') || /[{}\r\n]/.test(a.key) || a.key.length > 100) continue;
    seen.add(a.key);
    keys.push(a);
  }
  const head = `[span ${literal(name)}]`;
  if (language === 'javascript') {
    const fields = keys.map((a) => `${literal(a.key)}={${JS_ACTIVE_SPAN}?.attributes?.[${JSON.stringify(a.key)}]}`);
    return [head, `active={${JS_ACTIVE_SPAN}?.name}`, `trace={${JS_ACTIVE_SPAN}?.spanContext()?.traceId}`, ...fields].join(' ');
  }
  if (language === 'python') {
    const fields = keys.map((a) => `${literal(a.key)}={getattr(${PY_ACTIVE_SPAN}, 'attributes', None).get(${JSON.stringify(a.key)}) if getattr(${PY_ACTIVE_SPAN}, 'attributes', None) else None}`);
    return [head, `active={getattr(${PY_ACTIVE_SPAN}, 'name', None)}`, `trace={format(${PY_ACTIVE_SPAN}.get_span_context().trace_id, '032x')}`, ...fields].join(' ');
  }
  const recorded = keys.map((a) => `${literal(a.key)}=${literal(valueText(a.value), 60)}`);
  return [head, 'recorded', ...recorded].join(' ');
}

/**
 * Whether a source line ends by opening the body of the function a span runs: `startActiveSpan('x', (span) => {`,
 * `function (span) {`, Python's `with tracer.start_as_current_span("x") as span:`, Kotlin's `.use { span ->`, Ruby's
 * `in_span('x') do |span|`. A span's source line is often that line, and the span is active only from the next one.
 */
export function opensFunctionBody(line: string): boolean {
  const code = line.replace(/\s+\/\/.*$/, '').trimEnd();
  return /(=>\s*\{|\bfunction\b[^{]*\{|\{\s*[\w, ]*->|\bdo(\s*\|[^|]*\|)?)$/.test(code) || /^\s*(async\s+)?(with|def)\b.*:$/.test(code);
}
