// Store benchmark: what the embedded durable store (src/core/store/embeddedStore.ts) costs in memory and on disk, how
// long it takes to reopen, and how fast it searches, each against a reference measured in the same run:
//   memory  resident bytes per span at 1M and 10M spans, against a plain Map<traceId, Span[]> of the decoded spans;
//   disk    bytes on disk per span, against the protobuf bytes the exporters sent;
//   reopen  new EmbeddedStore({dir}) + whenReady() on the 10M-span folder, against reading every file of it;
//   search  p50/p99 of typical searches over the 1M-span store, against a naive scan over the decoded spans.
// With --store clickhouse, instead: the embedded store and the ClickHouse store (src/server/store/clickhouseStore.ts,
// on chDB: ClickHouse in the worker's process, in a temporary folder) filled with the same batches, each in its own
// worker; their ingest rates and the same searches side by side, the embedded store as the reference, and whether
// both return the same traces. Memory, disk per span against the wire and reopen are not measured for ClickHouse.
// Spans: the SDK-made batches of bench/ingest/payloads.ts (512 spans, ~9.6 per trace, three services), each copy with
// fresh random ids and later timestamps (bench/store/batches.ts). Every measurement runs in a fresh process
// (bench/store/worker.ts, bundled with esbuild, node --expose-gc); stores live in temporary folders, removed after.
//
//   npx tsx bench/store.ts            full run: 1M and 10M spans (about 5 minutes on 2 cores, ~5 GB of disk)
//   npx tsx bench/store.ts --quick    200k and 1M spans, fewer repetitions (about 25 s)
//   npx tsx bench/store.ts --store clickhouse           both stores at 1M spans (npm run bench:store -- --store clickhouse)
//   npx tsx bench/store.ts --store clickhouse --quick   both stores at 200k spans
//   npx tsx bench/store.ts --help     every option
//
// Results: tables on stdout and bench/results/store.json (bench/results/store-clickhouse.json with --store clickhouse).
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeBatches } from './ingest/payloads';
import type { ClickHouseResult, MapResult, QueryResult, ReopenResult, StoreResult, Task, TemplateManifest, WorkerReply } from './store/messages';
import { STEP_REPETITIONS, TEMPLATE_MANIFEST } from './store/messages';
import type { TraceSummary } from '../src/core/trace';
import { parseArgs, runMain } from './options';
import { median, percentile } from './stats';

const ROOT = resolve(__dirname, '..');
/** Folders to remove at the end, on errors and on interruption: the scratch folder and the stores. */
const temporary = new Set<string>();
const children = new Set<ChildProcess>();

function cleanUp(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  temporary.clear();
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  temporary.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  temporary.delete(dir);
}

// ---------------------------------------------------------------- options

interface Options {
  readonly quick: boolean;
  readonly small: number;
  readonly large: number;
  readonly repetitions: number;
  readonly reopenRounds: number;
  readonly templates: number;
  readonly group: number;
  readonly seed: number;
  readonly heapMiB: number;
  readonly out: string;
  /** 'embedded': the measurements above; 'clickhouse': both stores side by side at `small` spans. */
  readonly store: 'embedded' | 'clickhouse';
  readonly mergeWait: number;
}

const HELP = `Usage: npx tsx bench/store.ts [options]
  --quick               200k and 1M spans, 10 repetitions per search, 2 reopen rounds
  --small N             spans of the smaller store: memory, disk, search and the Map reference (default 1000000)
  --large N             spans of the larger store: memory, disk and reopen (default 10000000)
  --repetitions N       times each search runs, store and naive scan alternating (default 50)
  --reopen-rounds N     read-all + reopen rounds on the larger store (default 3)
  --templates N         distinct SDK batches of 512 spans used as templates (default 12)
  --group N             batches per store.append() call (default 8)
  --seed N              seed of the templates and of the fresh ids (default 42)
  --heap-mib N          --max-old-space-size of the workers (default 16384)
  --out FILE            results JSON (default bench/results/store.json; store-clickhouse.json with --store clickhouse)
  --store KIND          embedded (default): the measurements above; clickhouse: the embedded store and the ClickHouse
                        store on chDB filled with the same --small spans, ingest rate and searches side by side, and
                        whether both find the same traces (no Map reference, larger store or reopen)
  --merge-wait N        with --store clickhouse: longest wait in seconds for ClickHouse's merges before searching (default 120)
`;

