// Which embedded engine for the durable store? Durable writes of 512-span batches as the store makes them: one body
// of ~120 KiB (a realistic protobuf export) plus 512 small index entries, acknowledged only once on disk, four exports
// in flight. Compares TraceLens's segment log (src/core/store/segmentLog.ts) with LMDB (lmdb-js, prebuilt N-API) and
// LevelDB (classic-level, prebuilt N-API), the embedded engines on npm that install without a per-Electron build.
// Their packages are not dependencies of TraceLens; install them for this run only:
//   npm install --no-save lmdb classic-level && node --import tsx bench/engines.mjs [batches]
// Prints spans/s per engine and the ratio to the segment log, measured in the same run. See docs/STORE.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSegmentLog } from '../src/core/store/segmentLog.ts';

const BATCHES = Number(process.argv[2] ?? 400);
const IN_FLIGHT = 4;
const SPANS = 512;
const bodies = Array.from({ length: 16 }, () => randomBytes(120 * 1024));
const keys = Array.from({ length: BATCHES }, () => Array.from({ length: SPANS }, () => randomBytes(24)));

async function run(put) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < BATCHES) await put(next++);
    }),
  );
  return (BATCHES * SPANS) / ((performance.now() - started) / 1000);
}

const temp = () => mkdtempSync(join(tmpdir(), 'tracelens-engines-'));

async function segmentLog() {
  const dir = temp();
  const log = new FileSegmentLog(dir);
  await log.open();
  // Group commit as the ingest queue does: everything waiting goes in one write + one fdatasync.
  let pending = [];
  let draining;
  const drain = async () => {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      await log.append(batch.map((b) => b.frame));
      for (const b of batch) b.done();
    }
    draining = undefined;
  };
  const rate = await run(
    (i) =>
      new Promise((done) => {
        pending.push({ frame: { type: 1, format: 1, index: Buffer.alloc(48 * SPANS + 8), body: bodies[i % bodies.length] }, done });
        draining ??= new Promise((r) => setImmediate(r)).then(drain);
      }),
  );
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function lmdb() {
  const { open } = await import('lmdb');
  const dir = temp();
  const db = open({ path: dir, compression: false });
  const rate = await run((i) =>
    db.transaction(() => {
      db.put(`b${i}`, bodies[i % bodies.length]);
      for (const k of keys[i]) db.put(k, i);
    }),
  );
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function level() {
  const { ClassicLevel } = await import('classic-level');
  const dir = temp();
  const db = new ClassicLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const rate = await run((i) =>
    db.batch([{ type: 'put', key: Buffer.from(`b${i}`), value: bodies[i % bodies.length] }, ...keys[i].map((k) => ({ type: 'put', key: k, value: Buffer.from([i & 255]) }))], { sync: true }),
  );
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

const reference = await segmentLog();
console.log(`segment log (TraceLens)             ${Math.round(reference).toLocaleString('en').padStart(10)} spans/s   1.00x`);
for (const [name, engine] of [['LMDB (lmdb-js, sync commits)', lmdb], ['LevelDB (classic-level, sync)', level]]) {
  const rate = await engine();
  console.log(`${name.padEnd(36)}${Math.round(rate).toLocaleString('en').padStart(10)} spans/s   ${(rate / reference).toFixed(2)}x`);
}
