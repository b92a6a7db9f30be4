// The store's append-only log: numbered segment files of checksummed frames, written with group commits (one write
// and one fdatasync for every batch waiting) so that a batch is acknowledged only once it survives a process kill.
// A sealed segment gets a sidecar with its frames' index parts, so reopening reads indexes, not span bodies.
// On open, the newest segment is scanned and a torn or corrupt tail (bad magic, length or CRC) is cut off.
// Retention drops whole segments, oldest first. MemorySegmentLog is the same log without disk (--in-memory, and the
// fallback when the folder cannot be used).
import { constants, promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from './crc32';

/** What a frame holds: spans or log records. */
export const enum FrameType {
  Spans = 1,
  Logs = 2,
}

export const FRAME_MAGIC = 0x31464c54; // "TLF1" little-endian
const SIDECAR_MAGIC = 0x31494c54; // "TLI1"
export const FRAME_HEADER_BYTES = 20;
/** A segment is sealed once it grows past this; retention works in whole segments. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** One frame waiting to be written: its index part (parsed by the span index) and its body (the wire bytes). */
export interface FrameInput {
  readonly type: FrameType;
  /** A BodyFormat code (see formatCode in embeddedStore.ts). */
  readonly format: number;
  readonly index: Uint8Array;
  readonly body: Uint8Array;
}

/** Where a frame lives. */
export interface FrameLocation {
  readonly segment: number;
  readonly offset: number;
  readonly length: number;
}

/** Where a frame lives, what it holds, and its index part. */
export interface FrameRef extends FrameLocation {
  readonly type: FrameType;
  readonly format: number;
  readonly index: Uint8Array;
}

export interface SegmentInfo {
  readonly segment: number;
  readonly bytes: number;
  /** Last write, ms since the epoch. */
  readonly writtenAt: number;
}

export interface RecoveredLog {
  readonly frames: FrameRef[];
  /** Human-readable notes on what recovery did (a torn tail cut, a sidecar rebuilt). */
  readonly notes: string[];
}

export interface SegmentLog {
  readonly location: string;
  open(): Promise<RecoveredLog>;
  /** Writes the frames durably, in order; returns where each went. On failure nothing of this call is kept. */
  append(frames: readonly FrameInput[]): Promise<FrameRef[]>;
  /** The body of a frame. */
  readBody(ref: FrameLocation): Promise<Uint8Array>;
  /** Sealed segments and the active one, oldest first. */
  segments(): readonly SegmentInfo[];
  /** Deletes the oldest sealed segment; returns its number, or undefined when only the active one is left. */
  dropOldest(): Promise<number | undefined>;
  /** Deletes everything and starts an empty segment. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
}

export function encodeFrameHeader(f: FrameInput): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  const payload = f.index.length + f.body.length;
  h.writeUInt32LE(FRAME_MAGIC, 0);
  h.writeUInt32LE(payload, 4);
  h.writeUInt8(f.type, 12);
  h.writeUInt8(f.format, 13);
  h.writeUInt16LE(0, 14);
  h.writeUInt32LE(f.index.length, 16);
  let c = crc32(h, 12, FRAME_HEADER_BYTES);
  c = crc32(f.index, 0, f.index.length, c);
  c = crc32(f.body, 0, f.body.length, c);
  h.writeUInt32LE(c, 8);
  return h;
}

/** Walks the frames of a segment's bytes; stops at the first torn or corrupt one and says where. */
export function scanFrames(segment: number, bytes: Buffer): { frames: FrameRef[]; validBytes: number; problem?: string } {
  const frames: FrameRef[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < FRAME_HEADER_BYTES) return { frames, validBytes: pos, problem: `a torn frame header at byte ${pos}` };
    if (bytes.readUInt32LE(pos) !== FRAME_MAGIC) return { frames, validBytes: pos, problem: `no frame marker at byte ${pos}` };
    const payload = bytes.readUInt32LE(pos + 4);
    const indexLength = bytes.readUInt32LE(pos + 16);
    const end = pos + FRAME_HEADER_BYTES + payload;
    if (end > bytes.length || indexLength > payload) return { frames, validBytes: pos, problem: `a torn frame at byte ${pos} (${payload} bytes announced)` };
    if (crc32(bytes, pos + 12, end) !== bytes.readUInt32LE(pos + 8)) return { frames, validBytes: pos, problem: `a checksum mismatch in the frame at byte ${pos}` };
    frames.push({
      segment,
      offset: pos,
      length: end - pos,
      type: bytes.readUInt8(pos + 12) as FrameType,
      format: bytes.readUInt8(pos + 13),
      index: Uint8Array.prototype.slice.call(bytes, pos + FRAME_HEADER_BYTES, pos + FRAME_HEADER_BYTES + indexLength),
    });
    pos = end;
  }
  return { frames, validBytes: pos };
}

function encodeSidecar(frames: readonly FrameRef[]): Buffer {
  let size = 8;
  for (const f of frames) size += 16 + f.index.length;
  const out = Buffer.allocUnsafe(size + 4);
  out.writeUInt32LE(SIDECAR_MAGIC, 0);
  out.writeUInt32LE(frames.length, 4);
  let pos = 8;
  for (const f of frames) {
    out.writeUInt32LE(f.offset, pos);
    out.writeUInt32LE(f.length, pos + 4);
    out.writeUInt8(f.type, pos + 8);
    out.writeUInt8(f.format, pos + 9);
    out.writeUInt16LE(0, pos + 10);
    out.writeUInt32LE(f.index.length, pos + 12);
    out.set(f.index, pos + 16);
    pos += 16 + f.index.length;
  }
  out.writeUInt32LE(crc32(out, 0, pos), pos);
  return out;
}

function decodeSidecar(segment: number, bytes: Buffer): FrameRef[] | undefined {
  if (bytes.length < 12 || bytes.readUInt32LE(0) !== SIDECAR_MAGIC) return undefined;
  if (crc32(bytes, 0, bytes.length - 4) !== bytes.readUInt32LE(bytes.length - 4)) return undefined;
  const count = bytes.readUInt32LE(4);
  const frames: FrameRef[] = [];
  let pos = 8;
  for (let i = 0; i < count; i++) {
    if (pos + 16 > bytes.length - 4) return undefined;
    const indexLength = bytes.readUInt32LE(pos + 12);
    frames.push({
      segment,
      offset: bytes.readUInt32LE(pos),
      length: bytes.readUInt32LE(pos + 4),
      type: bytes.readUInt8(pos + 8) as FrameType,
      format: bytes.readUInt8(pos + 9),
      index: Uint8Array.prototype.slice.call(bytes, pos + 16, pos + 16 + indexLength),
    });
    pos += 16 + indexLength;
  }
  return frames;
}

const SEGMENT_RE = /^segment-(\d{8})\.log$/;
const segmentFile = (n: number): string => `segment-${String(n).padStart(8, '0')}.log`;
const sidecarFile = (n: number): string => `segment-${String(n).padStart(8, '0')}.idx`;
const LOCK_FILE = 'tracelens.lock';

/** Is a process with this id running (EPERM: it is, under another user)? A zombie (dead, not yet reaped) is not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform === 'linux') {
    try {
      // /proc/PID/stat: "PID (name) STATE ..."; the name may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return true;
    }
  }
  return true;
}

interface Segment {
  readonly n: number;
  bytes: number;
  writtenAt: number;
  sealed: boolean;
}

export class FileSegmentLog implements SegmentLog {
  private active: { fh: fs.FileHandle; seg: Segment; frames: FrameRef[] } | undefined;
  private readonly list: Segment[] = [];
  private readonly readers = new Map<number, Promise<fs.FileHandle>>();
  private locked = false;

  constructor(
    readonly location: string,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {}

  async open(): Promise<RecoveredLog> {
    await fs.mkdir(this.location, { recursive: true });
    await this.lock();
    const notes: string[] = [];
    const frames: FrameRef[] = [];
    const numbers = (await fs.readdir(this.location))
      .map((name) => SEGMENT_RE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (let i = 0; i < numbers.length; i++) {
      const n = numbers[i]!;
      const last = i === numbers.length - 1;
      const path = join(this.location, segmentFile(n));
      const stat = await fs.stat(path);
      const sidecar = await fs.readFile(join(this.location, sidecarFile(n))).catch(() => undefined);
      const fromSidecar = sidecar && decodeSidecar(n, sidecar);
      if (fromSidecar) {
        for (const f of fromSidecar) frames.push(f); // not push(...): a segment can hold more frames than the stack has room for arguments
        this.list.push({ n, bytes: stat.size + sidecar.length, writtenAt: stat.mtimeMs, sealed: true });
        continue;
      }
      const bytes = await fs.readFile(path);
      const scan = scanFrames(n, bytes);
      if (scan.problem) {
        notes.push(`${segmentFile(n)}: cut ${bytes.length - scan.validBytes} bytes after ${scan.problem}`);
        await fs.truncate(path, scan.validBytes);
      }
      for (const f of scan.frames) frames.push(f);
      const seg: Segment = { n, bytes: scan.validBytes, writtenAt: stat.mtimeMs, sealed: !last };
      this.list.push(seg);
      if (!last) {
        // A sealed segment whose sidecar is missing or damaged: rebuild it.
        await this.writeSidecar(n, scan.frames);
        seg.bytes += encodeSidecar(scan.frames).length;
        notes.push(`${segmentFile(n)}: rebuilt its index sidecar`);
      } else {
        this.active = { fh: await fs.open(path, 'r+'), seg, frames: scan.frames };
      }
    }
    if (!this.active) await this.startSegment((numbers.at(-1) ?? 0) + 1);
    return { frames, notes };
  }

  async append(frames: readonly FrameInput[]): Promise<FrameRef[]> {
    const active = this.active;
    if (!active) throw new Error('the store is closed');
    const buffers: Uint8Array[] = [];
    const refs: FrameRef[] = [];
    let pos = active.seg.bytes;
    const start = pos;
    for (const f of frames) {
      const header = encodeFrameHeader(f);
      buffers.push(header, f.index, f.body);
      const length = header.length + f.index.length + f.body.length;
      refs.push({ segment: active.seg.n, offset: pos, length, type: f.type, format: f.format, index: f.index });
      pos += length;
    }
    try {
      await writeAll(active.fh, buffers, start);
      await active.fh.datasync();
    } catch (e) {
      // Leave no partial frame behind: the next append starts where this one did.
      await active.fh.truncate(start).catch(() => undefined);
      throw e;
    }
    active.seg.bytes = pos;
    active.seg.writtenAt = Date.now();
    for (const ref of refs) active.frames.push(ref);
    if (pos >= this.segmentBytes) await this.seal();
    return refs;
  }

  async readBody(ref: FrameLocation): Promise<Uint8Array> {
    let reader = this.readers.get(ref.segment);
    if (!reader) {
      reader = fs.open(join(this.location, segmentFile(ref.segment)), constants.O_RDONLY);
      this.readers.set(ref.segment, reader);
    }
    const fh = await reader;
    const buf = Buffer.allocUnsafe(ref.length);
    const { bytesRead } = await fh.read(buf, 0, ref.length, ref.offset);
    if (bytesRead !== ref.length) throw new Error(`${segmentFile(ref.segment)} is shorter than its index says (frame at byte ${ref.offset})`);
    const indexLength = buf.readUInt32LE(16);
    return buf.subarray(FRAME_HEADER_BYTES + indexLength);
  }

  segments(): readonly SegmentInfo[] {
    return this.list.map((s) => ({ segment: s.n, bytes: s.bytes, writtenAt: s.writtenAt }));
  }

  async dropOldest(): Promise<number | undefined> {
    const oldest = this.list[0];
    if (!oldest?.sealed) return undefined;
    this.list.shift();
    const reader = this.readers.get(oldest.n);
    this.readers.delete(oldest.n);
    await reader?.then((fh) => fh.close()).catch(() => undefined);
    await fs.rm(join(this.location, segmentFile(oldest.n)), { force: true });
    await fs.rm(join(this.location, sidecarFile(oldest.n)), { force: true });
    return oldest.n;
  }

  async clear(): Promise<void> {
    const next = (this.list.at(-1)?.n ?? 0) + 1;
    await this.closeFiles();
    for (const s of this.list.splice(0)) {
      await fs.rm(join(this.location, segmentFile(s.n)), { force: true });
      await fs.rm(join(this.location, sidecarFile(s.n)), { force: true });
    }
    await this.startSegment(next);
  }

  async close(): Promise<void> {
    await this.closeFiles();
    if (this.locked) await fs.rm(join(this.location, LOCK_FILE), { force: true });
    this.locked = false;
  }

  private async closeFiles(): Promise<void> {
    const handles = [...this.readers.values()];
    this.readers.clear();
    for (const r of handles) await r.then((fh) => fh.close()).catch(() => undefined);
    await this.active?.fh.close();
    this.active = undefined;
  }

  private async seal(): Promise<void> {
    const active = this.active!;
    await this.writeSidecar(active.seg.n, active.frames);
    active.seg.bytes += encodeSidecar(active.frames).length;
    active.seg.sealed = true;
    await active.fh.close();
    this.active = undefined;
    await this.startSegment(active.seg.n + 1);
  }

  private async writeSidecar(n: number, frames: readonly FrameRef[]): Promise<void> {
    const path = join(this.location, sidecarFile(n));
    const tmp = `${path}.tmp`;
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(encodeSidecar(frames));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  }

  private async startSegment(n: number): Promise<void> {
    const path = join(this.location, segmentFile(n));
    const fh = await fs.open(path, 'a+');
    await fh.close();
    const seg: Segment = { n, bytes: 0, writtenAt: Date.now(), sealed: false };
    this.list.push(seg);
    this.active = { fh: await fs.open(path, 'r+'), seg, frames: [] };
    await syncDirectory(this.location);
  }

  /** One process per folder: a second one (another window, a second `tracelens serve`) is told who holds it. */
  private async lock(): Promise<void> {
    const path = join(this.location, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fs.writeFile(path, String(process.pid), { flag: 'wx' });
        this.locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number((await fs.readFile(path, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
          throw new StoreLockedError(
            `the trace store in ${this.location} is in use by process ${pid} (another VS Code window or \`tracelens serve\`); close it, or give this one its own folder with --data-dir or the tracelens.store.path setting`,
          );
        }
        await fs.rm(path, { force: true }); // stale: its process is gone
      }
    }
    throw new StoreLockedError(`could not lock the trace store in ${this.location}`);
  }
}

async function writeAll(fh: fs.FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let total = 0;
  for (const b of buffers) total += b.length;
  let written = (await fh.writev(buffers, position)).bytesWritten;
  if (written === total) return;
  // A short write (rare): finish it from one buffer.
  const all = Buffer.concat(buffers);
  while (written < total) written += (await fh.write(all, written, total - written, position + written)).bytesWritten;
}

async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const fh = await fs.open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The same log in memory: nothing survives the process. Sealing and retention work as on disk. */
export class MemorySegmentLog implements SegmentLog {
  readonly location = 'memory';
  private readonly list: (Segment & { bodies: Uint8Array[] })[] = [];

  constructor(private readonly segmentBytes = DEFAULT_SEGMENT_BYTES) {}

  open(): Promise<RecoveredLog> {
    this.start((this.list.at(-1)?.n ?? 0) + 1);
    return Promise.resolve({ frames: [], notes: [] });
  }

  append(frames: readonly FrameInput[]): Promise<FrameRef[]> {
    let seg = this.list.at(-1)!;
    const refs = frames.map((f) => {
      // Copy: a receiver's buffer may be reused after the call.
      seg.bodies.push(Buffer.from(f.body)); // a Buffer, as bodies read from disk are: the decoders read both alike
      const length = FRAME_HEADER_BYTES + f.index.length + f.body.length;
      const ref = { segment: seg.n, offset: seg.bodies.length - 1, length, type: f.type, format: f.format, index: f.index };
      seg.bytes += length;
      return ref;
    });
    seg.writtenAt = Date.now();
    if (seg.bytes >= this.segmentBytes) {
      seg.sealed = true;
      seg = this.start(seg.n + 1);
    }
    return Promise.resolve(refs);
  }

  readBody(ref: FrameLocation): Promise<Uint8Array> {
    const body = this.list.find((s) => s.n === ref.segment)?.bodies[ref.offset];
    return body ? Promise.resolve(body) : Promise.reject(new Error(`segment ${ref.segment} has been dropped`));
  }

  segments(): readonly SegmentInfo[] {
    return this.list.map((s) => ({ segment: s.n, bytes: s.bytes, writtenAt: s.writtenAt }));
  }

  dropOldest(): Promise<number | undefined> {
    const oldest = this.list[0];
    if (!oldest?.sealed) return Promise.resolve(undefined);
    this.list.shift();
    return Promise.resolve(oldest.n);
  }

  clear(): Promise<void> {
    const next = (this.list.at(-1)?.n ?? 0) + 1;
    this.list.length = 0;
    this.start(next);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.list.length = 0;
    return Promise.resolve();
  }

  private start(n: number): Segment & { bodies: Uint8Array[] } {
    const seg = { n, bytes: 0, writtenAt: Date.now(), sealed: false, bodies: [] };
    this.list.push(seg);
    return seg;
  }
}
