// One receiver per machine, with real server processes (out/server.js, as the extension and `tracelens serve` run
// it) on the same ports: the first owns the ports and the store, later ones attach (an LSP client on one of them sees
// every trace, live), kill -9 of the owner during ingest by the real OTLP exporter loses nothing acknowledged (an
// attached process takes over, the others follow it), a newer version takes the ports over on request and the older
// one attaches to it, and a program that is not TraceLens is named with its process.
import assert from 'node:assert/strict';
import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { SpanKind } from '@opentelemetry/api';
import type { ServerIdentity, ServerRequests, ServerStatus, TracesChangedEvent } from '../../src/protocol/messages';
import { machineSecret } from '../../src/server/machine/secret';
import { ackingLoad } from '../helpers/ackingLoad';
import { ownerAt } from '../helpers/machine';
import { freePorts } from '../helpers/server';
import { SdkShop } from '../helpers/sdkShop';
import { waitFor } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');
const SERVER = join(ROOT, 'out', 'server.js');

interface Proc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: string[];
  readonly events: TracesChangedEvent[];
  readonly statuses: ServerStatus[];
  /** Over LSP, for a process started with --stdio. */
  request<M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']>;
}

interface Ports {
  readonly args: string[];
  readonly otlpHttp: string;
  readonly query: string;
}

async function machinePorts(): Promise<Ports> {
  const [http, grpc, zipkin, query] = await freePorts(4);
  return {
    args: ['--otlp-http', `127.0.0.1:${http}`, '--otlp-grpc', `127.0.0.1:${grpc}`, '--zipkin', `127.0.0.1:${zipkin}`, '--query', `127.0.0.1:${query}`],
    otlpHttp: `http://127.0.0.1:${http}`,
    query: `http://127.0.0.1:${query}`,
  };
}

const running: ChildProcess[] = [];
const folders: string[] = [];

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tracelens-machine-'));
  folders.push(dir);
  return dir;
}

/** A server process; with `lsp`, an LSP client on its stdio (as the extension's language client). */
async function start(args: string[], options: { lsp?: boolean; server?: string; env?: Record<string, string> } = {}): Promise<Proc> {
  const child = spawn(process.execPath, [options.server ?? SERVER, 'serve', ...(options.lsp ? ['--stdio'] : []), ...args], { cwd: ROOT, env: { ...process.env, ...options.env } });
  running.push(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const events: TracesChangedEvent[] = [];
  const statuses: ServerStatus[] = [];
  let rpc: MessageConnection | undefined;
  if (options.lsp) {
    rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    rpc.onNotification('tracelens/tracesChanged', (e: TracesChangedEvent) => void events.push(e));
    rpc.onNotification('tracelens/statusChanged', (s: ServerStatus) => void statuses.push(s));
    rpc.listen();
    await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    await rpc.sendNotification('initialized', {});
  } else {
    await waitFor(() => stderr.some((l) => / ready: /.test(l)), 20_000, () => stderr.join('\n'));
  }
  return {
    child,
    stderr,
    events,
    statuses,
    request: (method, params) => {
      if (!rpc) throw new Error('not an LSP process');
      return rpc.sendRequest(method, params);
    },
  };
}

const exited = (child: ChildProcess): Promise<void> => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r())));

/** One two-span trace from the real SDK; resolves with its id once the exporter has sent it. */
async function sendTrace(otlpHttp: string, name: string): Promise<string> {
  const shop = new SdkShop(otlpHttp);
  const id = shop.trace({ service: 'machine-test', name, kind: SpanKind.SERVER, start: 0, end: 20, children: [{ service: 'machine-test', name: `${name} child`, start: 2, end: 10 }] }, Date.now() - 50);
  await shop.flush();
  await shop.shutdown();
  return id;
}

after(async () => {
  for (const c of running) c.kill('SIGKILL');
  await Promise.all(running.map(exited));
  for (const d of folders) await rm(d, { recursive: true, force: true });
});

