// The Spans view: the span tree of one trace (orphans at the root level), each span with its service, duration and
// offset from the trace start; expanding a span shows its details (attributes, events, links, status, resource,
// scope) and then its child spans. Span text is untrusted: everything here is plain text, truncated.
import * as vscode from 'vscode';
import type { WireAttribute, WireSpan, WireTrace } from '../../protocol/wire';
import { formatWireValue } from '../../core/wire';
import type { TreeSnapshot } from '../api';
import type { Ctx } from '../ctx';
import type { SpanTree, SpanTreeNode } from '../../core/display';
import { buildSpanTree, formatDuration, nanos, plural, serviceOf, spanDuration, SPAN_KIND_NAMES, STATUS_ERROR, STATUS_NAMES, truncate } from '../../core/display';
import { snapshotTree } from './snapshot';

const RELOAD_DELAY_MS = 200;
const TOOLTIP_MAX = 2000;

type SpanElement =
  | { readonly kind: 'span'; readonly node: SpanTreeNode; readonly id: string | undefined }
  | { readonly kind: 'group'; readonly item: vscode.TreeItem; readonly children: () => SpanElement[] }
  | { readonly kind: 'value'; readonly item: vscode.TreeItem };

/** The trace and span of a Spans view span row (what its context-menu commands get), or undefined. */
export function spanOfElement(value: unknown): { traceId: string; spanId: string; name: string } | undefined {
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'span') return undefined;
  const span = (value as Partial<Extract<SpanElement, { kind: 'span' }>>).node?.span;
  return span ? { traceId: span.traceId, spanId: span.spanId, name: span.name } : undefined;
}

interface Shown {
  readonly traceId: string;
  /** null: the server does not have it (any more). */
  readonly trace: WireTrace | null;
  readonly tree: SpanTree | undefined;
  /** Span ids seen more than once get no tree item id (ids must be unique). */
  readonly duplicateIds: ReadonlySet<string>;
}

export class SpansView implements vscode.TreeDataProvider<SpanElement> {
  private shown: Shown | undefined;
  private readonly changed = new vscode.EventEmitter<SpanElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<SpanElement>;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(private readonly ctx: Ctx) {
    this.view = vscode.window.createTreeView('tracelens.spans', { treeDataProvider: this, showCollapseAll: true });
    ctx.pushExt(
      this.view,
      this.changed,
      { dispose: () => clearTimeout(this.timer) },
      ctx.onDidChangeTraces((e) => {
        const id = this.shown?.traceId;
        if (id !== undefined && (e.cleared || e.more || e.traceIds.includes(id))) this.scheduleReload();
      }),
      ctx.onDidChangeState((s) => {
        if (s.kind !== 'running' && this.shown) this.set(undefined);
      }),
    );
  }

  get traceId(): string | undefined {
    return this.shown?.traceId;
  }

  /** The shown trace, as loaded (undefined when none, or not stored). */
  get trace(): WireTrace | undefined {
    return this.shown?.trace ?? undefined;
  }

  /** The selected span row, if a span row is selected. */
  get selectedSpan(): { traceId: string; spanId: string; name: string } | undefined {
    return spanOfElement(this.view.selection[0]);
  }

  /** Loads a trace into the view and reveals the view. */
  async show(traceId: string): Promise<void> {
    await this.load(traceId);
    if (!this.view.visible) await vscode.commands.executeCommand('tracelens.spans.focus');
  }

  /** Reloads the shown trace (new spans, or gone after Clear Data). */
  async reload(): Promise<void> {
    if (this.shown) await this.load(this.shown.traceId);
  }

  snapshot(): Promise<TreeSnapshot[]> {
    return snapshotTree(this);
  }

  getTreeItem(el: SpanElement): vscode.TreeItem {
    return el.kind === 'span' ? this.spanItem(el) : el.item;
  }

  getChildren(el?: SpanElement): SpanElement[] {
    const shown = this.shown;
    if (!shown?.trace || !shown.tree) return [];
    if (!el) return shown.tree.roots.map((node) => this.spanElement(node));
    if (el.kind === 'group') return el.children();
    if (el.kind === 'value') return [];
    return [...details(shown.trace, shown.tree, el.node.span, el.id), ...el.node.children.map((node) => this.spanElement(node))];
  }