function parseOptions(argv: readonly string[]): Options {
  const args = parseArgs(argv, HELP, ['--quick']);
  const quick = args.has('--quick');
  const num = (flag: string, dflt: number): number => Math.round(args.num(flag, dflt));
  const value = args.value;
  const store = value('--store') ?? 'embedded';
  if (store !== 'embedded' && store !== 'clickhouse') throw new Error(`--store is embedded or clickhouse, not "${store}"\n\n${HELP}`);
  return {
    quick,
    small: num('--small', quick ? 200_000 : 1_000_000),
    large: num('--large', quick ? 1_000_000 : 10_000_000),
    repetitions: num('--repetitions', quick ? 10 : 50),
    reopenRounds: num('--reopen-rounds', quick ? 2 : 3),
    templates: num('--templates', 12),
    group: num('--group', 8),
    seed: num('--seed', 42),
    heapMiB: num('--heap-mib', 16384),
    out: value('--out') ?? join(ROOT, 'bench', 'results', store === 'clickhouse' ? 'store-clickhouse.json' : 'store.json'),
    store,
    mergeWait: num('--merge-wait', 120),
  };
}

// ---------------------------------------------------------------- workers

async function bundleWorker(dir: string): Promise<string> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { worker: join(__dirname, 'store', 'worker.ts') },
    outdir: dir,
    bundle: true,
    sourcemap: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    legalComments: 'none',
    // chDB is a native addon: loaded from the project's node_modules (NODE_PATH, below), as out/server.js loads it.
    external: ['chdb', 'chdb/*'],
  });
  return join(dir, 'worker.js');
}

/** Runs one task in a fresh worker process; its result, or the error it reported. */
function runWorker<R extends WorkerReply>(workerJs: string, task: Task, o: Options, timeoutMs: number): Promise<R> {
  const child = fork(workerJs, [JSON.stringify(task)], {
    execArgv: ['--expose-gc', `--max-old-space-size=${o.heapMiB}`, '--enable-source-maps'],
    cwd: ROOT,
    // The bundle is in a temporary folder: chDB (external) is found through NODE_PATH.
    ...(task.kind === 'clickhouse' ? { env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  children.add(child);
  return new Promise<R>((resolvePromise, reject) => {
    let reply: WorkerReply | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${task.kind} worker took more than ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.on('message', (m: WorkerReply) => (reply = m));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (!reply) reject(new Error(`the ${task.kind} worker exited (${code ?? signal}) without a result`));
      else if (reply.kind === 'error') reject(new Error(`the ${task.kind} worker failed: ${reply.message}`));
      else resolvePromise(reply as R);
    });
  });
}

// ---------------------------------------------------------------- report


const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '-');
const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(x < 0.1 ? 3 : 2)}x` : '-');
const mib = (x: number): string => `${(x / 2 ** 20).toFixed(0)} MiB`;
const count = (n: number): string => (n >= 1e6 && n % 1e5 < 1e3 ? `${(n / 1e6).toFixed(n % 1e6 < 1e3 ? 0 : 1)}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n));

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

interface Results {
  readonly small: StoreResult;
  readonly map: MapResult;
  readonly large: StoreResult;
  readonly reopen: ReopenResult;
}

