// Checks what a webview posts before the host acts on it: a ToHostMessage of the declared shape with a valid route,
// or undefined. The UI bundle is ours, but it renders untrusted span data, so its messages are checked like input.
// Pure (no vscode): routes are normalised by a round trip through their deep-link path (src/webview/route.ts).
import { isSpanIdHex, isTraceIdHex } from '../../core/ids';
import type { OpenSourceParams, SourceAction, ToHostMessage, UiRoute } from '../../protocol/webview';
import { SOURCE_ACTIONS } from '../../protocol/webview';
import { routeFromPath, routeToPath } from '../../webview/route';

/** Longest text the host shows as a title or names a copy with. */
const MAX_TEXT = 100_000;
/** Longest text the host copies (a span's JSON with big attributes: the receiver takes 16 MiB requests). */
const MAX_COPY = 16 * 1024 * 1024;

type Fields = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;

/** A valid UiRoute rebuilt from its deep-link path (ids lower-cased, unknown or bad fields dropped), or undefined. */
export function cleanRoute(value: unknown): UiRoute | undefined {
  if (!isObject(value) || typeof value['page'] !== 'string') return undefined;
  try {
    const path = routeToPath(value as unknown as UiRoute);
    const at = path.indexOf('?');
    return at < 0 ? routeFromPath(path) : routeFromPath(path.slice(0, at), path.slice(at + 1));
  } catch {
    return undefined; // fields routeToPath cannot read
  }
}

export function cleanSourceParams(value: unknown): OpenSourceParams | undefined {
  if (!isObject(value)) return undefined;
  const traceId = typeof value['traceId'] === 'string' ? value['traceId'].toLowerCase() : '';
  const spanId = typeof value['spanId'] === 'string' ? value['spanId'].toLowerCase() : '';
  const action = value['action'];
  if (action !== undefined && !SOURCE_ACTIONS.some((a) => a === action)) return undefined;
  const chosen = action as SourceAction | undefined;
  return isTraceIdHex(traceId) && isSpanIdHex(spanId) ? { traceId, spanId, ...(chosen && chosen !== 'open' ? { action: chosen } : {}) } : undefined;
}

/**
 * A message from the webview, checked. A 'request' keeps any method name here (the bridge answers one outside
 * UI_REQUESTS with an error, by its id); everything malformed is undefined.
 */
export function parseHostMessage(value: unknown): (ToHostMessage | { readonly type: 'request'; readonly id: number; readonly method: string; readonly params: unknown }) | undefined {
  if (!isObject(value)) return undefined;
  switch (value['type']) {
    case 'ready':
      return { type: 'ready' };
    case 'request': {
      const id = value['id'];
      const method = value['method'];
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof method !== 'string') return undefined;
      return { type: 'request', id, method, params: value['params'] ?? {} };
    }
    case 'navigated': {
      const route = cleanRoute(value['route']);
      const title = value['title'];
      return route && isText(title) ? { type: 'navigated', route, title } : undefined;
    }
    case 'open': {
      const route = cleanRoute(value['route']);
      return route ? { type: 'open', route } : undefined;
    }
    case 'openSource': {
      const params = cleanSourceParams(value['params']);
      return params ? { type: 'openSource', params } : undefined;
    }
    case 'copy': {
      const text = value['text'];
      const what = value['what'];
      return typeof text === 'string' && text.length <= MAX_COPY && isText(what) ? { type: 'copy', text, what } : undefined;
    }
    default:
      return undefined;
  }
}

/** A trace id as the store keys it (32 lower-case hex digits), or undefined. */
export function cleanTraceId(value: unknown): string | undefined {
  const id = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return isTraceIdHex(id) ? id : undefined;
}

export function cleanSpanId(value: unknown): string | undefined {
  const id = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return isSpanIdHex(id) ? id : undefined;
}
