// Spans -> ranked source candidates. Each signal (code attributes, stack traces, literals the span's name or
// attributes share with the code) proposes locations with a confidence; the same file and line from several signals
// merge into one candidate that keeps all the evidence. Everything read from the span is capped first.
import type { AttrValue, Attributes, LogRecord, Resource, Span } from '../model';
import { SpanKind } from '../model';
import { languageOf, normaliseWhitespace } from './extract';
import type { Lang } from './extract';
import { cleanForeign, foldName, normaliseRoute, sqlShape } from './sourceIndex';
import type { Occurrence, ResolvedPath, SourceIndex } from './sourceIndex';
import { isThirdPartyFrame, parseStackTrace } from './stack';
import type { CorrelateOptions, Evidence, EvidenceKind, SourceCandidate, StackFrame } from './types';

export interface SpanInput {
  readonly span: Span;
  readonly resource: Resource;
  /** Log records joined to the span (same traceId and spanId). */
  readonly logs?: readonly LogRecord[];
}

/** Confidences by signal (>= 0.9 opens without asking which candidate: WireSourceCandidate.confidence). */
const CONFIDENCE = {
  attrExact: 0.97,
  attrSuffix: 0.93,
  attrBasename: 0.75,
  attrNoLine: 0.6,
  attrFunction: 0.85,
  foreign: 0.2,
  frameExact: 0.95,
  frameSuffix: 0.92,
  frameBasename: 0.7,
  spanName: 0.8,
  route: 0.8,
  rpc: 0.75,
  db: 0.75,
  messaging: 0.7,
} as const;
const MAX_NAME_CHARS = 500;
const MAX_SQL_CHARS = 8000;
const MAX_LOGS = 50;
const MAX_EVENTS = 64;
// eslint-disable-next-line no-control-regex -- span text with control characters is refused on purpose
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

interface Draft {
  path: string;
  line: number;
  column?: number;
  functionName?: string;
  confidence: number;
  inWorkspace: boolean;
  evidence: Evidence[];
  stack?: readonly StackFrame[];
}

/** Candidates for where the span's code is, best first; empty when nothing maps it. */
export function correlateSpan(input: SpanInput, index: SourceIndex, options?: CorrelateOptions): SourceCandidate[] {
  const drafts: Draft[] = [];
  const sdk = str(input.resource.attributes, 'telemetry.sdk.language', 20);
  const langs = sdk !== undefined ? SDK_LANGS.get(sdk) : undefined;
  const service = str(input.resource.attributes, 'service.name', 200);
  const ctx: Ctx = { index, options: options ?? {}, drafts, ...(langs ? { langs } : {}), ...(service ? { service } : {}) };
  const attrs = input.span.attributes;
  fromCodeAttributes(ctx, attrs);
  // Stacks of any length: the parser reads only their head (innermost frames first in all but Python).
  const stack = str(attrs, 'code.stacktrace', Infinity);
  if (stack) fromStack(ctx, stack, 'code.stacktrace');
  for (const ev of input.span.events.slice(0, MAX_EVENTS)) {
    const s = str(ev.attributes, 'exception.stacktrace', Infinity);
    if (s) fromStack(ctx, s, 'exception.stacktrace');
  }
  for (const log of (input.logs ?? []).slice(0, MAX_LOGS)) {
    fromCodeAttributes(ctx, log.attributes, true);
    const s = str(log.attributes, 'exception.stacktrace', Infinity) ?? str(log.attributes, 'code.stacktrace', Infinity) ?? (typeof log.body === 'string' ? log.body : undefined);
    if (s) fromStack(ctx, s, 'log.stacktrace');
  }
  fromLiterals(ctx, input.span);
  return merge(drafts);
}

interface Ctx {
  readonly index: SourceIndex;
  readonly options: CorrelateOptions;
  readonly drafts: Draft[];
  /** Source languages of the span's runtime (resource telemetry.sdk.language), when it names one. */
  readonly langs?: readonly Lang[];
  /** The resource's service.name: settles a path two roots share. */
  readonly service?: string;
}

/** telemetry.sdk.language -> the source languages that runtime runs. */
const SDK_LANGS = new Map<string, readonly Lang[]>([
  ['nodejs', ['js']], ['webjs', ['js']], ['python', ['py']], ['java', ['java']], ['go', ['go']], ['dotnet', ['cs']], ['ruby', ['rb']],
]);

// ---- Code attributes ----

/**
 * code.* attributes of the span, or of a log record joined to it (the line that logged: weaker evidence, and never a
 * foreign candidate). Java's logging appenders name the class and a bare file name: the package makes the path.
 */
