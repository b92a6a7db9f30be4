// The trace-view commands (category "TraceLens") and deep links: Open Trace View, Open Trace Search, Show Service
// Dependencies, Show Hotspots, Show Propagation, Compare Traces…, Copy Link to Trace, Open in Trace View (Spans view), and the URI handler that opens
// vscode://tracelens.tracelens/<route path> links. Arguments come from tree items, other extensions, or nothing (then
// a quick pick); whatever is wrong is said as a message (Ctx.registerCommand), never thrown at the user.
import * as vscode from 'vscode';
import type { WireTraceSummary } from '../../protocol/wire';
import type { UiRoute } from '../../protocol/webview';
import { truncate } from '../../core/display';
import { routeFromPath, routeToPath } from '../../webview/route';
import type { Views } from '../commands';
import { tracePickItem } from '../commands';
import type { Ctx } from '../ctx';
import { UserError } from '../ctx';
import { isTraceElement } from '../views/tracesView';
import { spanOfElement } from '../views/spansView';
import { cleanSpanId, cleanTraceId } from './messages';
import type { UiPanels } from './uiPanels';

/** The extension's id: the authority of its vscode:// links. */
export const LINK_AUTHORITY = 'tracelens.tracelens';
const RECENT = 100;

type TraceTarget = { readonly traceId: string; readonly spanId?: string };

/** A deep link to a route, in the scheme of this editor (vscode://, vscode-insiders://, code-oss://...). */
export function deepLink(route: UiRoute): string {
  return `${vscode.env.uriScheme}://${LINK_AUTHORITY}/${routeToPath(route)}`;
}

export function registerPanelCommands(ctx: Ctx, panels: UiPanels, views: Views): { openUri: (uri: vscode.Uri) => UiRoute | undefined } {
  /** A trace (and span) from a command argument; undefined when there is none; UserError when it is not one. */
  const target = (arg: unknown): TraceTarget | undefined => {
    if (arg === undefined || arg === null) return undefined;
    if (isTraceElement(arg)) return { traceId: arg.summary.traceId };
    const span = spanOfElement(arg);
    if (span) return { traceId: span.traceId, spanId: span.spanId };
    const fields = typeof arg === 'object' ? (arg as { traceId?: unknown; spanId?: unknown }) : { traceId: arg };
    const traceId = cleanTraceId(fields.traceId);
    if (!traceId) throw new UserError(`TraceLens: "${truncate(String(fields.traceId), 80)}" is not a trace id (32 hexadecimal digits).`);
    const spanId = fields.spanId === undefined ? undefined : cleanSpanId(fields.spanId);
    if (fields.spanId !== undefined && !spanId) throw new UserError(`TraceLens: "${truncate(String(fields.spanId), 80)}" is not a span id (16 hexadecimal digits).`);
    return spanId ? { traceId, spanId } : { traceId };
  };
  const traceRoute = (t: TraceTarget): UiRoute => ({ page: 'trace', traceId: t.traceId, ...(t.spanId ? { spanId: t.spanId } : {}) });

  /** Arguments: a trace id, { traceId, spanId? }, a Traces or Spans view item, or nothing (pick or type an id). */
  ctx.registerCommand('openTrace', async (arg?: unknown) => {
    const t = target(arg) ?? (await pickOrTypeTrace(ctx, 'TraceLens: Open Trace View'));
    if (!t) return undefined;
    const route = traceRoute(t);
    panels.open(route);
    return route;
  });

  ctx.registerCommand('openSpanInTraceView', async (arg?: unknown) => {
    const t = target(arg ?? views.spans.selectedSpan);
    if (!t) throw new UserError('TraceLens: select a span in the Spans view first.');
    return vscode.commands.executeCommand('tracelens.openTrace', t);
  });

  ctx.registerCommand('openSearch', (query?: unknown) => {
    const route: UiRoute = typeof query === 'string' && query.trim() !== '' ? { page: 'search', query: query.trim() } : { page: 'search' };
    panels.open(route);
    return route;
  });

  ctx.registerCommand('showDependencies', () => {
    const route: UiRoute = { page: 'dependencies' };
    panels.open(route);
    return route;
  });

  ctx.registerCommand('showHotspots', () => {
    const route: UiRoute = { page: 'hotspots' };
    panels.open(route);
    return route;
  });

  /** Arguments: a trace id, { traceId }, or a Traces or Spans view item (that trace's path); nothing: the recent traces. */
  ctx.registerCommand('showPropagation', (arg?: unknown) => {
    const t = target(arg);
    const route: UiRoute = t ? { page: 'propagation', traceId: t.traceId } : { page: 'propagation' };
    panels.open(route);
    return route;
  });

  /** Arguments: two trace ids; or a tree item and the selected items (two traces, or an operation to pick from). */
  ctx.registerCommand('compareTraces', async (a?: unknown, b?: unknown) => {
    const pair = await comparePair(ctx, a, b);
    if (!pair) return undefined;
    const route: UiRoute = { page: 'compare', left: pair[0], right: pair[1] };
    panels.open(route);
    return route;
  });

  ctx.registerCommand('copyTraceLink', async (arg?: unknown) => {
    const t = target(arg) ?? (await pickOrTypeTrace(ctx, 'TraceLens: Copy Link to Trace'));
    if (!t) return undefined;
    const link = deepLink(traceRoute(t));
    await vscode.env.clipboard.writeText(link);
    void vscode.window.showInformationMessage(`TraceLens: copied ${link}`);
    return link;
  });

  const openUri = (uri: vscode.Uri): UiRoute | undefined => {
    const route = routeFromPath(uri.path, uri.query);
    if (!route) {
      const example = `${vscode.env.uriScheme}://${LINK_AUTHORITY}/trace/<32 hex digits>?span=<16 hex digits>`;
      const text = `TraceLens: cannot open "${truncate(uri.toString(true), 200)}": not a link to a trace view. A valid link looks like ${example} (or .../search?q=<query>, .../compare?left=<trace id>&right=<trace id>, .../dependencies, .../hotspots, .../propagation?trace=<trace id>).`;
      ctx.log.warn(text);
      void vscode.window.showErrorMessage(text);
      return undefined;
    }
    panels.open(route);
    return route;
  };
  ctx.pushExt(vscode.window.registerUriHandler({ handleUri: (uri) => void openUri(uri) }));
  return { openUri };
}

