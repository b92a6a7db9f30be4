// The embedded store, on disk and in memory: the shared store suite (test/helpers/storeContract.ts), then what only
// the embedded store does (retention by size and age, recovery from disk, the lock, its indexes).
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EmbeddedStore } from '../../src/core/store/embeddedStore';
import { summarizeTrace } from '../../src/core/trace';
import { A_DB, A_ROOT, B_ROOT, C_ROOT, id, plain, span, storeContract } from '../helpers/storeContract';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tracelens-store-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

for (const mode of ['memory', 'disk'] as const) {
  storeContract(`EmbeddedStore (${mode})`, async () => new EmbeddedStore({ dir: mode === 'disk' ? await tempDir() : undefined }), { clears: true });

  describe(`EmbeddedStore (${mode}): retention`, () => {
    it('drops the oldest data first when over its size limit, without blocking appends', async () => {
      const store = new EmbeddedStore({ dir: mode === 'disk' ? await tempDir() : undefined, retentionBytes: 64 * 1024, segmentBytes: 8 * 1024 });
      for (let i = 0; i < 200; i++) {
        const t = (i + 1).toString(16);
        await store.append([{ kind: 'spans', spans: [span(t, '1', '', i, i + 1, { name: 'x'.repeat(200) }), span(t, '2', '1', i, i + 1)] }]);
      }
      await store.append([{ kind: 'spans', spans: [span('1', '9', '1', 0, 1)] }]); // a late span for the oldest trace
      const stats = store.stats();
      assert.ok(stats.evictedSpans > 0, 'something was dropped');
      assert.equal(stats.spanCount, 401 - stats.evictedSpans);
      if (mode === 'disk') assert.ok(stats.diskBytes <= 64 * 1024 + 16 * 1024, `disk use ${stats.diskBytes} stays near the limit`);
      assert.ok(await store.getTrace(id('c8')), 'the newest trace is kept');
      assert.equal(await store.getTrace(id('2')), undefined, 'an old trace is gone');
      const late = await store.getTrace(id('1'));
      assert.deepEqual(late?.map((s) => s.spanId), ['0000000000000009'], 'only the late span of the oldest trace is left');
      assert.equal((await store.findTraces({ limit: 1000 })).length, stats.traceCount);
      await store.close();
    });
  });
}

