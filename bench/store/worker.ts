// One task of the store benchmark, in a process of its own so that its memory is its own: started by bench/store.ts
// (bundled with esbuild, run with node --expose-gc), the task as JSON in argv[2], the result sent back over IPC (advanced serialization: queries hold bigints).
//   store:  fill an EmbeddedStore on disk with fresh SDK batches; at each checkpoint, memory after a forced GC less
//           the baseline taken before the store was made, index and disk bytes; then, optionally, the searches, each
//           against the naive scan over the same spans decoded into an array.
//   map:    the plain reference: the same decoded spans in a Map<traceId, Span[]>, memory measured the same way.
//   reopen: every file of a store folder read with fs.readFile, then the store reopened, round after round.
//   clickhouse: the same batches into a ClickHouseStore on chDB, then the same searches (bench/store/clickhouse.ts,
//           loaded only for this task; --store clickhouse).
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Span } from '../../src/core/model';
import { EmbeddedStore } from '../../src/core/store/embeddedStore';
import type { IngestBatch } from '../../src/core/store/store';
import type { TraceSummary } from '../../src/core/trace';
import type { Template } from './batches';
import { FreshBatches } from './batches';
import type { Checkpoint, ClickHouseResult, ClickHouseTask, MapResult, MapTask, MemoryDelta, QueryResult, ReopenResult, ReopenTask, StoreResult, StoreTask, Task, TemplateManifest, WorkerReply } from './messages';
import { TEMPLATE_MANIFEST } from './messages';
import { NaiveSpans, QUERIES } from './queries';

/** Nothing is dropped during the benchmark: retention far beyond what it writes. */
const KEEP_EVERYTHING = { retentionBytes: Number.MAX_SAFE_INTEGER, retentionMs: 100 * 365 * 24 * 3600 * 1000 };

function readTemplates(dir: string): Template[] {
  const manifest = JSON.parse(readFileSync(join(dir, TEMPLATE_MANIFEST), 'utf8')) as TemplateManifest;
  return manifest.templates.map((t) => ({ protobuf: readFileSync(join(dir, t.file)), spanCount: t.spanCount }));
}

interface Snapshot {
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
}

/** Full collections until the heap stops shrinking (at most 6), with turns of the event loop for finalizers. */
async function settle(): Promise<void> {
  const gc = globalThis.gc;
  if (!gc) throw new Error('run with node --expose-gc');
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
    const used = process.memoryUsage().heapUsed;
    if (used >= last * 0.999) break;
    last = used;
  }
}

