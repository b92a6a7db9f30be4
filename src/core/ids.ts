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
