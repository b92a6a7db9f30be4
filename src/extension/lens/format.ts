// Pure text and data for the span <-> code commands: quick-pick rows for spans and source candidates, the messages
// they show, and the expansion of tracelens.pathMappings. No 'vscode' here: the editor layer (lens/commands.ts,
// config.ts) turns these into quick picks and settings.
import { fileURLToPath } from 'node:url';
import type { LocationSpan, WireSourceCandidate } from '../../protocol/messages';
import { formatAge, formatDuration, nanos, plural, truncate } from '../../core/display';

/**
 * Untrusted text for quick picks and notifications: one line, at most `max` characters, and inert: no `$(icon)`
 * syntax and no `[label](command:…)` link (a zero-width space keeps both as written).
 */
export function plain(text: string, max: number): string {
  return truncate(text, max).replace(/\$\(/g, '$\u200b(').replace(/\]\(/g, ']\u200b(');
}

export interface PickText {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
}

/** A span row: duration and name; service and "error"; when its trace ran. Span text is untrusted: one line, short. */
export function spanPickText(s: LocationSpan, nowMs: number): PickText {
  const startMs = Number(nanos(s.trace.startTimeUnixNano) / 1_000_000n);
  const when = startMs > 0 ? `${formatAge(nowMs - startMs)} · ${new Date(startMs).toLocaleString()}` : 'start unknown';
  return {
    label: `${formatDuration(nanos(s.durationNanos))}  ${plain(s.spanName, 120)}`,
    description: [plain(s.service, 60), ...(s.error ? ['error'] : [])].join(' · '),
    detail: `${when} · trace ${s.trace.traceId} (${plain(s.trace.rootService, 40)}: ${plain(s.trace.rootName, 60)}, ${plural(s.trace.spanCount, 'span')})`,
  };
}

/** The quick pick's title for the spans of a location. */
export function spansTitle(count: number, functionName: string | undefined, file: string, line: number): string {
  return `TraceLens: ${plural(count, 'span')} of ${functionName ? plain(functionName, 60) : `${file}:${line}`}, slowest first`;
}

/** A source candidate row: file:line and function; confidence and where it is; the evidence. */
export function candidatePickText(c: WireSourceCandidate, shownPath: string): PickText {
  const where = c.inWorkspace ? '' : ' · outside the workspace';
  return {
    label: `${plain(shownPath, 120)}:${c.line}`,
    description: `${c.functionName ? `${plain(c.functionName, 60)} · ` : ''}${Math.round(c.confidence * 100)}% sure${where}`,
    detail: c.evidence.map((e) => `${plain(e.kind, 40)}: ${plain(e.detail, 100)}`).join(' · ') || 'no evidence given',
  };
}

/** Opened without asking: the only candidate, inside the workspace, and the engine is sure. */
export function openDirectly(candidates: readonly WireSourceCandidate[]): WireSourceCandidate | undefined {
  const only = candidates.length === 1 ? candidates[0] : undefined;
  return only && only.inWorkspace && only.confidence >= 0.9 ? only : undefined;
}

export function noSourceMessage(spanName: string | undefined): string {
  return (
    `TraceLens: no source is known for ${spanName ? `span "${plain(spanName, 80)}"` : 'this span'}. ` +
    'Nothing maps it to a file of the workspace: it has no code.* attributes (code.file.path, code.line.number, ' +
    'code.function.name), no exception stack trace, and its name matches no literal in the workspace. ' +
    'When the application ran in a container or on another machine, map its paths with "tracelens.pathMappings".'
  );
}

export function missingFileMessage(path: string): string {
  return (
    `TraceLens: ${plain(path, 200)} does not exist here. If the application ran in a container or on another ` +
    'machine, add a "tracelens.pathMappings" entry, e.g. { "from": "/app", "to": "${workspaceFolder}" }.'
  );
}

/** The path of a file: URI, or the URI itself when it is not a file: URI. */
export function uriPath(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

export interface FolderRef {
  readonly name: string;
  readonly path: string;
}

/**
 * tracelens.pathMappings as the server gets them: well-formed entries only, `${workspaceFolder:name}` replaced by
 * that folder, and `${workspaceFolder}` by each folder in turn (one mapping per folder, first folder first), so
 * the server never needs to know how the editor names folders. Entries that name no open folder are dropped.
 */
export function expandPathMappings(raw: unknown, folders: readonly FolderRef[]): { from: string; to: string }[] {
  if (!Array.isArray(raw)) return [];
  const out: { from: string; to: string }[] = [];
  for (const entry of raw) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { from, to } = entry as Record<string, unknown>;
    if (typeof from !== 'string' || typeof to !== 'string' || from.trim() === '' || to.trim() === '') continue;
    const named = to.replace(/\$\{workspaceFolder:([^}]+)\}/g, (whole, name: string) => folders.find((f) => f.name === name)?.path ?? whole);
    if (/\$\{workspaceFolder:[^}]+\}/.test(named)) continue;
    if (!named.includes('${workspaceFolder}')) {
      out.push({ from, to: named });
      continue;
    }
    for (const f of folders) out.push({ from, to: named.split('${workspaceFolder}').join(f.path) });
  }
  return out;
}
