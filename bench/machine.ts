// One-receiver-per-machine benchmark (src/server/machine): what attaching and taking over cost, with real server
// processes (out/server.js, as the extension and `tracelens serve` run it) on free 127.0.0.1 ports and stores in
// temporary folders, each against a reference measured in the same run:
//   latency   tracelens/findTraces { limit: 20 } and tracelens/getTrace over LSP (vscode-jsonrpc on stdio) through a
//             process attached to the owner (`serve --stdio`: it forwards each request over the owner's
//             POST /api/tracelens/rpc), against the same requests over LSP to the owner itself (`serve --stdio`, a
//             few thousand traces ingested as OTLP/HTTP protobuf), interleaved, p50/p95; for scale also the owner's
//             rpc route called straight from this process;
//   takeover  an owner and two attached `serve` processes; kill -9 of the owner, then the time until
//             GET /api/tracelens/health answers with another pid and until an OTLP/HTTP export to the receiver port
//             is acknowledged (200) again; K rounds, a fresh process replacing the killed one in each (always 3),
//             against a cold `serve` start on a fresh data dir (spawn until its health route, and an export, answer).
//             Also printed: when the new owner's own log says the owner went away, the store opened and it took
//             over (its ms clock against this one's at the kill), an export to the settled new owner (the write and
//             fdatasync an acknowledgement costs), and a fresh process's spawn until it is attached.
// The takeover probes start a request every 5 ms, each on its own connection: a listener bound but not answering yet
// holds one probe, not the measurement. Server log lines that look like trouble are listed at the end (stderr).
// Every process is killed and every folder removed at the end, also on a failure or Ctrl+C.
//
//   npm run bench:machine               = npx tsx bench/machine.ts: 3,000 traces, 300 requests, 10 rounds
//   npx tsx bench/machine.ts --quick    1,000 traces, 100 requests, 3 rounds
//   npx tsx bench/machine.ts --help     every option
import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import Long from 'long';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { ServerIdentity, ServerRequests, ServerStatus } from '../src/protocol/messages';
import { HEALTH_PATH } from '../src/protocol/messages';
import { reference } from '../test/helpers/otlp';
import { freePorts } from '../test/helpers/server';
import { parseArgs, runMain, TemporaryFolders } from './options';
import { formatMs, median, percentile, rng } from './stats';

const HELP = `Usage: npx tsx bench/machine.ts [options]
  --quick              1000 traces, 100 requests, 3 takeover rounds
  --traces N           traces ingested into the owner before the requests and the takeovers (default 3000)
  --requests N         findTraces and getTrace requests timed through each process, interleaved (default 300)
  --rounds N           kill -9 takeovers timed, and cold starts (default 10)
`;

const ROOT = resolve(__dirname, '..');
const SERVER = join(ROOT, 'out', 'server.js');
const LIMIT = 20;
const SPANS_PER_TRACE = 8;
const TRACES_PER_EXPORT = 100;
const WARMUP = 20;
/** Every wait is bounded: starting a process, a request, a takeover. */
const START_MS = 30_000;
const REQUEST_MS = 30_000;
const TAKEOVER_MS = 30_000;
/** Probes of a port being taken over: one every PROBE_EVERY_MS, each on its own connection, at most PROBE_MAX in flight. */
const PROBE_EVERY_MS = 5;
const PROBE_MAX = 50;
const PROBE_TIMEOUT_MS = 5_000;
/** Exports timed one at a time to the new owner once it has settled, each round. */
const SETTLED_EXPORTS = 5;

const temporary = new TemporaryFolders();
const children = new Set<ChildProcess>();
const ms = formatMs;
const int = (n: number): string => n.toLocaleString('en-US');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

/** Rejects when the promise does not settle in time. */
function within<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${timeoutMs} ms`)), timeoutMs)))]).finally(() => clearTimeout(timer));
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what()} (waited ${timeoutMs} ms)`);
    await sleep(10);
  }
}

// ---------------------------------------------------------------- processes

