// The language-server endpoint: the extension (through vscode-languageclient) and any LSP client reach the trace
// server here. It carries TraceLens's own requests and notifications (src/protocol/messages.ts); code lenses and
// hovers join it with the correlation issue.
import type { Connection } from 'vscode-languageserver/node';
import { TextDocumentSyncKind } from 'vscode-languageserver/node';
import type { ServerNotifications, ServerRequests, ServerStatus } from '../protocol/messages';
import { fromWireQuery, toWireLog, toWireSummary, toWireTrace } from '../core/wire';
import type { TraceServer } from './traceServer';
import { VERSION } from './traceServer';

const DAY_NANOS = 86_400_000_000_000n;

type Handler<M extends keyof ServerRequests> = (params: ServerRequests[M]['params']) => Promise<ServerRequests[M]['result']> | ServerRequests[M]['result'];

export function serveLsp(connection: Connection, server: TraceServer): void {
  const on = <M extends keyof ServerRequests>(method: M, handler: Handler<M>): void => {
    connection.onRequest(method, async (params: ServerRequests[M]['params'] | null): Promise<unknown> => handler(params ?? ({} as ServerRequests[M]['params'])));
  };
  const notify = <M extends keyof ServerNotifications>(method: M, params: ServerNotifications[M]): void => {
    void connection.sendNotification(method, params);
  };

  connection.onInitialize(() => ({
    capabilities: { textDocumentSync: TextDocumentSyncKind.None },
    serverInfo: { name: 'tracelens', version: VERSION },
  }));

  on('tracelens/status', () => server.status());
  on('tracelens/findTraces', async (p) => (await server.store.findTraces(fromWireQuery(p))).map(toWireSummary));
  on('tracelens/getTrace', async (p) => {
    const spans = await server.store.getTrace(p.traceId);
    return spans ? toWireTrace(p.traceId, spans) : null;
  });
  on('tracelens/getLogs', async (p) => (await server.store.getLogs(p.traceId)).map(toWireLog));
  on('tracelens/services', () => server.store.services());
  on('tracelens/operations', (p) => server.store.operations(p.service));
  on('tracelens/dependencies', (p) => {
    const to = p.toNanos ? BigInt(p.toNanos) : BigInt(Date.now()) * 1_000_000n;
    const from = p.fromNanos ? BigInt(p.fromNanos) : to - DAY_NANOS;
    return server.store.dependencies(from, to);
  });
  on('tracelens/export', (p) => server.exportTraces(p));
  on('tracelens/import', (p) => server.importFiles(p));
  on('tracelens/clear', () => server.clear());
  on('tracelens/receivers', async (p): Promise<ServerStatus> => {
    const status = p.action === 'stop' ? await server.stopReceivers() : await server.start();
    notify('tracelens/statusChanged', status);
    return status;
  });

  // The throttled live feed.
  const unsubscribe = server.live.subscribe((event) => notify('tracelens/tracesChanged', event));
  connection.onShutdown(async () => {
    unsubscribe();
    await server.close();
  });
}
