// Ingest benchmark: spans per second through OTLP/HTTP protobuf, OTLP/HTTP JSON and OTLP/gRPC, TraceLens with its
// durable store (every export written and fdatasync'd before it is acknowledged; a fresh --data-dir per measurement)
// against two references measured in the same run, printed as ratios:
//   1. the reference receiver (node:http / grpc-js + protobufjs generated opentelemetry-proto decode + a Map in
//      memory, no durability), end to end like TraceLens, with the p50/p99 latency of one 512-span export;
//   2. decode only: the same generated protobufjs ExportTraceServiceRequest.decode of the same batches, in this
//      process on one core, measured in every round next to the receivers.
// Then decode-only throughput of TraceLens's decoders against the reference decoders, in-process.
//
//   npx tsx bench/ingest.ts            full run (about 5.5 minutes on 2 cores)
//   npx tsx bench/ingest.ts --quick    a shorter run (under a minute), for a quick look
//   npx tsx bench/ingest.ts --help     every option
//
// Processes: this driver; one load generator (bench/ingest/load.ts); one receiver at a time (TraceLens or the
// reference, started fresh for each measurement and stopped after). The receivers alternate, A B then B A, round
// after round, so drift on a shared machine hits both alike; medians over the rounds are reported.
// Each measurement checks that the receiver stored what it acknowledged, so a receiver that drops cannot win.
// Results: a table on stdout and bench/results/ingest.json.
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeTraceRequestJson } from '../src/core/otlp/json';
import { decodeTraceRequest } from '../src/core/otlp/protobuf';
import type { LoadCommand, LoadReply, PayloadManifest, Protocol, RunResult, Target } from './ingest/messages';
import { MANIFEST_FILE, PROTOCOLS } from './ingest/messages';
import type { Batch } from './ingest/payloads';
import { makeBatches } from './ingest/payloads';
import type { ProfileSummary } from './ingest/profile';
import { formatProfile, summarizeProfiles } from './ingest/profile';
import type { Receiver, ReceiverName, StartOptions } from './ingest/receivers';
import { killAllChildren, startReference, startTraceLens, track } from './ingest/receivers';
import { decodeReference } from './ingest/referenceCodec';
import { parseArgs, runMain } from './options';
import { median, percentile } from './stats';

const ROOT = resolve(__dirname, '..');
/** The run's scratch directory (payloads, bundles): removed at the end, on errors and on interruption. */
let scratch: string | undefined;

