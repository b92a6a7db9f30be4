// The language-server endpoint: the extension (through vscode-languageclient) and any LSP client reach the trace
// server here. It carries TraceLens's own requests and notifications (src/protocol/messages.ts); code lenses and
// hovers come from the lens engine (src/server/lens).
import type { Connection } from 'vscode-languageserver/node';
import type { ServerNotifications, ServerRequests, ServerStatus } from '../protocol/messages';
import { localLensBackend, serveLensFeatures } from './lens/lspLens';
import { disposeLensEngine } from './lens/service';
import type { Handler } from './requests';
import { dataHandlers } from './requests';
import { debugHandlers } from './debugPauses';
import type { TraceServer } from './traceServer';
import { VERSION } from './traceServer';

export function serveLsp(connection: Connection, server: TraceServer): void {
  const on = <M extends keyof ServerRequests>(method: M, handler: Handler<M>): void => {
    connection.onRequest(method, async (params: ServerRequests[M]['params'] | null): Promise<unknown> => handler(params ?? ({} as ServerRequests[M]['params'])));
  };
  const notify = <M extends keyof ServerNotifications>(method: M, params: ServerNotifications[M]): void => {
    void connection.sendNotification(method, params);
  };

  // Code lenses, hovers, diagnostics and the location requests (src/server/lens).
  const lens = serveLensFeatures(connection, localLensBackend(server), (l) => void process.stderr.write(`${l}\n`));
  connection.onInitialize((params) => ({
    capabilities: lens.initialize(params),
    serverInfo: { name: 'tracelens', version: VERSION },
  }));

  const handlers = { ...dataHandlers(server), ...debugHandlers(server) };
  for (const method of Object.keys(handlers) as (keyof ServerRequests)[]) on(method, handlers[method] as Handler<typeof method>);
  on('tracelens/receivers', async (p): Promise<ServerStatus> => {
    const status = p.action === 'stop' ? await server.stopReceivers() : await server.start();
    notify('tracelens/statusChanged', status);
    return status;
  });

  // The throttled live feed.
  const unsubscribe = server.live.subscribe((event) => notify('tracelens/tracesChanged', event));
  connection.onShutdown(async () => {
    unsubscribe();
    disposeLensEngine(server);
    await server.close();
  });
}