function memoryTable(r: Results): string {
  const mapRss = r.map.memory.rss / r.map.spans;
  const mapLive = r.map.memory.heapAndBuffers / r.map.spans;
  const rows = [['store on disk', 'spans', 'traces', 'RSS B/span', 'heap+arrayBuffers B/span', 'indexBytes() B/span', 'peak RSS', 'vs Map: RSS', 'vs Map: heap+AB']];
  for (const c of [r.small.checkpoints.at(-1)!, r.large.checkpoints.at(-1)!]) {
    const rss = c.memory.rss / c.spans;
    const live = c.memory.heapAndBuffers / c.spans;
    const withMap = c.spans === r.map.spans;
    rows.push([`EmbeddedStore, ${count(c.spans)} spans`, int(c.spans), int(c.traces), int(rss), int(live), int(c.indexBytes / c.spans), mib(c.maxRss), withMap ? ratio(rss / mapRss) : '', withMap ? ratio(live / mapLive) : '']);
  }
  rows.push([`reference: Map<traceId, Span[]>, ${count(r.map.spans)} spans`, int(r.map.spans), int(r.map.traces), int(mapRss), int(mapLive), '', '', '1.00x', '1.00x']);
  return table(rows);
}

function diskTable(r: Results): string {
  const rows = [['store on disk', 'disk B/span', 'protobuf wire B/span (reference)', 'ratio', 'disk total']];
  for (const c of [r.small.checkpoints.at(-1)!, r.large.checkpoints.at(-1)!]) {
    rows.push([`${count(c.spans)} spans`, int(c.diskBytes / c.spans), int(c.wireBytes / c.spans), ratio(c.diskBytes / c.wireBytes), mib(c.diskBytes)]);
  }
  return table(rows);
}

function reopenTable(r: Results): string {
  const x = r.reopen;
  const reopen = median(x.reopenMs);
  const readAll = median(x.readAllMs);
  return table([
    ['store on disk', 'reopen ms (median)', 'read all files ms (reference)', 'ratio', 'per round reopen / read all', 'files', 'reopened store RSS B/span', 'peak RSS'],
    [
      `${count(x.spans)} spans`,
      int(reopen),
      int(readAll),
      ratio(reopen / readAll),
      x.reopenMs.map((v, i) => `${int(v)}/${int(x.readAllMs[i]!)}`).join(' '),
      `${x.files} (${mib(x.fileBytes)})`,
      int(x.memory.rss / x.spans),
      mib(x.maxRss - x.baselineRss),
    ],
  ]);
}

function searchTable(queries: readonly QueryResult[], spans: number): string {
  const rows = [['query (limit 20)', 'matching spans', 'traces', 'store p50 / p99 ms', 'store first call ms', 'naive scan p50 / p99 ms', 'p50 ratio', 'p99 ratio', 'same traces']];
  for (const q of queries) {
    const s50 = percentile(q.storeMs, 50);
    const s99 = percentile(q.storeMs, 99);
    const n50 = percentile(q.naiveMs, 50);
    const n99 = percentile(q.naiveMs, 99);
    rows.push([
      q.name,
      `${int(q.matchingSpans)} (${((100 * q.matchingSpans) / spans).toFixed(1)} %)`,
      int(q.matchingTraces),
      `${ms(s50)} / ${ms(s99)}`,
      ms(q.storeColdMs),
      `${ms(n50)} / ${ms(n99)}`,
      ratio(s50 / n50),
      ratio(s99 / n99),
      q.agree ? `yes (${q.storeCount})` : `NO (${q.storeCount} vs ${q.naiveCount})`,
    ]);
  }
  return table(rows);
}

// ---------------------------------------------------------------- --store clickhouse

/** How one search's traces compare between the two stores. */
interface Comparison {
  readonly name: string;
  readonly embeddedCount: number;
  readonly clickhouseCount: number;
  /** Trace ids returned by one store and not by the other (both ways). */
  readonly mismatches: number;
  readonly onlyEmbedded: readonly string[];
  readonly onlyClickHouse: readonly string[];
  /** The same ids in the same order (newest trace first). */
  readonly sameOrder: boolean;
  /** Traces found by both whose summaries differ (root, start, duration, span, error and orphan counts, services), and how. */
  readonly summaryDiffs: readonly string[];
  /** The embedded store's answer is the naive scan's (same ids, same order). */
  readonly embeddedAgreesWithNaive: boolean;
}

