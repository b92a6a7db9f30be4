// The language-server endpoint: the extension (through vscode-languageclient) and any LSP client reach the trace
// server here. It carries TraceLens's own requests and notifications (src/protocol/messages.ts); code lenses and
// hovers come from the lens engine (src/server/lens). Everything goes to the machine's owner through the member
// (src/server/machine): the trace server of this process, or the one this process is attached to.
import type { Connection } from 'vscode-languageserver/node';
import type { ServerNotifications, ServerRequests } from '../protocol/messages';
import { UI_REQUESTS } from '../protocol/webview';
import { serveLensFeatures } from './lens/lspLens';
import type { Member } from './machine/member';
import { VERSION } from './traceServer';

/** Requests answered by the owner as they are; the lens requests go through serveLensFeatures. */
const FORWARDED = [...UI_REQUESTS, 'tracelens/sessionTraces', 'tracelens/debugPaused', 'tracelens/debugResumed', 'tracelens/import', 'tracelens/clear'] as const;
type LensMethod = 'tracelens/lensSync' | 'tracelens/lensState' | 'tracelens/codeLenses' | 'tracelens/lensHover' | 'tracelens/spanSource' | 'tracelens/locationSpans' | 'tracelens/fileHeat';
/** Every request is served: a new one in ServerRequests must be added above or handled below. */
type Unserved = Exclude<keyof ServerRequests, (typeof FORWARDED)[number] | LensMethod | 'tracelens/receivers' | 'tracelens/takeOver' | 'tracelens/handOver'>;
const everyRequestServed: [Unserved] extends [never] ? true : Unserved = true;

export function serveLsp(connection: Connection, member: Member, log: (line: string) => void): void {
  void everyRequestServed;
  const on = <M extends keyof ServerRequests>(method: M, handler: (params: ServerRequests[M]['params']) => Promise<ServerRequests[M]['result']>): void => {
    connection.onRequest(method, (params: ServerRequests[M]['params'] | null) => handler(params ?? ({} as ServerRequests[M]['params'])));
  };
  const notify = <M extends keyof ServerNotifications>(method: M, params: ServerNotifications[M]): void => {
    void connection.sendNotification(method, params);
  };

  // Code lenses, hovers, diagnostics and the location requests (src/server/lens).
  const lens = serveLensFeatures(connection, { request: member.request, onDidChange: (l) => member.onLensChange(l) }, log);
  connection.onInitialize((params) => ({
    capabilities: lens.initialize(params),
    serverInfo: { name: 'tracelens', version: VERSION },
  }));

  for (const method of FORWARDED) on(method, (p) => member.request(method, p));
  on('tracelens/receivers', async (p) => {
    const status = await member.request('tracelens/receivers', p);
    notify('tracelens/statusChanged', status);
    return status;
  });
  on('tracelens/takeOver', async () => {
    await member.takeOver();
    return member.request('tracelens/status', {});
  });

  // The throttled live feed; a new owner (this process took over, or follows another) sends a new status.
  const unsubscribe = [
    member.onTracesChanged((event) => notify('tracelens/tracesChanged', event)),
    member.onDidSwitch(() => {
      lens.resync();
      member.request('tracelens/status', {}).then(
        (status) => notify('tracelens/statusChanged', status),
        (e: unknown) => log(`status after the switch: ${e instanceof Error ? e.message : String(e)}`),
      );
    }),
  ];
  connection.onShutdown(async () => {
    for (const u of unsubscribe) u();
    await lens.shutdown().catch(() => undefined);
    await member.close();
  });
}