function snapshot(): Snapshot {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

function delta(now: Snapshot, base: Snapshot): MemoryDelta {
  const heapUsed = now.heapUsed - base.heapUsed;
  const arrayBuffers = now.arrayBuffers - base.arrayBuffers;
  return { rss: now.rss - base.rss, heapAndBuffers: heapUsed + arrayBuffers, heapUsed, arrayBuffers };
}

const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

async function storeTask(t: StoreTask): Promise<StoreResult> {
  const batches = new FreshBatches(readTemplates(t.templateDir), t.seed);
  batches.batch(0); // the decoder's code and the templates' layouts exist before the baseline
  await settle();
  const base = snapshot();
  const store = new EmbeddedStore({ dir: t.dir, ...KEEP_EVERYTHING });
  await store.whenReady();
  const checkpoints: Checkpoint[] = [];
  let n = 0;
  let spans = 0;
  let wire = 0;
  let paused = 0;
  const started = performance.now();
  let writing: Promise<void> | undefined;
  for (const target of t.checkpoints) {
    while (spans < target) {
      const group: IngestBatch[] = [];
      for (let g = 0; g < t.group && spans < target; g++) {
        const b = batches.batch(n++);
        group.push({ kind: 'spans', spans: b.spans, body: { format: 'otlp-proto', bytes: b.body } });
        spans += b.spans.length;
        wire += b.body.length;
      }
      // One append in flight while the next group is made, as the ingest queue overlaps decoding and writing.
      await writing;
      writing = store.append(group);
    }
    await writing;
    writing = undefined;
    const fillSeconds = (performance.now() - started - paused) / 1000;
    const p0 = performance.now();
    await settle();
    const stats = store.stats();
    checkpoints.push({
      spans: stats.spanCount,
      traces: stats.traceCount,
      batches: n,
      memory: delta(snapshot(), base),
      indexBytes: store.indexBytes(),
      diskBytes: stats.diskBytes,
      wireBytes: wire,
      fillSeconds,
      maxRss: maxRss(),
    });
    if (stats.spanCount !== spans) throw new Error(`the store holds ${stats.spanCount} spans, ${spans} were appended`);
    process.stderr.write(`  ${spans.toLocaleString('en-US')} spans stored in ${fillSeconds.toFixed(1)} s\n`);
    paused += performance.now() - p0;
  }

  const queries: QueryResult[] = [];
  let naiveLoadSeconds = 0;
  if (t.searchRepetitions > 0) {
    const l0 = performance.now();
    const naive = new NaiveSpans();
    for (let i = 0; i < n; i++) naive.add(batches.batch(i).spans);
    naiveLoadSeconds = (performance.now() - l0) / 1000;
    process.stderr.write(`  naive scan: ${naive.spans.length.toLocaleString('en-US')} decoded spans in an array (${naiveLoadSeconds.toFixed(1)} s); searching ...\n`);
    for (const { name, query } of QUERIES) {
      const sel = naive.selectivity(query);
      const c0 = performance.now();
      await store.findTraces(query);
      const storeColdMs = performance.now() - c0;
      const storeMs: number[] = [];
      const naiveMs: number[] = [];
      let storeIds: string[] = [];
      let summaries: TraceSummary[] = [];
      let naiveIds: string[] = [];
      // Alternate, so that drift on the machine hits both alike.
      for (let r = 0; r < t.searchRepetitions; r++) {
        const s0 = performance.now();
        summaries = await store.findTraces(query);
        storeIds = summaries.map((s) => s.traceId);
        storeMs.push(performance.now() - s0);
        const n0 = performance.now();
        naiveIds = naive.find(query);
        naiveMs.push(performance.now() - n0);
      }
      const agree = storeIds.length === naiveIds.length && storeIds.every((id, i) => id === naiveIds[i]);
      queries.push({
        name,
        query,
        matchingSpans: sel.spans,
        matchingTraces: sel.traces,
        storeColdMs,
        storeMs,
        naiveMs,
        storeCount: storeIds.length,
        naiveCount: naiveIds.length,
        agree,
        ...(t.keepTraceIds ? { summaries } : {}),
      });
    }
  }
  await store.close();
  return { kind: 'store', baseline: { rss: base.rss, heapAndBuffers: base.heapUsed + base.arrayBuffers }, checkpoints, queries, naiveLoadSeconds };
}

async function mapTask(t: MapTask): Promise<MapResult> {
  const batches = new FreshBatches(readTemplates(t.templateDir), t.seed);
  batches.batch(0);
  await settle();
  const base = snapshot();
  const started = performance.now();
  const traces = new Map<string, Span[]>();
  let spans = 0;
  for (let n = 0; spans < t.spans; n++) {
    for (const s of batches.batch(n).spans) {
      const list = traces.get(s.traceId);
      if (list) list.push(s);
      else traces.set(s.traceId, [s]);
      spans++;
    }
  }
  const fillSeconds = (performance.now() - started) / 1000;
  await settle();
  const memory = delta(snapshot(), base);
  return { kind: 'map', spans, traces: traces.size, memory, fillSeconds };
}

async function reopenTask(t: ReopenTask): Promise<ReopenResult> {
  await settle();
  const base = snapshot();
  const names = (await fs.readdir(t.dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(t.dir, e.name));
  const readAllMs: number[] = [];
  const reopenMs: number[] = [];
  let fileBytes = 0;
  let memory: MemoryDelta | undefined;
  let spans = 0;
  let traces = 0;
  for (let round = 0; round < t.rounds; round++) {
    // First the reference: it also brings every file into the page cache, so both read from memory.
    const r0 = performance.now();
    fileBytes = 0;
    for (const name of names) fileBytes += (await fs.readFile(name)).length;
    readAllMs.push(performance.now() - r0);
    await settle();
    const o0 = performance.now();
    const store = new EmbeddedStore({ dir: t.dir, ...KEEP_EVERYTHING });
    await store.whenReady();
    reopenMs.push(performance.now() - o0);
    if (store.warning) throw new Error(`the store did not reopen: ${store.warning}`);
    const stats = store.stats();
    spans = stats.spanCount;
    traces = stats.traceCount;
    if (!memory) {
      await settle();
      memory = delta(snapshot(), base);
    }
    await store.close();
    await settle();
    process.stderr.write(`  round ${round + 1}/${t.rounds}: read all ${Math.round(readAllMs.at(-1)!)} ms, reopen ${Math.round(reopenMs.at(-1)!)} ms\n`);
  }
  return { kind: 'reopen', files: names.length, fileBytes, readAllMs, reopenMs, spans, traces, memory: memory!, maxRss: maxRss(), baselineRss: base.rss };
}

async function clickhouseTask(t: ClickHouseTask): Promise<ClickHouseResult> {
  // Loaded only here: the other tasks' processes never load @clickhouse/client or chDB.
  const { fillClickHouse } = await import('./clickhouse');
  return fillClickHouse(t, new FreshBatches(readTemplates(t.templateDir), t.seed), maxRss);
}

function run(task: Task): Promise<WorkerReply> {
  switch (task.kind) {
    case 'store':
      return storeTask(task);
    case 'map':
      return mapTask(task);
    case 'reopen':
      return reopenTask(task);
    case 'clickhouse':
      return clickhouseTask(task);
  }
}

function main(): void {
  const send = process.send?.bind(process);
  const arg = process.argv[2];
  if (!send || !arg) {
    process.stderr.write('the store benchmark worker is started by bench/store.ts (it needs an IPC channel and a task)\n');
    process.exit(2);
  }
  // The driver going away must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  run(JSON.parse(arg) as Task).then(
    (reply) => send(reply, undefined, undefined, () => process.exit(0)),
    (e: unknown) => send({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies WorkerReply, undefined, undefined, () => process.exit(1)),
  );
}

main();