function cleanUp(): void {
  killAllChildren();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

// ---------------------------------------------------------------- options

interface Options {
  readonly quick: boolean;
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly latencyExports: number;
  readonly batches: number;
  readonly spansPerBatch: number;
  readonly seed: number;
  readonly referenceMaxSpans: number;
  readonly inMemory: boolean;
  readonly decodeMs: number;
  readonly protocols: readonly Protocol[];
  readonly server: string | undefined;
  readonly cpuProf: boolean;
  readonly out: string;
}

const HELP = `Usage: npx tsx bench/ingest.ts [options]
  --quick               short run: 2 rounds of 1.5 s (default: 5 rounds of 5 s)
  --rounds N            A/B rounds per protocol
  --duration S          measured seconds per throughput measurement
  --warmup S            warm-up seconds before each one
  --concurrency N       exports in flight (default 4)
  --latency-exports N   sequential exports timed per measurement (default 300, quick 60)
  --batches N           distinct SDK batches, reused round-robin (default 6)
  --spans N             spans per batch (default 512)
  --seed N              payload seed (default 42)
  --reference-max-spans N  the reference receiver's bound, oldest spans dropped past it (default 500000)
  --in-memory           run TraceLens with --in-memory instead of its durable store (for comparison only)
  --decode-ms N         milliseconds per in-process decode measurement (default 1500, quick 400)
  --protocols LIST      protobuf,json,grpc (default all)
  --server FILE         use this TraceLens server bundle (default: bundle src/server/main.ts afresh)
  --cpu-prof            profile the receivers (node --cpu-prof) into bench/results/profiles and list top functions
  --out FILE            results JSON (default bench/results/ingest.json)
`;

function parseOptions(argv: readonly string[]): Options {
  const { value, num, has } = parseArgs(argv, HELP, ['--quick', '--cpu-prof', '--in-memory']);
  const quick = has('--quick');
  const protocols = (value('--protocols') ?? PROTOCOLS.join(',')).split(',').map((p) => p.trim());
  for (const p of protocols) if (!PROTOCOLS.includes(p as Protocol)) throw new Error(`unknown protocol "${p}" (protobuf, json, grpc)`);
  return {
    quick,
    rounds: Math.round(num('--rounds', quick ? 2 : 5)),
    warmupMs: num('--warmup', quick ? 0.5 : 2) * 1000,
    durationMs: num('--duration', quick ? 1.5 : 5) * 1000,
    concurrency: Math.round(num('--concurrency', 4)),
    latencyExports: Math.round(num('--latency-exports', quick ? 60 : 300)),
    batches: Math.round(num('--batches', 6)),
    spansPerBatch: Math.round(num('--spans', 512)),
    seed: Math.round(num('--seed', 42)),
    referenceMaxSpans: Math.round(num('--reference-max-spans', 500_000)),
    inMemory: has('--in-memory'),
    decodeMs: num('--decode-ms', quick ? 400 : 1500),
    protocols: protocols as Protocol[],
    server: value('--server'),
    cpuProf: has('--cpu-prof'),
    out: value('--out') ?? join(ROOT, 'bench', 'results', 'ingest.json'),
  };
}


// ---------------------------------------------------------------- the load generator

class LoadGenerator {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: LoadReply) => {
      if (m.kind === 'ready') return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.kind === 'error') w.reject(new Error(`load generator: ${m.message}`));
      else w.resolve(m);
    });
    child.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the load generator exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  static start(loadJs: string, payloadDir: string): Promise<LoadGenerator> {
    const child = track(fork(loadJs, [payloadDir], { execArgv: [], cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error('the load generator did not start within 30 s')), 30_000);
      child.once('exit', (code) => reject(new Error(`the load generator exited at start (${code})`)));
      child.on('message', (m: LoadReply) => {
        if (m.kind !== 'ready') return;
        clearTimeout(timer);
        resolvePromise(new LoadGenerator(child));
      });
    });
  }

  run(command: Exclude<LoadCommand, { kind: 'exit' }>, timeoutMs: number): Promise<RunResult> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(command.id);
        reject(new Error(`load generator: ${command.kind} run ${command.id} took more than ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(command.id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolvePromise(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send(command);
    });
  }

  id(): number {
    return this.nextId++;
  }

  stop(): void {
    if (this.child.connected) this.child.send({ kind: 'exit' } satisfies LoadCommand);
  }
}

// ---------------------------------------------------------------- one measurement

interface Measurement {
  readonly round: number;
  readonly protocol: Protocol;
  readonly receiver: ReceiverName;
  readonly spansPerSec: number;
  readonly latenciesMs: readonly number[];
  readonly ackedSpans: number;
  readonly receiverAccepted: number;
  readonly receiverStored: number;
  readonly failures: number;
  /** The machine's 1-minute load average before and after: other work on a shared machine shows here. */
  readonly loadAverage: readonly [number, number];
  /** Empty when the receiver's own counts agree with what was acknowledged. */
  readonly problems: readonly string[];
}

async function measure(load: LoadGenerator, o: Options, receiver: Receiver, protocol: Protocol, round: number): Promise<Measurement> {
  const target: Target = receiver.target;
  const loadBefore = os.loadavg()[0]!;
  const tp = await load.run(
    { kind: 'throughput', id: load.id(), protocol, target, concurrency: o.concurrency, warmupMs: o.warmupMs, durationMs: o.durationMs },
    o.warmupMs + o.durationMs + 60_000,
  );
  const lat = await load.run({ kind: 'latency', id: load.id(), protocol, target, warmupExports: 5, exports: o.latencyExports }, 120_000);
  const acked = tp.ackedSpans + lat.ackedSpans;
  const failures = tp.failures + lat.failures;
  const counts = await receiver.counts();
  await receiver.stop();
  const problems: string[] = [];
  if (failures > 0) problems.push(`${failures} export(s) not acknowledged: ${[...tp.failureReasons, ...lat.failureReasons].slice(0, 3).join(' | ')}`);
  if (counts.accepted !== acked) problems.push(`acknowledged ${acked} spans but the receiver counts ${counts.accepted}`);
  if (counts.turnedAway !== 0) problems.push(`the receiver turned away ${counts.turnedAway} spans`);
  if (receiver.name === 'tracelens') {
    // Its store keeps everything a measurement sends (a few hundred MB, far below the default 2 GiB retention).
    if (counts.stored !== acked) problems.push(`TraceLens holds ${counts.stored} spans, expected every one of the ${acked} acknowledged`);
  } else if (counts.stored !== Math.min(acked, o.referenceMaxSpans)) {
    problems.push(`the reference holds ${counts.stored} spans, expected ${Math.min(acked, o.referenceMaxSpans)}`);
  }
  const final = receiver.finalCounts();
  if (receiver.name === 'reference' && (!final || final.accepted !== counts.accepted)) {
    problems.push(`the reference's final count ${final ? final.accepted : '(none printed)'} differs from ${counts.accepted}`);
  }
  return {
    round,
    protocol,
    receiver: receiver.name,
    spansPerSec: (tp.windowSpans / tp.windowMs) * 1000,
    latenciesMs: lat.latenciesMs,
    ackedSpans: acked,
    receiverAccepted: counts.accepted,
    receiverStored: counts.stored,
    failures,
    loadAverage: [loadBefore, os.loadavg()[0]!],
    problems,
  };
}

