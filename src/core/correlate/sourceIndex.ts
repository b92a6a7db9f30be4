// The workspace text index: every file's path (for path resolution), line count, function ranges, and the string
// literals that name spans, routes, SQL and message topics. Lookups are map hits; setFile replaces one file's entries.
import { extract, languageOf } from './extract';
import type { FunctionRange } from './extract';
import type { PathMapping } from './types';

/** Where a literal or definition is, and what the code around it says. */
export interface Occurrence {
  readonly path: string;
  readonly line: number;
  readonly column: number;
  /** HTTP method of a route registration, upper case; undefined: any method. */
  readonly method?: string;
  /** The class (or Go receiver type, Python/Ruby class) a definition is in. */
  readonly container?: string;
}

export type LiteralKind = 'span' | 'route' | 'text' | 'sql' | 'function';

export interface ResolvedPath {
  readonly path: string;
  readonly how: 'exact' | 'mapping' | 'suffix';
  /** Suffix matches: how many trailing path segments matched, out of how many the foreign path has. */
  readonly matchedSegments?: number;
  readonly foreignSegments?: number;
  /** Other files that match as well (an ambiguous suffix); 0 when the match is unique. */
  readonly alsoMatching?: number;
  /** An ambiguous suffix settled by the span's service name (the only tied file with it in its path). */
  readonly byService?: string;
}

interface FileEntry {
  readonly path: string;
  readonly key: string;
  readonly segments: readonly string[];
  readonly lineCount: number;
  readonly functions: readonly FunctionRange[];
  readonly keys: ReadonlySet<string>;
  readonly generated: boolean;
  /** A Windows drive path: its segments compare without case. */
  readonly windows: boolean;
}

