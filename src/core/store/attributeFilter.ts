// Which attributes a frame may hold: a Bloom filter per frame of its spans' attribute keys and key=value pairs (span,
// resource and event attributes), written in the frame's index part. An attribute search skips, without decoding,
// every frame that certainly has no span with the attribute; false positives (about 1%) only cost a decode.
// Values are hashed as the search compares them (valueText in query.ts): strings as they are, numbers and booleans
// as JSON writes them. Bytes, arrays and key-value lists are not indexed: such a key is recorded as "some value
// unindexed", and a search for it checks every frame that has one. Both ingest paths (decoded spans, and the
// protobuf scan straight from the wire) hash UTF-8 bytes, so they give the same filter byte for byte.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Bits per entry and probes: about 1% false positives. */
const BITS_PER_ENTRY = 10;
const PROBES = 4;
const MIN_BITS = 64;

export function fnvBytes(h: number, b: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, FNV_PRIME);
  return h >>> 0;
}

export function fnvString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const rest = Buffer.from(s.slice(i), 'utf8');
      return fnvBytes(h, rest, 0, rest.length);
    }
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h >>> 0;
}

const EQUALS = 0x3d;
const UNINDEXED = 0;

export const keyHash = (key: string): number => fnvString(FNV_OFFSET, key);
/**
 * The hash of UTF-8 text in b[start, end), as fnvString would hash the string it decodes to: the same bytes when they
 * are ASCII or valid UTF-8; invalid sequences are hashed as their decoded replacement characters, as on the other path.
 */
function fnvText(h: number, b: Uint8Array, start: number, end: number): number {
  let x = h;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c >= 0x80) return fnvString(h, Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8'));
    x = Math.imul(x ^ c, FNV_PRIME);
  }
  return x >>> 0;
}

export const keyHashOfBytes = (b: Uint8Array, start: number, end: number): number => fnvText(FNV_OFFSET, b, start, end);
/** key=value, from the key's hash. */
export const pairHash = (key: number, valueText: string): number => fnvString(Math.imul(key ^ EQUALS, FNV_PRIME) >>> 0, valueText);
export const pairHashOfBytes = (key: number, b: Uint8Array, start: number, end: number): number => fnvText(Math.imul(key ^ EQUALS, FNV_PRIME) >>> 0, b, start, end);
/** "This key has a value that is not indexed (bytes, array, key-value list)". */
export const unindexedHash = (key: number): number => Math.imul(key ^ UNINDEXED, FNV_PRIME) >>> 0;

/** The filter's bytes for a set of hashes: a power-of-two number of bits, PROBES probes by double hashing. */
export function buildFilter(hashes: ReadonlySet<number>): Uint8Array {
  if (hashes.size === 0) return new Uint8Array(0);
  let bits = MIN_BITS;
  while (bits < hashes.size * BITS_PER_ENTRY) bits *= 2;
  const out = new Uint8Array(bits / 8);
  const mask = bits - 1;
  for (const h of hashes) {
    const step = (Math.imul(h, 0x5bd1e995) >>> 17) | 1;
    for (let i = 0, p = h; i < PROBES; i++, p = (p + step) >>> 0) {
      const bit = p & mask;
      out[bit >>> 3]! |= 1 << (bit & 7);
    }
  }
  return out;
}

export function filterHas(filter: Uint8Array, h: number): boolean {
  if (filter.length === 0) return false;
  const mask = filter.length * 8 - 1;
  const step = (Math.imul(h, 0x5bd1e995) >>> 17) | 1;
  for (let i = 0, p = h; i < PROBES; i++, p = (p + step) >>> 0) {
    const bit = p & mask;
    if (!(filter[bit >>> 3]! & (1 << (bit & 7)))) return false;
  }
  return true;
}

/** One condition a frame must be able to meet: any of these hashes present. */
export type Requirement = readonly number[];

/** Keys whose values the search derives from status and kind: the filter does not hold them. */
const DERIVED = new Set(['error', 'span.kind', 'otel.status_code', 'otel.status_description']);

/** What an attribute search requires of a frame's filter; conditions the filter cannot decide are left out. */
export function requirements(filters: readonly { readonly key: string; readonly op: string; readonly value?: string | number }[]): Requirement[] {
  const out: Requirement[] = [];
  for (const f of filters) {
    if (DERIVED.has(f.key)) continue;
    const k = keyHash(f.key);
    if (f.op === 'exists') out.push([k]);
    else if (f.op === '=') out.push([pairHash(k, String(f.value ?? '')), unindexedHash(k)]);
    else if (f.op !== '!=') out.push([k]); // a numeric comparison needs the key at least
  }
  return out;
}

/** Can a span in a frame with this filter meet every requirement? (A frame without a filter always may.) */
export function mayMatch(filter: Uint8Array | undefined, required: readonly Requirement[]): boolean {
  if (filter === undefined || required.length === 0) return true;
  return required.every((any) => any.some((h) => filterHas(filter, h)));
}
