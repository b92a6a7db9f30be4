// Makes every export of a reused batch carry new trace ids, as a live application's exports do: without it the
// receivers would only overwrite the same few thousand spans, and neither their memory nor their GC would grow.
// Each occurrence of a trace id (span trace_id, link trace_id) gets its last 4 bytes XOR-ed with the export's
// sequence number; a trace stays whole (its spans and parent ids agree) and links keep pointing inside the batch.
// The template is copied, never written, so a request still being sent is never changed under the socket.

export type Encoding = 'protobuf' | 'json';

export class UniqueIdBatch {
  /** Where the 4 bytes (protobuf) or 8 hex digits (JSON) to rewrite start, and their original value. */
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
      const tail = encoding === 'protobuf' ? 12 : 25; // bytes 12..15, or hex digits 24..31 after the quote
      const value = parseInt(id.slice(24), 16) >>> 0;
      for (let i = template.indexOf(needle); i >= 0; i = template.indexOf(needle, i + needle.length)) {
        at.push(i + tail);
        original.push(value);
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
    const n = seq >>> 0;
    for (let k = 0; k < this.at.length; k++) {
      const v = (this.original[k]! ^ n) >>> 0;
      if (this.encoding === 'protobuf') out.writeUInt32BE(v, this.at[k]!);
      else out.write(v.toString(16).padStart(8, '0'), this.at[k]!, 'latin1');
    }
    return out;
  }
}