/** Foreign paths longer than this are not resolved (no real path is; a hostile one costs nothing). */
export const MAX_PATH_CHARS = 2048;
// eslint-disable-next-line no-control-regex -- span text with control characters is refused on purpose
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Folders whose files are build output: their paths resolve, their literals are not indexed (the sources' are). */
const GENERATED = /(?:^|\/)(?:dist|build|out|bin|obj|target|\.next|coverage)\//;

/** Span-creating calls: the literal is the span name when it is the call's first argument (Go: after the context). */
const SPAN_CALL = /(?:^|[^\w$])([\w$]*(?:[Ss]pan|[Tt]race|[Aa]ctivity)[\w$]*)\s*\(\s*$|\.Start\s*\(\s*[\w.]+(?:\(\))?\s*,\s*$/;
/** Calls that name a tracer or its source, not a span: getTracer('x'), otel.Tracer("x"), new ActivitySource("x"). */
const NOT_SPAN_CALL = /(?:tracer|source|provider)$/i;
/** Route registrations: the callee names the method (get/post/...) or routes any method (route/use/HandleFunc/...). */
const ROUTE_CALL = /(?:^|[^\w$])@?[\w$]+\.(get|post|put|delete|patch|head|options|all|route|api_route|HandleFunc|Handle|GET|POST|PUT|DELETE|PATCH|Get|Post|Put|Delete|Patch|MapGet|MapPost|MapPut|MapDelete|MapPatch|Map|MapMethods)\s*\(\s*$/;
const SPRING = /@(Get|Post|Put|Delete|Patch|Request)Mapping\s*\(\s*(?:(?:value|path)\s*=\s*)?(?:\{\s*|\[\s*)?$/;
const ASPNET = /\[\s*(?:Http(Get|Post|Put|Delete|Patch)|(Route))\s*\(\s*$/;
const RAILS = /^\s*(get|post|put|patch|delete|match)\s+$/;
const BARE_MAPPING = /^\s*(?:@(Get|Post|Put|Delete|Patch)Mapping|\[\s*Http(Get|Post|Put|Delete|Patch)\s*\]|@(Get|Post|Put|Delete|Patch)\(\s*\))\s*$/;
/** NestJS: @Controller('users') on the class, @Get(':id') on the handler. */
const NEST = /@(Get|Post|Put|Delete|Patch|All|Controller)\(\s*$/;
/** Django: path('users/<int:id>/', view) in urls.py. */
const DJANGO = /(?:^|[^\w.])(?:re_)?path\(\s*$/;
const HTTP_METHOD_PREFIX = /^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\s+(\S+)$/;

const SQL_START = /^\s*(?:select|insert|update|delete|with|merge|upsert|replace)\s/i;

/**
 * SQL without its values and placeholder styles: agents that sanitise statements (the Java agent sends
 * "VALUES (?, ?)") and code that writes $1, :name, @name or literals meet on one key.
 */
export function sqlShape(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+|[:@][A-Za-z_]\w*|\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),=<>])\s*/g, '$1')
    .replace(/;\s*$/, '')
    .trim()
    .toLowerCase();
}

/** A route template without its parameter names, so Express, Flask, FastAPI, Spring, ASP.NET and Rails forms meet. */
export function normaliseRoute(route: string): string {
  return route
    .replace(/\(\.:format\)$/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (/^[:*]|^\{.*\}$|^<.*>$/.test(s) ? '{}' : s.toLowerCase()))
    .join('/');
}

export class SourceIndex {
  private readonly rootKeys: readonly string[];
  private readonly files = new Map<string, FileEntry>();
  private readonly byBase = new Map<string, FileEntry[]>();
  private readonly lookup = new Map<string, Occurrence[]>();

  constructor(readonly roots: readonly string[]) {
    this.rootKeys = roots.map((r) => keyOf(r).replace(/\/$/, ''));
  }

  get fileCount(): number {
    return this.files.size;
  }

  hasFile(path: string): boolean {
    return this.files.has(keyOf(path));
  }

  /** Add or replace one file. Files outside every root are ignored (they could never be opened as workspace files). */
  setFile(path: string, text: string): void {
    this.removeFile(path);
    const key = keyOf(path);
    if (!this.rootKeys.some((r) => key.startsWith(`${r}/`))) return;
    const generated = GENERATED.test(key.slice(this.rootKeys.find((r) => key.startsWith(`${r}/`))!.length)) || /\.(?:min\.js|map)$/.test(key) || text.includes('//# sourceMappingURL=');
    const x = extract(path, generated ? '' : text);
    const lineCount = generated ? countLines(text) : x.lineCount;
    const keys = new Set<string>();
    const put = (kind: LiteralKind, value: string, occ: Occurrence): void => {
      const k = `${kind}\u0000${value}`;
      let list = this.lookup.get(k);
      if (!list) this.lookup.set(k, (list = []));
      list.push(occ);
      keys.add(k);
    };
    // Literals of code only: prose, lockfiles and data files would make every SQL text and topic ambiguous.
    if (!generated && languageOf(path) !== 'other') this.indexLiterals(path, x, text, put);
    const entry: FileEntry = { path, key, segments: key.split('/'), lineCount, functions: x.functions, keys, generated, windows: /^[a-z]:\//.test(key) };
    this.files.set(key, entry);
    const base = entry.segments[entry.segments.length - 1]!.toLowerCase();
    let same = this.byBase.get(base);
    if (!same) this.byBase.set(base, (same = []));
    same.push(entry);
  }

  removeFile(path: string): void {
    const key = keyOf(path);
    const entry = this.files.get(key);
    if (!entry) return;
    this.files.delete(key);
    for (const k of entry.keys) {
      const list = this.lookup.get(k);
      if (!list) continue;
      const kept = list.filter((o) => o.path !== entry.path);
      if (kept.length === 0) this.lookup.delete(k);
      else this.lookup.set(k, kept);
    }
    const base = entry.segments[entry.segments.length - 1]!.toLowerCase();
    const same = this.byBase.get(base)?.filter((e) => e !== entry);
    if (same && same.length > 0) this.byBase.set(base, same);
    else this.byBase.delete(base);
  }

  /** Lines in a file, or undefined when the index does not have it. */
  lineCount(path: string): number | undefined {
    return this.files.get(keyOf(path))?.lineCount;
  }

  isGenerated(path: string): boolean {
    return this.files.get(keyOf(path))?.generated ?? false;
  }

  /** Where a literal of a kind occurs ('text': any literal, whitespace-normalised; 'function': definitions by folded name). */
  find(kind: LiteralKind, value: string): readonly Occurrence[] {
    return this.lookup.get(`${kind}\u0000${value}`) ?? [];
  }

  /** The innermost function (or class) whose range holds the line. */
  enclosingFunction(path: string, line: number): { name?: string; startLine: number; endLine: number } | undefined {
    const entry = this.files.get(keyOf(path));
    if (!entry) return undefined;
    let best: FunctionRange | undefined;
    for (const f of entry.functions) {
      if (f.startLine <= line && line <= f.endLine && (!best || f.startLine >= best.startLine)) {
        if (best && best.isClass === false && f.isClass) continue;
        best = f;
      }
    }
    if (!best || best.isClass) {
      const fn = entry.functions.find((f) => !f.isClass && f.startLine <= line && line <= f.endLine);
      if (fn) best = fn;
    }
    return best ? { name: best.container && !best.isClass ? `${best.container}.${best.name}` : best.name, startLine: best.startLine, endLine: best.endLine } : undefined;
  }

  /**
   * A foreign path (from another machine, a container, a URL) as a file of the index: exactly, through the first user
   * prefix mapping that names an indexed file, or by the longest common suffix of path segments.
   */
  resolvePath(foreign: string, mappings?: readonly PathMapping[], service?: string): ResolvedPath | undefined {
    const clean = cleanForeign(foreign);
    if (clean === undefined) return undefined;
    const key = keyOf(clean.path);
    if (!clean.escapes) {
      const exact = this.files.get(key);
      if (exact) return { path: exact.path, how: 'exact' };
    }
    for (const m of [...(mappings ?? [])].sort((a, b) => b.from.length - a.from.length)) {
      const from = keyOf(m.from).replace(/\/$/, '');
      const cmpKey = clean.windows ? key.toLowerCase() : key;
      const cmpFrom = clean.windows ? from.toLowerCase() : from;
      if (cmpFrom === '' || !(cmpKey === cmpFrom || cmpKey.startsWith(`${cmpFrom}/`))) continue;
      const mapped = cleanForeign(keyOf(m.to).replace(/\/$/, '') + key.slice(from.length));
      if (!mapped || mapped.escapes) continue;
      const hit = this.files.get(keyOf(mapped.path));
      if (hit) return { path: hit.path, how: 'mapping' };
    }
    const segs = clean.segments;
    if (segs.length === 0) return undefined;
    const same = this.byBase.get(segs[segs.length - 1]!.toLowerCase());
    if (!same) return undefined;
    let best: FileEntry[] = [];
    let bestCount = 0;
    for (const e of same) {
      const c = commonSuffix(segs, e.segments, clean.windows || e.windows);
      if (c > bestCount) {
        best = [e];
        bestCount = c;
      } else if (c === bestCount && c > 0) best.push(e);
    }
    if (best.length === 0 || bestCount === 0) return undefined;
    const base = { how: 'suffix', matchedSegments: bestCount, foreignSegments: segs.length } as const;
    if (best.length > 1 && service !== undefined) {
      // Two roots (or folders) with the same relative file: the service's name in one path, and one only, decides.
      const named = best.filter((e) => pathNamesService(e.path, service));
      if (named.length === 1) return { ...base, path: named[0]!.path, alsoMatching: 0, byService: service };
    }
    return { ...base, path: best[0]!.path, alsoMatching: best.length - 1 };
  }

  /** Is the path one of the index's files (and so inside a root)? */
  inWorkspace(path: string): boolean {
    return this.files.has(keyOf(path));
  }

  private indexLiterals(path: string, x: ReturnType<typeof extract>, text: string, put: (kind: LiteralKind, value: string, occ: Occurrence) => void): void {
    const lang = languageOf(path);
    // Class-level route prefixes (Spring @RequestMapping, ASP.NET [Route]) written before the class line.
    const classLine = x.functions.find((f) => f.isClass)?.defLine ?? Number.MAX_SAFE_INTEGER;
    let prefix: string | undefined;
    const routes: { value: string; line: number; column: number; method?: string }[] = [];
    for (const lit of x.literals) {
      const occ = { path, line: lit.line, column: lit.column };
      put('text', lit.value, occ);
      if (SQL_START.test(lit.value)) put('sql', sqlShape(lit.value), occ);
      if (lit.value.length > 500) continue;
      const call = SPAN_CALL.exec(lit.before);
      if (call && !NOT_SPAN_CALL.test(call[1] ?? '')) put('span', lit.value, occ);
      const r = routeCall(lit.before, lang);
      // .get("...") is also every map and config lookup: a call-style route must look like a path.
      if (r && (r.annotation || lit.value.includes('/'))) {
        if (r.classLevel && lit.line < classLine) {
          prefix = lit.value.replace('[controller]', (x.className ?? '').replace(/Controller$/, ''));
          continue;
        }
        let value = lit.value;
        let method = r.method;
        const m = HTTP_METHOD_PREFIX.exec(value);
        if (m) {
          method = m[1];
          value = m[2]!;
        }
        routes.push({ value, line: lit.line, column: lit.column, ...(method ? { method } : {}) });
      }
    }
    for (const r of routes) {
      const occ: Occurrence = { path, line: r.line, column: r.column, ...(r.method ? { method: r.method } : {}) };
      put('route', normaliseRoute(r.value), occ);
      if (prefix !== undefined) put('route', normaliseRoute(`${prefix}/${r.value}`), occ);
    }
    for (const f of x.functions) {
      put('function', foldName(f.name), { path, line: f.defLine, column: 1, ...(f.container ? { container: f.container } : {}) });
    }
    if (prefix !== undefined) {
      // @PostMapping / [HttpPost] without a template: the action answers the class prefix itself.
      const lines = text.split('\n');
      for (let k = 0; k < lines.length; k++) {
        const m = lines[k]!.length <= 200 ? BARE_MAPPING.exec(lines[k]!) : null;
        if (m) put('route', normaliseRoute(prefix), { path, line: k + 1, column: 1, method: (m[1] ?? m[2] ?? m[3])!.toUpperCase() });
      }
    }
  }
}

function routeCall(before: string, lang: string): { method?: string; classLevel?: boolean; annotation?: boolean } | undefined {
  let m = ROUTE_CALL.exec(before);
  if (m) {
    const verb = m[1]!.replace(/^Map/, '').toUpperCase();
    return ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'].includes(verb) ? { method: verb } : {};
  }
  if (lang === 'java' && (m = SPRING.exec(before))) return m[1] === 'Request' ? { classLevel: true, annotation: true } : { method: m[1]!.toUpperCase(), annotation: true };
  if (lang === 'cs' && (m = ASPNET.exec(before))) return m[2] ? { classLevel: true, annotation: true } : { method: m[1]!.toUpperCase(), annotation: true };
  if (lang === 'rb' && (m = RAILS.exec(before))) return m[1] === 'match' ? {} : { method: m[1]!.toUpperCase() };
  if (lang === 'js' && (m = NEST.exec(before))) return m[1] === 'Controller' ? { classLevel: true, annotation: true } : m[1] === 'All' ? { annotation: true } : { method: m[1]!.toUpperCase(), annotation: true };
  if (lang === 'py' && DJANGO.test(before)) return { annotation: true };
  return undefined;
}

/** Definitions are looked up by name without case or underscores: CheckStock, checkStock and check_stock meet. */
export function foldName(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A path as a comparison key: forward slashes; Windows drive paths (case-insensitive file systems) in lower case. */
function keyOf(path: string): string {
  const p = path.replace(/\\/g, '/');
  return /^[a-zA-Z]:\//.test(p) ? p.toLowerCase() : p;
}

function commonSuffix(a: readonly string[], b: readonly string[], insensitive: boolean): number {
  let n = 0;
  for (let i = a.length - 1, j = b.length - 1; i >= 0 && j >= 0; i--, j--) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y || (insensitive && x.toLowerCase() === y.toLowerCase())) n++;
    else break;
  }
  return n;
}

/**
 * A foreign path without its URL scheme, query and dot segments. `escapes`: a ".." climbed above the path's start,
 * so it names nothing under a root. Undefined for control characters and absurd lengths.
 */
export function cleanForeign(foreign: string): { path: string; segments: string[]; windows: boolean; escapes: boolean } | undefined {
  if (typeof foreign !== 'string' || foreign === '' || foreign.length > MAX_PATH_CHARS || CONTROL.test(foreign)) return undefined;
  let p = foreign.trim();
  const windows = /^[a-zA-Z]:[\\/]/.test(p) || p.includes('\\') || /^file:\/\/\/[a-zA-Z]:/.test(p);
  if (/^file:\/\//i.test(p)) {
    p = p.replace(/^file:\/\/(?:localhost)?/i, '');
    if (/^\/[a-zA-Z]:/.test(p)) p = p.slice(1);
    try {
      p = decodeURIComponent(p);
    } catch {
      return undefined;
    }
  } else if (/^webpack(?:-internal)?:\/\/\/?/i.test(p)) {
    p = p.replace(/^webpack(?:-internal)?:\/\/\/?(?:\([^)]*\)\/)?/i, '').replace(/^[^/]*\/\.\//, './');
    p = p.replace(/\?.*$/, '');
  } else if (/^[a-z][\w+.-]*:\/\//i.test(p)) {
    const at = p.indexOf('/', p.indexOf('//') + 2);
    p = at < 0 ? '/' : p.slice(at);
    p = p.replace(/[?#].*$/, '');
  }
  if (CONTROL.test(p)) return undefined;
  p = p.replace(/\\/g, '/');
  const absolute = p.startsWith('/') || /^[a-zA-Z]:\//.test(p);
  const out: string[] = [];
  let escapes = false;
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (out.length > 0 && !/^[a-zA-Z]:$/.test(out[out.length - 1]!)) out.pop();
      else escapes = true;
      continue;
    }
    out.push(s);
  }
  if (p.split('/').includes('..')) escapes = true;
  const joined = out.join('/');
  return { path: absolute && !/^[a-zA-Z]:/.test(joined) ? `/${joined}` : joined, segments: out, windows, escapes };
}

/**
 * Does a folder of the path carry the service's name ("billing" in workspace-billing/src/index.ts; "orders" of the
 * service orders-api in services/orders/...)? Compared in lower case by words (split at - _ . and spaces); words
 * under three letters and generic ones (api, app, service...) do not count, so they alone decide nothing.
 */
export function pathNamesService(path: string, service: string): boolean {
  const words = service.toLowerCase().split(/[-_.\s]+/).filter((w) => w.length >= 3 && !/^(?:api|app|svc|service|server|web)$/.test(w));
  if (words.length === 0) return false;
  const folders = path.replace(/\\/g, '/').toLowerCase().split('/').slice(0, -1);
  return folders.some((f) => {
    const parts = f.split(/[-_.\s]+/);
    return words.every((w) => parts.includes(w));
  });
}
