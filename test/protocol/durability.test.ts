// Durability: the trace server (out/server.js, its own process, a store on disk) is killed with SIGKILL in the middle
// of a sustained ingest from a second process (the real OTLP/HTTP protobuf exporter, several exports in flight).
// After a restart on the same folder, every span acknowledged before the kill must be there; then a torn write is
// appended by hand and the store must still open cleanly and keep everything it had.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import type { ServerStatus } from '../../src/protocol/messages';
import type { WireTrace } from '../../src/protocol/wire';
import { ackingLoad } from '../helpers/ackingLoad';
import { freePorts } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');
const SERVER = join(ROOT, 'out', 'server.js');

interface Started {
  readonly child: ChildProcess;
  readonly stderr: string[];
}

function startServer(dir: string, http: number, query: number): Started {
  const child = spawn(process.execPath, [SERVER, 'serve', '--data-dir', dir, '--otlp-http', `127.0.0.1:${http}`, '--otlp-grpc', 'off', '--zipkin', 'off', '--query', `127.0.0.1:${query}`]);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  return { child, stderr };
}

/** The server's status once its store is open. */
async function status(query: number): Promise<ServerStatus | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${query}/api/tracelens/status`);
    const s = res.ok ? ((await res.json()) as ServerStatus) : undefined;
    return s?.store.ready ? s : undefined;
  } catch {
    return undefined;
  }
}

const exited = (child: ChildProcess): Promise<void> => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r())));

describe('durability', () => {
  const children: ChildProcess[] = [];
  let dir = '';
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged span through a SIGKILL mid-ingest, and opens cleanly after a torn write', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracelens-durability-'));
    const [http, query] = await freePorts(2);
    const first = startServer(dir, http!, query!);
    children.push(first.child);
    await waitFor(async () => (await status(query!)) !== undefined, 15_000, () => first.stderr.join('\n'));

    // The second process: the real exporter, as fast as acknowledgements come.
    const { child: load, acked, stderr: loadErr } = ackingLoad(`http://127.0.0.1:${http}`, ['--seconds', '30']);
    children.push(load);

    // Kill the server once a good stream of exports has been acknowledged, while more are in flight.
    await waitFor(() => acked.size >= 2000, 60_000, () => `${acked.size} traces acknowledged; exporter: ${loadErr.join('\n')}`);
    first.child.kill('SIGKILL');
    await exited(first.child);
    const ackedAtKill = new Map(acked);
    await exited(load); // it notices the dead receiver and stops
    assert.ok(ackedAtKill.size >= 2000);

    const second = startServer(dir, http!, query!);
    children.push(second.child);
    await waitFor(async () => (await status(query!)) !== undefined, 30_000, () => second.stderr.join('\n'));
    const s = (await status(query!))!;
    assert.equal(s.store.location, dir);
    assert.ok(s.spanCount >= [...acked.values()].reduce((a, b) => a + b, 0), `${s.spanCount} spans stored, ${acked.size} traces acknowledged`);
    const missing: string[] = [];
    for (const [traceId, spans] of acked) {
      const res = await fetch(`http://127.0.0.1:${query}/api/tracelens/traces/${traceId}`);
      const trace = res.ok ? ((await res.json()) as WireTrace) : undefined;
      if (!trace || trace.spans.length !== spans) missing.push(`${traceId}: ${trace?.spans.length ?? 0} of ${spans} spans`);
    }
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${acked.size} acknowledged traces are incomplete after the kill`);

    // A torn write at the end of the active segment, as a kill in the middle of write() leaves it.
    second.child.kill('SIGKILL');
    await exited(second.child);
    const segments = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
    const torn = Buffer.alloc(100, 0xab);
    torn.writeUInt32LE(0x31464c54, 0); // a frame marker, then a length that runs past the end
    torn.writeUInt32LE(1 << 20, 4);
    await appendFile(join(dir, segments.at(-1)!), torn);
    const third = startServer(dir, http!, query!);
    children.push(third.child);
    await waitFor(async () => (await status(query!)) !== undefined, 30_000, () => third.stderr.join('\n'));
    assert.ok(third.stderr.some((l) => /cut 100 bytes after a torn frame/.test(l)), third.stderr.join('\n'));
    assert.equal((await status(query!))!.spanCount, s.spanCount, 'nothing that was stored is lost to the cut');
    third.child.kill('SIGTERM');
    await exited(third.child);
  });
});
