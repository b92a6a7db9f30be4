// Every typed request a trace server answers (src/protocol/messages.ts), in one table: what its LSP endpoint serves,
// and what an attached TraceLens process on this machine forwards over POST /api/tracelens/rpc. Browsers get the
// UI_REQUESTS part only (query.ts).
import { debugHandlers } from './debugPauses';
import { lensHandlers } from './lens/service';
import type { Handlers } from './requests';
import { dataHandlers } from './requests';
import type { TraceServer } from './traceServer';

export function serverHandlers(server: TraceServer): Handlers {
  return {
    ...dataHandlers(server),
    ...debugHandlers(server),
    ...lensHandlers(server),
    'tracelens/receivers': (p) => (p.action === 'stop' ? server.stopReceivers() : server.start()),
    'tracelens/handOver': async (p) => {
      if (!server.handOver) throw new Error('this trace server does not hand its ports over (it was not started as a member of the machine)');
      return { releasing: await server.handOver(p.to) };
    },
  };
}