/** A quick pick of recent traces that also takes a typed (or pasted) trace id. */
async function pickOrTypeTrace(ctx: Ctx, title: string): Promise<TraceTarget | undefined> {
  const recent = await ctx.request('tracelens/findTraces', { limit: RECENT });
  const items = recent.map(tracePickItem);
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { readonly traceId: string }>();
  qp.title = title;
  qp.placeholder = recent.length > 0 ? 'A recent trace, or type a trace id' : 'No traces yet: type a trace id (32 hexadecimal digits)';
  qp.matchOnDetail = true;
  qp.items = items;
  const subs: vscode.Disposable[] = [qp];
  try {
    return await new Promise<TraceTarget | undefined>((resolve) => {
      subs.push(
        qp.onDidChangeValue((value) => {
          const typed = cleanTraceId(value);
          qp.items = typed && !items.some((i) => i.traceId === typed) ? [{ label: `Open trace ${typed}`, traceId: typed, alwaysShow: true }, ...items] : items;
        }),
        qp.onDidAccept(() => resolve(qp.selectedItems[0] ? { traceId: qp.selectedItems[0].traceId } : undefined)),
        qp.onDidHide(() => resolve(undefined)),
      );
      qp.show();
    });
  } finally {
    for (const d of subs) d.dispose();
  }
}

/** Two traces to compare, from the arguments or picked: the second of the same root operation as the first. */
async function comparePair(ctx: Ctx, a: unknown, b: unknown): Promise<[string, string] | undefined> {
  const left = cleanTraceId(a);
  const right = cleanTraceId(b);
  if (left && right) return [left, right];
  // From the Traces view: the clicked item, then every selected item.
  const selected = (Array.isArray(b) ? b : []).filter(isTraceElement).map((e) => e.summary);
  if (selected.length === 2) return [selected[0]!.traceId, selected[1]!.traceId];
  if (selected.length > 2) throw new UserError(`TraceLens: select two traces to compare, not ${selected.length}.`);
  const operation = operationOf(a);
  if (operation) return pickTwo(operation.traces, `TraceLens: Compare Traces of ${truncate(`${operation.service}: ${operation.name}`, 80)}`);
  let first: WireTraceSummary | undefined = isTraceElement(a) ? a.summary : undefined;
  if (!first) {
    const recent = await ctx.request('tracelens/findTraces', { limit: RECENT });
    if (recent.length < 2) throw new UserError('TraceLens: comparing needs two traces of the same operation; there are not enough traces yet.');
    const picked = await vscode.window.showQuickPick(recent.map(tracePickItem), { title: 'TraceLens: Compare Traces (1/2): the first trace', matchOnDetail: true });
    first = recent.find((t) => t.traceId === picked?.traceId);
    if (!first) return undefined;
  }
  const same = (await ctx.request('tracelens/findTraces', { service: first.rootService, operation: first.rootName, limit: RECENT })).filter(
    (t) => t.rootService === first.rootService && t.rootName === first.rootName && t.traceId !== first.traceId,
  );
  if (same.length === 0) throw new UserError(`TraceLens: no other trace of "${truncate(`${first.rootService}: ${first.rootName}`, 80)}" to compare with.`);
  const second = await vscode.window.showQuickPick(same.map(tracePickItem), {
    title: `TraceLens: Compare Traces (2/2): another trace of ${truncate(`${first.rootService}: ${first.rootName}`, 80)}`,
    matchOnDetail: true,
  });
  return second ? [first.traceId, second.traceId] : undefined;
}

/** A Traces view operation row: its service, name and traces. */
function operationOf(value: unknown): { service: string; name: string; traces: readonly WireTraceSummary[] } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { kind?: unknown; service?: unknown; group?: { operation?: unknown; traces?: unknown } };
  if (v.kind !== 'operation' || typeof v.service !== 'string' || typeof v.group?.operation !== 'string' || !Array.isArray(v.group.traces)) return undefined;
  return { service: v.service, name: v.group.operation, traces: v.group.traces as WireTraceSummary[] };
}

async function pickTwo(traces: readonly WireTraceSummary[], title: string): Promise<[string, string] | undefined> {
  if (traces.length < 2) throw new UserError('TraceLens: this operation has one trace; comparing needs two.');
  if (traces.length === 2) return [traces[0]!.traceId, traces[1]!.traceId];
  const picked = await vscode.window.showQuickPick(traces.map(tracePickItem), { title, matchOnDetail: true, canPickMany: true, placeHolder: 'Pick two traces' });
  if (!picked || picked.length === 0) return undefined;
  if (picked.length !== 2) throw new UserError(`TraceLens: pick two traces to compare, not ${picked.length}.`);
  return [picked[0]!.traceId, picked[1]!.traceId];
}
