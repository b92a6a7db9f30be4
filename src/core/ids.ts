// Trace and span ids: bytes <-> lower-case hex, and the validity rules of the W3C and OTLP specs.

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

const HEX_RE = /^[0-9a-f]*$/;

/** Lower-cases; returns undefined when the text is not even-length hex. */
export function normaliseHex(text: string): string | undefined {
  const s = text.toLowerCase();
  return s.length % 2 === 0 && HEX_RE.test(s) ? s : undefined;
}

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const SPAN_ID_RE = /^[0-9a-f]{16}$/;

/** Has the text the form of a trace id as the store keys it: 32 lower-case hex digits? */
export function isTraceIdHex(text: string): boolean {
  return TRACE_ID_RE.test(text);
}

/** A trace id as Jaeger clients send it in a URL: hex, possibly shorter than 32 digits (64-bit Zipkin ids), as the
 * store keys it; undefined when it is not one. */
export function traceIdParam(text: string): string | undefined {
  return /^[0-9a-fA-F]{1,32}$/.test(text) ? text.toLowerCase().padStart(32, '0') : undefined;
}

/** Has the text the form of a span id: 16 lower-case hex digits? */
export function isSpanIdHex(text: string): boolean {
  return SPAN_ID_RE.test(text);
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Why a trace id is invalid, or undefined when it is valid (32 hex digits, not all zero). */
export function traceIdProblem(hex: string): string | undefined {
  if (!HEX_RE.test(hex)) return `not lower-case hex: ${JSON.stringify(hex.slice(0, 40))}`;
  if (hex.length !== 32) return `${hex.length / 2} bytes, expected 16`;
  if (hex === ZERO_TRACE) return 'all zero';
  return undefined;
}

/** Why a span id is invalid, or undefined when it is valid (16 hex digits, not all zero). */
export function spanIdProblem(hex: string): string | undefined {
  if (!HEX_RE.test(hex)) return `not lower-case hex: ${JSON.stringify(hex.slice(0, 40))}`;
  if (hex.length !== 16) return `${hex.length / 2} bytes, expected 8`;
  if (hex === ZERO_SPAN) return 'all zero';
  return undefined;
}