// ---------------------------------------------------------------- decode only, in-process

/** Reference 2: the generated protobufjs decode alone, on this process's one core, in a round of the receivers. */
interface DecodeRound {
  readonly round: number;
  readonly protocol: Protocol;
  readonly spansPerSec: number;
}

interface DecodeRow {
  readonly encoding: 'protobuf' | 'json';
  readonly tracelensSpansPerSec: number;
  readonly referenceSpansPerSec: number;
  readonly tracelensRounds: readonly number[];
  readonly referenceRounds: readonly number[];
}

interface Encoded {
  readonly spanCount: number;
  readonly bytes: Buffer;
}

/** Decodes the batches round-robin for `ms` milliseconds; spans per second. Checks the span count of every batch. */
function decodeRate(batches: readonly Encoded[], ms: number, decode: (bytes: Buffer) => number): number {
  let spans = 0;
  let i = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    const b = batches[i++ % batches.length]!;
    const n = decode(b.bytes);
    if (n !== b.spanCount) throw new Error(`decoded ${n} spans from a batch of ${b.spanCount}`);
    spans += n;
    now = performance.now();
  }
  return (spans / (now - start)) * 1000;
}

const countSpans = (r: { readonly resourceSpans: readonly { readonly scopeSpans: readonly { readonly spans: readonly unknown[] }[] }[] }): number => {
  let n = 0;
  for (const rs of r.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
};

/** The decoders alone, on the same bytes: where the receivers' time goes before any networking or storing. */
const DECODERS = {
  protobuf: {
    reference: (bytes: Buffer): number => countSpans(decodeReference(bytes)),
    tracelens: (bytes: Buffer): number => {
      const d = decodeTraceRequest(bytes);
      return d.rejectedSpans === 0 ? d.spans.length : -1;
    },
  },
  json: {
    // As the receivers do: the body's text, then the parse.
    reference: (bytes: Buffer): number => countSpans(JSON.parse(bytes.toString('utf8')) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }),
    tracelens: (bytes: Buffer): number => {
      const d = decodeTraceRequestJson(bytes.toString('utf8'));
      return d.rejectedSpans === 0 ? d.spans.length : -1;
    },
  },
} as const;

