// Small helpers the trace page's modules share: service colours, span kind glyphs, durations from ns numbers.
import { formatDuration, SPAN_KIND_NAMES } from '../../core/display';
import type { TraceTab } from '../../protocol/webview';
import { TRACE_TABS } from '../../protocol/webview';
import { el } from '../dom';

const TAB_LABELS: Readonly<Record<TraceTab, string>> = {
  waterfall: 'Waterfall',
  flame: 'Flame graph',
  stats: 'Statistics',
  table: 'Span table',
  json: 'JSON',
  insights: 'Insights',
};

/** The page's tabs in order (keys 1 to TABS.length), from the one list of tabs (TRACE_TABS). */
export const TABS: readonly { readonly tab: TraceTab; readonly label: string }[] = TRACE_TABS.map((tab) => ({ tab, label: TAB_LABELS[tab] }));

/** Readable on dark, light and high-contrast backgrounds (mid lightness, distinct hues; no pure red: red is errors). */
const PALETTE: readonly string[] = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#17a2b8', '#d4a72c', '#9c755f', '#e377c2', '#7f7fff', '#8cb33b', '#ff7f50', '#3fa7a0'];

/** A fixed colour per service name: a stable (FNV-1a) hash into the palette. */
export function serviceColor(service: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < service.length; i++) h = Math.imul(h ^ service.charCodeAt(i), 0x01000193);
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}

/** One glyph per span kind (INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER), named in its tooltip. */
const KIND_GLYPHS: readonly string[] = ['·', '⇤', '⇥', '↑', '↓'];

export function kindGlyph(kind: number): string {
  return KIND_GLYPHS[kind] ?? '·';
}

export function kindName(kind: number): string {
  return SPAN_KIND_NAMES[kind] ?? `KIND ${kind}`;
}

/** A duration in ns (a number from the trace view) for people. */
export function dur(ns: number): string {
  return formatDuration(BigInt(Math.max(0, Math.round(ns))));
}

/** A share (0..1) for people: "82%", "3.3%", "<0.1%", "0%". */
export function percent(share: number): string {
  const p = share * 100;
  return p === 0 ? '0%' : p < 0.1 ? '<0.1%' : `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** "+1.20 ms" from a span or trace start. */
/** A span's duration; for a span still running at a debugger's pause, a lower bound ("≥ 12.0 ms"). */
export function spanDur(ns: number, running: boolean): string {
  return running ? `≥ ${dur(ns)}` : dur(ns);
}

export function rel(ns: number): string {
  return ns < 0 ? `-${dur(-ns)}` : `+${dur(ns)}`;
}

/**
 * "⏸" drawn by CSS as two bars (many fonts have no glyph for it); the character stays in the text, so it reads and
 * copies as "⏸".
 */
export function pauseIcon(): HTMLElement {
  const icon = el('span', { className: 'tl-pause-icon', text: '⏸' });
  icon.setAttribute('aria-hidden', 'true');
  return icon;
}
