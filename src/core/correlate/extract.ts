// What the index keeps of one source file: its string literals (with what the code does with them: create a span,
// register a route) and its function ranges. One linear pass over the text per file; no parser per language, so the
// results are heuristics that hold for ordinary code (see test/unit/correlate.test.ts for what each language yields).

export type Lang = 'js' | 'py' | 'java' | 'go' | 'cs' | 'rb' | 'other';

export interface ExtractedLiteral {
  /** Whitespace-normalised text of the literal. */
  readonly value: string;
  readonly line: number;
  readonly column: number;
  /** The code before the literal on its line (at most 160 characters), to tell span names and routes apart. */
  readonly before: string;
}

export interface FunctionRange {
  readonly name: string;
  /** The line that declares it (def, function, the method signature). */
  readonly defLine: number;
  /** Where its range starts: the first of the decorators, annotations or attributes right above the declaration. */
  startLine: number;
  endLine: number;
  /** The enclosing class (or module) name, when there is one. */
  readonly container?: string;
  readonly isClass: boolean;
}

export interface Extracted {
  readonly lineCount: number;
  readonly literals: ExtractedLiteral[];
  readonly functions: FunctionRange[];
  /** The first class name in the file (for ASP.NET's [controller] token and class-level route prefixes). */
  readonly className?: string;
}

/** Literals longer than this are not indexed (nobody names a span with 4 KB of text). */
export const MAX_LITERAL_CHARS = 4000;
const MAX_DEF_LINE = 400;

export function languageOf(path: string): Lang {
  const dot = path.lastIndexOf('.');
  const ext = dot >= 0 ? path.slice(dot + 1).toLowerCase() : '';
  switch (ext) {
    case 'ts': case 'tsx': case 'js': case 'jsx': case 'mjs': case 'cjs': case 'mts': case 'cts':
      return 'js';
    case 'py':
      return 'py';
    case 'java': case 'kt': case 'kts': case 'scala': case 'groovy':
      return 'java';
    case 'go':
      return 'go';
    case 'cs':
      return 'cs';
    case 'rb': case 'rake':
      return 'rb';
    default:
      return 'other';
  }
}

