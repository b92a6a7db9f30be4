// What activate() returns: a small typed API for the in-host tests (and other extensions, if ever needed).
import type * as vscode from 'vscode';
import type { ServerStatus } from '../protocol/messages';
import type { ToWebviewMessage, UiRoute } from '../protocol/webview';
import type { PausedState } from './debug/paused';

/** The trace server session as the extension sees it. */
export type ServerState =
  | { readonly kind: 'starting' }
  | { readonly kind: 'running'; readonly status: ServerStatus }
  /** Not running: it failed to start, crashed, or a setting is invalid. `reason` says which, for people. */
  | { readonly kind: 'failed'; readonly reason: string };

/** One row of a tree view as rendered: its text, and its children (expanded or not). */
export interface TreeSnapshot {
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  /** The codicon id, e.g. "error". */
  readonly icon?: string;
  readonly children: readonly TreeSnapshot[];
}

/** A TraceLens quick pick while it is open: its title and rows (tests cannot see the UI). */
export interface OpenPick {
  readonly title: string;
  readonly items: readonly { readonly label: string; readonly description?: string; readonly detail?: string }[];
}

/** The 1-based lines of a file that carry the hot and failing gutter decorations now. */
export interface HeatLines {
  readonly hot: readonly number[];
  readonly failing: readonly number[];
}

/** The span <-> code side of the extension, as the in-host tests see it. */
export interface LensApi {
  /** The TraceLens quick pick open now (Show Spans at This Location, Find Spans, Go to Span Source). */
  readonly openPick: () => OpenPick | undefined;
  /** The gutter decorations applied to a file (a file: URI) now; undefined when it has none. */
  readonly heatLines: (uri: string) => HeatLines | undefined;
}

/** The debug integration, as the in-host tests see it. */
export interface DebugApi {
  /** The span at a breakpoint: idle, reading, found (with the server's answer), or none (with the reason). */
  readonly paused: () => PausedState;
  /** Settles with the next state that is not 'reading' (or the current one if it is not), within timeoutMs. */
  readonly pausedSettled: (timeoutMs: number) => Promise<PausedState>;
  /** The newest debug session wired to the receiver: its tag (in its processes' resource) and name. */
  readonly session: () => { readonly tag: string; readonly name: string; readonly ended: boolean; readonly pids: readonly number[] } | undefined;
  /** The Span at Breakpoint view as it is now. */
  readonly pausedView: () => Promise<TreeSnapshot[]>;
}

export interface TraceLensApi {
  readonly state: () => ServerState;
  /** A fresh status from the server; undefined while it is not running. */
  readonly status: () => Promise<ServerStatus | undefined>;
  /** The Traces view as it is now (no refresh): service -> operation -> trace rows. */
  readonly tracesView: () => Promise<TreeSnapshot[]>;
  /** The Spans view as it is now: the span tree of the shown trace, details included. */
  readonly spansView: () => Promise<TreeSnapshot[]>;
  /** The trace the Spans view shows. */
  readonly shownTrace: () => string | undefined;
  /** The open trace-view panels (src/extension/panels), oldest first. */
  readonly panels: () => PanelSnapshot[];
  /** What the URI handler does with vscode://tracelens.tracelens/<path>: the route it opened, or undefined (and an error
   * message) for a link that names none. */
  readonly openUri: (uri: string) => UiRoute | undefined;
  /** The panel serializer's restore, on a panel of type 'tracelens.ui' the caller made, with a saved webview state. */
  readonly restorePanel: (panel: vscode.WebviewPanel, state: unknown) => Promise<void>;
  /** A message as if the webview of panel `index` had posted it; the reply the host posts back, if any. */
  readonly panelMessage: (index: number, message: unknown) => Promise<ToWebviewMessage | undefined>;
  readonly lens: LensApi;
  readonly debug: DebugApi;
}

/** One trace-view panel as the host sees it. */
export interface PanelSnapshot {
  readonly route: UiRoute;
  readonly title: string;
  /** Its UI said 'ready' (the bundle ran under the CSP and talks to the host) and is loaded. */
  readonly ready: boolean;
  readonly active: boolean;
}
