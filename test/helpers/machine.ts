// Who holds a TraceLens query port, as this user's processes see it (with the machine secret, its data folder too).
import type { ServerIdentity } from '../../src/protocol/messages';
import { machineSecret } from '../../src/server/machine/secret';

export async function ownerAt(query: string): Promise<ServerIdentity | undefined> {
  try {
    const res = await fetch(`${query}/api/tracelens/health`, { headers: { 'X-TraceLens-Peer': await machineSecret() }, signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as ServerIdentity) : undefined;
  } catch {
    return undefined;
  }
}