  private async load(traceId: string): Promise<void> {
    const seq = ++this.seq;
    const trace = await this.ctx.request('tracelens/getTrace', { traceId });
    if (seq !== this.seq) return;
    const seen = new Set<string>();
    const duplicateIds = new Set<string>();
    for (const s of trace?.spans ?? []) (seen.has(s.spanId) ? duplicateIds : seen).add(s.spanId);
    this.set({ traceId, trace, tree: trace ? buildSpanTree(trace) : undefined, duplicateIds });
  }

  private set(shown: Shown | undefined): void {
    this.shown = shown;
    const roots = shown?.tree?.roots ?? [];
    const root = roots.find((r) => !r.orphan) ?? roots[0];
    this.view.description = shown?.trace && root ? truncate(`${serviceOf(shown.trace, root.span)}: ${root.span.name}`, 80) : undefined;
    this.view.message = shown && !shown.trace ? `Trace ${shown.traceId} is not stored (any more).` : undefined;
    this.changed.fire(undefined);
  }

  private scheduleReload(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.reload().catch((e: unknown) => this.ctx.log.debug(`spans view reload: ${e instanceof Error ? e.message : String(e)}`));
    }, RELOAD_DELAY_MS);
  }

  private spanElement(node: SpanTreeNode): SpanElement {
    const shown = this.shown;
    const unique = shown !== undefined && !shown.duplicateIds.has(node.span.spanId);
    return { kind: 'span', node, id: unique ? `${shown.traceId}/${node.span.spanId}` : undefined };
  }

  private spanItem(el: Extract<SpanElement, { kind: 'span' }>): vscode.TreeItem {
    const { span, orphan } = el.node;
    const trace = this.shown?.trace;
    const start = this.shown?.tree?.startNanos ?? 0n;
    const isRoot = span.parentSpanId === '' || orphan;
    const item = new vscode.TreeItem(truncate(span.name, 120), isRoot ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = el.id;
    const service = trace ? serviceOf(trace, span) : '';
    const duration = formatDuration(spanDuration(span));
    const offset = formatDuration(nanos(span.startTimeUnixNano) - start);
    const error = span.status.code === STATUS_ERROR;
    item.description = `${truncate(service, 60)} · ${duration} · +${offset}${orphan ? ' · parent missing' : ''}${error ? ' · error' : ''}`;
    item.iconPath = error ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('symbol-event');
    item.contextValue = error ? 'span-error' : 'span';
    item.tooltip = lines(
      span.name,
      `${service} · ${SPAN_KIND_NAMES[span.kind] ?? span.kind}`,
      `duration ${duration}, starts +${offset}`,
      `span ${span.spanId}${span.parentSpanId ? `, parent ${span.parentSpanId}${orphan ? ' (not received)' : ''}` : ''}`,
      `status ${STATUS_NAMES[span.status.code] ?? span.status.code}${span.status.message ? `: ${span.status.message}` : ''}`,
    );
    return item;
  }
}

/** A plain-text tooltip: each part on its own line, each truncated (truncate() flattens line breaks). */
function lines(...parts: string[]): string {
  return parts.filter((p) => p !== '').map((p) => truncate(p, TOOLTIP_MAX)).join('\n');
}

/** Plain text, line breaks kept, at most TOOLTIP_MAX characters. */
function clip(text: string): string {
  return text.length > TOOLTIP_MAX ? `${text.slice(0, TOOLTIP_MAX - 1)}…` : text;
}

function value(label: string, description: string, tooltip = `${label}: ${description}`, icon?: string): SpanElement {
  const item = new vscode.TreeItem(truncate(label, 100), vscode.TreeItemCollapsibleState.None);
  item.description = truncate(description);
  item.tooltip = clip(tooltip);
  if (icon) item.iconPath = new vscode.ThemeIcon(icon);
  return { kind: 'value', item };
}