interface Ports {
  readonly args: string[];
  readonly otlpHttp: string;
  readonly query: string;
}

async function machinePorts(): Promise<Ports> {
  const [otlpHttp, grpc, zipkin, query] = await freePorts(4);
  return {
    args: ['--otlp-http', `127.0.0.1:${otlpHttp}`, '--otlp-grpc', `127.0.0.1:${grpc}`, '--zipkin', `127.0.0.1:${zipkin}`, '--query', `127.0.0.1:${query}`],
    otlpHttp: `http://127.0.0.1:${otlpHttp}`,
    query: `http://127.0.0.1:${query}`,
  };
}

interface Proc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  readonly name: string;
  /** stderr lines with the time (performance.now()) each was read. */
  readonly stderr: { readonly at: number; readonly line: string }[];
  /** Over LSP, for a process started with --stdio. */
  request<M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']>;
}

const everyProc: Proc[] = [];

function spawnServer(name: string, args: readonly string[], lsp: boolean): Omit<Proc, 'request'> {
  const child = spawn(process.execPath, [SERVER, 'serve', ...(lsp ? ['--stdio'] : []), ...args], { cwd: ROOT });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.stdin.on('error', () => undefined);
  if (child.pid === undefined) throw new Error(`${name}: the process did not start`);
  const stderr: Proc['stderr'] = [];
  createInterface({ input: child.stderr }).on('line', (line) => void stderr.push({ at: performance.now(), line }));
  return { child, pid: child.pid, name, stderr };
}

/** `serve --stdio` with an LSP client on it, as the extension's language client; resolves once initialized. */
async function startLsp(name: string, args: readonly string[]): Promise<Proc> {
  const p = spawnServer(name, args, true);
  const rpc: MessageConnection = createMessageConnection(new StreamMessageReader(p.child.stdout), new StreamMessageWriter(p.child.stdin));
  rpc.onError(() => undefined);
  rpc.listen();
  p.child.once('exit', () => rpc.dispose());
  await within(rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} }), START_MS, `${name}: initialize`);
  await rpc.sendNotification('initialized', {});
  const proc: Proc = { ...p, request: (method, params) => within(rpc.sendRequest(method, params), REQUEST_MS, `${name}: ${method}`) };
  everyProc.push(proc);
  return proc;
}

/** Plain `serve`; resolves once it logs that it is ready (owning or attached). */
async function startServe(name: string, args: readonly string[]): Promise<Proc> {
  const p = spawnServer(name, args, false);
  const proc: Proc = {
    ...p,
    request: () => {
      throw new Error(`${name} is not an LSP process`);
    },
  };
  everyProc.push(proc);
  await waitUntil(
    () => p.stderr.some((l) => / ready: /.test(l.line)) || p.child.exitCode !== null,
    START_MS,
    () => `${name} did not get ready:\n${p.stderr.map((l) => l.line).join('\n')}`,
  );
  if (p.child.exitCode !== null) throw new Error(`${name} exited with ${p.child.exitCode}:\n${p.stderr.map((l) => l.line).join('\n')}`);
  return proc;
}

const gone = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

async function kill(c: ChildProcess): Promise<void> {
  if (gone(c)) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGKILL');
  await within(exited, 10_000, `process ${c.pid} exiting after SIGKILL`);
}

/** Synchronous: for the exit handler too. */
function killAll(): void {
  for (const c of children) if (!gone(c)) c.kill('SIGKILL');
}

// ---------------------------------------------------------------- HTTP, each request on its own connection

interface Answer {
  readonly status: number;
  readonly body: Buffer;
}

function httpOnce(url: string, o: { method?: string; body?: Uint8Array; contentType?: string; timeoutMs: number; signal?: AbortSignal }): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Answer | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', abort);
      req.destroy();
      resolve(a);
    };
    const abort = (): void => done(undefined);
    const req = http.request(url, { method: o.method ?? 'GET', agent: false, headers: o.contentType ? { 'Content-Type': o.contentType } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => void chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', () => done(undefined));
    });
    const timer = setTimeout(() => done(undefined), o.timeoutMs);
    o.signal?.addEventListener('abort', abort);
    req.on('error', () => done(undefined));
    req.end(o.body === undefined ? undefined : Buffer.from(o.body));
  });
}

