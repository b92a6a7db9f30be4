// The workspace's source text for correlation: the files under the workspace folders, walked in the background in
// small slices (the server keeps answering meanwhile), overlaid with the editor's open documents (unsaved edits
// count), and kept fresh by watched-file events. Holds the correlation engine's SourceIndex.
import { promises as fs, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SourceIndex } from '../../core/correlate';

/** Files larger than this are not source a span maps to (generated bundles, data). */
export const MAX_FILE_BYTES = 1024 * 1024;
/** At most this many files are indexed per workspace (a home folder opened by mistake must not eat the memory). */
export const MAX_FILES = 20_000;
/** And at most this much text in all. */
export const MAX_TOTAL_BYTES = 256 * 1024 * 1024;
const SKIP_DIRS = new Set(['.git', 'node_modules', 'out', '.hg', '.svn', '.venv', '__pycache__', 'target', '.tox', '.next']);
const BINARY = /\.(png|jpe?g|gif|webp|ico|bmp|tiff?|pdf|zip|gz|tgz|bz2|xz|7z|jar|war|class|so|dylib|dll|exe|o|a|wasm|woff2?|ttf|otf|eot|mp[34]|mov|avi|webm|sqlite|db|bin|pyc|log|lock|idx)$/i;
/** Files read per slice before yielding to the event loop. */
const SLICE = 64;

/** A file: URI's path, or undefined for other schemes and malformed URIs. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

export class Workspace {
  private index = new SourceIndex([]);
  private roots: string[] = [];
  /** Open documents: path -> text as the editor has it. */
  private readonly open = new Map<string, string>();
  private walking: Promise<void> = Promise.resolve();
  private walkGeneration = 0;
  private readonly listeners = new Set<(path: string | undefined) => void>();
  private fileCount = 0;
  private totalBytes = 0;

  constructor(private readonly log: (line: string) => void) {}

  get sourceIndex(): SourceIndex {
    return this.index;
  }

  get folders(): readonly string[] {
    return this.roots;
  }

  /** Resolves when the current walk has finished (tests and the benchmark wait on it). */
  whenIndexed(): Promise<void> {
    return this.walking;
  }

  /** Called (not debounced) whenever the indexed text changes: with the file's path, or undefined after a walk. */
  onDidChange(listener: (path: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds workspace folders (paths); new ones are walked in the background. Returns true when any was new. */
  addRoots(paths: readonly string[]): boolean {
    const fresh = paths.filter((p) => isAbsolute(p) && !this.roots.includes(p));
    if (fresh.length === 0) return false;
    this.roots = [...this.roots, ...fresh];
    // The index takes its roots at construction: a new one, walked again (roots change rarely).
    this.index = new SourceIndex(this.roots);
    this.fileCount = 0;
    this.totalBytes = 0;
    const generation = ++this.walkGeneration;
    this.walking = this.walk(generation).catch((e: unknown) => this.log(`lens: indexing the workspace failed: ${e instanceof Error ? e.message : String(e)}`));
    return true;
  }

  /** The editor opened or changed a document: its text replaces the file's. */
  setDocument(path: string, text: string): void {
    if (this.open.get(path) === text) return;
    this.open.set(path, text);
    this.index.setFile(path, text);
    this.changed(path);
  }

  /** The editor closed a document: the file on disk counts again. */
  closeDocument(path: string): void {
    if (!this.open.delete(path)) return;
    this.refreshFromDisk(path);
  }

  /** A watched file was created, changed or deleted on disk (open documents keep their editor text). */
  fileChanged(path: string, deleted: boolean): void {
    if (this.open.has(path)) return;
    if (deleted) {
      this.index.removeFile(path);
      this.changed(path);
    } else {
      this.refreshFromDisk(path);
    }
  }

  /** The text of a file as correlation sees it (open document, else disk), for source maps and line texts. */
  readText(path: string): string | undefined {
    const open = this.open.get(path);
    if (open !== undefined) return open;
    try {
      if (statSync(path).size > MAX_FILE_BYTES) return undefined;
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  }

  inWorkspace(path: string): boolean {
    return this.roots.some((r) => path === r || path.startsWith(r.endsWith('/') || r.endsWith('\\') ? r : `${r}/`) || path.startsWith(`${r}\\`));
  }

  private refreshFromDisk(path: string): void {
    if (!this.inWorkspace(path) || SKIP_PATH.test(path)) return;
    const text = this.readText(path);
    if (text === undefined || text.includes('\u0000')) this.index.removeFile(path);
    else this.index.setFile(path, text);
    this.changed(path);
  }

  private changed(path?: string): void {
    for (const l of this.listeners) l(path);
  }

  private async walk(generation: number): Promise<void> {
    const started = performance.now();
    const stack = [...this.roots];
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      const files = batch;
      batch = [];
      const texts = await Promise.all(files.map((f) => readSmallText(f)));
      if (generation !== this.walkGeneration) return;
      for (let i = 0; i < files.length; i++) {
        const text = texts[i];
        if (text === undefined || this.open.has(files[i]!)) continue;
        this.index.setFile(files[i]!, text);
        this.fileCount++;
        this.totalBytes += text.length;
      }
      await new Promise((r) => setImmediate(r));
    };
    const full = (): boolean => this.fileCount + batch.length >= MAX_FILES || this.totalBytes >= MAX_TOTAL_BYTES;
    while (stack.length > 0 && !full()) {
      const dir = stack.pop()!;
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) stack.push(join(dir, e.name));
        } else if (e.isFile() && !BINARY.test(e.name)) {
          batch.push(join(dir, e.name));
          if (batch.length >= SLICE) await flush();
          if (generation !== this.walkGeneration) return;
          if (full()) break;
        }
      }
    }
    await flush();
    if (generation !== this.walkGeneration) return;
    for (const [path, text] of this.open) this.index.setFile(path, text);
    if (full()) this.log(`lens: indexed the first ${this.fileCount} files (${Math.round(this.totalBytes / 1048576)} MiB) of ${this.roots.join(', ')}; the rest are not mapped to spans`);
    this.log(`lens: indexed ${this.fileCount} files in ${Math.round(performance.now() - started)} ms`);
    this.changed(undefined);
  }
}

const SKIP_PATH = /[/\\](\.git|node_modules|out)[/\\]/;

/** A file's text when it is small and not binary (no NUL in it), else undefined. */
async function readSmallText(path: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(path);
    if (st.size > MAX_FILE_BYTES) return undefined;
    const text = await fs.readFile(path, 'utf8');
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}
