// Which attributes a frame may hold: a Bloom filter per frame of its spans' attribute keys and key=value pairs (span,
// resource and event attributes), written in the frame's index part. An attribute search skips, without decoding,
// every frame that certainly has no span with the attribute; false positives (about 1%) only cost a decode.
// Values are hashed as the search compares them (valueText in query.ts): strings as they are, numbers and booleans
// as JSON writes them. Bytes, arrays and key-value lists are not indexed: such a key is recorded as "some value
// unindexed", and a search for it checks every frame that has one. Both ingest paths (decoded spans, and the
// protobuf scan straight from the wire) hash UTF-8 bytes, so they give the same filter byte for byte.

const SEED = 0x811c9dc5;
const PRIME = 0x01000193;
/** Bits per entry and probes: about 1% false positives. */
const BITS_PER_ENTRY = 10;
const PROBES = 4;
const MIN_BITS = 64;

/** Mixes bytes into h four at a time (little-endian words), then the tail byte by byte. */
export function hashBytes(h: number, b: Uint8Array, start: number, end: number): number {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    h = Math.imul(h ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)), PRIME);
    h ^= h >>> 15;
  }
  for (; i < end; i++) h = Math.imul(h ^ b[i]!, PRIME);
  return h >>> 0;
}

/** hashBytes of the string's UTF-8 bytes. */
export function hashString(h: number, s: string): number {
  const n = s.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = s.charCodeAt(i + 2);
    const c3 = s.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) break;
    h = Math.imul(h ^ (c0 | (c1 << 8) | (c2 << 16) | (c3 << 24)), PRIME);
    h ^= h >>> 15;
  }
  for (let k = i; k < n; k++) {
    if (s.charCodeAt(k) >= 0x80) {
      const rest = Buffer.from(s.slice(i), 'utf8');
      return hashBytes(h, rest, 0, rest.length);
    }
  }
  for (; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), PRIME);
  return h >>> 0;
}

/**
 * The hash of UTF-8 text in b[start, end), as hashString would hash the string it decodes to: the same bytes when
 * they are valid UTF-8; invalid sequences are hashed as their decoded replacement characters, as on the other path.
 */
function hashText(h: number, b: Uint8Array, start: number, end: number): number {
  let x = h;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    if (w & 0x80808080) return hashString(h, Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8'));
    x = Math.imul(x ^ w, PRIME);
    x ^= x >>> 15;
  }
  for (; i < end; i++) {
    if (b[i]! >= 0x80) return hashString(h, Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8'));
    x = Math.imul(x ^ b[i]!, PRIME);
  }
  return x >>> 0;
}

/** A set of 32-bit hashes without boxing: open addressing on a Uint32Array (0 stands in as a marker, kept apart). */
export class HashSet {
  private table = new Uint32Array(256);
  private hasZero = false;
  size = 0;

  add(h: number): void {
    h >>>= 0;
    if (h === 0) {
      if (!this.hasZero) this.size++;
      this.hasZero = true;
      return;
    }
    let mask = this.table.length - 1;
    let i = Math.imul(h, 0x9e3779b1) >>> 0 & mask;
    for (;;) {
      const v = this.table[i]!;
      if (v === h) return;
      if (v === 0) break;
      i = (i + 1) & mask;
    }
    this.table[i] = h;
    if (++this.size * 2 > this.table.length) {
      const old = this.table;
      this.table = new Uint32Array(old.length * 2);
      mask = this.table.length - 1;
      for (const v of old) {
        if (v === 0) continue;
        let j = Math.imul(v, 0x9e3779b1) >>> 0 & mask;
        while (this.table[j] !== 0) j = (j + 1) & mask;
        this.table[j] = v;
      }
    }
  }

  forEach(f: (h: number) => void): void {
    if (this.hasZero) f(0);
    for (const v of this.table) if (v !== 0) f(v);
  }
}

const EQUALS = 0x3d;
const UNINDEXED = 0;

export const keyHash = (key: string): number => hashString(SEED, key);
export const keyHashOfBytes = (b: Uint8Array, start: number, end: number): number => hashText(SEED, b, start, end);
/** key=value, from the key's hash. */
export const pairHash = (key: number, valueText: string): number => hashString(Math.imul(key ^ EQUALS, PRIME) >>> 0, valueText);
export const pairHashOfBytes = (key: number, b: Uint8Array, start: number, end: number): number => hashText(Math.imul(key ^ EQUALS, PRIME) >>> 0, b, start, end);
/** "This key has a value that is not indexed (bytes, array, key-value list)". */
export const unindexedHash = (key: number): number => Math.imul(key ^ UNINDEXED, PRIME) >>> 0;

/** The filter's bytes for a set of hashes: a power-of-two number of bits, PROBES probes by double hashing. */
export function buildFilter(hashes: HashSet): Uint8Array {
  if (hashes.size === 0) return new Uint8Array(0);
  let bits = MIN_BITS;
  while (bits < hashes.size * BITS_PER_ENTRY) bits *= 2;
  const out = new Uint8Array(bits / 8);
  const mask = bits - 1;
  hashes.forEach((h) => {
    const step = (Math.imul(h, 0x5bd1e995) >>> 17) | 1;
    for (let i = 0, p = h; i < PROBES; i++, p = (p + step) >>> 0) {
      const bit = p & mask;
      out[bit >>> 3]! |= 1 << (bit & 7);
    }
  });
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
