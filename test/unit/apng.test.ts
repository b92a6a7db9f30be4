// The animated PNG of the README's debugging flow: frames copied into APNG chunks, in order, each chunk's CRC valid,
// and each frame's pixels exactly those of its screenshot.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { animatePng, chunk, readChunks } from '../../scripts/apng';

/** A real PNG: 8-bit RGB, every pixel `rgb`, filter 0 per row. */
function png(width: number, height: number, rgb: [number, number, number]): { file: Buffer; raw: Buffer } {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set(rgb, y * (width * 3 + 1) + 1 + x * 3);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return { file: Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]), raw };
}

describe('animated PNG', () => {
  it('holds every frame in order with its delay, sequence numbers and valid CRCs', () => {
    const frames = [png(4, 3, [255, 0, 0]), png(4, 3, [0, 255, 0]), png(4, 3, [0, 0, 255])];
    const out = animatePng(frames.map((f) => f.file), 1500);
    const chunks = readChunks(out);
    assert.deepEqual(chunks.map((c) => c.type), ['IHDR', 'acTL', 'fcTL', 'IDAT', 'fcTL', 'fdAT', 'fcTL', 'fdAT', 'IEND']);
    assert.equal(chunks[1]!.data.readUInt32BE(0), 3, 'three frames');
    assert.equal(chunks[1]!.data.readUInt32BE(4), 0, 'loops forever');
    const sequence = chunks.filter((c) => c.type === 'fcTL' || c.type === 'fdAT').map((c) => c.data.readUInt32BE(0));
    assert.deepEqual(sequence, [0, 1, 2, 3, 4]);
    assert.equal(chunks[2]!.data.readUInt16BE(20), 1500);
    assert.equal(chunks[2]!.data.readUInt16BE(22), 1000);
    // Each frame's pixels, back out of the file.
    assert.deepEqual(inflateSync(chunks[3]!.data), frames[0]!.raw);
    assert.deepEqual(inflateSync(chunks[5]!.data.subarray(4)), frames[1]!.raw);
    assert.deepEqual(inflateSync(chunks[7]!.data.subarray(4)), frames[2]!.raw);
    // Every CRC checks out.
    for (let at = 8; at < out.length; ) {
      const length = out.readUInt32BE(at);
      assert.equal(out.readUInt32BE(at + 8 + length), crc32(out.subarray(at + 4, at + 8 + length)) >>> 0);
      at += 12 + length;
    }
  });

  it('refuses frames of another size, and files that are not PNGs', () => {
    assert.throws(() => animatePng([png(4, 3, [0, 0, 0]).file, png(5, 3, [0, 0, 0]).file], 100), /frame 2 differs from the first/);
    assert.throws(() => animatePng([Buffer.from('GIF89a')], 100), /not a PNG/);
    assert.throws(() => animatePng([], 100), /no frames/);
  });
});
