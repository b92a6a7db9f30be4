// Animated PNG from screenshots of the same size (the end-to-end tests' frames of a flow), with no dependency: each
// frame's compressed image data is copied into the APNG chunks (acTL, fcTL, fdAT), so nothing is re-encoded.
//   npx tsx scripts/apng.ts --delay 2000 OUT.png FRAME1.png FRAME2.png ...
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The chunks of a PNG file: [{ type, data }]. Throws on a file that is not a PNG. */
export function readChunks(png: Buffer): { type: string; data: Buffer }[] {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
export function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An APNG that shows each frame for delayMs, looping. Every frame has the first one's IHDR (size, colour type). */
export function animatePng(frames: readonly Buffer[], delayMs: number): Buffer {
  if (frames.length === 0) throw new Error('no frames');
  const parsed = frames.map(readChunks);
  const ihdrOf = (chunks: { type: string; data: Buffer }[], i: number): Buffer => {
    const found = chunks.find((c) => c.type === 'IHDR');
    if (!found) throw new Error(`frame ${i + 1} has no IHDR`);
    return found.data;
  };
  const ihdr = ihdrOf(parsed[0]!, 0);
  parsed.forEach((chunks, i) => {
    if (!ihdrOf(chunks, i).equals(ihdr)) throw new Error(`frame ${i + 1} differs from the first in size or colour type`);
  });
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const out: Buffer[] = [SIGNATURE, chunk('IHDR', ihdr)];
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length, 0); // frames
  actl.writeUInt32BE(0, 4); // loop forever
  out.push(chunk('acTL', actl));
  let sequence = 0;
  parsed.forEach((chunks, i) => {
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt32BE(0, 12); // x offset
    fctl.writeUInt32BE(0, 16); // y offset
    fctl.writeUInt16BE(Math.round(delayMs), 20); // delay numerator
    fctl.writeUInt16BE(1000, 22); // delay denominator: ms
    fctl.writeUInt8(0, 24); // dispose: none
    fctl.writeUInt8(0, 25); // blend: source
    out.push(chunk('fcTL', fctl));
    for (const c of chunks.filter((c) => c.type === 'IDAT')) {
      if (i === 0) {
        out.push(chunk('IDAT', c.data));
      } else {
        const seq = Buffer.alloc(4);
        seq.writeUInt32BE(sequence++, 0);
        out.push(chunk('fdAT', Buffer.concat([seq, c.data])));
      }
    }
  });
  out.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(out);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  let delay = 2000;
  if (args[0] === '--delay') {
    delay = Number(args[1]);
    args.splice(0, 2);
  }
  const [outFile, ...frameFiles] = args;
  if (!outFile || frameFiles.length === 0 || !(delay > 0 && delay < 65536)) {
    process.stderr.write('usage: npx tsx scripts/apng.ts [--delay MS] OUT.png FRAME.png...\n');
    process.exit(2);
  }
  const png = animatePng(frameFiles.map((f) => readFileSync(f)), delay);
  writeFileSync(outFile, png);
  process.stdout.write(`${outFile}: ${frameFiles.length} frames, ${Math.round(png.length / 1024)} KB\n`);
}