function decodeOnly(batches: readonly Batch[], o: Options): DecodeRow[] {
  const rows: DecodeRow[] = [];
  for (const encoding of ['protobuf', 'json'] as const) {
    const used = encoding === 'json' ? o.protocols.includes('json') : o.protocols.includes('protobuf') || o.protocols.includes('grpc');
    if (!used) continue;
    const data: Encoded[] = batches.map((b) => ({ spanCount: b.spanCount, bytes: Buffer.from(encoding === 'json' ? b.json : b.protobuf) }));
    const { reference: ref, tracelens: tl } = DECODERS[encoding];
    decodeRate(data, Math.min(500, o.decodeMs), ref);
    decodeRate(data, Math.min(500, o.decodeMs), tl);
    const tlRounds: number[] = [];
    const refRounds: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      if (r % 2 === 0) {
        tlRounds.push(decodeRate(data, o.decodeMs, tl));
        refRounds.push(decodeRate(data, o.decodeMs, ref));
      } else {
        refRounds.push(decodeRate(data, o.decodeMs, ref));
        tlRounds.push(decodeRate(data, o.decodeMs, tl));
      }
    }
    rows.push({ encoding, tracelensSpansPerSec: median(tlRounds), referenceSpansPerSec: median(refRounds), tracelensRounds: tlRounds, referenceRounds: refRounds });
  }
  return rows;
}

// ---------------------------------------------------------------- setup

function writePayloads(batches: readonly Batch[], dir: string): void {
  const manifest: PayloadManifest = {
    batches: batches.map((b, i) => {
      writeFileSync(join(dir, `batch-${i}.pb`), b.protobuf);
      writeFileSync(join(dir, `batch-${i}.json`), b.json);
      return { spanCount: b.spanCount, protobuf: `batch-${i}.pb`, json: `batch-${i}.json`, traceIds: b.traceIds };
    }),
  };
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
}

interface Bundles {
  readonly server: string;
  readonly reference: string;
  readonly load: string;
}

/**
 * Bundles the child processes with esbuild, with the options scripts/build.mjs uses for out/server.js: the trace
 * server from the current sources, the reference receiver and the load generator. Both receivers then run the same
 * way (plain node on an esbuild bundle, no loader thread in the process or in its CPU profile).
 */
async function bundleProcesses(dir: string, withServer: boolean): Promise<Bundles> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: {
      ...(withServer ? { server: join(ROOT, 'src', 'server', 'main.ts') } : {}),
      reference: join(__dirname, 'ingest', 'reference.ts'),
      load: join(__dirname, 'ingest', 'load.ts'),
    },
    outdir: dir,
    bundle: true,
    sourcemap: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    legalComments: 'none',
  });
  return { server: join(dir, 'server.js'), reference: join(dir, 'reference.js'), load: join(dir, 'load.js') };
}

function payloadFacts(batches: readonly Batch[]): Record<string, number> {
  const sum = (f: (b: Batch) => number): number => batches.reduce((s, b) => s + f(b), 0);
  const n = batches.length;
  return {
    batches: n,
    spansPerBatch: sum((b) => b.spanCount) / n,
    tracesPerBatch: sum((b) => b.traceCount) / n,
    attributesPerSpan: sum((b) => b.attributeCount) / sum((b) => b.spanCount),
    eventsPerBatch: sum((b) => b.eventCount) / n,
    linksPerBatch: sum((b) => b.linkCount) / n,
    errorSpansPerBatch: sum((b) => b.errorCount) / n,
    protobufBytesPerBatch: Math.round(sum((b) => b.protobuf.length) / n),
    jsonBytesPerBatch: Math.round(sum((b) => b.json.length) / n),
  };
}

// ---------------------------------------------------------------- report

const fmtRate = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const fmtMs = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '-');

