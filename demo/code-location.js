'use strict';
// Source-code attributes for spans, taken from the real call site.
//
// The location comes from a V8 stack trace (new Error().stack), so the line and
// column are exactly those of the call in the demo file at run time.

const path = require('node:path');
const { fileURLToPath } = require('node:url');

// V8 frame shapes:
//   "    at fn (/abs/file.js:12:5)"
//   "    at Class.method [as alias] (/abs/file.js:12:5)"
//   "    at /abs/file.js:12:5"                 (anonymous function)
//   "    at async fn (file:///abs/file.mjs:12:5)"
const FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/;

/**
 * Location of a caller. skip = 0 is the function that called callerLocation(),
 * skip = 1 is that function's caller, and so on.
 * Returns { function, file, line, column } (1-based line and column) or undefined.
 */
function callerLocation(skip = 0) {
  const frames = new Error().stack.split('\n');
  // frames[0] is "Error", frames[1] is callerLocation itself, frames[2] its caller.
  const match = FRAME.exec(frames[2 + skip] ?? '');
  if (!match) return undefined;
  let [, fn = '<anonymous>', file, line, column] = match;
  fn = fn.replace(/^(async|new) /, '').replace(/ \[as [^\]]+\]$/, '');
  if (file.startsWith('file://')) file = fileURLToPath(file);
  return { function: fn, file, line: Number(line), column: Number(column) };
}

/**
 * Span attributes for a location: the current code.* conventions, plus the
 * deprecated ones (code.function, code.namespace, code.filepath, code.lineno)
 * when `legacy` is true, as older instrumentations still emit them.
 */
function codeAttributes(location, legacy = false) {
  if (!location) return {};
  const attributes = {
    'code.function.name': location.function, // e.g. "InventoryTable.selectBySku"
    'code.file.path': location.file,
    'code.line.number': location.line,
    'code.column.number': location.column,
  };
  if (legacy) {
    // Old style split "Class.method" into namespace + function; a plain
    // function is namespaced by its module name.
    const dot = location.function.lastIndexOf('.');
    attributes['code.function'] = location.function.slice(dot + 1);
    attributes['code.namespace'] =
      dot > 0 ? location.function.slice(0, dot) : path.basename(location.file, path.extname(location.file));
    attributes['code.filepath'] = location.file;
    attributes['code.lineno'] = location.line;
  }
  return attributes;
}

module.exports = { callerLocation, codeAttributes };