function group(id: string | undefined, label: string, description: string, icon: string, children: () => SpanElement[]): SpanElement {
  const item = new vscode.TreeItem(truncate(label, 100), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = id;
  item.description = truncate(description);
  item.iconPath = new vscode.ThemeIcon(icon);
  return { kind: 'group', item, children };
}

function attributeValues(attributes: readonly WireAttribute[], dropped: number): SpanElement[] {
  const out = attributes.map((a) => {
    const v = formatWireValue(a.value);
    return value(a.key, v, `${a.key} = ${v}`, 'symbol-property');
  });
  if (dropped > 0) out.push(value(`${dropped} dropped`, 'over the SDK limit', `${plural(dropped, 'attribute')} dropped by the SDK`));
  return out;
}

/** What expanding a span shows before its child spans. */
function details(trace: WireTrace, tree: SpanTree, span: WireSpan, base: string | undefined): SpanElement[] {
  const id = (part: string): string | undefined => (base ? `${base}/${part}` : undefined);
  const out: SpanElement[] = [];
  out.push(
    group(id('attributes'), 'Attributes', String(span.attributes.length + span.droppedAttributesCount), 'symbol-property', () =>
      attributeValues(span.attributes, span.droppedAttributesCount),
    ),
  );
  if (span.events.length + span.droppedEventsCount > 0) {
    out.push(
      group(id('events'), 'Events', String(span.events.length + span.droppedEventsCount), 'symbol-event', () => [
        ...span.events.map((e, i) =>
          group(id(`events/${i}`), e.name, `+${formatDuration(nanos(e.timeUnixNano) - tree.startNanos)}`, 'debug-breakpoint-log', () =>
            attributeValues(e.attributes, e.droppedAttributesCount),
          ),
        ),
        ...(span.droppedEventsCount > 0 ? [value(`${span.droppedEventsCount} dropped`, 'over the SDK limit')] : []),
      ]),
    );
  }
  if (span.links.length + span.droppedLinksCount > 0) {
    out.push(
      group(id('links'), 'Links', String(span.links.length + span.droppedLinksCount), 'link', () => [
        ...span.links.map((l, i) =>
          group(id(`links/${i}`), `${l.traceId}/${l.spanId}`, l.traceId === span.traceId ? 'same trace' : 'other trace', 'link', () => [
            ...(l.traceState ? [value('trace_state', l.traceState)] : []),
            ...attributeValues(l.attributes, l.droppedAttributesCount),
          ]),
        ),
        ...(span.droppedLinksCount > 0 ? [value(`${span.droppedLinksCount} dropped`, 'over the SDK limit')] : []),
      ]),
    );
  }
  const status = STATUS_NAMES[span.status.code] ?? String(span.status.code);
  out.push(
    value('Status', span.status.message ? `${status}: ${span.status.message}` : status, undefined, span.status.code === STATUS_ERROR ? 'error' : 'pass'),
    value('Kind', SPAN_KIND_NAMES[span.kind] ?? String(span.kind), undefined, 'symbol-enum'),
    value('IDs', `span ${span.spanId}${span.parentSpanId ? ` · parent ${span.parentSpanId}` : ''}`, lines(`span ${span.spanId}`, `parent ${span.parentSpanId || '(none)'}`, `trace ${span.traceId}`, span.traceState ? `trace_state ${span.traceState}` : ''), 'key'),
  );
  const resource = trace.resources[span.resource];
  if (resource) {
    out.push(
      group(id('resource'), 'Resource', String(resource.attributes.length), 'server-environment', () =>
        attributeValues(resource.attributes, resource.droppedAttributesCount),
      ),
    );
  }
  const scope = trace.scopes[span.scope];
  if (scope) {
    out.push(
      group(id('scope'), 'Scope', `${scope.name}${scope.version ? ` ${scope.version}` : ''}`, 'library', () => [
        ...attributeValues(scope.attributes, scope.droppedAttributesCount),
        ...(scope.schemaUrl ? [value('schema_url', scope.schemaUrl)] : []),
      ]),
    );
  }
  return out;
}