function fromCodeAttributes(ctx: Ctx, attrs: Attributes, fromLog = false): void {
  let file = str(attrs, 'code.file.path') ?? str(attrs, 'code.filepath');
  const line = int(attrs, 'code.line.number') ?? int(attrs, 'code.lineno');
  const column = int(attrs, 'code.column.number') ?? int(attrs, 'code.column');
  const fn = str(attrs, 'code.function.name', MAX_NAME_CHARS) ?? str(attrs, 'code.function', MAX_NAME_CHARS);
  const ns = str(attrs, 'code.namespace', MAX_NAME_CHARS);
  const fileKey = attrs.some((a) => a.key === 'code.file.path') ? 'code.file.path' : 'code.filepath';
  const javaClass = ns !== undefined && /^[a-z_][\w]*(?:\.[\w$]+)+$/.test(ns) ? ns.replace(/\$.*$/, '') : undefined;
  if (javaClass && line !== undefined) {
    const pkg = javaClass.slice(0, javaClass.lastIndexOf('.')).replace(/\./g, '/');
    if (file !== undefined && !/[\\/]/.test(file)) file = `${pkg}/${file}`;
    else if (file === undefined) {
      const base = javaClass.slice(javaClass.lastIndexOf('.') + 1);
      file = [`${pkg}/${base}.java`, `${pkg}/${base}.kt`].find((f) => ctx.index.resolvePath(f)?.matchedSegments === f.split('/').length);
    }
  }
  if (fromLog && file !== undefined && isThirdPartyFrame({ file, raw: '', format: 'v8' })) return;
  const factor = fromLog ? 0.75 : 1;
  if (file !== undefined) {
    const detail = `${fromLog ? 'log record ' : ''}${fileKey}=${clip(file)}${line !== undefined ? `:${line}` : ''}`;
    const resolved = ctx.index.resolvePath(file, ctx.options.pathMappings, ctx.service);
    if (!resolved) {
      if (fromLog) return;
      const clean = cleanForeign(file);
      if (clean && !clean.escapes && line !== undefined && line >= 1) {
        ctx.drafts.push({ path: file, line, ...(column !== undefined && column >= 1 ? { column } : {}), ...(fn ? { functionName: fn } : {}), confidence: CONFIDENCE.foreign, inWorkspace: false, evidence: [{ kind: 'code.attributes', detail }] });
      }
      return;
    }
    const base = factor * (resolved.how !== 'suffix' ? CONFIDENCE.attrExact : suffixConfidence(resolved, CONFIDENCE.attrSuffix, CONFIDENCE.attrBasename));
    const evidence: Evidence[] = [{ kind: 'code.attributes', detail }, ...mappingEvidence(resolved)];
    if (line !== undefined) {
      const count = ctx.index.lineCount(resolved.path) ?? 0;
      if (line < 1 || line > count) return; // a stale build or a lie: no location beats a wrong one
      addLocation(ctx, resolved.path, line, column, base, evidence);
      return;
    }
    const def = fn ? findDefinition(ctx.index, fn, ns, resolved.path) : undefined;
    if (def && def.length === 1) addLocation(ctx, def[0]!.path, def[0]!.line, undefined, base * 0.95, evidence);
    else ctx.drafts.push({ path: resolved.path, line: 1, confidence: CONFIDENCE.attrNoLine * base, inWorkspace: true, evidence });
    return;
  }
  if (fn !== undefined && !fromLog) {
    const defs = findDefinition(ctx.index, fn, ns);
    if (!defs || defs.length === 0) return;
    const detail = `${ns ? `code.namespace=${clip(ns)} ` : ''}code.function=${clip(fn)}`;
    const qualified = !!ns || /[.:#]/.test(fn);
    for (const d of defs.slice(0, 5)) {
      addLocation(ctx, d.path, d.line, undefined, (qualified ? CONFIDENCE.attrFunction : CONFIDENCE.attrFunction * 0.7) / defs.length, [{ kind: 'code.attributes', detail }]);
    }
  }
}

/**
 * Definitions of a function named by code.function(.name) and code.namespace: "com.example.Foo.bar", "Foo#bar",
 * "pkg.(*T).M", or a bare name with the class in the namespace. The class (when named) must match the definition's
 * container or the file's name.
 */
function findDefinition(index: SourceIndex, fn: string, ns: string | undefined, inPath?: string): Occurrence[] | undefined {
  if (CONTROL.test(fn) || (ns && CONTROL.test(ns))) return undefined;
  const full = ns ? `${ns}.${fn}` : fn;
  const parts = full.replace(/[#:]+/g, '.').replace(/\(\*?([\w$]+)\)/g, '$1').split(/[./]/).filter((p) => p !== '');
  const name = parts.pop();
  if (!name) return undefined;
  const owner = parts.pop();
  let defs = index.find('function', foldName(name));
  if (inPath !== undefined) defs = defs.filter((d) => d.path === inPath);
  if (owner !== undefined && inPath === undefined) {
    const o = owner.toLowerCase();
    defs = defs.filter((d) => d.container?.toLowerCase() === o || baseName(d.path).toLowerCase() === o);
  }
  return defs.slice(0, 20);
}

// ---- Stack traces ----

function fromStack(ctx: Ctx, text: string, kind: EvidenceKind): void {
  const frames = parseStackTrace(text);
  if (frames.length === 0) return;
  for (const f of frames) {
    if (f.line === undefined || isThirdPartyFrame(f)) continue;
    const resolved = ctx.index.resolvePath(f.file, ctx.options.pathMappings, ctx.service);
    if (!resolved) continue;
    if (!plausibleSuffix(f, resolved)) continue;
    if (addFrame(ctx, f, resolved, kind, frames, 1)) return;
  }
  // An application installed as a Python package runs from site-packages: its frames count when everything after
  // site-packages/ names a workspace file.
  for (const f of frames) {
    const at = f.format === 'python' ? f.file.replace(/\\/g, '/').search(/\/(?:site|dist)-packages\//) : -1;
    if (at < 0 || f.line === undefined) continue;
    const tail = f.file.replace(/\\/g, '/').slice(at).split('/').length - 2;
    const resolved = ctx.index.resolvePath(f.file, ctx.options.pathMappings, ctx.service);
    if (resolved?.how === 'suffix' && tail >= 2 && resolved.matchedSegments === tail && addFrame(ctx, f, resolved, kind, frames, 0.9)) return;
  }
}

/**
 * A suffix match names the frame's file only when enough of the path agrees: two segments at least, and for Java the
 * whole package (its folders are the package by convention; com/acme/OrderService.java is not com/example's).
 */
function plausibleSuffix(f: StackFrame, r: ResolvedPath): boolean {
  if (r.how !== 'suffix') return true;
  const matched = r.matchedSegments ?? 0;
  const of = r.foreignSegments ?? 0;
  if (f.format === 'java' && f.file.endsWith('.java')) return matched === of;
  return matched >= 2 || of <= 1;
}

function addFrame(ctx: Ctx, f: StackFrame, resolved: ResolvedPath, kind: EvidenceKind, frames: readonly StackFrame[], factor: number): boolean {
  const count = ctx.index.lineCount(resolved.path) ?? 0;
  if (f.line === undefined || f.line > count) return false;
  const base = resolved.how !== 'suffix' ? CONFIDENCE.frameExact : suffixConfidence(resolved, CONFIDENCE.frameSuffix, CONFIDENCE.frameBasename);
  const evidence: Evidence[] = [{ kind, detail: `${f.format} frame ${clip(f.raw, 200)}` }, ...mappingEvidence(resolved)];
  return addLocation(ctx, resolved.path, f.line, f.column, base * factor, evidence, frames, f.function);
}

// ---- Literals: span names, routes, RPC methods, SQL, message destinations ----

function fromLiterals(ctx: Ctx, span: Span): void {
  const { index } = ctx;
  const attrs = span.attributes;
  const name = typeof span.name === 'string' && span.name.length <= MAX_NAME_CHARS && !CONTROL.test(span.name) ? span.name : undefined;
  if (name) {
    const hits = index.find('span', name);
    addOccurrences(ctx, hits, CONFIDENCE.spanName, { kind: 'span-name', detail: `span name "${clip(name)}"` });
  }
  // HTTP routes: http.route, or a server span named "METHOD /template".
  const isServer = span.kind === SpanKind.SERVER;
  const method = (str(attrs, 'http.request.method', 20) ?? str(attrs, 'http.method', 20))?.toUpperCase();
  let route = str(attrs, 'http.route', MAX_NAME_CHARS);
  let routeMethod = method;
  if (route === undefined && isServer && name) {
    const m = /^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\S*[/{:<]\S*)$/.exec(name);
    if (m) {
      route = m[2];
      routeMethod ??= m[1];
    }
  }
  if (route !== undefined && !CONTROL.test(route)) fromRoute(ctx, route, routeMethod);
  // RPC: the server side implements the method.
  const rpcMethodAttr = str(attrs, 'rpc.method', MAX_NAME_CHARS);
  if (rpcMethodAttr && span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.PRODUCER) {
    const slash = rpcMethodAttr.lastIndexOf('/');
    const rpcMethod = slash >= 0 ? rpcMethodAttr.slice(slash + 1) : rpcMethodAttr;
    const service = str(attrs, 'rpc.service', MAX_NAME_CHARS) ?? (slash >= 0 ? rpcMethodAttr.slice(0, slash) : undefined);
    let defs = index.find('function', foldName(rpcMethod));
    if (defs.length > 1 && service) {
      const short = (service.split('.').pop() ?? '').replace(/Service$/, '').toLowerCase();
      const owned = defs.filter((d) => (d.container ?? baseName(d.path)).toLowerCase().includes(short));
      if (owned.length > 0) defs = owned;
    }
    addOccurrences(ctx, defs, CONFIDENCE.rpc, { kind: 'rpc.method', detail: `rpc ${clip(service ?? '')}/${clip(rpcMethod)}` });
  }
  // SQL as written in the code.
  const sql = str(attrs, 'db.query.text', MAX_SQL_CHARS) ?? str(attrs, 'db.statement', MAX_SQL_CHARS);
  if (sql) {
    const text = normaliseWhitespace(sql);
    let hits = index.find('text', text);
    if (hits.length === 0 && text.endsWith(';')) hits = index.find('text', text.slice(0, -1).trimEnd());
    let confidence: number = CONFIDENCE.db;
    if (hits.length === 0) {
      hits = index.find('sql', sqlShape(text));
      confidence *= 0.9;
    }
    addOccurrences(ctx, hits, confidence, { kind: 'db.query', detail: `SQL ${clip(text, 80)}` });
  }
  // Message destinations named by a literal (temporary queues are generated names).
  // messaging.destination was the name's key before semantic conventions 1.17 (the Java agent 1.x still sends it).
  const dest = str(attrs, 'messaging.destination.name', MAX_NAME_CHARS) ?? str(attrs, 'messaging.destination', MAX_NAME_CHARS);
  if (dest && attrs.every((a) => !(a.key === 'messaging.destination.temporary' && a.value === true)) && !CONTROL.test(dest)) {
    addOccurrences(ctx, index.find('text', dest), CONFIDENCE.messaging, { kind: 'messaging.destination', detail: `destination "${clip(dest)}"` });
  }
}

function fromRoute(ctx: Ctx, route: string, method: string | undefined): void {
  const key = normaliseRoute(route);
  if (key === '' || key.length > MAX_NAME_CHARS) return;
  const matching = (list: readonly Occurrence[]): Occurrence[] => list.filter((o) => !method || !o.method || o.method === method);
  const own = (list: Occurrence[]): Occurrence[] => (ctx.langs ? list.filter((o) => ctx.langs!.includes(languageOf(o.path))) : list);
  let hits = matching(ctx.index.find('route', key));
  let confidence: number = CONFIDENCE.route;
  if (own(hits).length === 0) {
    // A router mounted under a prefix (app.use('/api', router)) registers only the route's tail.
    const segs = key.split('/');
    let tailHits: Occurrence[] = [];
    for (let drop = 1; drop < segs.length && own(tailHits).length === 0; drop++) {
      const tail = segs.slice(drop);
      if (!tail.some((s) => s !== '{}')) break;
      tailHits = matching(ctx.index.find('route', tail.join('/')));
    }
    if (own(tailHits).length > 0 || hits.length === 0) {
      hits = tailHits;
      confidence = CONFIDENCE.route * 0.75;
    }
  }
  addOccurrences(ctx, hits, confidence, { kind: 'http.route', detail: clip(`${method ? `${method} ` : ''}${route}`) });
}

// ---- Shared ----

/** A literal found once: the given confidence; found n times: each gets a share, so none opens without asking. */
function addOccurrences(ctx: Ctx, all: readonly Occurrence[], confidence: number, evidence: Evidence): void {
  if (all.length === 0) return;
  // Literals in the span's own language first: the same route in a Java and a TypeScript service is not ambiguous.
  let hits = all;
  if (ctx.langs) {
    const own = all.filter((o) => ctx.langs!.includes(languageOf(o.path)));
    if (own.length > 0) hits = own;
    else confidence *= 0.5;
  }
  const each = hits.length === 1 ? confidence : Math.min(0.5, confidence / hits.length);
  for (const h of hits.slice(0, 10)) addLocation(ctx, h.path, h.line, h.column, each, [evidence]);
}

/** A location in an indexed file; generated JavaScript goes through its source map first when there is one. */
function addLocation(ctx: Ctx, path: string, line: number, column: number | undefined, confidence: number, evidence: Evidence[], stack?: readonly StackFrame[], functionName?: string): boolean {
  let at = { path, line, column };
  let ev = evidence;
  if (ctx.options.sourceMaps && ctx.index.isGenerated(path)) {
    const original = ctx.options.sourceMaps.resolve(path, line, column);
    if (original) {
      // A bundle holds its dependencies too: a frame that maps into node_modules is not the application's code.
      if (isThirdPartyFrame({ file: original.path, raw: '', format: 'v8' })) return false;
      const resolved = ctx.index.resolvePath(original.path, ctx.options.pathMappings, ctx.service);
      const trusted = resolved && (resolved.how !== 'suffix' || (resolved.matchedSegments ?? 0) >= 2);
      const count = resolved && trusted ? ctx.index.lineCount(resolved.path) ?? 0 : 0;
      if (resolved && original.line <= count) {
        at = { path: resolved.path, line: original.line, column: original.column };
        ev = [...evidence, { kind: 'source-map', detail: `${clip(fileName(path))}:${line} -> ${clip(fileName(resolved.path))}:${original.line}` }];
      } else {
        confidence *= 0.8; // the map names a source the workspace does not have: the generated line it is
      }
    }
  }
  const fn = ctx.index.enclosingFunction(at.path, at.line)?.name ?? functionName;
  ctx.drafts.push({
    path: at.path,
    line: at.line,
    ...(at.column !== undefined && at.column >= 1 ? { column: at.column } : {}),
    ...(fn ? { functionName: fn } : {}),
    confidence,
    inWorkspace: ctx.index.inWorkspace(at.path),
    evidence: ev,
    ...(stack ? { stack } : {}),
  });
  return true;
}

function suffixConfidence(r: ResolvedPath, full: number, basenameOnly: number): number {
  const matched = r.matchedSegments ?? 0;
  const of = r.foreignSegments ?? 0;
  let c = matched >= 2 || matched === of ? full : basenameOnly;
  if ((r.alsoMatching ?? 0) > 0) c = Math.min(c, 0.6) / (1 + (r.alsoMatching ?? 0));
  return c;
}

function mappingEvidence(r: ResolvedPath): Evidence[] {
  if (r.how === 'exact') return [];
  const settled = r.byService !== undefined ? `, the one of service ${clip(r.byService, 60)}` : '';
  const detail = r.how === 'mapping' ? `prefix mapping -> ${clip(r.path, 200)}` : `${r.matchedSegments} trailing path segments${r.alsoMatching ? `, ${r.alsoMatching + 1} files match` : ''}${settled} -> ${clip(r.path, 200)}`;
  return [{ kind: 'path-mapping', detail }];
}

/** One candidate per file and line: confidences combine as independent evidence, best first. */
function merge(drafts: readonly Draft[]): SourceCandidate[] {
  const byKey = new Map<string, Draft>();
  for (const d of drafts) {
    const key = `${d.path}\u0000${d.line}`;
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, { ...d, evidence: [...d.evidence] });
      continue;
    }
    prev.confidence = 1 - (1 - prev.confidence) * (1 - d.confidence);
    prev.evidence.push(...d.evidence);
    prev.stack ??= d.stack;
    prev.column ??= d.column;
    prev.functionName ??= d.functionName;
  }
  return [...byKey.values()]
    .map((d) => ({ ...d, confidence: Math.round(Math.min(0.99, d.confidence) * 1000) / 1000 }))
    .sort((a, b) => b.confidence - a.confidence || Number(b.inWorkspace) - Number(a.inWorkspace));
}

function str(attrs: Attributes, key: string, max = 4096): string | undefined {
  const v: AttrValue | undefined = attrs.find((a) => a.key === key)?.value;
  if (typeof v !== 'string' || v === '' || v.length > max) return undefined;
  return v;
}

function int(attrs: Attributes, key: string): number | undefined {
  const v = attrs.find((a) => a.key === key)?.value;
  if (typeof v === 'bigint') return v >= -(2n ** 31n) && v <= 2n ** 31n ? Number(v) : undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  return undefined;
}

function baseName(path: string): string {
  const p = path.replace(/\\/g, '/');
  const b = p.slice(p.lastIndexOf('/') + 1);
  const dot = b.lastIndexOf('.');
  return dot > 0 ? b.slice(0, dot) : b;
}

function fileName(path: string): string {
  const p = path.replace(/\\/g, '/');
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Span text in evidence: no control characters, bounded. */
function clip(s: string, max = 120): string {
  // eslint-disable-next-line no-control-regex -- evidence text is shown to people: no control characters
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
