// What a lens and its hover say, as text. Every piece of span text (names, error messages) is hostile input: it is
// escaped for markdown and cut to one short line; ids in links are checked hex.
import { isSpanIdHex, isTraceIdHex } from '../../core/ids';
import { formatDuration } from '../../core/display';
import type { WindowSummary } from '../../core/lensStats';
import { sparkline } from '../../core/lensStats';
import { label } from '../../core/analysis/context';
import type { LocationFinding } from './findings';

/** The command VS Code runs for a hover's trace links (registered by the extension). */
export const OPEN_TRACE_COMMAND = 'tracelens.openTrace';

const ns = (v: number | undefined): string => (v === undefined ? '–' : formatDuration(BigInt(Math.round(v))));

/** "1,204". */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "3 s ago", "4 min ago", "2 h ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** "▲2.1x" when p95 rose by at least 10 % against the previous window, "▼0.5x" when it fell as much, else ''. */
export function trendText(trend: number | undefined): string {
  if (trend === undefined || !Number.isFinite(trend)) return '';
  if (trend >= 1.1) return ` ▲${trend.toFixed(1)}x`;
  if (trend <= 1 / 1.1) return ` ▼${trend.toFixed(1)}x`;
  return '';
}

/** "● 1,204 calls · p50 12 ms · p95 240 ms ▲2.1x · p99 410 ms · 2.4% errors · 3 s ago". */
export function lensTitle(s: WindowSummary, windowMinutes: number, nowMs: number): string {
  const last = s.lastSeenMs > 0 ? ` · ${ago(nowMs - s.lastSeenMs)}` : '';
  if (s.count === 0) return `○ no calls in ${windowMinutes} min${last}`;
  const errors = s.errors > 0 ? ` · ${((s.errors / s.count) * 100).toFixed(1)}% errors` : '';
  return `● ${count(s.count)} ${s.count === 1 ? 'call' : 'calls'} · p50 ${ns(s.p50)} · p95 ${ns(s.p95)}${trendText(s.trend)} · p99 ${ns(s.p99)}${errors}${last}`;
}

const SEVERITY_MARK = { error: '✖', warning: '⚠', info: 'ℹ' } as const;

/** A finding's lens: "⚠ N+1: 6 × SELECT items · 3 of 8 traces"; span text is cut to one short line. */
export function findingLensTitle(f: LocationFinding): string {
  return `${SEVERITY_MARK[f.severity]} ${label(f.short, 90)} · ${f.traces} of ${f.examined} ${f.examined === 1 ? 'trace' : 'traces'}`;
}

/** Escapes every ASCII punctuation character (CommonMark allows a backslash before any of them) and folds lines. */
export function escapeMarkdown(text: string, max = 200): string {
  const line = text.replace(/[\r\n\t\u2028\u2029]+/g, ' ');
  const cut = line.length > max ? `${line.slice(0, max - 1)}…` : line;
  return cut.replace(/[\\`*_{}[\]()#+\-.!|<>&~"'=:;@$%^?,/]/g, (c) => `\\${c}`);
}

export interface HoverLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly durationNanos: number;
  readonly error: boolean;
}


/** The hover's markdown: numbers, a latency histogram, error messages with counts, the slowest traces as links. */
export function hoverMarkdown(
  s: WindowSummary,
  o: {
    readonly windowMinutes: number;
    readonly operations: readonly { readonly service: string; readonly name: string }[];
    readonly functionName?: string;
    readonly links: readonly HoverLink[];
    /** The analyses' findings at this location (its window's slowest and failing traces). */
    readonly findings?: readonly LocationFinding[];
    /** The query API's base URL (http://127.0.0.1:16686) when it listens: links to the standalone page too. */
    readonly queryUrl?: string;
    readonly nowMs: number;
  },
): string {
  const out: string[] = [];
  // Bold, not a code span: backslash escapes do not work inside code spans (they would show).
  const what = o.operations.map((op) => `**${escapeMarkdown(op.service, 80)}** ${escapeMarkdown(op.name, 120)}`).slice(0, 5);
  out.push(`**TraceLens** · last ${o.windowMinutes} min · ${what.join(', ')}${o.operations.length > 5 ? ` and ${o.operations.length - 5} more` : ''}`);
  out.push('');
  out.push(lensTitle(s, o.windowMinutes, o.nowMs).replace(/^[●○] /, ''));
  if (s.previousCount > 0) out.push('', `previous ${o.windowMinutes} min: ${count(s.previousCount)} calls · p95 ${ns(s.previousP95)}`);
  if (s.histogram) {
    const h = s.histogram;
    const lo = h.upperNanos[0]! / Math.exp(Math.log(h.upperNanos[h.upperNanos.length - 1]! / h.upperNanos[0]!) / Math.max(1, h.upperNanos.length - 1));
    out.push('', `\`${sparkline(h.counts)}\` ${ns(lo)} – ${ns(h.upperNanos[h.upperNanos.length - 1])}`);
  }
  if (s.errors > 0) {
    out.push('', `**Errors** (${count(s.errors)}; messages from ${count(s.messageSamples)} of them):`);
    for (const m of s.messages.slice(0, 8)) out.push(`- ${count(m.count)}× ${escapeMarkdown(m.message)}`);
  }
  const findings = (o.findings ?? []).filter((f) => isTraceIdHex(f.traceId) && isSpanIdHex(f.spanId));
  if (findings.length > 0) {
    out.push('', `**Findings** (in the slowest and failing traces of the last ${o.windowMinutes} min):`);
    for (const f of findings.slice(0, 6)) {
      const args = encodeURIComponent(JSON.stringify([{ traceId: f.traceId, spanId: f.spanId }]));
      out.push(`- ${SEVERITY_MARK[f.severity]} ${escapeMarkdown(f.title, 160)} · ${f.traces} of ${f.examined} traces · [open](command:${OPEN_TRACE_COMMAND}?${args})`);
    }
  }
  const links = o.links.filter((l) => isTraceIdHex(l.traceId) && isSpanIdHex(l.spanId));
  if (links.length > 0) {
    out.push('', '**Slowest recent calls:**');
    for (const l of links) {
      const args = encodeURIComponent(JSON.stringify([{ traceId: l.traceId, spanId: l.spanId }]));
      const web = o.queryUrl ? ` · [web](${o.queryUrl}/#/trace/${l.traceId}?span=${l.spanId})` : '';
      out.push(`- [${ns(l.durationNanos)}${l.error ? ' ✗' : ''} · trace ${l.traceId.slice(0, 8)}](command:${OPEN_TRACE_COMMAND}?${args})${web}`);
    }
  }
  return out.join('\n');
}