/** The fields of a trace summary both stores compute (source is a remote backend's name: never set here). */
const SUMMARY_FIELDS = ['rootService', 'rootName', 'hasRoot', 'startTimeUnixNano', 'durationNanos', 'spanCount', 'errorCount', 'orphanCount', 'services'] as const;

function summaryDiff(a: TraceSummary, b: TraceSummary): string | undefined {
  const text = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  const diffs = SUMMARY_FIELDS.filter((f) => text(a[f]) !== text(b[f])).map((f) => `${f} ${text(a[f])} / ${text(b[f])}`);
  return diffs.length > 0 ? `${a.traceId}: ${diffs.join(', ')}` : undefined;
}

function compare(e: QueryResult, c: ClickHouseResult['queries'][number]): Comparison {
  const embedded = (e.summaries ?? []).map((x) => x.traceId);
  const clickhouse = c.summaries.map((x) => x.traceId);
  const chById = new Map(c.summaries.map((x) => [x.traceId, x]));
  const summaryDiffs: string[] = [];
  for (const x of e.summaries ?? []) {
    const y = chById.get(x.traceId);
    const d = y && summaryDiff(x, y);
    if (d) summaryDiffs.push(d);
  }
  const inE = new Set(embedded);
  const inC = new Set(clickhouse);
  const onlyEmbedded = embedded.filter((id) => !inC.has(id));
  const onlyClickHouse = clickhouse.filter((id) => !inE.has(id));
  return {
    name: e.name,
    embeddedCount: embedded.length,
    clickhouseCount: clickhouse.length,
    mismatches: onlyEmbedded.length + onlyClickHouse.length,
    onlyEmbedded,
    onlyClickHouse,
    sameOrder: embedded.length === clickhouse.length && embedded.every((id, i) => id === clickhouse[i]),
    summaryDiffs,
    embeddedAgreesWithNaive: e.agree,
  };
}

function ingestTable(e: StoreResult, c: ClickHouseResult, group: number): string {
  const x = e.checkpoints.at(-1)!;
  const eRate = x.spans / x.fillSeconds;
  const cRate = c.spans / c.fillSeconds;
  return table([
    ['store', 'spans', 'append() calls', 'fill s', 'spans/s', 'ratio (embedded = 1)', 'stats().diskBytes', 'disk B/span', 'peak RSS of the worker'],
    ['EmbeddedStore (reference)', int(x.spans), int(Math.ceil(x.batches / group)), x.fillSeconds.toFixed(1), int(eRate), '1.00x', mib(x.diskBytes), int(x.diskBytes / x.spans), mib(x.maxRss)],
    ['ClickHouseStore on chDB', int(c.spans), int(c.appends), c.fillSeconds.toFixed(1), int(cRate), ratio(cRate / eRate), mib(c.diskBytes), int(c.diskBytes / c.spans), mib(c.maxRss)],
  ]);
}

function partsTable(c: ClickHouseResult): string {
  const rows = [['ClickHouse table', 'active parts', 'rows', 'bytes on disk', 'uncompressed', 'B/span of the spans table']];
  for (const p of c.tables) rows.push([p.table, int(p.parts), int(p.rows), mib(p.bytesOnDisk), mib(p.uncompressedBytes), int(p.bytesOnDisk / c.spans)]);
  return table(rows);
}

