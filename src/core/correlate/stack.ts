// Stack trace parsing for every runtime TraceLens sees. JavaScript frames (V8/Chrome, Firefox, Safari) go through
// stacktrace-parser; Python, Java/Kotlin, Go, .NET and Ruby are parsed here. Input is hostile: the text and each line
// are capped before any regex sees them, and every regex here is anchored with no nested quantifiers.
import { parse as parseJsFrames } from 'stacktrace-parser';
import type { StackFormat, StackFrame } from './types';

/** Stack text past this is ignored (innermost frames come first in every format but Python's, whose tail we keep). */
export const MAX_STACK_CHARS = 256 * 1024;
const MAX_LINE_CHARS = 1000;
const MAX_FRAMES = 300;
/** stacktrace-parser's regexes backtrack on long lines: JS lines get a tighter cap. */
const MAX_JS_LINE_CHARS = 400;

const PY_FILE = /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?$/;
const PY_START = /^Traceback \(most recent call last\):/;
const JAVA_AT = /^\s*at ([\w$.<>/@-]+)\(([^()]*)\)\s*$/;
const GO_FILE = /^\t(\S.*\.(?:go|s)):(\d+)(?: \+0x[0-9a-f]+)?\s*$/;
const RUBY = /^\s*(?:from )?(\S[^:]*):(\d+):in [`'‘]([^'’]*)['’]/;
const V8_AT = /^\s*at /;
const JS_AT_SIGN = /@(?:[a-z][\w+.-]*:\/\/|\/|\[native code\])|^\s*(?:https?|file|webpack):\/\/\S+:\d+/i;

/** Frames of any supported format, innermost first. Frames with no file (native, framework without symbols) are left out. */
export function parseStackTrace(text: string): StackFrame[] {
  if (typeof text !== 'string' || text === '') return [];
  const capped = text.length > MAX_STACK_CHARS ? text.slice(0, MAX_STACK_CHARS) : text;
  const lines = capped.split(/\r?\n/);
  if (lines.some((l) => PY_START.test(l))) return parsePython(lines);
  const jsFormat = detectJs(lines);
  const frames: StackFrame[] = [];
  let previous = '';
  let jsLines = 0;
  for (let i = 0; i < lines.length && frames.length < MAX_FRAMES; i++) {
    const full = lines[i]!;
    if (full.length > MAX_LINE_CHARS) {
      previous = '';
      continue;
    }
    const frame = parseLine(full, previous, jsFormat, () => ++jsLines <= MAX_FRAMES);
    if (frame) frames.push(frame);
    previous = full;
  }
  return frames;
}

function parseLine(line: string, previous: string, jsFormat: StackFormat, jsBudget: () => boolean): StackFrame | undefined {
  const dotnet = dotnetFrame(line);
  if (dotnet) return dotnet;
  let m = JAVA_AT.exec(line);
  if (m && !m[2]!.includes(' ')) return javaFrame(m[1]!, m[2]!, line);
  m = GO_FILE.exec(line);
  if (m) return frame(m[1]!, +m[2]!, undefined, goFunction(previous), line, 'go');
  m = RUBY.exec(line);
  if (m) return frame(m[1]!, +m[2]!, undefined, m[3]!, line, 'ruby');
  if (line.length <= MAX_JS_LINE_CHARS && (V8_AT.test(line) || JS_AT_SIGN.test(line)) && jsBudget()) {
    const format: StackFormat = V8_AT.test(line) ? 'v8' : jsFormat;
    const parsed = parseJsFrames(line)[0];
    if (!parsed || !parsed.file || parsed.lineNumber === null) return undefined;
    const fn = parsed.methodName === '<unknown>' ? undefined : parsed.methodName;
    return frame(parsed.file, parsed.lineNumber, parsed.column ?? undefined, fn, line, format);
  }
  return undefined;
}

/** Firefox and Safari both write fn@url:line:col; Safari alone writes "global code@", "[native code]" or bare URLs. */
function detectJs(lines: readonly string[]): StackFormat {
  for (let i = 0; i < lines.length && i < 200; i++) {
    const l = lines[i]!;
    if (l.length > MAX_JS_LINE_CHARS) continue;
    if (/^\s*(?:global code|module code|eval code)@|\[native code\]$/.test(l) || /^(?:https?|file):\/\/\S+:\d+:\d+$/.test(l)) return 'safari';
  }
  return 'firefox';
}

function frame(file: string, line: number | undefined, column: number | undefined, fn: string | undefined, raw: string, format: StackFormat): StackFrame {
  return {
    file,
    ...(line !== undefined && line > 0 ? { line } : {}),
    ...(column !== undefined && column > 0 ? { column } : {}),
    ...(fn ? { function: fn } : {}),
    raw: raw.trim(),
    format,
  };
}

/** "   at Ns.Type.Method(Int32 id) in C:\\src\\X.cs:line 42" (found with indexOf: the method part can hold anything). */
function dotnetFrame(line: string): StackFrame | undefined {
  const lineAt = line.lastIndexOf(':line ');
  if (lineAt < 0) return undefined;
  const start = line.search(/\S/);
  if (!line.startsWith('at ', start)) return undefined;
  const inAt = line.lastIndexOf(' in ', lineAt);
  const lineText = line.slice(lineAt + 6).trim();
  if (inAt < start || !/^\d+$/.test(lineText)) return undefined;
  const method = line.slice(start + 3, inAt);
  const paren = method.indexOf('(');
  return frame(line.slice(inAt + 4, lineAt).trim(), +lineText, undefined, paren > 0 ? method.slice(0, paren) : method, line, 'dotnet');
}

/** "com.example.Foo$Inner.bar(Foo.java:42)" -> com/example/Foo.java, so suffix matching sees the package folders. */
function javaFrame(qualified: string, location: string, raw: string): StackFrame | undefined {
  const colon = location.lastIndexOf(':');
  const fileName = colon >= 0 ? location.slice(0, colon) : location;
  const lineText = colon >= 0 ? location.slice(colon + 1) : '';
  if (!/\.(?:java|kt|kts|scala|groovy|clj)$/.test(fileName) || !/^\d+$/.test(lineText)) return undefined;
  const name = qualified.replace(/^[^/]*\/+/, ''); // "java.base/" and "app//" module prefixes
  const parts = name.split('.');
  const method = parts.pop();
  parts.pop(); // the class
  const pkg = parts.filter((p) => p !== '').join('/');
  return frame(pkg ? `${pkg}/${fileName}` : fileName, +lineText, undefined, name === '' ? method : name, raw, 'java');
}

/** The Go function line above a file line: "pkg.(*T).M(0x1, ...)" -> "pkg.(*T).M". */
function goFunction(line: string): string | undefined {
  const t = line.trim();
  if (t === '' || t.length > MAX_LINE_CHARS) return undefined;
  if (t.startsWith('created by ')) return t.slice(11).replace(/ in goroutine \d+$/, '');
  const paren = t.lastIndexOf('(');
  return paren > 0 && t.endsWith(')') ? t.slice(0, paren) : t;
}

/**
 * Python prints outermost first and chained exceptions cause first: the last traceback is the span's own exception.
 * Its frames come first (innermost first), then the earlier tracebacks'.
 */
function parsePython(lines: readonly string[]): StackFrame[] {
  const blocks: StackFrame[][] = [];
  let current: StackFrame[] | undefined;
  for (const line of lines) {
    if (line.length > MAX_LINE_CHARS) continue;
    if (PY_START.test(line)) {
      current = [];
      blocks.push(current);
      continue;
    }
    const m = PY_FILE.exec(line);
    if (m && current && current.length < MAX_FRAMES) current.push(frame(m[1]!, +m[2]!, undefined, m[3]?.trim(), line, 'python'));
  }
  const out: StackFrame[] = [];
  for (let b = blocks.length - 1; b >= 0; b--) out.push(...blocks[b]!.reverse());
  return out.slice(0, MAX_FRAMES);
}

const THIRD_PARTY = [
  /[\\/]node_modules[\\/]/,
  /[\\/](?:site|dist)-packages[\\/]/,
  /[\\/]vendor[\\/]/,
  /[\\/]go[\\/]pkg[\\/]mod[\\/]/,
  /[\\/]usr[\\/](?:local[\\/])?(?:go|lib)[\\/]/,
  /[\\/]gems[\\/]/,
  /[\\/]lib[\\/]ruby[\\/]/,
  /[\\/]lib[\\/]python\d/,
  /^(?:node|internal)[:/]/,
  /^<[^>]*>$/,
  /^\[native/,
  /^native$/,
  /^(?:chrome|moz|safari(?:-web)?)-extension:/,
];
const RUNTIME_PACKAGES = /^(?:java|javax|jdk|sun|com\/sun|kotlin|kotlinx|scala)\//;

/** A frame from a dependency or the runtime itself: never the span's own code. */
export function isThirdPartyFrame(frame: StackFrame): boolean {
  const f = frame.file;
  if (THIRD_PARTY.some((re) => re.test(f))) return true;
  if (frame.format === 'java' && RUNTIME_PACKAGES.test(f)) return true;
  if (frame.format === 'go' && !f.includes('/') && !f.includes('\\')) return true;
  return false;
}