describe('EmbeddedStore on disk', () => {
  it('reopens with everything that was acknowledged, from sidecars and the active segment', async () => {
    const dir = await tempDir();
    const store = new EmbeddedStore({ dir, segmentBytes: 4096 });
    for (let i = 0; i < 50; i++) await store.append([{ kind: 'spans', spans: [span((i + 1).toString(16), '1', '', i, i + 2, { name: `op${i % 3}` })] }]);
    const before = await store.findTraces({ limit: 100 });
    await store.close();
    const files = await readdir(dir);
    assert.ok(files.filter((f) => f.endsWith('.idx')).length >= 2, `sealed segments have sidecars: ${files.join(' ')}`);
    const again = new EmbeddedStore({ dir, segmentBytes: 4096 });
    assert.deepEqual(await again.findTraces({ limit: 100 }), before);
    assert.deepEqual(plain(await again.getTrace(id('7'))), plain([span('7', '1', '', 6, 8, { name: 'op0' })]));
    await again.close();
    // A damaged sidecar is noticed (its CRC), rebuilt from its segment, and nothing is lost.
    const sidecar = join(dir, files.filter((f) => f.endsWith('.idx')).sort()[0]!);
    const bytes = await readFile(sidecar);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(sidecar, bytes);
    const notes: string[] = [];
    const rebuilt = new EmbeddedStore({ dir, segmentBytes: 4096, log: (l) => notes.push(l) });
    assert.deepEqual(await rebuilt.findTraces({ limit: 100 }), before);
    assert.ok(notes.some((n) => /rebuilt its index sidecar/.test(n)), notes.join('\n'));
    await rebuilt.close();
    const third = new EmbeddedStore({ dir, segmentBytes: 4096, log: (l) => notes.push(l) });
    assert.deepEqual(await third.findTraces({ limit: 100 }), before, 'the rebuilt sidecar serves the next open');
    await third.close();
  });

  it('cuts a torn tail on open and keeps every complete frame', async () => {
    const dir = await tempDir();
    const notes: string[] = [];
    const store = new EmbeddedStore({ dir, log: (l) => notes.push(l) });
    await store.append([{ kind: 'spans', spans: [A_ROOT, A_DB] }]);
    await store.append([{ kind: 'spans', spans: [B_ROOT] }]);
    await store.close();
    const [segment] = (await readdir(dir)).filter((f) => f.endsWith('.log'));
    const path = join(dir, segment!);
    const size = (await stat(path)).size;
    // A frame header that promises more bytes than were written, as a kill in the middle of a write leaves it.
    const torn = Buffer.alloc(30);
    torn.writeUInt32LE(0x31464c54, 0);
    torn.writeUInt32LE(5000, 4);
    await appendFile(path, torn);
    const reopened = new EmbeddedStore({ dir, log: (l) => notes.push(l) });
    assert.deepEqual((await reopened.findTraces({})).map((t) => t.traceId), [id('b'), id('a')]);
    assert.equal((await stat(path)).size, size, 'the torn bytes are cut');
    assert.ok(notes.some((n) => /cut 30 bytes after a torn frame/.test(n)), notes.join('\n'));
    await reopened.append([{ kind: 'spans', spans: [C_ROOT] }]);
    assert.equal((await reopened.findTraces({})).length, 3, 'appends continue after the cut');
    await reopened.close();
    // Flip one byte inside the last frame: its checksum no longer matches, so it is cut and the others stay.
    const bytes = await readFile(path);
    bytes[bytes.length - 3]! ^= 0xff;
    await writeFile(path, bytes);
    const third = new EmbeddedStore({ dir, log: (l) => notes.push(l) });
    assert.deepEqual((await third.findTraces({})).map((t) => t.traceId), [id('b'), id('a')]);
    assert.ok(notes.some((n) => /checksum mismatch/.test(n)), notes.join('\n'));
    await third.close();
  });

  it('drops data older than its age limit', async () => {
    const dir = await tempDir();
    const store = new EmbeddedStore({ dir, retentionMs: 50, segmentBytes: 1024 });
    for (let i = 0; i < 20; i++) await store.append([{ kind: 'spans', spans: [span((i + 1).toString(16), '1', '', i, i + 1, { name: 'y'.repeat(100) })] }]);
    const before = store.stats().spanCount;
    await new Promise((r) => setTimeout(r, 80));
    await store.append([{ kind: 'spans', spans: [B_ROOT] }]);
    await store.retain();
    assert.ok(store.stats().spanCount < before, `${store.stats().spanCount} < ${before}`);
    assert.ok(await store.getTrace(id('b')));
    await store.close();
  });

  it('refuses a folder another live process holds, and keeps working in memory', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'tracelens.lock'), String(process.ppid));
    const notes: string[] = [];
    const store = new EmbeddedStore({ dir, log: (l) => notes.push(l) });
    await store.append([{ kind: 'spans', spans: [B_ROOT] }]);
    assert.equal(store.stats().location, 'memory');
    assert.match(store.warning ?? '', new RegExp(`in use by process ${process.ppid}.*--data-dir`));
    assert.ok(await store.getTrace(id('b')));
    await store.close();
    // A lock left by a process that is gone is taken over.
    await writeFile(join(dir, 'tracelens.lock'), '999999999');
    const next = new EmbeddedStore({ dir });
    await next.whenReady();
    assert.equal(next.stats().location, dir);
    await next.close();
  });
});

describe('summarizeTrace', () => {
  it('finds the root, duration, services, errors and orphans', () => {
    const s = summarizeTrace([A_DB, A_ROOT, span('a', '3', '9', 10, 20)])!;
    assert.equal(s.rootName, 'GET /checkout');
    assert.equal(s.rootService, 'web');
    assert.equal(s.hasRoot, true);
    assert.equal(s.durationNanos, 100_000_000n);
    assert.equal(s.errorCount, 1);
    assert.equal(s.orphanCount, 1);
    assert.deepEqual(s.services, [{ service: 'web', spans: 2 }, { service: 'db', spans: 1 }]);
  });
  it('without a root, names the earliest span', () => {
    const s = summarizeTrace([span('b', '5', '4', 50, 60, { name: 'late' }), span('b', '6', '4', 40, 45, { name: 'early' })])!;
    assert.equal(s.hasRoot, false);
    assert.equal(s.rootName, 'early');
  });
});

