// Code lenses, hovers, diagnostics and TraceLens's location requests on an LSP connection, over a backend: the lens
// engine of this process (`tracelens serve --stdio`, `tracelens lsp` with its own store), or the `serve` process an
// attached `tracelens lsp` forwards to (attach.ts). This side keeps the editor's documents (unsaved edits count) and
// workspace folders and sends them to the backend; the backend holds the statistics.
import type { ClientCapabilities, Connection, InitializeParams, ServerCapabilities } from 'vscode-languageserver/node';
import { CodeLensRefreshRequest, DiagnosticSeverity, DidChangeWatchedFilesNotification, FileChangeType, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ClientNotifications, LensSettings, LensSyncParams, ServerRequests } from '../../protocol/messages';
import { SHOW_LOCATION_SPANS_COMMAND } from '../../protocol/messages';
import { DEFAULT_LENS_SETTINGS } from './engine';
import { OPEN_TRACE_COMMAND } from './render';
import { uriToPath } from './workspace';

export interface LensBackend {
  request<M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']>;
  /** Called when lenses may have changed; returns the unsubscribe function. */
  onDidChange(listener: () => void): () => void;
}

/** Changes are told to the editor at most this often (a burst of spans makes one refresh). */
const REFRESH_DEBOUNCE_MS = 10;
const SYNC_DEBOUNCE_MS = 30;

/** Merges client settings over the defaults; '${workspaceFolder}' in a mapping's target becomes the first folder. */
export function lensSettings(given: Partial<LensSettings> | undefined, folder: string | undefined, base: LensSettings = DEFAULT_LENS_SETTINGS): LensSettings {
  return {
    enabled: typeof given?.enabled === 'boolean' ? given.enabled : base.enabled,
    windowMinutes: typeof given?.windowMinutes === 'number' && given.windowMinutes > 0 ? given.windowMinutes : base.windowMinutes,
    diagnostics: { ...base.diagnostics, ...(given?.diagnostics ?? {}) },
    pathMappings: (Array.isArray(given?.pathMappings) ? given.pathMappings : base.pathMappings)
      .filter((m) => typeof m?.from === 'string' && typeof m?.to === 'string')
      .map((m) => ({ from: m.from, to: folder !== undefined ? m.to.split('${workspaceFolder}').join(folder) : m.to })),
  };
}

/** Workspace folder paths from initialize (workspaceFolders, else rootUri, else rootPath). */
export function rootsOf(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  const roots = uris.map(uriToPath).filter((p): p is string => p !== undefined);
  if (roots.length === 0 && params.rootPath) roots.push(params.rootPath);
  return roots;
}

export interface LensFeatures {
  /** The capabilities to announce in initialize. */
  initialize(params: InitializeParams): ServerCapabilities;
  /** Closes this editor's documents in the backend (an attached process's unsaved text must not outlive it). */
  shutdown(): Promise<void>;
  /** Sends the workspace, the settings and every open document again (a new backend starts without them). */
  resync(): void;
}