interface ProtocolRow {
  readonly protocol: Protocol;
  readonly tracelensSpansPerSec: number;
  readonly referenceSpansPerSec: number;
  readonly ratio: number;
  /** TraceLens/reference in each round (A and B measured back to back), and their median. */
  readonly roundRatios: readonly number[];
  readonly medianRoundRatio: number;
  /** Reference 2: protobufjs decode alone (median over the rounds), TraceLens over it, and per round. */
  readonly decodeOnlySpansPerSec: number;
  readonly decodeOnlyRatio: number;
  readonly decodeOnlyRoundRatios: readonly number[];
  readonly tracelensLatencyMs: { readonly p50: number; readonly p99: number; readonly samples: number };
  readonly referenceLatencyMs: { readonly p50: number; readonly p99: number; readonly samples: number };
}

function summarize(ms: readonly Measurement[], decodeRounds: readonly DecodeRound[], protocols: readonly Protocol[]): ProtocolRow[] {
  return protocols.map((protocol) => {
    const of = (r: ReceiverName): Measurement[] => ms.filter((m) => m.protocol === protocol && m.receiver === r);
    const tl = of('tracelens');
    const ref = of('reference');
    const lat = (xs: Measurement[]): { p50: number; p99: number; samples: number } => {
      const all = xs.flatMap((m) => m.latenciesMs);
      return { p50: percentile(all, 50), p99: percentile(all, 99), samples: all.length };
    };
    const roundRatios = tl.map((t) => t.spansPerSec / (ref.find((r) => r.round === t.round)?.spansPerSec ?? NaN));
    const tlRate = median(tl.map((m) => m.spansPerSec));
    const refRate = median(ref.map((m) => m.spansPerSec));
    const dec = decodeRounds.filter((d) => d.protocol === protocol);
    const decRate = median(dec.map((d) => d.spansPerSec));
    const decodeOnlyRoundRatios = tl.map((t) => t.spansPerSec / (dec.find((d) => d.round === t.round)?.spansPerSec ?? NaN));
    return {
      protocol,
      tracelensSpansPerSec: tlRate,
      referenceSpansPerSec: refRate,
      ratio: tlRate / refRate,
      roundRatios,
      medianRoundRatio: median(roundRatios),
      decodeOnlySpansPerSec: decRate,
      decodeOnlyRatio: tlRate / decRate,
      decodeOnlyRoundRatios,
      tracelensLatencyMs: lat(tl),
      referenceLatencyMs: lat(ref),
    };
  });
}

/** min / median / max */
const range = (xs: readonly number[]): string => `${Math.min(...xs).toFixed(2)} / ${median(xs).toFixed(2)} / ${Math.max(...xs).toFixed(2)}`;

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

const PROTOCOL_LABEL: Record<Protocol, string> = { protobuf: 'OTLP/HTTP protobuf', json: 'OTLP/HTTP JSON', grpc: 'OTLP/gRPC' };

function report(rows: readonly ProtocolRow[], decode: readonly DecodeRow[]): string {
  const head = [
    'protocol',
    'TraceLens spans/s',
    'ref. receiver spans/s',
    'ratio',
    'per-round min/med/max',
    'decode-only spans/s',
    'TraceLens/decode-only',
    'per-round min/med/max',
    'TraceLens p50/p99 ms',
    'ref. receiver p50/p99 ms',
    'p50 ratio',
    'p99 ratio',
  ];
  const body = rows.map((r) => [
    PROTOCOL_LABEL[r.protocol],
    fmtRate(r.tracelensSpansPerSec),
    fmtRate(r.referenceSpansPerSec),
    `${r.ratio.toFixed(2)}x`,
    range(r.roundRatios),
    fmtRate(r.decodeOnlySpansPerSec),
    `${r.decodeOnlyRatio.toFixed(2)}x`,
    range(r.decodeOnlyRoundRatios),
    `${fmtMs(r.tracelensLatencyMs.p50)} / ${fmtMs(r.tracelensLatencyMs.p99)}`,
    `${fmtMs(r.referenceLatencyMs.p50)} / ${fmtMs(r.referenceLatencyMs.p99)}`,
    `${(r.tracelensLatencyMs.p50 / r.referenceLatencyMs.p50).toFixed(2)}x`,
    `${(r.tracelensLatencyMs.p99 / r.referenceLatencyMs.p99).toFixed(2)}x`,
  ]);
  const decodeHead = ['decoders alone, in-process', 'TraceLens spans/s', 'reference spans/s', 'ratio', 'per-round min/med/max'];
  const dec = decode.map((d) => [
    `${d.encoding} (reference: ${d.encoding === 'json' ? 'JSON.parse' : 'protobufjs'})`,
    fmtRate(d.tracelensSpansPerSec),
    fmtRate(d.referenceSpansPerSec),
    `${(d.tracelensSpansPerSec / d.referenceSpansPerSec).toFixed(2)}x`,
    range(d.tracelensRounds.map((t, i) => t / d.referenceRounds[i]!)),
  ]);
  return `${table([head, ...body])}\n\n${table([decodeHead, ...dec])}`;
}