describe('attribute filters', () => {
  it('let an attribute search skip every frame that cannot match, decoding only the ones that may', async () => {
    for (const dir of [undefined, await tempDir()]) {
      const store = new EmbeddedStore({ dir });
      // 300 frames of 5 traces each; one span in the whole store has http.response.status_code=503.
      for (let f = 0; f < 300; f++) {
        const spans = Array.from({ length: 5 }, (_, i) => {
          const code = f === 123 && i === 2 ? 503n : 200n;
          return span((f * 5 + i + 1).toString(16), '1', '', f, f + 1, { attributes: [{ key: 'http.response.status_code', value: code }, { key: 'url.path', value: `/items/${f}` }, { key: 'ratio', value: 0.5 }, { key: 'raw', value: new Uint8Array([1]) }] });
        });
        await store.append([{ kind: 'spans', spans }]);
      }
      const before = store.framesDecoded;
      const found = await store.findTraces({ attributes: [{ key: 'http.response.status_code', op: '=', value: '503' }] });
      assert.deepEqual(found.map((t) => t.traceId), [id((123 * 5 + 3).toString(16))]);
      assert.ok(store.framesDecoded - before <= 10, `${store.framesDecoded - before} frames decoded for one match among 300 (filters false-positive about 1%)`);
      const none = store.framesDecoded;
      assert.deepEqual(await store.findTraces({ attributes: [{ key: 'http.response.status_code', op: '=', value: '418' }] }), []);
      assert.deepEqual(await store.findTraces({ attributes: [{ key: 'no.such.key', op: 'exists' }] }), []);
      assert.ok(store.framesDecoded - none <= 10, `${store.framesDecoded - none} frames decoded for no match`);
      // Values the filter holds as text (doubles), and values it does not index (bytes) still match.
      assert.equal((await store.findTraces({ attributes: [{ key: 'ratio', op: '=', value: '0.5' }], limit: 3 })).length, 3);
      assert.equal((await store.findTraces({ attributes: [{ key: 'raw', op: '=', value: 'AQ==' }], limit: 3 })).length, 3);
      assert.equal((await store.findTraces({ attributes: [{ key: 'url.path', op: '=', value: '/items/7' }] })).length, 5);
      await store.close();
      if (!dir) continue;
      const reopened = new EmbeddedStore({ dir });
      assert.equal((await reopened.findTraces({ attributes: [{ key: 'http.response.status_code', op: '=', value: '503' }] })).length, 1);
      assert.ok(reopened.framesDecoded <= 10, `the filters survive a reopen (${reopened.framesDecoded} frames decoded)`);
      await reopened.close();
    }
  });
});

describe('crc32', () => {
  it('gives the standard CRC-32 by table walk and natively, continued over pieces', async () => {
    const { crc32, crc32Table } = await import('../../src/core/store/crc32');
    const check = Buffer.from('123456789');
    assert.equal(crc32Table(check).toString(16), 'cbf43926');
    assert.equal(crc32(check).toString(16), 'cbf43926');
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 2654435761) >>> 24));
    const whole = crc32Table(data);
    assert.equal(crc32(data), whole);
    for (const cut of [0, 1, 7, 8, 9, 4096, 9999]) {
      assert.equal(crc32Table(data, cut, data.length, crc32Table(data, 0, cut)), whole, `table walk continued at ${cut}`);
      assert.equal(crc32(data, cut, data.length, crc32(data, 0, cut)), whole, `crc32 continued at ${cut}`);
    }
  });
});

describe('trace-id table', () => {
  it('finds and forgets traces whose ids differ only in their middle bytes', async () => {
    const store = new EmbeddedStore({ retentionBytes: 256 * 1024, segmentBytes: 16 * 1024 });
    // Ids with a counter in bytes 4..11 only: the shape that defeats a hash of the outer bytes.
    const ids = Array.from({ length: 3000 }, (_, i) => `aaaaaaaa${i.toString(16).padStart(16, '0')}bbbbbbbb`);
    for (let i = 0; i < ids.length; i += 100) await store.append([{ kind: 'spans', spans: ids.slice(i, i + 100).map((t) => span(t, '1', '', 0, 1)) }]);
    const kept = await store.findTraces({ limit: 10_000 });
    assert.equal(kept.length, store.stats().traceCount);
    assert.ok(store.stats().evictedSpans > 0, 'retention released some slots');
    for (const s of kept.slice(0, 50)) assert.ok(await store.getTrace(s.traceId), s.traceId);
    assert.equal(await store.getTrace(ids[0]!), undefined);
    await store.close();
  });
});