export function normaliseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'new', 'else', 'throw', 'function', 'await', 'typeof', 'do', 'try', 'using', 'lock', 'foreach', 'fixed', 'when', 'synchronized', 'super', 'this', 'sizeof', 'nameof', 'default']);
const JS_DEFS = [
  /^(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([\w$]+)/,
  /^(?:export\s+)?(?:const|let|var)\s+([\w$]+)\s*(?::[^=]{0,200})?=\s*(?:async\s+)?(?:function\b|\([^)]{0,300}\)\s*(?::[^=]{0,200})?=>|[\w$]+\s*=>)/,
  /^(?:(?:public|private|protected|static|async|override|readonly|get|set)\s+)*([\w$]+)\s*(?:<[^>]{0,100}>)?\s*\([^)]{0,300}\)\s*(?::.{0,200}?)?\{\s*$/,
];
const JVM_DEFS = [
  /^(?:(?:\w+|@\w+(?:\([^)]{0,200}\))?)\s+){0,8}fun\s+(?:<[^>]{0,100}>\s*)?(?:[\w.]+\.)?(\w+)\s*\(/,
  /^(?:(?:public|private|protected|internal|static|final|abstract|synchronized|async|override|virtual|sealed|native|default|partial|unsafe|extern|new)\s+){0,8}(?:<[^>]{0,100}>\s+)?[\w.?[\]]+(?:<[^;=]{0,200}>)?[\w.?[\]]*\s+(\w+)\s*(?:<[^>]{0,100}>)?\s*\(/,
  /^(?:public|private|protected|internal)\s+(\w+)\s*\(/,
];
const GO_DEF = /^func\s+(?:\(\s*\w*\s*\*?\s*(\w+)[^)]{0,200}\)\s*)?(\w+)/;
const CLASS_DEF = /\b(?:class|interface|record|object|enum|struct|trait)\s+(\w+)/;

function defOf(lang: Lang, line: string): { name: string; isClass: boolean; receiver?: string } | undefined {
  const t = line.trim();
  if (t === '' || t.length > MAX_DEF_LINE || t.startsWith('//') || t.startsWith('*') || t.startsWith('/*')) return undefined;
  // Statements end with ";" and calls with ");": no definition opens a body there (cheap before the regexes).
  if (t.endsWith(';') && !t.endsWith('{') && !/\b(?:class|interface|record|struct|enum)\b/.test(t)) return undefined;
  if (lang === 'go') {
    const m = GO_DEF.exec(t);
    return m ? { name: m[2]!, isClass: false, ...(m[1] ? { receiver: m[1] } : {}) } : undefined;
  }
  if (lang !== 'js' && lang !== 'java' && lang !== 'cs') return undefined;
  const c = CLASS_DEF.exec(t);
  if (c && !/[=(]/.test(t.slice(0, c.index))) return { name: c[1]!, isClass: true };
  for (const re of lang === 'js' ? JS_DEFS : JVM_DEFS) {
    const m = re.exec(t);
    if (m && !KEYWORDS.has(m[1]!)) return { name: m[1]!, isClass: false };
  }
  return undefined;
}

/** Literals and function ranges of one file, in one pass. */
export function extract(path: string, text: string): Extracted {
  const lang = languageOf(path);
  const literals: ExtractedLiteral[] = [];
  const functions: FunctionRange[] = [];
  const n = text.length;
  let line = 1;
  let lineStart = 0;
  // Brace languages: a definition waits for its opening brace; each brace remembers the range it opens.
  const braces: (FunctionRange | undefined)[] = [];
  // A declaration line that ends with "{" opens its body with that brace (not with one in a return type before it).
  let pending: { name: string; isClass: boolean; line: number; receiver?: string; bodyAt: number } | undefined;
  const containers: FunctionRange[] = [];
  const braceLang = lang === 'js' || lang === 'java' || lang === 'go' || lang === 'cs';
  const hashComments = lang === 'py' || lang === 'rb';
  let className: string | undefined;

  const startLine = (at: number): void => {
    if (!braceLang) return;
    const end = text.indexOf('\n', at);
    const lineText = text.slice(at, end < 0 ? n : Math.min(end, at + MAX_DEF_LINE + 1));
    const def = defOf(lang, lineText);
    if (def) {
      const last = lineText.trimEnd();
      pending = { ...def, line, bodyAt: last.endsWith('{') ? at + last.length - 1 : -1 };
      if (def.isClass && className === undefined) className = def.name;
    }
  };
  const addLiteral = (start: number, raw: string, dynamic: boolean): void => {
    if (dynamic || raw.length > MAX_LITERAL_CHARS) return;
    const value = normaliseWhitespace(raw);
    if (value.length < 2) return;
    literals.push({ value, line: lineAt(start), column: start - lineStartAt(start) + 1, before: text.slice(Math.max(lineStartAt(start), start - 160), start) });
  };
  // Literal starts are looked up after the scan moved on (multi-line literals): remember line starts.
  const lineStarts: number[] = [0];
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const lineStartAt = (offset: number): number => lineStarts[lineAt(offset) - 1]!;

  startLine(0);
  let i = 0;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 10 /* \n */) {
      line++;
      lineStart = i + 1;
      lineStarts.push(lineStart);
      i++;
      startLine(lineStart);
      continue;
    }
    // Comments.
    if (hashComments && ch === 35 /* # */) {
      i = skipToEol(text, i);
      continue;
    }
    if (!hashComments && ch === 47 /* / */) {
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        i = skipToEol(text, i);
        continue;
      }
      if (next === 42) {
        const end = text.indexOf('*/', i + 2);
        i = countLines(i, end < 0 ? n : end + 2);
        continue;
      }
    }
    // Strings.
    if (ch === 34 /* " */ || ch === 39 /* ' */ || ch === 96 /* ` */) {
      const q = text[i]!;
      const triple = text.startsWith(q + q + q, i) && (lang === 'py' || ((lang === 'java' || lang === 'cs') && q === '"'));
      if (triple) {
        const end = text.indexOf(q + q + q, i + 3);
        const stop = end < 0 ? n : end;
        addLiteral(i, text.slice(i + 3, stop), lang === 'py' && /[fF]$/.test(text.slice(Math.max(0, i - 1), i)));
        i = countLines(i, end < 0 ? n : end + 3);
        continue;
      }
      const verbatim = lang === 'cs' && q === '"' && (text[i - 1] === '@' || (text[i - 1] === '$' && text[i - 2] === '@'));
      const multiline = verbatim || (q === '`' && (lang === 'js' || lang === 'go'));
      const r = readString(text, i, q, multiline, verbatim || (lang === 'go' && q === '`'), lang);
      if (q !== '`' || lang === 'js' || lang === 'go') addLiteral(i, r.value, r.dynamic || (lang === 'cs' && text[i - 1] === '$') || (lang === 'py' && /[fF]$/.test(text.slice(Math.max(0, i - 1), i))));
      i = countLines(i, r.end);
      continue;
    }
    if (braceLang && ch === 123 /* { */) {
      let range: FunctionRange | undefined;
      if (pending && i >= pending.bodyAt) {
        const container = pending.receiver ?? containers[containers.length - 1]?.name;
        range = { name: pending.name, defLine: pending.line, startLine: pending.line, endLine: pending.line, isClass: pending.isClass, ...(container !== undefined ? { container } : {}) };
        functions.push(range);
        if (range.isClass) containers.push(range);
        pending = undefined;
      }
      braces.push(range);
      i++;
      continue;
    }
    if (braceLang && ch === 125 /* } */) {
      const range = braces.pop();
      if (range) {
        range.endLine = line;
        if (range.isClass && containers[containers.length - 1] === range) containers.pop();
      }
      i++;
      continue;
    }
    // A ";" before the body: a declaration without one (interface member, abstract method, forward declaration).
    if (braceLang && ch === 59 /* ; */ && pending && pending.bodyAt < 0 && (pending.line !== line || !pending.isClass)) pending = undefined;
    i++;
  }
  if (lang === 'py' || lang === 'rb') indentRanges(lang, text, functions, (name) => {
    if (className === undefined) className = name;
  });
  if (functions.length > 0 && lang !== 'go' && lang !== 'other') withDecorators(text, functions);
  return { lineCount: line, literals, functions, ...(className !== undefined ? { className } : {}) };

  function countLines(from: number, to: number): number {
    for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
      lineStarts.push(lineStart);
    }
    return to;
  }
}