async function health(query: string, timeoutMs = 2000, signal?: AbortSignal): Promise<ServerIdentity | undefined> {
  const a = await httpOnce(`${query}${HEALTH_PATH}`, { timeoutMs, ...(signal ? { signal } : {}) });
  if (a?.status !== 200) return undefined;
  try {
    return JSON.parse(a.body.toString('utf8')) as ServerIdentity;
  } catch {
    return undefined;
  }
}

/** The owner's status from its query API (GET /api/tracelens/status). */
async function statusOf(query: string): Promise<ServerStatus> {
  const a = await httpOnce(`${query}/api/tracelens/status`, { timeoutMs: REQUEST_MS });
  if (a?.status !== 200) throw new Error(`GET ${query}/api/tracelens/status answered ${a?.status ?? 'nothing'}`);
  return JSON.parse(a.body.toString('utf8')) as ServerStatus;
}

async function exportSpans(otlpHttp: string, body: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<number | undefined> {
  const a = await httpOnce(`${otlpHttp}/v1/traces`, { method: 'POST', body, contentType: 'application/x-protobuf', timeoutMs, ...(signal ? { signal } : {}) });
  return a?.status;
}

/**
 * Starts a probe every PROBE_EVERY_MS (each on its own connection: a listener that accepted and does not answer yet
 * holds one probe, not the poll) until one answers with a value; milliseconds from t0 to that answer.
 */
function firstAnswer<T>(t0: number, probe: (signal: AbortSignal) => Promise<T | undefined>, what: string): Promise<{ ms: number; value: T }> {
  return new Promise((resolve, reject) => {
    const controllers = new Set<AbortController>();
    let finished = false;
    const finish = (): void => {
      finished = true;
      clearInterval(timer);
      for (const c of controllers) c.abort();
    };
    const start = (): void => {
      if (finished) return;
      if (performance.now() - t0 > TAKEOVER_MS) {
        finish();
        reject(new Error(`${what}: no answer within ${TAKEOVER_MS} ms`));
        return;
      }
      if (controllers.size >= PROBE_MAX) return;
      const c = new AbortController();
      controllers.add(c);
      probe(c.signal).then(
        (value) => {
          controllers.delete(c);
          if (finished || value === undefined) return;
          const t = performance.now() - t0;
          finish();
          resolve({ ms: t, value });
        },
        (e: unknown) => {
          controllers.delete(c);
          if (!finished) {
            finish();
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        },
      );
    };
    const timer = setInterval(start, PROBE_EVERY_MS);
    start();
  });
}

// ---------------------------------------------------------------- OTLP payloads

const SERVICES = ['frontend', 'checkout', 'payments', 'inventory', 'shipping'];

interface Batch {
  readonly body: Uint8Array;
  readonly traceIds: string[];
}

/**
 * One OTLP/HTTP protobuf export (encoded with the protobufjs code generated from the official definitions) of
 * `traces` traces of SPANS_PER_TRACE spans over the services, starting in the last 30 minutes.
 */
function otlpBatch(random: () => number, traces: number, nowMs: number): Batch {
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const nanos = (msSinceEpoch: number): Long => Long.fromString(String(BigInt(Math.round(msSinceEpoch * 1000)) * 1000n), true);
  const byService = new Map<string, object[]>();
  const traceIds: string[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = bytes(16);
    traceIds.push(traceId.toString('hex'));
    const start = nowMs - 30 * 60_000 * random();
    const ids: Buffer[] = [];
    for (let s = 0; s < SPANS_PER_TRACE; s++) {
      const service = SERVICES[s === 0 ? t % SERVICES.length : Math.floor(random() * SERVICES.length)]!;
      const spanId = bytes(8);
      ids.push(spanId);
      const begin = start + s * 2;
      const duration = s === 0 ? 40 + 60 * random() : 1 + 20 * random();
      const error = random() < 0.02;
      let list = byService.get(service);
      if (!list) byService.set(service, (list = []));
      list.push({
        traceId,
        spanId,
        ...(s > 0 ? { parentSpanId: ids[Math.floor((s - 1) / 3)]! } : {}),
        name: s === 0 ? `GET /api/${service}/${t % 7}` : `${s % 2 ? 'SELECT' : 'POST'} ${service}.${s % 5}`,
        kind: s === 0 ? 2 : s % 2 ? 3 : 1,
        startTimeUnixNano: nanos(begin),
        endTimeUnixNano: nanos(begin + duration),
        attributes: [
          { key: 'http.route', value: { stringValue: `/api/${service}/${t % 7}` } },
          { key: 'app.seq', value: { intValue: Long.fromNumber(t * SPANS_PER_TRACE + s) } },
        ],
        status: { code: error ? 2 : 0 },
      });
    }
  }
  const message = reference.collector.ExportTraceServiceRequest.fromObject({
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'bench-machine' }, spans }],
    })),
  });
  return { body: reference.collector.ExportTraceServiceRequest.encode(message).finish(), traceIds };
}

