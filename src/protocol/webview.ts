// The messages between the web UI bundle (src/webview) and its host: a VS Code webview panel (src/extension/panels)
// or the standalone page the trace server serves (src/server/query.ts). Declared once, imported by both ends.
//
// The UI reads data with the same typed requests the extension sends over LSP (ServerRequests), restricted to the
// read-only ones below. In a VS Code panel they travel as postMessage to the extension, which forwards them to the
// trace server; on the standalone page they are `POST /api/tracelens/rpc/<method>` with a JSON body (the query API
// checks the method against this list and the Origin header like the live feed does).
import type { HotspotsParams } from './analysis';
import type { ServerRequests, TracesChangedEvent } from './messages';

/** The read-only requests the UI may make; anything else is refused by both hosts. */
export const UI_REQUESTS = [
  'tracelens/status',
  'tracelens/findTraces',
  'tracelens/getTrace',
  'tracelens/getTracePacked',
  'tracelens/getTraceOutline',
  'tracelens/getLogs',
  'tracelens/services',
  'tracelens/operations',
  'tracelens/dependencies',
  'tracelens/edgeTraces',
  'tracelens/export',
  'tracelens/insights',
  'tracelens/hotspots',
  'tracelens/propagation',
  'tracelens/slowCohort',
] as const satisfies readonly (keyof ServerRequests)[];

export type UiRequestMethod = (typeof UI_REQUESTS)[number];

export function isUiRequest(method: string): method is UiRequestMethod {
  return (UI_REQUESTS as readonly string[]).includes(method);
}

/** Where the UI is: one page per route. Encoded in deep links (see src/webview/route.ts). */
export type UiRoute =
  | { readonly page: 'search'; readonly query?: string }
  | { readonly page: 'trace'; readonly traceId: string; readonly spanId?: string; readonly tab?: TraceTab }
  | { readonly page: 'compare'; readonly left: string; readonly right: string }
  | { readonly page: 'dependencies'; readonly lookbackMinutes?: number }
  | { readonly page: 'hotspots'; readonly service?: string; readonly lookbackMinutes?: number; readonly groupBy?: HotspotsGroupBy }
  /** One trace's propagation path, or (without a trace) the traces of a window. */
  | { readonly page: 'propagation'; readonly traceId?: string; readonly lookbackMinutes?: number };

/** The trace page's tabs in order (keys 1 to 6): the one list the route, the tab bar and the keyboard read. */
export const TRACE_TABS = ['waterfall', 'flame', 'stats', 'table', 'json', 'insights'] as const;
export type TraceTab = (typeof TRACE_TABS)[number];

export const HOTSPOTS_GROUP_BY = ['operation', 'location'] as const satisfies readonly NonNullable<HotspotsParams['groupBy']>[];
export type HotspotsGroupBy = (typeof HOTSPOTS_GROUP_BY)[number];

/** A source location the UI asks the host to open (issue: correlation; 1-based line and column). */
export interface OpenSourceParams {
  readonly traceId: string;
  readonly spanId: string;
  /** What to do at the span's source: open it (the default), or add a breakpoint or a logpoint there. */
  readonly action?: SourceAction;
}

/** What a webview may ask done at a span's source. */
export const SOURCE_ACTIONS = ['open', 'breakpoint', 'logpoint'] as const;
export type SourceAction = (typeof SOURCE_ACTIONS)[number];

/** UI -> host. */
export type ToHostMessage =
  /** Sent once the UI's listeners are in place; the host answers with `show`. */
  | { readonly type: 'ready' }
  | { readonly type: 'request'; readonly id: number; readonly method: UiRequestMethod; readonly params: unknown }
  /** The route changed inside the UI (the host keeps it to restore the panel and to title it). */
  | { readonly type: 'navigated'; readonly route: UiRoute; readonly title: string }
  /** Open a route in a new panel / tab (e.g. a linked trace, or compare). */
  | { readonly type: 'open'; readonly route: UiRoute }
  | { readonly type: 'openSource'; readonly params: OpenSourceParams }
  | { readonly type: 'copy'; readonly text: string; readonly what: string };

/** Host -> UI. */
export type ToWebviewMessage =
  | { readonly type: 'show'; readonly route: UiRoute }
  | { readonly type: 'response'; readonly id: number; readonly result?: unknown; readonly error?: string }
  | { readonly type: 'tracesChanged'; readonly event: TracesChangedEvent };

/** The route a VS Code panel restores after a reload (its webview state). */
export interface PanelState {
  readonly route: UiRoute;
}
