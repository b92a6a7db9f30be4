// Generated JavaScript -> original source, through source maps (@jridgewell/trace-mapping). The map is found by the
// file's sourceMappingURL comment (a sibling file or an inline data: URL) or else a sibling "<file>.map"; "sources"
// resolve against sourceRoot and the map's folder. Each file's map is parsed once (also when it has none).
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import type { SourceMaps } from './types';

/** Maps larger than this are not parsed (a bundle's map is a few MB; 64 MB is not a map anyone wants traced). */
const MAX_MAP_CHARS = 64 * 1024 * 1024;
const MAX_CACHED = 500;

export function createSourceMaps(readFile: (path: string) => string | undefined): SourceMaps {
  const cache = new Map<string, TraceMap | null>();
  const load = (path: string): TraceMap | null => {
    const cached = cache.get(path);
    if (cached !== undefined) return cached;
    const map = loadMap(path, readFile);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(path, map);
    return map;
  };
  return {
    resolve(path, line, column) {
      if (!Number.isInteger(line) || line < 1) return undefined;
      const map = load(path);
      if (!map) return undefined;
      const needle = column !== undefined && column >= 1
        ? { line, column: column - 1, bias: GREATEST_LOWER_BOUND as typeof GREATEST_LOWER_BOUND | typeof LEAST_UPPER_BOUND }
        : { line, column: 0, bias: LEAST_UPPER_BOUND as typeof GREATEST_LOWER_BOUND | typeof LEAST_UPPER_BOUND };
      let pos = originalPositionFor(map, needle);
      if (pos.source === null && column !== undefined) pos = originalPositionFor(map, { line, column: column - 1, bias: LEAST_UPPER_BOUND });
      if (pos.source === null || pos.line === null) return undefined;
      return { path: fromUrl(pos.source, path), line: pos.line, column: pos.column + 1, ...(pos.name ? { name: pos.name } : {}) };
    },
  };
}

function loadMap(path: string, readFile: (path: string) => string | undefined): TraceMap | null {
  const text = safeRead(readFile, path);
  if (text === undefined) return null;
  const slashPath = path.replace(/\\/g, '/');
  const dir = slashPath.slice(0, slashPath.lastIndexOf('/') + 1);
  const at = text.lastIndexOf('sourceMappingURL=');
  let json: string | undefined;
  let mapPath = `${slashPath}.map`;
  if (at >= 0) {
    const url = /^[^\s'"*]+/.exec(text.slice(at + 17, at + 17 + MAX_MAP_CHARS))?.[0] ?? '';
    const data = /^data:application\/json(?:;charset=[\w-]+)?;base64,/i.exec(url);
    if (data) json = decodeBase64(url.slice(data[0].length));
    else if (url !== '' && !/^[a-z][\w+.-]*:/i.test(url)) {
      mapPath = url.startsWith('/') ? url : dir + decodeURIComponentSafe(url);
    }
  }
  if (json === undefined) json = safeRead(readFile, mapPath);
  if (json === undefined || json.length > MAX_MAP_CHARS) return null;
  try {
    return new TraceMap(json, toUrl(mapPath));
  } catch {
    return null;
  }
}

function safeRead(readFile: (path: string) => string | undefined, path: string): string | undefined {
  try {
    return readFile(path);
  } catch {
    return undefined;
  }
}

function decodeBase64(b64: string): string | undefined {
  try {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** trace-mapping resolves sources as URLs: give it a file: URL for the map, take plain paths back. */
function toUrl(path: string): string {
  const p = path.replace(/\\/g, '/');
  return /^[a-zA-Z]:\//.test(p) ? `file:///${p}` : `file://${p}`;
}

function fromUrl(source: string, generatedPath: string): string {
  if (!source.startsWith('file://')) return source;
  let p = decodeURIComponentSafe(source.slice(7));
  if (/^\/[a-zA-Z]:\//.test(p)) p = p.slice(1);
  return generatedPath.includes('\\') && !generatedPath.includes('/') ? p.replace(/\//g, '\\') : p;
}