/** Decorators (@app.route, @GetMapping, @Get) and C# attributes ([HttpGet]) on the lines right above belong to the range. */
function withDecorators(text: string, functions: FunctionRange[]): void {
  const lines = text.split('\n');
  for (const f of functions) {
    let k = f.defLine - 2;
    while (k >= 0 && k >= f.defLine - 12) {
      const t = lines[k]!.trim();
      if (t.length > MAX_DEF_LINE || !(t.startsWith('@') || (t.startsWith('[') && t.endsWith(']')))) break;
      k--;
    }
    f.startLine = k + 2;
  }
}

function skipToEol(text: string, i: number): number {
  const end = text.indexOf('\n', i);
  return end < 0 ? text.length : end;
}

/** One quoted string from its opening quote; `end` is past the closing quote (or at the newline that cut it off). */
function readString(text: string, start: number, q: string, multiline: boolean, raw: boolean, lang: Lang): { value: string; end: number; dynamic: boolean } {
  let out = '';
  let dynamic = false;
  let i = start + 1;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === q) {
      if (raw && lang === 'cs' && text[i + 1] === q) {
        out += q;
        i += 2;
        continue;
      }
      return { value: out, end: i + 1, dynamic };
    }
    if (c === '\n' && !multiline) return { value: out, end: i, dynamic: true };
    if (c === '\\' && !raw) {
      const e = text[i + 1];
      out += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
      i += 2;
      continue;
    }
    if ((c === '$' && q === '`' && lang === 'js' && text[i + 1] === '{') || (c === '#' && lang === 'rb' && q === '"' && text[i + 1] === '{')) dynamic = true;
    out += c;
    i++;
    if (out.length > MAX_LITERAL_CHARS) {
      // Too long to index: find its end without copying.
      dynamic = true;
      while (i < n && text[i] !== q && (multiline || text[i] !== '\n')) i += text[i] === '\\' && !raw ? 2 : 1;
      return { value: '', end: Math.min(n, i + 1), dynamic };
    }
  }
  return { value: out, end: n, dynamic: true };
}

/** Python and Ruby: a def/class runs until the next line indented as much or less (Ruby: its matching `end`). */
function indentRanges(lang: 'py' | 'rb', text: string, out: FunctionRange[], onClass: (name: string) => void): void {
  const lines = text.split('\n');
  const def = lang === 'py' ? /^(\s*)(?:async\s+)?(def|class)\s+(\w+)/ : /^(\s*)(def|class|module)\s+(?:self\.)?([\w:]+[?!=]?)/;
  const open: { indent: number; range: FunctionRange; lastCode: number }[] = [];
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!;
    if (l.length > MAX_DEF_LINE * 4) continue;
    const trimmed = l.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indent = l.length - l.trimStart().length;
    while (open.length > 0 && indent <= open[open.length - 1]!.indent) {
      const top = open.pop()!;
      if (lang === 'rb' && indent === top.indent && /^end\b/.test(trimmed)) {
        top.range.endLine = k + 1;
        break;
      }
      top.range.endLine = top.lastCode;
      if (lang === 'rb') continue;
    }
    for (const o of open) o.lastCode = k + 1;
    const m = def.exec(l);
    if (m && !(lang === 'rb' && /\bend\s*$/.test(trimmed) && trimmed.includes(';'))) {
      const isClass = m[2] !== 'def';
      const container = [...open].reverse().find((o) => o.range.isClass)?.range.name;
      const range: FunctionRange = { name: m[3]!, defLine: k + 1, startLine: k + 1, endLine: k + 1, isClass, ...(container ? { container } : {}) };
      if (isClass) onClass(range.name);
      out.push(range);
      open.push({ indent, range, lastCode: k + 1 });
    }
  }
  for (const o of open) o.range.endLine = o.lastCode;
}