/** Registers the lens features on a connection; call initialize from the connection's onInitialize. */
export function serveLensFeatures(connection: Connection, backend: LensBackend, log: (line: string) => void): LensFeatures {
  const documents = new TextDocuments(TextDocument);
  let capabilities: ClientCapabilities = {};
  let roots: string[] = [];
  let settings = DEFAULT_LENS_SETTINGS;
  let initialized: Promise<unknown> = Promise.resolve();
  const pending: { -readonly [K in keyof LensSyncParams]: NonNullable<LensSyncParams[K]> extends readonly (infer T)[] ? T[] : LensSyncParams[K] } = {};
  let syncTimer: NodeJS.Timeout | undefined;
  let syncing: Promise<unknown> = Promise.resolve();

  const fail = (what: string) => (e: unknown) => log(`lens: ${what}: ${e instanceof Error ? e.message : String(e)}`);

  /** Sends what changed since the last sync; requests wait for it, so a lens reflects the buffer as typed. */
  const flush = (): Promise<unknown> => {
    if (syncTimer) clearTimeout(syncTimer);
    syncTimer = undefined;
    const p: LensSyncParams = { ...pending };
    for (const k of Object.keys(pending) as (keyof typeof pending)[]) delete pending[k];
    if (Object.keys(p).length === 0) return syncing;
    syncing = syncing.then(() => backend.request('tracelens/lensSync', p)).catch(fail('sync'));
    return syncing;
  };
  const scheduleSync = (): void => {
    syncTimer ??= setTimeout(() => void flush(), SYNC_DEBOUNCE_MS);
  };
  const ready = async (): Promise<void> => {
    await initialized;
    await flush();
  };

  documents.onDidChangeContent((e) => {
    pending.documents = [...(pending.documents ?? []).filter((d) => d.uri !== e.document.uri), { uri: e.document.uri, text: e.document.getText() }];
    pending.closed = pending.closed?.filter((u) => u !== e.document.uri);
    scheduleSync();
  });
  documents.onDidClose((e) => {
    pending.documents = pending.documents?.filter((d) => d.uri !== e.document.uri);
    pending.closed = [...(pending.closed ?? []), e.document.uri];
    scheduleSync();
    if (published.has(e.document.uri)) {
      published.delete(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }
  });
  documents.listen(connection);

  connection.onDidChangeWatchedFiles((p) => {
    pending.changedFiles = [...(pending.changedFiles ?? []), ...p.changes.map((c) => ({ uri: c.uri, deleted: c.type === FileChangeType.Deleted }))];
    scheduleSync();
  });
  connection.onNotification('tracelens/configure', (p: ClientNotifications['tracelens/configure']) => {
    settings = lensSettings(p?.lens, roots[0]);
    pending.settings = settings;
    scheduleSync();
    // Diagnostics may have been switched off: clear them now.
    setTimeout(() => void updateDiagnostics().catch(fail('diagnostics')), SYNC_DEBOUNCE_MS * 2);
  });

  connection.onInitialized(() => {
    if (capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] }).catch(fail('registering the file watcher'));
    }
  });

  connection.onCodeLens(async (p) => {
    await ready();
    if (!settings.enabled) return [];
    const lenses = await backend.request('tracelens/codeLenses', { uri: p.textDocument.uri });
    return lenses.map((l) => ({
      range: { start: { line: l.line - 1, character: 0 }, end: { line: l.line - 1, character: 0 } },
      command: l.open
        ? { title: l.title, command: OPEN_TRACE_COMMAND, arguments: [{ traceId: l.open.traceId, spanId: l.open.spanId }] }
        : { title: l.title, command: SHOW_LOCATION_SPANS_COMMAND, arguments: [{ uri: p.textDocument.uri, line: l.line }] },
    }));
  });
  connection.onHover(async (p) => {
    await ready();
    if (!settings.enabled) return null;
    const hover = await backend.request('tracelens/lensHover', { uri: p.textDocument.uri, line: p.position.line + 1 });
    return hover ? { contents: { kind: 'markdown', value: hover.markdown } } : null;
  });
  const forward = <M extends 'tracelens/spanSource' | 'tracelens/locationSpans' | 'tracelens/fileHeat'>(method: M): void => {
    connection.onRequest(method, async (params: ServerRequests[M]['params']) => {
      await ready();
      return backend.request(method, params);
    });
  };
  forward('tracelens/spanSource');
  forward('tracelens/locationSpans');
  forward('tracelens/fileHeat');

  // Diagnostics: open documents with a location over the thresholds; cleared when it no longer is.
  const published = new Set<string>();
  const updateDiagnostics = async (): Promise<void> => {
    for (const doc of documents.all()) {
      const lines = settings.diagnostics.enabled ? (await backend.request('tracelens/fileHeat', { uri: doc.uri })).lines : [];
      if (lines.length === 0 && !published.has(doc.uri)) continue;
      const diagnostics = lines.map((l) => ({
        range: { start: { line: l.line - 1, character: 0 }, end: { line: l.line - 1, character: Math.max(1, doc.getText({ start: { line: l.line - 1, character: 0 }, end: { line: l.line, character: 0 } }).trimEnd().length) } },
        severity: l.kind === 'hot' ? DiagnosticSeverity.Information : DiagnosticSeverity.Warning,
        source: 'TraceLens',
        message: l.message,
      }));
      if (diagnostics.length > 0) published.add(doc.uri);
      else published.delete(doc.uri);
      await connection.sendDiagnostics({ uri: doc.uri, diagnostics });
    }
  };

  let refreshTimer: NodeJS.Timeout | undefined;
  backend.onDidChange(() => {
    refreshTimer ??= setTimeout(() => {
      refreshTimer = undefined;
      if (capabilities.workspace?.codeLens?.refreshSupport) connection.sendRequest(CodeLensRefreshRequest.type).catch(fail('refreshing code lenses'));
      updateDiagnostics().catch(fail('diagnostics'));
    }, REFRESH_DEBOUNCE_MS);
  });

  return {
    initialize(params) {
      capabilities = params.capabilities;
      roots = rootsOf(params);
      const options = params.initializationOptions as { lens?: Partial<LensSettings> } | undefined;
      settings = lensSettings(options?.lens, roots[0]);
      initialized = backend.request('tracelens/lensSync', { roots, settings }).catch(fail('workspace'));
      return {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
      };
    },
    resync() {
      pending.roots = roots;
      pending.settings = settings;
      pending.documents = documents.all().map((d) => ({ uri: d.uri, text: d.getText() }));
      void flush();
    },
    async shutdown() {
      const open = documents.all().map((d) => d.uri);
      if (open.length === 0) return;
      pending.documents = [];
      pending.closed = [...(pending.closed ?? []), ...open];
      await flush();
    },
  };
}