describe('one receiver per machine', () => {
  it('the first process owns the ports and store; later ones attach and see every trace, live; kill -9 of the owner mid-ingest loses nothing acknowledged', async () => {
    const ports = await machinePorts();
    const ownerDir = await folder();
    const a = await start([...ports.args, '--data-dir', ownerDir]);
    const b = await start([...ports.args, '--data-dir', await folder()], { lsp: true });
    const c = await start([...ports.args, '--data-dir', await folder()]);

    // B and C attached to A: no "in use" anywhere, A's store, A's receivers.
    const sb = await b.request('tracelens/status', {});
    assert.equal(sb.machine?.role, 'attached');
    assert.equal(sb.machine?.owner.pid, a.child.pid);
    assert.equal(sb.machine?.self.pid, b.child.pid);
    assert.equal(sb.store.location, ownerDir);
    assert.deepEqual(sb.receivers.map((r) => r.state), ['listening', 'listening', 'listening', 'listening']);
    assert.ok(c.stderr.some((l) => l.includes(`attached to TraceLens 0.1.0 (process ${a.child.pid})`)), c.stderr.join('\n'));
    for (const p of [b, c]) assert.ok(!p.stderr.some((l) => /in use|held by/.test(l)), p.stderr.join('\n'));

    // A trace sent once to the machine's receiver: B answers it and was told of it live.
    const traceId = await sendTrace(ports.otlpHttp, 'GET /once');
    await waitFor(() => b.events.some((e) => e.traceIds.includes(traceId)), 10_000, () => `events: ${JSON.stringify(b.events.map((e) => e.traceIds))}`);
    const seen = await b.request('tracelens/getTrace', { traceId });
    assert.equal(seen?.spans.length, 2);

    // The real exporter, several exports in flight; it keeps trying while the receiver changes hands.
    const { child: load, acked } = ackingLoad(ports.otlpHttp, ['--seconds', '60', '--patience', '20']);
    running.push(load);
    await waitFor(() => acked.size >= 1000, 60_000, () => `${acked.size} traces acknowledged`);
    a.child.kill('SIGKILL');
    await exited(a.child);
    const ackedAtKill = acked.size;

    // One of B and C owns the machine within a few seconds; the other follows it; ingest goes on.
    await waitFor(async () => [b.child.pid, c.child.pid].includes((await ownerAt(ports.query))?.pid), 10_000, () => `${b.stderr.join('\n')}\n---\n${c.stderr.join('\n')}`);
    const owner = (await ownerAt(ports.query))!;
    assert.equal(owner.dataDir, ownerDir, 'the new owner opened the store of the one that died');
    await waitFor(() => acked.size >= ackedAtKill + 500, 30_000, () => `${acked.size - ackedAtKill} traces acknowledged after the kill`);
    load.kill('SIGTERM');
    await exited(load);

    if (owner.pid === c.child.pid) {
      await waitFor(async () => (await b.request('tracelens/status', {})).machine?.owner.pid === c.child.pid, 10_000);
      assert.ok(c.stderr.some((l) => l.includes(`took over the receivers and the store ${ownerDir}`)), c.stderr.join('\n'));
    } else {
      assert.equal((await b.request('tracelens/status', {})).machine?.role, 'owner');
      assert.ok(b.statuses.some((s) => s.machine?.role === 'owner'), 'the editor was told that its process owns the machine now');
      await waitFor(() => c.stderr.some((l) => l.includes('following the new owner')), 10_000, () => c.stderr.join('\n'));
    }

    // Every acknowledged trace, whole, through B (its own store now, or the new owner's).
    const missing: string[] = [];
    for (const [id, spans] of acked) {
      const t = await b.request('tracelens/getTrace', { traceId: id });
      if (!t || t.spans.length !== spans) missing.push(`${id}: ${t?.spans.length ?? 0} of ${spans}`);
    }
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${acked.size} acknowledged traces are incomplete after the owner was killed`);
    assert.equal((await b.request('tracelens/getTrace', { traceId }))?.spans.length, 2, 'the trace from before the kill');
  });

  it('a newer version is told of the older owner, takes the ports over on request, and the older one attaches to it', async () => {
    // A newer build: the same bundle with another version number.
    const newer = await folder();
    await cp(join(ROOT, 'out'), join(newer, 'out'), { recursive: true });
    await writeFile(join(newer, 'package.json'), '{"name":"tracelens-newer","private":true}');
    const bundle = await readFile(join(newer, 'out', 'server.js'), 'utf8');
    assert.ok(bundle.includes('"0.1.0"'), 'the bundle names its version');
    await writeFile(join(newer, 'out', 'server.js'), bundle.replace(/(VERSION\d* = )"0\.1\.0"/, '$1"0.2.0"'));
    assert.ok(existsSync(join(newer, 'out', 'server.js')));

    const ports = await machinePorts();
    const dir = await folder();
    const old = await start([...ports.args, '--data-dir', dir], { lsp: true });
    const before = await sendTrace(ports.otlpHttp, 'GET /before');
    const fresh = await start([...ports.args, '--data-dir', await folder()], { lsp: true, server: join(newer, 'out', 'server.js') });

    const s = await fresh.request('tracelens/status', {});
    assert.equal(s.machine?.role, 'attached');
    assert.equal(s.machine?.self.version, '0.2.0');
    assert.equal(s.machine?.owner.version, '0.1.0');
    assert.equal(s.machine?.skew?.canTakeOver, true);
    assert.match(s.machine?.skew?.message ?? '', /held by TraceLens 0\.1\.0 .*older than this TraceLens 0\.2\.0; take over/);
    const o = await old.request('tracelens/status', {});
    assert.equal(o.machine?.role, 'owner');

    const taken = await fresh.request('tracelens/takeOver', {});
    assert.equal(taken.machine?.role, 'owner');
    assert.equal(taken.version, '0.2.0');
    assert.equal(taken.store.location, dir, 'the store went with the ports');
    assert.equal((await ownerAt(ports.query))?.pid, fresh.child.pid);
    await waitFor(async () => (await old.request('tracelens/status', {})).machine?.owner.pid === fresh.child.pid, 15_000, () => old.stderr.join('\n'));
    const now = await old.request('tracelens/status', {});
    assert.equal(now.machine?.role, 'attached');
    assert.equal(now.machine?.skew?.canTakeOver, false, 'the older one does not offer to take back');

    // Both see the trace from before and one sent now.
    const after = await sendTrace(ports.otlpHttp, 'GET /after');
    for (const p of [old, fresh]) {
      for (const id of [before, after]) await waitFor(async () => (await p.request('tracelens/getTrace', { traceId: id }))?.spans.length === 2, 10_000, () => `${id} through ${p.child.pid}`);
    }
  });

  it("another user's TraceLens (it cannot prove this user's machine secret) is not attached to, nor sent requests", async () => {
    const ports = await machinePorts();
    const theirs = await start([...ports.args, '--in-memory'], { env: { TRACELENS_RUNTIME_DIR: await folder() } });
    const mine = await start([...ports.args, '--in-memory'], { lsp: true });
    const s = await mine.request('tracelens/status', {});
    assert.equal(s.machine, undefined, 'no query API of its own, so no part in a machine');
    assert.ok(mine.stderr.some((l) => l.includes(`held by TraceLens 0.1.0 (process ${theirs.child.pid}), not one of this user's; this process runs on its own`)), mine.stderr.join('\n'));
    const http = s.receivers.find((r) => r.protocol === 'otlp-http')!;
    assert.equal(http.state, 'failed');
    assert.match(http.error ?? '', new RegExp(`held by TraceLens 0\\.1\\.0 \\(process ${theirs.child.pid}\\), not one of this user's`));
    // Its query API speaks Jaeger's: the editor offers to read its traces (tracelens.remotes).
    assert.equal(s.receivers.find((r) => r.protocol === 'query')?.holder?.jaegerApi, ports.query);
    // Its health tells that process's folder to nobody without its secret; its rpc route takes no peer request.
    const answer = (await (await fetch(`${ports.query}/api/tracelens/health`, { headers: { 'X-TraceLens-Peer': await machineSecret() } })).json()) as ServerIdentity;
    assert.equal(answer.pid, theirs.child.pid);
    assert.equal('dataDir' in answer, false);
    const refused = await fetch(`${ports.query}/api/tracelens/rpc`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-TraceLens-Peer': await machineSecret() }, body: '{"method":"tracelens/clear","params":{}}' });
    assert.equal(refused.status, 404);
  });

  it('a program that is not TraceLens on a receiver port is named with its process, and the rest still serve', async () => {
    const ports = await machinePorts();
    const port = Number(new URL(ports.otlpHttp).port);
    const blocker = spawn(process.execPath, ['-e', `require('http').createServer((q, r) => r.end('hello')).listen(${port}, '127.0.0.1', () => console.log('up'))`]);
    running.push(blocker);
    await new Promise<void>((r) => blocker.stdout.once('data', () => r()));
    const p = await start([...ports.args, '--in-memory'], { lsp: true });
    const s = await p.request('tracelens/status', {});
    const http = s.receivers.find((r) => r.protocol === 'otlp-http')!;
    assert.equal(http.state, 'failed');
    assert.equal(http.holder?.process?.pid, blocker.pid);
    assert.equal(http.holder?.process?.name, 'node');
    assert.match(http.error ?? '', new RegExp(`127\\.0\\.0\\.1:${port} is held by the program node \\(process ${blocker.pid}\\); stop it, or change "tracelens\\.receivers`));
    assert.deepEqual(s.receivers.map((r) => r.state), ['failed', 'listening', 'listening', 'listening']);
    assert.equal(s.machine?.role, 'owner');
  });
});