// ---------------------------------------------------------------- main

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const o = parseOptions(argv);
  const perMeasurementMs = o.warmupMs + o.durationMs + o.latencyExports * 30 + 5_000;
  const budgetMs = 2 * (o.rounds * o.protocols.length * (2 * perMeasurementMs + o.decodeMs) + 4 * o.rounds * o.decodeMs) + 120_000;
  const deadline = setTimeout(() => {
    process.stderr.write(`bench/ingest: still running after ${Math.round(budgetMs / 1000)} s; giving up\n`);
    cleanUp();
    process.exit(3);
  }, budgetMs);

  const tmp = mkdtempSync(join(os.tmpdir(), 'tracelens-bench-ingest-'));
  scratch = tmp;
  const profDir = join(ROOT, 'bench', 'results', 'profiles');
  let load: LoadGenerator | undefined;
  try {
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const t0 = performance.now();
    const batches = makeBatches({ seed: o.seed, batches: o.batches, spansPerBatch: o.spansPerBatch });
    writePayloads(batches, tmp);
    const facts = payloadFacts(batches);
    log(
      `payloads: ${facts['batches']} batches of ${facts['spansPerBatch']} spans in ~${facts['tracesPerBatch']!.toFixed(0)} traces, ` +
        `${facts['attributesPerSpan']!.toFixed(1)} attributes/span, ~${facts['eventsPerBatch']!.toFixed(0)} events, ~${facts['linksPerBatch']!.toFixed(0)} links, ~${facts['errorSpansPerBatch']!.toFixed(0)} error spans per batch; ` +
        `${facts['protobufBytesPerBatch']} B protobuf, ${facts['jsonBytesPerBatch']} B JSON (${Math.round(performance.now() - t0)} ms)`,
    );
    const bundles = await bundleProcesses(tmp, !o.server);
    const serverJs = o.server ? resolve(o.server) : bundles.server;
    log(`TraceLens server: ${o.server ? serverJs : 'bundled from src/server/main.ts'}`);
    if (o.cpuProf) {
      rmSync(profDir, { recursive: true, force: true });
      mkdirSync(profDir, { recursive: true });
    }
    // TraceLens's store folders go in the scratch folder (under os.tmpdir(), on the same disk as a real data dir).
    const start: StartOptions = { referenceMaxSpans: o.referenceMaxSpans, dataDirIn: o.inMemory ? undefined : tmp, cpuProfDir: o.cpuProf ? profDir : undefined };
    log(`TraceLens store: ${o.inMemory ? '--in-memory (NOT durable: a comparison run)' : `--data-dir, a fresh folder in ${tmp} per measurement`}`);
    load = await LoadGenerator.start(bundles.load, tmp);
    // Reference 2's input: the same batches' protobuf bytes (the load generator only changes their trace ids).
    const protobufBatches: Encoded[] = batches.map((b) => ({ spanCount: b.spanCount, bytes: Buffer.from(b.protobuf) }));
    decodeRate(protobufBatches, Math.min(500, o.decodeMs), DECODERS.protobuf.reference);

    const measurements: Measurement[] = [];
    const decodeRounds: DecodeRound[] = [];
    for (let round = 0; round < o.rounds; round++) {
      for (const [pi, protocol] of o.protocols.entries()) {
        const order: ReceiverName[] = (round + pi) % 2 === 0 ? ['tracelens', 'reference'] : ['reference', 'tracelens'];
        for (const name of order) {
          const opts: StartOptions = { ...start, profileName: `${name}-${protocol}-round${round + 1}` };
          const receiver = name === 'tracelens' ? await startTraceLens(serverJs, opts) : await startReference(bundles.reference, opts);
          const m = await measure(load, o, receiver, protocol, round);
          measurements.push(m);
          log(
            `round ${round + 1}/${o.rounds} ${protocol.padEnd(8)} ${name.padEnd(9)} ${fmtRate(m.spansPerSec).padStart(9)} spans/s  p50 ${fmtMs(percentile(m.latenciesMs, 50))} ms  p99 ${fmtMs(percentile(m.latenciesMs, 99))} ms  stored ${m.receiverStored}/${m.ackedSpans}  load ${m.loadAverage[0].toFixed(1)}${m.problems.length ? `  PROBLEM: ${m.problems.join('; ')}` : ''}`,
          );
        }
        // Reference 2, right after the pair, while no receiver runs.
        const spansPerSec = decodeRate(protobufBatches, o.decodeMs, DECODERS.protobuf.reference);
        decodeRounds.push({ round, protocol, spansPerSec });
        log(`round ${round + 1}/${o.rounds} ${protocol.padEnd(8)} decode-only (protobufjs) ${fmtRate(spansPerSec).padStart(9)} spans/s`);
      }
    }
    load.stop();

    log('decode only, in-process ...');
    const decode = decodeOnly(batches, o);
    const rows = summarize(measurements, decodeRounds, o.protocols);

    const profiles: ProfileSummary[] = [];
    if (o.cpuProf) {
      const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
      for (const protocol of o.protocols) {
        for (const name of ['tracelens', 'reference'] as const) {
          const mine = files.filter((f) => f.startsWith(`${name}-${protocol}-`)).map((f) => join(profDir, f));
          if (mine.length > 0) profiles.push(summarizeProfiles(`${name}, ${PROTOCOL_LABEL[protocol]}`, mine));
        }
      }
    }

    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', node: process.version, platform: `${os.platform()} ${os.release()}`, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
    process.stdout.write(
      `\nIngest: TraceLens ${o.inMemory ? 'IN MEMORY (--in-memory)' : 'durable (--data-dir)'}; ${o.spansPerBatch}-span exports, ${o.concurrency} in flight, ${o.rounds} rounds x ${o.durationMs / 1000} s (+${o.warmupMs / 1000} s warm-up), medians; ` +
        `latency: ${o.latencyExports} sequential exports x ${o.rounds} rounds. ${machine.cpus} cores, Node ${machine.node}; ` +
        `1-min load average during the run: median ${median(measurements.map((m) => m.loadAverage[1])).toFixed(1)} (this benchmark alone makes about 2).\n\n`,
    );
    process.stdout.write(`${report(rows, decode)}\n`);
    const problems = measurements.filter((m) => m.problems.length > 0);
    if (problems.length > 0) process.stdout.write(`\n${problems.length} measurement(s) failed their storage check: see above. Their figures are not to be trusted.\n`);
    for (const p of profiles) process.stdout.write(`\n${formatProfile(p)}\n`);

    mkdirSync(resolve(o.out, '..'), { recursive: true });
    writeFileSync(
      o.out,
      `${JSON.stringify(
        {
          benchmark: 'ingest',
          date: new Date().toISOString(),
          machine,
          options: { ...o, server: o.server ?? 'bundled from src/server/main.ts' },
          payloads: facts,
          protocols: rows,
          decodeOnly: decode,
          decodeRounds,
          measurements,
          profiles: profiles.map((p) => ({ ...p, files: p.files.map((f) => relative(ROOT, f)), functions: [...p.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, 40) })),
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`\nresults: ${relative(ROOT, o.out)}\n`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    clearTimeout(deadline);
    load?.stop();
    cleanUp();
  }
}

runMain('bench/ingest', main, cleanUp);
