// Makes every export of a reused batch carry new trace ids, as a live application's exports do: without it the
// receivers would only overwrite the same few thousand spans, and neither their memory nor their GC would grow.
// Each occurrence of a trace id (span trace_id, link trace_id) is XOR-ed with a 16-byte mask drawn from the export's
// sequence number, so that, like an SDK's random ids, the new ids differ from the last export's in every byte (a
// store that hashes part of the id sees what it would see in production); a trace stays whole (its spans and parent
// ids agree) and links keep pointing inside the batch.
// The template is copied, never written, so a request still being sent is never changed under the socket.
// (Until the durable store, only the last 4 bytes were XOR-ed with the sequence number; the trace-id hash of
// src/core/store/spanIndex.ts clusters such ids, see docs/PERFORMANCE.md.)

export type Encoding = 'protobuf' | 'json';

/** Four 32-bit words from a sequence number (splitmix32 steps): the same seq gives the same mask. */
export function idMask(seq: number): Uint32Array {
  const out = new Uint32Array(4);
  let s = Math.imul(seq >>> 0, 0x9e3779b9) >>> 0;
  for (let k = 0; k < 4; k++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out[k] = (z ^ (z >>> 16)) >>> 0;
  }
  return out;
}

export class UniqueIdBatch {
  /** Where each occurrence's 16 bytes (protobuf) or 32 hex digits (JSON) start, and its original four words. */
  private readonly at: Int32Array;
  private readonly original: Uint32Array;

  constructor(
    private readonly template: Buffer,
    private readonly encoding: Encoding,
    traceIds: readonly string[],
  ) {
    const at: number[] = [];
    const original: number[] = [];
    for (const id of traceIds) {
      const needle = encoding === 'protobuf' ? Buffer.from(id, 'hex') : Buffer.from(`"${id}"`);
      const skip = encoding === 'protobuf' ? 0 : 1; // the opening quote
      const words = [0, 1, 2, 3].map((k) => parseInt(id.slice(k * 8, k * 8 + 8), 16) >>> 0);
      for (let i = template.indexOf(needle); i >= 0; i = template.indexOf(needle, i + needle.length)) {
        at.push(i + skip);
        original.push(...words);
      }
    }
    if (at.length === 0) throw new Error(`no trace id found in the ${encoding} payload`);
    this.at = Int32Array.from(at);
    this.original = Uint32Array.from(original);
  }

  get occurrences(): number {
    return this.at.length;
  }

  /** A copy of the batch whose trace ids are unique to sequence number `seq` (1 and up). */
  render(seq: number): Buffer {
    const out = Buffer.allocUnsafe(this.template.length);
    this.template.copy(out);
    const mask = idMask(seq);
    for (let i = 0; i < this.at.length; i++) {
      const at = this.at[i]!;
      for (let k = 0; k < 4; k++) {
        const v = (this.original[i * 4 + k]! ^ mask[k]!) >>> 0;
        if (this.encoding === 'protobuf') out.writeUInt32BE(v, at + k * 4);
        else out.write(v.toString(16).padStart(8, '0'), at + k * 8, 'latin1');
      }
    }
    return out;
  }
}