async function ingest(otlpHttp: string, random: () => number, traces: number): Promise<string[]> {
  const ids: string[] = [];
  const nowMs = Date.now();
  for (let done = 0; done < traces; done += TRACES_PER_EXPORT) {
    const b = otlpBatch(random, Math.min(TRACES_PER_EXPORT, traces - done), nowMs);
    const status = await exportSpans(otlpHttp, b.body, REQUEST_MS);
    if (status !== 200) throw new Error(`an export to ${otlpHttp} answered ${status ?? 'nothing'}`);
    ids.push(...b.traceIds);
  }
  return ids;
}

// ---------------------------------------------------------------- 1. request latency

interface Latency {
  readonly find: { owner: number[]; attached: number[]; route: number[] };
  readonly get: { owner: number[]; attached: number[]; route: number[] };
  readonly spans: number;
  readonly traces: number;
}

async function latency(scratch: string, traces: number, requests: number, random: () => number): Promise<Latency> {
  const ports = await machinePorts();
  for (const d of ['latency-owner', 'latency-attached']) mkdirSync(join(scratch, d), { recursive: true });
  const owner = await startLsp('owner (serve --stdio)', [...ports.args, '--data-dir', join(scratch, 'latency-owner')]);
  const so = await owner.request('tracelens/status', {});
  if (so.machine?.role !== 'owner') throw new Error(`the first process is ${so.machine?.role ?? 'no member'}, not the owner`);
  log(`latency: ingesting ${int(traces)} traces (${int(traces * SPANS_PER_TRACE)} spans) into the owner ...`);
  const ids = await ingest(ports.otlpHttp, random, traces);
  await waitUntil(async () => (await owner.request('tracelens/status', {})).traceCount >= traces, 10_000, () => `the owner does not hold the ${traces} traces`);
  const attached = await startLsp('attached (serve --stdio)', [...ports.args, '--data-dir', join(scratch, 'latency-attached')]);
  const sa = await attached.request('tracelens/status', {});
  if (sa.machine?.role !== 'attached' || sa.machine.owner.pid !== owner.pid) throw new Error(`the second process is ${sa.machine?.role ?? 'no member'} (owner ${sa.machine?.owner.pid}), not attached to ${owner.pid}`);

  // The owner's rpc route straight from this process (keep-alive fetch, as an attached process calls it).
  const route = async <M extends keyof ServerRequests>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> => {
    const res = await fetch(`${ports.query}/api/tracelens/rpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method, params }), signal: AbortSignal.timeout(REQUEST_MS) });
    const body = (await res.json()) as { result?: ServerRequests[M]['result']; error?: string };
    if (!res.ok || body.error !== undefined) throw new Error(`${method} over the rpc route: ${body.error ?? res.status}`);
    return body.result as ServerRequests[M]['result'];
  };
  type Via = 'owner' | 'attached' | 'route';
  const call = <M extends keyof ServerRequests>(via: Via, method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> =>
    via === 'route' ? route(method, params) : (via === 'owner' ? owner : attached).request(method, params);

  // The same answers through each.
  const first = await Promise.all((['owner', 'attached', 'route'] as const).map((v) => call(v, 'tracelens/findTraces', { limit: LIMIT })));
  const key = (xs: readonly { traceId: string }[]): string => xs.map((x) => x.traceId).join(',');
  if (first[0].length !== LIMIT || key(first[0]) !== key(first[1]) || key(first[0]) !== key(first[2])) throw new Error('findTraces answers differ between the owner and the attached process');

  const out: Latency = { find: { owner: [], attached: [], route: [] }, get: { owner: [], attached: [], route: [] }, spans: 0, traces: 0 };
  log(`latency: ${requests} rounds of findTraces and getTrace through the owner, the attached process and the rpc route (+${WARMUP} warm-up) ...`);
  const orders: Via[][] = [
    ['owner', 'attached', 'route'],
    ['attached', 'route', 'owner'],
    ['route', 'owner', 'attached'],
  ];
  for (let i = 0; i < requests + WARMUP; i++) {
    const order = orders[i % orders.length]!;
    const traceId = ids[Math.floor(random() * ids.length)]!;
    for (const via of order) {
      const s = performance.now();
      const found = await call(via, 'tracelens/findTraces', { limit: LIMIT });
      const t = performance.now() - s;
      if (found.length !== LIMIT) throw new Error(`findTraces through ${via} found ${found.length}`);
      if (i >= WARMUP) out.find[via].push(t);
    }
    for (const via of order) {
      const s = performance.now();
      const trace = await call(via, 'tracelens/getTrace', { traceId });
      const t = performance.now() - s;
      if (trace?.spans.length !== SPANS_PER_TRACE) throw new Error(`getTrace ${traceId} through ${via}: ${trace?.spans.length ?? 'no'} spans`);
      if (i >= WARMUP) out.get[via].push(t);
    }
  }
  const final = await owner.request('tracelens/status', {});
  await Promise.all([kill(attached.child), kill(owner.child)]);
  return { ...out, spans: final.spanCount, traces: final.traceCount };
}

// ---------------------------------------------------------------- 2. takeover

interface Round {
  readonly health: number;
  readonly ack: number;
  /** From the new owner's log (its ms clock, since the kill): the owner went away, the store opened, it took over. */
  readonly noticed: number | undefined;
  readonly opened: number | undefined;
  readonly tookOver: number | undefined;
  /** Exports to the settled new owner, one at a time: the acknowledgement's own cost (write + fdatasync). */
  readonly settled: number[];
  /** Which survivor took over: the one attached longer, or the newer one. */
  readonly winner: 'older' | 'newer';
}

interface Cold {
  readonly health: number;
  readonly ack: number;
}

interface Takeover {
  readonly rounds: Round[];
  readonly cold: Cold[];
  /** Spawn of the replacing process until it logs that it is attached. */
  readonly attach: number[];
  readonly spans: number;
}

/** The time in a server's log line (ISO, ms); undefined when the line is not there. */
function logTime(p: Proc, after: number, pattern: RegExp): number | undefined {
  const l = p.stderr.slice(after).find((x) => pattern.test(x.line));
  const m = l ? /^(\d{4}-\d\d-\d\dT[\d:.]+Z) /.exec(l.line) : null;
  return m ? Date.parse(m[1]!) : undefined;
}

let probeSeq = 0;
/** A one-trace export with ids of its own, for probing a receiver. */
function probeBody(): Uint8Array {
  const r = rng(0x9e3779b9 ^ ++probeSeq);
  return otlpBatch(r, 1, Date.now()).body;
}

async function coldStart(scratch: string, n: number): Promise<Cold> {
  const ports = await machinePorts();
  const dir = join(scratch, `cold-${n}`);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const p = spawnServer(`cold start ${n}`, [...ports.args, '--data-dir', dir], false);
  try {
    const [h, a] = await Promise.all([
      firstAnswer(t0, async (signal) => ((await health(ports.query, PROBE_TIMEOUT_MS, signal))?.pid === p.pid ? true : undefined), 'cold start: health'),
      firstAnswer(t0, async (signal) => ((await exportSpans(ports.otlpHttp, probeBody(), PROBE_TIMEOUT_MS, signal)) === 200 ? true : undefined), 'cold start: export'),
    ]);
    return { health: h.ms, ack: a.ms };
  } finally {
    await kill(p.child);
  }
}

async function takeover(scratch: string, traces: number, rounds: number, random: () => number): Promise<Takeover> {
  const ports = await machinePorts();
  const storeDir = join(scratch, 'machine-store');
  mkdirSync(storeDir, { recursive: true });
  let procSeq = 0;
  const serve = (): Promise<Proc> => {
    const n = ++procSeq;
    const dir = n === 1 ? storeDir : join(scratch, `machine-${n}`);
    mkdirSync(dir, { recursive: true });
    return startServe(`serve #${n}`, [...ports.args, '--data-dir', dir]);
  };
  const first = await serve();
  if ((await health(ports.query))?.pid !== first.pid) throw new Error('the first plain serve does not own the machine');
  log(`takeover: ingesting ${int(traces)} traces into the machine's store ...`);
  await ingest(ports.otlpHttp, random, traces);
  let procs = [first, await serve(), await serve()];
  for (const p of procs.slice(1)) {
    if (!p.stderr.some((l) => l.line.includes(`ready: attached to TraceLens`) && l.line.includes(`(process ${first.pid})`))) throw new Error(`${p.name} did not attach:\n${p.stderr.map((l) => l.line).join('\n')}`);
  }
  const out: Takeover = { rounds: [], cold: [], attach: [], spans: 0 };
  for (let r = 0; r < rounds; r++) {
    log(`takeover: round ${r + 1} of ${rounds} ...`);
    // The reference first, with the machine idle.
    out.cold.push(await coldStart(scratch, r + 1));

    const ownerId = await health(ports.query);
    const owner = procs.find((p) => p.pid === ownerId?.pid);
    if (!owner) throw new Error(`the machine's owner is process ${ownerId?.pid}, none of ${procs.map((p) => p.pid).join(', ')}`);
    const survivors = procs.filter((p) => p !== owner); // oldest first
    const marks = new Map(survivors.map((p) => [p, p.stderr.length]));
    const wall = Date.now();
    const t0 = performance.now();
    owner.child.kill('SIGKILL');
    // Probing starts once the owner is gone (it must not answer one), timed from the kill.
    await within(new Promise<void>((res) => (gone(owner.child) ? res() : owner.child.once('exit', () => res()))), 10_000, 'the killed owner exiting');
    const [h, a] = await Promise.all([
      firstAnswer(
        t0,
        async (signal) => {
          const id = await health(ports.query, PROBE_TIMEOUT_MS, signal);
          return id && id.pid !== owner.pid ? id : undefined;
        },
        `round ${r + 1}: health`,
      ),
      firstAnswer(t0, async (signal) => ((await exportSpans(ports.otlpHttp, probeBody(), PROBE_TIMEOUT_MS, signal)) === 200 ? true : undefined), `round ${r + 1}: export`),
    ]);
    const next = survivors.find((p) => p.pid === h.value.pid);
    if (!next) throw new Error(`round ${r + 1}: the health route answers for process ${h.value.pid}, none of the survivors`);
    const st = await statusOf(ports.query);
    if (st.pid !== next.pid || st.store.location !== storeDir) throw new Error(`round ${r + 1}: process ${st.pid} serves the store ${st.store.location}, not ${next.pid} the machine's store ${storeDir}`);
    const follower = survivors.find((p) => p !== next)!;
    await waitUntil(
      () => follower.stderr.slice(marks.get(follower)).some((l) => l.line.includes('following the new owner')),
      TAKEOVER_MS,
      () => `round ${r + 1}: ${follower.name} does not follow the new owner:\n${follower.stderr.map((l) => l.line).join('\n')}`,
    );
    const since = marks.get(next)!;
    const noticed = logTime(next, since, /^\S+ the trace server .* went away/);
    const opened = logTime(next, since, /trace store: opened /);
    const tookOver = logTime(next, since, /took over the receivers and the store/);
    const settled: number[] = [];
    for (let i = 0; i < SETTLED_EXPORTS; i++) {
      const s = performance.now();
      const code = await exportSpans(ports.otlpHttp, probeBody(), REQUEST_MS);
      if (code !== 200) throw new Error(`round ${r + 1}: an export to the new owner answered ${code ?? 'nothing'}`);
      settled.push(performance.now() - s);
    }
    const since0 = (t: number | undefined): number | undefined => (t === undefined ? undefined : t - wall);
    out.rounds.push({ health: h.ms, ack: a.ms, noticed: since0(noticed), opened: since0(opened), tookOver: since0(tookOver), settled, winner: next === survivors[0] ? 'older' : 'newer' });

    // A fresh process replaces the killed one: always three.
    const s = performance.now();
    const fresh = await serve();
    out.attach.push(performance.now() - s);
    if (!fresh.stderr.some((l) => l.line.includes(`(process ${next.pid})`))) throw new Error(`${fresh.name} did not attach to ${next.pid}:\n${fresh.stderr.map((l) => l.line).join('\n')}`);
    procs = [next, follower, fresh];
  }
  const spans = (await statusOf(ports.query)).spanCount;
  // Everything ingested, and at least one acknowledged probe a round, is in the store after all the takeovers.
  if (spans < traces * SPANS_PER_TRACE + rounds * (1 + SETTLED_EXPORTS) * SPANS_PER_TRACE) throw new Error(`the store holds ${spans} spans after the takeovers, fewer than acknowledged`);
  await Promise.all(procs.map((p) => kill(p.child)));
  return { ...out, spans };
}

// ---------------------------------------------------------------- main

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, HELP, ['--quick']);
  if (args.has('--help') || args.has('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run node scripts/build.mjs first`);
  const quick = args.has('--quick');
  const n = (flag: string, full: number, short: number): number => Math.round(args.num(flag, quick ? short : full));
  const traces = n('--traces', 3000, 1000);
  const requests = n('--requests', 300, 100);
  const rounds = n('--rounds', 10, 3);
  const t0 = performance.now();
  const scratch = temporary.add(mkdtempSync(join(os.tmpdir(), 'tracelens-bench-machine-')));

  console.log('one receiver per machine: real `serve` processes (out/server.js) on free 127.0.0.1 ports, stores in a temporary folder');
  console.log(`  1. findTraces { limit: ${LIMIT} } and getTrace over LSP through an attached process vs the owner itself (${int(traces)} traces stored, ${requests} each, interleaved)`);
  console.log(`  2. kill -9 of the owner (2 attached plain serve, ${rounds} rounds) until health names another pid / an export is acknowledged, vs a cold serve start`);
  console.log(`  machine: ${os.cpus().length} cores, Node ${process.version}, ${os.type()} ${os.release()}; 1-min load average at the start ${os.loadavg()[0]!.toFixed(1)}`);

  try {
    const lat = await latency(scratch, traces, requests, rng(0x5eed));
    const tk = await takeover(scratch, traces, rounds, rng(0xfee1));

    const row = (name: string, xs: readonly number[], ref?: readonly number[]): void => {
      const ratio = ref ? `   ${(median(xs) / median(ref)).toFixed(2)}x / ${(percentile(xs, 95) / percentile(ref, 95)).toFixed(2)}x the owner` : '';
      console.log(`  ${name.padEnd(56)} p50 ${ms(median(xs)).padStart(9)}   p95 ${ms(percentile(xs, 95)).padStart(9)}${ratio}`);
    };
    console.log(`\nrequest latency over LSP (${int(lat.spans)} spans in ${int(lat.traces)} traces; ${requests} requests each, interleaved)`);
    row(`findTraces { limit: ${LIMIT} } through the attached process`, lat.find.attached, lat.find.owner);
    row(`reference: findTraces { limit: ${LIMIT} } to the owner`, lat.find.owner);
    row('  for scale: the owner\'s rpc route from this process', lat.find.route, lat.find.owner);
    row(`getTrace (${SPANS_PER_TRACE} spans) through the attached process`, lat.get.attached, lat.get.owner);
    row('reference: getTrace to the owner', lat.get.owner);
    row('  for scale: the owner\'s rpc route from this process', lat.get.route, lat.get.owner);

    const mm = (name: string, xs: readonly number[], ref?: readonly number[], refName = 'the cold start'): void => {
      if (xs.length === 0) return void console.log(`  ${name.padEnd(56)} (not in the server's log)`);
      const ratio = ref ? `   ${(median(xs) / median(ref)).toFixed(2)}x / ${(Math.max(...xs) / Math.max(...ref)).toFixed(2)}x ${refName}` : '';
      console.log(`  ${name.padEnd(56)} med ${ms(median(xs)).padStart(9)}   max ${ms(Math.max(...xs)).padStart(9)}${ratio}`);
    };
    const defined = (xs: readonly (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);
    const olderWins = tk.rounds.filter((r) => r.winner === 'older').length;
    console.log(`\ntakeover after kill -9 of the owner (${rounds} rounds; store of ${int(tk.spans)} spans at the end; 3 processes each round)`);
    mm('kill -9 -> health answers with another pid', tk.rounds.map((r) => r.health), tk.cold.map((c) => c.health));
    mm('kill -9 -> an OTLP/HTTP export acknowledged (200)', tk.rounds.map((r) => r.ack), tk.cold.map((c) => c.ack));
    mm('  new owner\'s log: "went away" (ms clock)', defined(tk.rounds.map((r) => r.noticed)));
    mm('  new owner\'s log: "trace store: opened"', defined(tk.rounds.map((r) => r.opened)));
    mm('  new owner\'s log: "took over" (listening, store open)', defined(tk.rounds.map((r) => r.tookOver)));
    mm('  after it: one export to the settled new owner', tk.rounds.flatMap((r) => r.settled));
    mm('reference: cold serve start -> health answers', tk.cold.map((c) => c.health));
    mm('reference: cold serve start -> export acknowledged', tk.cold.map((c) => c.ack));
    mm('a process replacing the killed one: spawn -> attached', tk.attach);
    console.log(`  per round (health / ack ms): ${tk.rounds.map((r) => `${r.health.toFixed(0)}/${r.ack.toFixed(0)}`).join('  ')}; the longer-attached survivor took over in ${olderWins} of ${rounds}`);

    const notable = new Map<string, number>();
    for (const p of everyProc) {
      for (const { line } of p.stderr) {
        if (!/error|fail|warn|could not|exception|refused|unreachable|retrying/i.test(line)) continue;
        const shape = line.replace(/^\S+Z /, '').replace(/\d+/g, 'N');
        notable.set(shape, (notable.get(shape) ?? 0) + 1);
      }
    }
    if (notable.size > 0) {
      log(`\nserver log lines worth a look (${everyProc.length} processes; numbers as N):`);
      for (const [shape, count] of [...notable].slice(0, 20)) log(`  ${count}x ${shape.slice(0, 240)}`);
    }
    console.log(`\n${os.cpus().length} cores, Node ${process.version}; 1-min load average at the end ${os.loadavg()[0]!.toFixed(1)}; ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
    return 0;
  } finally {
    killAll();
    await within(
      Promise.all([...children].map((c) => new Promise<void>((r) => (gone(c) ? r() : c.once('exit', () => r()))))),
      10_000,
      'the server processes exiting',
    ).catch((e: unknown) => log(String(e)));
  }
}

runMain('bench/machine', main, () => {
  killAll();
  temporary.cleanUp();
});
