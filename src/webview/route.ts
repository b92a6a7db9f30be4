// Deep links: a UiRoute as a path and query ("trace/<id>?span=<id>&tab=flame"), used by the standalone page's URL hash
// (#/trace/...) and VS Code's URI handler (vscode://tracelens.tracelens/trace/...). Pure; hostile input gives undefined.
import { isSpanIdHex, isTraceIdHex } from '../core/ids';
import type { UiRoute } from '../protocol/webview';
import { HOTSPOTS_GROUP_BY, TRACE_TABS } from '../protocol/webview';

/** "trace/<id>?span=<id>" and the like; the inverse of routeFromPath. */
export function routeToPath(route: UiRoute): string {
  const q = new URLSearchParams();
  switch (route.page) {
    case 'search':
      if (route.query) q.set('q', route.query);
      return withQuery('search', q);
    case 'trace':
      if (route.spanId) q.set('span', route.spanId);
      if (route.tab && route.tab !== 'waterfall') q.set('tab', route.tab);
      return withQuery(`trace/${route.traceId}`, q);
    case 'compare':
      q.set('left', route.left);
      q.set('right', route.right);
      return withQuery('compare', q);
    case 'dependencies':
      if (route.lookbackMinutes !== undefined) q.set('lookback', String(route.lookbackMinutes));
      return withQuery('dependencies', q);
    case 'hotspots':
      if (route.service !== undefined) q.set('service', route.service);
      if (route.lookbackMinutes !== undefined) q.set('lookback', String(route.lookbackMinutes));
      if (route.groupBy !== undefined && route.groupBy !== 'operation') q.set('group', route.groupBy);
      return withQuery('hotspots', q);
    case 'propagation':
      if (route.traceId !== undefined) q.set('trace', route.traceId);
      if (route.lookbackMinutes !== undefined) q.set('lookback', String(route.lookbackMinutes));
      return withQuery('propagation', q);
  }
}

function withQuery(path: string, q: URLSearchParams): string {
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** A route from a path ("/trace/<id>") and query string; undefined when it names no valid route. */
export function routeFromPath(path: string, query = ''): UiRoute | undefined {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  const q = new URLSearchParams(query.replace(/^\?/, ''));
  const id = (text: string | null | undefined, form: (t: string) => boolean): string | undefined => {
    const t = text?.toLowerCase();
    return t !== undefined && form(t) ? t : undefined;
  };
  switch (parts[0]) {
    case '':
    case 'search': {
      const query = q.get('q');
      return query ? { page: 'search', query } : { page: 'search' };
    }
    case 'trace': {
      const traceId = id(parts[1], isTraceIdHex);
      if (!traceId || parts.length > 2) return undefined;
      const spanId = id(q.get('span'), isSpanIdHex);
      const tab = TRACE_TABS.find((t) => t === q.get('tab'));
      return { page: 'trace', traceId, ...(spanId ? { spanId } : {}), ...(tab ? { tab } : {}) };
    }
    case 'compare': {
      const left = id(q.get('left'), isTraceIdHex);
      const right = id(q.get('right'), isTraceIdHex);
      return left && right ? { page: 'compare', left, right } : undefined;
    }
    case 'dependencies': {
      const lookbackMinutes = lookback(q);
      return lookbackMinutes !== undefined ? { page: 'dependencies', lookbackMinutes } : { page: 'dependencies' };
    }
    case 'hotspots': {
      if (parts.length > 1) return undefined;
      const service = q.get('service');
      const lookbackMinutes = lookback(q);
      const groupBy = HOTSPOTS_GROUP_BY.find((g) => g === q.get('group'));
      return {
        page: 'hotspots',
        ...(service ? { service } : {}),
        ...(lookbackMinutes !== undefined ? { lookbackMinutes } : {}),
        ...(groupBy && groupBy !== 'operation' ? { groupBy } : {}),
      };
    }
    case 'propagation': {
      if (parts.length > 1) return undefined;
      const traceId = id(q.get('trace'), isTraceIdHex);
      if (q.has('trace') && !traceId) return undefined;
      const lookbackMinutes = lookback(q);
      return { page: 'propagation', ...(traceId ? { traceId } : {}), ...(lookbackMinutes !== undefined ? { lookbackMinutes } : {}) };
    }
    default:
      return undefined;
  }
}

/** A window in minutes from "lookback=60": a positive finite number, else undefined. */
function lookback(q: URLSearchParams): number | undefined {
  const n = Number(q.get('lookback'));
  return q.has('lookback') && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The standalone page's hash: "#/trace/<id>?span=<id>". */
export function routeToHash(route: UiRoute): string {
  return `#/${routeToPath(route)}`;
}

export function routeFromHash(hash: string): UiRoute | undefined {
  let text = hash.replace(/^#/, '');
  // A link opened through an editor's openExternal may arrive with its fragment percent-encoded ("%3Fspan%3D...").
  if (!text.includes('?') && /%3f/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  const at = text.indexOf('?');
  return at < 0 ? routeFromPath(text) : routeFromPath(text.slice(0, at), text.slice(at + 1));
}