function sideBySideTable(e: StoreResult, c: ClickHouseResult, comparisons: readonly Comparison[]): string {
  const spans = e.checkpoints.at(-1)!.spans;
  const rows = [['query (limit 20)', 'matching spans', 'embedded p50 / p99 ms', 'ClickHouse p50 / p99 ms', 'p50 ratio', 'p99 ratio', 'ClickHouse first call ms', 'ClickHouse ids / summaries ms', 'same traces (mismatches)', 'same summaries']];
  for (const q of e.queries) {
    const ch = c.queries.find((x) => x.name === q.name);
    const step = c.steps.find((x) => x.name === q.name);
    const cmp = comparisons.find((x) => x.name === q.name);
    if (!ch || !cmp) continue;
    const e50 = percentile(q.storeMs, 50);
    const e99 = percentile(q.storeMs, 99);
    const c50 = percentile(ch.storeMs, 50);
    const c99 = percentile(ch.storeMs, 99);
    const same = cmp.mismatches === 0 ? `yes (${cmp.clickhouseCount}${cmp.sameOrder ? '' : ', other order'})` : `NO: ${cmp.mismatches} (${cmp.embeddedCount} vs ${cmp.clickhouseCount})`;
    rows.push([
      q.name,
      `${int(q.matchingSpans)} (${((100 * q.matchingSpans) / spans).toFixed(1)} %)`,
      `${ms(e50)} / ${ms(e99)}`,
      `${ms(c50)} / ${ms(c99)}`,
      ratio(c50 / e50),
      ratio(c99 / e99),
      ms(ch.storeColdMs),
      step ? `${ms(step.idsMs)} / ${ms(step.summariesMs)}` : '',
      same,
      cmp.summaryDiffs.length === 0 ? 'yes' : `NO (${cmp.summaryDiffs.length})`,
    ]);
  }
  return table(rows);
}

interface Run {
  readonly o: Options;
  readonly workerJs: string;
  readonly common: { readonly templateDir: string; readonly seed: number; readonly group: number };
  readonly timed: <T>(name: string, work: () => Promise<T>) => Promise<T>;
  readonly log: (line: string) => void;
  readonly durations: Record<string, number>;
  readonly t0: number;
}

