// The trace-context commands (category "TraceLens"): Decode Trace Context Headers… shows what pasted traceparent,
// tracestate and baggage headers say, or what is wrong with them, in a markdown document; Copy traceparent for Span
// (Spans view) puts a span's traceparent on the clipboard. Parsing, checking and the report are pure
// (src/core/propagation/w3c.ts); this file only asks, shows (a read-only markdown document) and copies. Header text is
// untrusted: the report keeps it inside code fences and nothing of it is run.
import * as vscode from 'vscode';
import type { HeadersResult } from '../core/propagation/w3c';
import { buildTraceparent, continuingFlags, formatHeadersReport, headersLine, looksLikeTraceHeaders, parseHeaders } from '../core/propagation/w3c';
import type { Ctx } from './ctx';
import { UserError } from './ctx';
import type { SpansView } from './views/spansView';
import { spanOfElement } from './views/spansView';

/** Longer clipboard text is not offered in the input box. */
const CLIPBOARD_MAX = 16_384;
/** The reports are read-only documents of this scheme (nothing to save, no prompt on close). */
export const HEADERS_REPORT_SCHEME = 'tracelens-headers';

interface SpanRef {
  readonly traceId: string;
  readonly spanId: string;
  /** The trace-flags byte to send; when absent, from the stored span. */
  readonly flags?: number;
}

/** `spans` gives the selected span (the palette) and the shown trace's stored flags. */
export function registerTraceHeaderCommands(ctx: Ctx, spans: SpansView): void {
  const reports = new Map<string, string>();
  let seq = 0;
  ctx.pushExt(
    vscode.workspace.registerTextDocumentContentProvider(HEADERS_REPORT_SCHEME, { provideTextDocumentContent: (uri) => reports.get(uri.toString()) ?? '' }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.scheme === HEADERS_REPORT_SCHEME) reports.delete(d.uri.toString());
    }),
  );

  /** Argument (tests, other extensions): the text to decode; without one, an input box. Returns the parse result. */
  ctx.registerCommand('decodeTraceHeaders', async (arg?: unknown): Promise<HeadersResult | undefined> => {
    const text = typeof arg === 'string' ? arg : await askForHeaders();
    if (text === undefined) return undefined;
    const result = parseHeaders(text);
    if (result.headers.length === 0) {
      void vscode.window.showInformationMessage('TraceLens: no traceparent, tracestate or baggage header found. Paste lines like "traceparent: 00-<trace id>-<parent id>-01" or a curl command with -H headers.');
      return result;
    }
    const uri = vscode.Uri.from({ scheme: HEADERS_REPORT_SCHEME, path: `/Trace Context Headers ${++seq}.md` });
    reports.set(uri.toString(), formatHeadersReport(result));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    return result;
  });

  /** Argument: a Spans view span row or { traceId, spanId, flags? }; without one, the selected span. */
  ctx.registerCommand('copyTraceparent', async (arg?: unknown): Promise<string> => {
    const span: SpanRef | undefined = spanRef(arg) ?? spans.selectedSpan;
    if (!span) throw new UserError('TraceLens: select a span in the Spans view first.');
    const built = buildTraceparent(span.traceId, span.spanId, span.flags ?? storedFlags(spans, span));
    if (!built.ok) throw new UserError(`TraceLens: no traceparent for this span: ${built.errors.join('; ')}.`);
    await vscode.env.clipboard.writeText(built.value);
    void vscode.window.showInformationMessage(`TraceLens: copied traceparent ${built.value}`);
    return built.value;
  });
}

async function askForHeaders(): Promise<string | undefined> {
  const clipboard = await vscode.env.clipboard.readText();
  // The input box is one line: the trace headers found in the clipboard's lines (other headers of a devtools or curl
  // dump left out, so none runs into the value before it), one after the other; parseHeaders finds each name again.
  const value = clipboard.length <= CLIPBOARD_MAX && looksLikeTraceHeaders(clipboard) ? headersLine(clipboard) : '';
  return vscode.window.showInputBox({
    title: 'TraceLens: Decode Trace Context Headers',
    value,
    prompt: 'traceparent, tracestate and baggage headers ("name: value", several on one line), a bare traceparent, or a curl command with -H headers',
    placeHolder: 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 tracestate: congo=t61rcWkgMzE',
    ignoreFocusOut: true,
    validateInput: (t) => (t.trim() === '' || parseHeaders(t).headers.length > 0 ? undefined : { message: 'No traceparent, tracestate or baggage header in this text.', severity: vscode.InputBoxValidationSeverity.Warning }),
  });
}

function spanRef(arg: unknown): SpanRef | undefined {
  const row = spanOfElement(arg);
  if (row) return { traceId: row.traceId, spanId: row.spanId };
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as { traceId?: unknown; spanId?: unknown; flags?: unknown };
  if (typeof o.traceId !== 'string' || typeof o.spanId !== 'string') return undefined;
  return typeof o.flags === 'number' ? { traceId: o.traceId, spanId: o.spanId, flags: o.flags } : { traceId: o.traceId, spanId: o.spanId };
}

/** The flags for a request continuing a span of the shown trace (continuingFlags of its stored flags). */
function storedFlags(spans: SpansView, span: SpanRef): number {
  return continuingFlags(spans.trace?.spans.find((s) => s.traceId === span.traceId && s.spanId === span.spanId)?.flags ?? 0);
}
