// The web UI bundle: one script for VS Code webview panels and the standalone page the trace server serves.
// This first version lists recent traces and shows one trace's spans as an indented timeline; the full trace views
// (waterfall, detail, search, compare) build on it. Span data is untrusted: only textContent, never innerHTML.
import type { SpanTreeNode } from '../core/display';
import { buildSpanTree, formatDuration, nanos, serviceOf, spanDuration, STATUS_ERROR } from '../core/display';
import type { LiveMessage } from '../protocol/messages';
import { LIVE_PATH } from '../protocol/messages';
import { el } from './dom';
import type { WireTrace, WireTraceSummary } from '../protocol/wire';

/** Without the live feed (it failed or closed), the list is polled this often, and the feed retried. */
const REFRESH_MS = 2000;
/** Live events arrive at most every 250 ms; the list is reloaded at most this often. */
const LIVE_REFRESH_MS = 500;

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

function renderList(root: HTMLElement, traces: readonly WireTraceSummary[], open: (id: string) => void): void {
  const rows = traces.map((t) => {
    const row = el(
      'tr',
      { className: t.errorCount > 0 ? 'trace error' : 'trace' },
      el('td', { text: t.rootService }),
      el('td', { text: t.rootName }),
      el('td', { className: 'num', text: formatDuration(nanos(t.durationNanos)) }),
      el('td', { className: 'num', text: String(t.spanCount) }),
      el('td', { className: 'num', text: t.errorCount > 0 ? String(t.errorCount) : '' }),
      el('td', { text: new Date(Number(BigInt(t.startTimeUnixNano) / 1_000_000n)).toLocaleTimeString() }),
    );
    row.dataset['traceId'] = t.traceId;
    row.tabIndex = 0;
    row.addEventListener('click', () => open(t.traceId));
    row.addEventListener('keydown', (e) => e.key === 'Enter' && open(t.traceId));
    return row;
  });
  const head = el('tr', {}, ...['Service', 'Operation', 'Duration', 'Spans', 'Errors', 'Start'].map((h) => el('th', { text: h })));
  const empty = el('p', { className: 'empty', text: 'No traces yet. Point an OpenTelemetry exporter at the receiver (OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318).' });
  root.replaceChildren(traces.length ? el('table', { className: 'traces' }, el('thead', {}, head), el('tbody', {}, ...rows)) : empty);
}

function renderTrace(root: HTMLElement, trace: WireTrace, back: () => void): void {
  const tree = buildSpanTree(trace);
  const end = trace.spans.reduce((m, s) => (nanos(s.endTimeUnixNano) > m ? nanos(s.endTimeUnixNano) : m), tree.startNanos);
  const total = Number(end - tree.startNanos) || 1;
  const rows: HTMLElement[] = [];
  const walk = (nodes: readonly SpanTreeNode[], depth: number): void => {
    for (const { span, children } of nodes) {
      const offset = Number(nanos(span.startTimeUnixNano) - tree.startNanos);
      const dur = spanDuration(span);
      const bar = el('div', { className: 'bar' });
      bar.style.marginLeft = `${(offset / total) * 100}%`;
      bar.style.width = `${Math.max((Number(dur) / total) * 100, 0.3)}%`;
      const label = el('div', { className: 'label' }, el('span', { className: 'service', text: serviceOf(trace, span) }), document.createTextNode(` ${span.name}`));
      label.style.paddingLeft = `${depth * 14}px`;
      const error = span.status.code === STATUS_ERROR;
      rows.push(el('div', { className: error ? 'span error' : 'span', title: span.status.message }, label, el('div', { className: 'lane' }, bar), el('div', { className: 'num', text: formatDuration(dur) })));
      walk(children, depth + 1);
    }
  };
  walk(tree.roots, 0);
  const backButton = el('button', { text: '← Traces' });
  backButton.addEventListener('click', back);
  const heading = `Trace ${trace.traceId} · ${trace.spans.length} spans · ${formatDuration(end - tree.startNanos)}`;
  root.replaceChildren(el('div', { className: 'toolbar' }, backButton, el('span', { className: 'trace-id', text: heading })), el('div', { className: 'waterfall' }, ...rows));
}

function start(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const status = el('div', { className: 'status', text: 'Connecting…' });
  const content = el('div');
  app.replaceChildren(el('header', {}, el('h1', { text: 'TraceLens' }), status), content);
  let openTrace: string | undefined;
  const refresh = async (): Promise<void> => {
    try {
      if (openTrace) {
        renderTrace(content, await getJson<WireTrace>(`/api/tracelens/traces/${openTrace}`), () => {
          openTrace = undefined;
          void refresh();
        });
      } else {
        renderList(content, await getJson<WireTraceSummary[]>('/api/tracelens/traces?limit=100'), (id) => {
          openTrace = id;
          void refresh();
        });
      }
      const s = await getJson<{ spanCount: number; traceCount: number }>('/api/tracelens/status');
      status.textContent = `${s.traceCount} traces · ${s.spanCount} spans`;
      status.classList.remove('down');
    } catch (e) {
      status.textContent = `Trace server unreachable (${e instanceof Error ? e.message : String(e)}); retrying…`;
      status.classList.add('down');
    }
  };
  void refresh();

  // The live feed: reload the list when traces change; poll while it is down, and try it again.
  let socket: WebSocket | undefined;
  let pending: ReturnType<typeof setTimeout> | undefined;
  const connect = (): void => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${LIVE_PATH}`);
    socket = ws;
    ws.addEventListener('message', (m: MessageEvent<string>) => {
      const message = JSON.parse(m.data) as LiveMessage;
      const s = message.params.status;
      status.textContent = `${s.traceCount} traces · ${s.spanCount} spans`;
      if (!openTrace) pending ??= setTimeout(() => ((pending = undefined), void refresh()), LIVE_REFRESH_MS);
    });
  };
  connect();
  setInterval(() => {
    if (socket?.readyState === WebSocket.OPEN) return;
    if (!openTrace) void refresh();
    if (socket?.readyState !== WebSocket.CONNECTING) connect();
  }, REFRESH_MS);
}

start();
