// What every page of the UI gets from its host (a VS Code panel or the standalone page): typed requests, navigation,
// and the few things only a host can do (open source, copy, open a new panel). Pages never know which host they run in.
import type { ServerRequests, TracesChangedEvent } from '../protocol/messages';
import type { OpenSourceParams, UiRequestMethod, UiRoute } from '../protocol/webview';
import { unpackTrace } from '../protocol/packedTrace';
import type { WireTrace } from '../protocol/wire';

export interface UiContext {
  readonly mode: 'vscode' | 'standalone';
  request<M extends UiRequestMethod>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']>;
  /** Show another route in this view (pushes history on the standalone page). */
  navigate(route: UiRoute): void;
  /** Show a route in a new panel (VS Code) or tab (standalone). */
  open(route: UiRoute): void;
  /** Ask the host to open the span's source (VS Code opens the editor; the standalone page says where it is). */
  openSource(params: OpenSourceParams): void;
  /** Copy text; `what` names it in the confirmation ("trace id"). */
  copy(text: string, what: string): void;
  /** A link a person can share: a URL of the standalone page, or a vscode:// URI in VS Code. */
  deepLink(route: UiRoute): string;
  /** The shown page has a better title now (e.g. a trace page once its trace loaded): retitle the tab or panel. */
  setTitle(title: string): void;
  /** Called after every throttled store change; returns the unsubscribe function. */
  onTracesChanged(listener: (event: TracesChangedEvent) => void): () => void;
}

/** A page mounted into the view; dispose() removes its listeners and timers before the next page mounts. */
export interface Page {
  readonly element: HTMLElement;
  /** The panel or tab title for this page. */
  readonly title: string;
  dispose(): void;
}

/** A whole trace for a page, fetched packed (a 100k-span trace is 2.5x smaller that way); null when not stored. */
export async function loadTrace(ctx: UiContext, traceId: string): Promise<WireTrace | null> {
  const packed = await ctx.request('tracelens/getTracePacked', { traceId });
  performance.mark('tracelens:trace-fetched');
  return packed ? unpackTrace(packed) : null;
}

/** The trace's outline (no attributes, events or links), to paint a big trace before the whole of it arrives. */
export async function loadTraceOutline(ctx: UiContext, traceId: string): Promise<WireTrace | null> {
  const packed = await ctx.request('tracelens/getTraceOutline', { traceId });
  return packed ? unpackTrace(packed) : null;
}