/** --store clickhouse: both stores from the same batches, one worker each, the embedded store first. */
async function clickhouseMain(run: Run): Promise<number> {
  const { o, workerJs, common, timed, log, durations } = run;
  const timeout = (spans: number): number => 300_000 + spans * 1;

  log(`embedded store, ${count(o.small)} spans, then ${o.repetitions} x each search against the naive scan ...`);
  const embeddedDir = tempDir('tracelens-bench-store-small-');
  const embedded = await timed('embedded store + search', () =>
    runWorker<StoreResult>(workerJs, { kind: 'store', ...common, dir: embeddedDir, checkpoints: [o.small], searchRepetitions: o.repetitions, keepTraceIds: true }, o, timeout(o.small)),
  );
  removeDir(embeddedDir);

  log(`ClickHouse store on chDB, the same ${count(o.small)} spans, then ${o.repetitions} x each search ...`);
  const chDir = tempDir('tracelens-bench-store-chdb-');
  const clickhouse = await timed('ClickHouse store + search', () =>
    runWorker<ClickHouseResult>(workerJs, { kind: 'clickhouse', ...common, dir: chDir, spans: o.small, searchRepetitions: o.repetitions, mergeWaitSeconds: o.mergeWait }, o, timeout(o.small) + o.mergeWait * 1000),
  );
  removeDir(chDir);

  const comparisons = embedded.queries.map((q) => {
    const ch = clickhouse.queries.find((x) => x.name === q.name);
    if (!ch) throw new Error(`the ClickHouse worker did not run "${q.name}"`);
    return compare(q, ch);
  });
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', node: process.version, platform: `${os.platform()} ${os.release()}`, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  const totalSeconds = (performance.now() - run.t0) / 1000;
  const x = embedded.checkpoints.at(-1)!;
  const out = process.stdout;
  out.write(
    `\nStore: EmbeddedStore and ClickHouseStore (chDB, in the worker's process) filled with the same ${count(x.spans)} spans: ${o.templates} SDK batches of 512 spans as templates, ` +
      `fresh ids and times per copy; ${o.group} batches per append, one append in flight; ${machine.cpus} cores, Node ${machine.node}; ` +
      `1-min load average at the end ${os.loadavg()[0]!.toFixed(1)}; ${totalSeconds.toFixed(0)} s in all.\n`,
  );
  out.write(`\nIngest: spans per second from the first append until the last one resolved, making and decoding the batches included (same loop for both)\n${ingestTable(embedded, clickhouse, o.group)}\n`);
  out.write(
    `\nClickHouse after the fill: merges ${clickhouse.merged ? 'finished' : 'STILL RUNNING'} after ${clickhouse.mergeSeconds.toFixed(1)} s of waiting; ` +
      `stats(): ${int(clickhouse.storedSpans)} spans, ${int(clickhouse.traces)} traces (uniq, approximate; the embedded store counts ${int(x.traces)})\n${partsTable(clickhouse)}\n`,
  );
  out.write(
    `\nSearch over ${count(x.spans)} spans (${int(x.traces)} traces), ${o.repetitions} times each; ratios are ClickHouse over the embedded store ` +
      `(the embedded store alternating with its naive scan, as in the default run; ClickHouse back to back); ` +
      `"ids / summaries": medians of the ClickHouse store's two queries timed apart (${STEP_REPETITIONS} runs)\n${sideBySideTable(embedded, clickhouse, comparisons)}\n`,
  );
  out.write(`\nNot measured for ClickHouse: memory per span (chDB lives in the worker's process), disk against the wire, reopen. Run without --store for the embedded store's.\n`);
  out.write(`\nSteps: ${Object.entries(durations).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}.\n`);

  const mismatched = comparisons.filter((c) => c.mismatches > 0 || c.summaryDiffs.length > 0);
  const disagree = embedded.queries.filter((q) => !q.agree);
  for (const c of mismatched) {
    if (c.mismatches > 0) {
      out.write(`\n"${c.name}": ${c.mismatches} trace(s) differ; only the embedded store: ${c.onlyEmbedded.join(' ') || '-'}; only ClickHouse: ${c.onlyClickHouse.join(' ') || '-'}` +
        ` (the embedded store ${c.embeddedAgreesWithNaive ? 'agrees' : 'does NOT agree'} with the naive scan)\n`);
    }
    for (const d of c.summaryDiffs.slice(0, 5)) out.write(`\n"${c.name}": summaries differ (embedded / ClickHouse): ${d}\n`);
  }
  if (disagree.length > 0) out.write(`\n${disagree.length} search(es) of the embedded store answered differently from the naive scan.\n`);
  if (clickhouse.warning) out.write(`\nThe ClickHouse store warned: ${clickhouse.warning}\n`);
  if (mismatched.length === 0) out.write(`\nBoth stores returned the same traces, with the same summaries, for every search (${comparisons.length} searches, 0 mismatches).\n`);

  mkdirSync(resolve(o.out, '..'), { recursive: true });
  writeFileSync(
    o.out,
    `${JSON.stringify({ benchmark: 'store-clickhouse', date: new Date().toISOString(), machine, options: o, totalSeconds, durations, embedded, clickhouse, comparisons }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
  out.write(`\nresults: ${relative(ROOT, o.out)}\n`);
  return mismatched.length > 0 || disagree.length > 0 || clickhouse.warning ? 1 : 0;
}

// ---------------------------------------------------------------- main

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const o = parseOptions(argv);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const t0 = performance.now();
  const scratch = tempDir('tracelens-bench-store-');
  const batches = makeBatches({ seed: o.seed, batches: o.templates, spansPerBatch: 512 });
  const manifest: TemplateManifest = {
    templates: batches.map((b, i) => {
      writeFileSync(join(scratch, `template-${i}.pb`), b.protobuf);
      return { file: `template-${i}.pb`, spanCount: b.spanCount };
    }),
  };
  writeFileSync(join(scratch, TEMPLATE_MANIFEST), JSON.stringify(manifest));
  const workerJs = await bundleWorker(scratch);
  const common = { templateDir: scratch, seed: o.seed, group: o.group };
  // Generous: a 10M-span fill takes a few minutes here.
  const timeout = (spans: number): number => 120_000 + spans * 0.1;
  const durations: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    const r = await work();
    durations[name] = (performance.now() - s) / 1000;
    log(`${name}: ${durations[name]!.toFixed(0)} s`);
    return r;
  };
  if (o.store === 'clickhouse') return clickhouseMain({ o, workerJs, common, timed, log, durations, t0 });

  log(`store ${count(o.small)} spans: memory, disk, then ${o.repetitions} x each search against the naive scan ...`);
  const smallDir = tempDir('tracelens-bench-store-small-');
  const small = await timed('small store + search', () =>
    runWorker<StoreResult>(workerJs, { kind: 'store', ...common, dir: smallDir, checkpoints: [o.small], searchRepetitions: o.repetitions }, o, timeout(o.small * 3)),
  );
  removeDir(smallDir);

  log(`reference: Map<traceId, Span[]> of ${count(o.small)} decoded spans ...`);
  const map = await timed('Map reference', () => runWorker<MapResult>(workerJs, { kind: 'map', ...common, spans: o.small }, o, timeout(o.small)));

  log(`store ${count(o.large)} spans: memory, disk ...`);
  const largeDir = tempDir('tracelens-bench-store-large-');
  const large = await timed('large store', () =>
    runWorker<StoreResult>(workerJs, { kind: 'store', ...common, dir: largeDir, checkpoints: [o.large], searchRepetitions: 0 }, o, timeout(o.large)),
  );
  log(`reopen the ${count(o.large)}-span store, against reading every file of it, ${o.reopenRounds} rounds ...`);
  const reopen = await timed('reopen', () => runWorker<ReopenResult>(workerJs, { kind: 'reopen', dir: largeDir, rounds: o.reopenRounds }, o, timeout(o.large)));
  removeDir(largeDir);

  const r: Results = { small, map, large, reopen };
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', node: process.version, platform: `${os.platform()} ${os.release()}`, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  const totalSeconds = (performance.now() - t0) / 1000;
  const out = process.stdout;
  out.write(
    `\nStore: ${o.templates} SDK batches of 512 spans as templates, fresh ids and times per copy; ${o.group} batches per append; ` +
      `${machine.cpus} cores, Node ${machine.node}; 1-min load average at the end ${os.loadavg()[0]!.toFixed(1)}; ${totalSeconds.toFixed(0)} s in all.\n`,
  );
  out.write(`\nMemory: resident bytes per stored span after a forced GC, less the process's own baseline (goal: about 100 or less)\n${memoryTable(r)}\n`);
  out.write(`\nDisk: bytes per span of the store folder, against the OTLP protobuf bytes of the same spans\n${diskTable(r)}\n`);
  out.write(`\nReopen: new EmbeddedStore({dir}) + whenReady(), against fs.readFile of every file of the folder (page cache warm for both)\n${reopenTable(r)}\n`);
  out.write(
    `\nSearch over ${count(small.checkpoints.at(-1)!.spans)} spans (${int(small.checkpoints.at(-1)!.traces)} traces), ${o.repetitions} times each, store and naive scan alternating (goal: p50 under 50 ms)\n` +
      `${searchTable(small.queries, small.checkpoints.at(-1)!.spans)}\n`,
  );
  const fills = [small.checkpoints.at(-1)!, large.checkpoints.at(-1)!]
    .map((c) => `${count(c.spans)} spans in ${c.fillSeconds.toFixed(0)} s (${int(c.spans / c.fillSeconds)} spans/s, decoding included)`)
    .join('; ');
  out.write(`\nFilling the stores: ${fills}. Steps: ${Object.entries(durations).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}.\n`);
  const disagree = small.queries.filter((q) => !q.agree);
  if (disagree.length > 0) out.write(`\n${disagree.length} search(es) answered differently from the naive scan: see "same traces".\n`);

  mkdirSync(resolve(o.out, '..'), { recursive: true });
  writeFileSync(
    o.out,
    `${JSON.stringify({ benchmark: 'store', date: new Date().toISOString(), machine, options: o, totalSeconds, durations, ...r }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
  out.write(`\nresults: ${relative(ROOT, o.out)}\n`);
  return disagree.length > 0 ? 1 : 0;
}

runMain('bench/store', main, cleanUp);
