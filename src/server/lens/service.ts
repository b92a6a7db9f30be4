// The lens requests a trace server answers, whoever asks: its own LSP endpoint, or an attached TraceLens process
// over POST /api/tracelens/rpc (refused to browsers). One lens engine per trace server.
import { isRowIndexed } from '../../core/store/store';
import type { LensState, LensSyncParams } from '../../protocol/messages';
import type { Handlers } from '../requests';
import type { TraceServer } from '../traceServer';
import { LensEngine } from './engine';
import type { HoverLink } from './render';
import { findingLensTitle, hoverMarkdown, lensTitle } from './render';
import { uriToPath } from './workspace';

/** Findings a function's lenses name at most (the hover lists them all). */
const FINDING_LENSES = 2;
/** Slowest calls a hover links to. */
const HOVER_LINKS = 5;

const engines = new WeakMap<TraceServer, LensEngine>();
/** Servers whose engine was disposed: a late request must not start another on a closing store. */
const ended = new WeakSet<TraceServer>();

/** The server's lens engine, made on first use; undefined when its store is not the embedded one or it has ended. */
export function lensEngine(server: TraceServer): LensEngine | undefined {
  let engine = engines.get(server);
  if (!engine && !ended.has(server) && isRowIndexed(server.store)) {
    const made = new LensEngine(server.store, (l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`), server.config.baggagePrefix);
    engines.set(server, made);
    engine = made;
  }
  return engine;
}

/** Ends the server's lens engine (before the server closes). */
export function disposeLensEngine(server: TraceServer): void {
  ended.add(server);
  engines.get(server)?.dispose();
  engines.delete(server);
}

function state(engine: LensEngine | undefined): LensState {
  return { generation: engine?.generation ?? 0, busy: engine?.busy ?? false };
}

/** Applies a sync: new roots are walked, documents overlay their files, settings replace the engine's. */
export function syncLens(engine: LensEngine, p: LensSyncParams): void {
  if (p.roots) engine.workspace.addRoots(p.roots);
  for (const d of p.documents ?? []) {
    const path = uriToPath(d.uri);
    if (path) engine.workspace.setDocument(path, d.text);
  }
  for (const uri of p.closed ?? []) {
    const path = uriToPath(uri);
    if (path) engine.workspace.closeDocument(path);
  }
  for (const f of p.changedFiles ?? []) {
    const path = uriToPath(f.uri);
    if (path) engine.workspace.fileChanged(path, f.deleted);
  }
  // The engine may serve several editors (attached processes): each one's front end checks its own "enabled", so a
  // window that switched lenses off does not switch them off for the others.
  if (p.settings || p.roots) engine.configure({ ...(p.settings ?? engine.settings), enabled: true });
}

/** The query API's base URL when it listens (a wildcard bind as 127.0.0.1): hover links, the discovery file. */
export function queryUrl(server: TraceServer): string | undefined {
  return server.identity()?.queryUrl;
}

export function lensHandlers(server: TraceServer): Handlers {
  return {
    'tracelens/lensSync': (p) => {
      const engine = lensEngine(server);
      if (engine) syncLens(engine, p);
      return state(engine);
    },
    'tracelens/lensState': () => state(lensEngine(server)),
    'tracelens/codeLenses': (p) => {
      const engine = lensEngine(server);
      const path = uriToPath(p.uri);
      if (!engine || !path || !engine.settings.enabled) return [];
      const now = Date.now();
      return engine.lensesOf(path).flatMap((l) => [
        { line: l.line, title: lensTitle(l.summary, engine.settings.windowMinutes, now) },
        ...engine.findingsAt(l.path, l.line).slice(0, FINDING_LENSES).map((f) => ({ line: l.line, title: findingLensTitle(f), open: { traceId: f.traceId, spanId: f.spanId } })),
      ]);
    },
    'tracelens/lensHover': async (p) => {
      const engine = lensEngine(server);
      const path = uriToPath(p.uri);
      if (!engine || !path || !engine.settings.enabled) return null;
      const lens = engine.lensAt(path, p.line);
      if (!lens) return null;
      const links: HoverLink[] = [];
      for (const slow of lens.summary.slowest.slice(0, HOVER_LINKS)) {
        const spanId = await engine.spanIdOf(slow);
        if (spanId) links.push({ traceId: slow.traceId, spanId, durationNanos: slow.durationNanos, error: slow.error });
      }
      const url = queryUrl(server);
      return {
        markdown: hoverMarkdown(lens.summary, {
          windowMinutes: engine.settings.windowMinutes,
          operations: lens.operations,
          ...(lens.functionName ? { functionName: lens.functionName } : {}),
          links,
          findings: engine.findingsAt(lens.path, lens.line),
          ...(url ? { queryUrl: url } : {}),
          nowMs: Date.now(),
        }),
      };
    },
    'tracelens/spanSource': async (p) => {
      const engine = lensEngine(server);
      return { candidates: engine ? await engine.spanSource(p.traceId, p.spanId) : [] };
    },
    'tracelens/locationSpans': async (p) => {
      const engine = lensEngine(server);
      const path = uriToPath(p.uri);
      if (!engine || !path) return { spans: [] };
      return engine.locationSpans(path, p.line, p.limit);
    },
    'tracelens/fileHeat': (p) => {
      const engine = lensEngine(server);
      const path = uriToPath(p.uri);
      return engine && path ? engine.fileHeat(path) : { lines: [] };
    },
  };
}
