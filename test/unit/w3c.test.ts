import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildTraceparent,
  caretLines,
  continuingFlags,
  headersLine,
  formatHeadersReport,
  looksLikeTraceHeaders,
  parseBaggage,
  parseHeaders,
  parseTraceparent,
  parseTracestate,
} from '../../src/core/propagation/w3c';

// The examples of the W3C Trace Context specification.
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const SAMPLED = `00-${TRACE}-${PARENT}-01`;

/** The one error of an invalid traceparent. */
function traceparentError(text: string): { at: number; message: string } {
  const r = parseTraceparent(text);
  assert.equal(r.ok, false, `${text} parsed`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
  return r.errors[0]!;
}

describe('traceparent', () => {
  it('decodes the sampled example of the spec', () => {
    assert.deepEqual(parseTraceparent(SAMPLED), { ok: true, version: '00', traceId: TRACE, parentId: PARENT, flags: 1, sampled: true, random: false });
  });

  it('decodes the not-sampled example, and the level-2 random flag', () => {
    assert.deepEqual(parseTraceparent(`00-${TRACE}-${PARENT}-00`), { ok: true, version: '00', traceId: TRACE, parentId: PARENT, flags: 0, sampled: false, random: false });
    const r = parseTraceparent(`00-${TRACE}-${PARENT}-03`);
    assert.ok(r.ok && r.sampled && r.random && r.flags === 3);
    const random = parseTraceparent(`00-${TRACE}-${PARENT}-02`);
    assert.ok(random.ok && !random.sampled && random.random);
  });

  it('allows spaces and tabs around the value (OWS)', () => {
    const r = parseTraceparent(` \t${SAMPLED}\t `);
    assert.ok(r.ok);
    assert.equal(r.traceId, TRACE);
  });

  it('keeps unknown flag bits (reserved, but not an error for a receiver)', () => {
    const r = parseTraceparent(`00-${TRACE}-${PARENT}-09`);
    assert.ok(r.ok && r.flags === 9 && r.sampled && !r.random);
  });

  it('reads a later version leniently: the known fields, then "-" and fields left unread', () => {
    assert.deepEqual(parseTraceparent(`cc-${TRACE}-${PARENT}-01-what-the-future-will-be-like`), { ok: true, version: 'cc', traceId: TRACE, parentId: PARENT, flags: 1, sampled: true, random: false });
    assert.ok(parseTraceparent(`01-${TRACE}-${PARENT}-00`).ok);
  });

  it('a later version still needs its trace-flags to end the value or be followed by "-"', () => {
    const r = parseTraceparent(`cc-${TRACE}-${PARENT}-01.x`);
    assert.deepEqual(!r.ok && r.errors, [
      { at: 55, message: "'.' at column 56 is not a hex digit (trace-flags)" },
      { at: 53, message: 'trace-flags has 4 characters, expected 2' },
    ]);
  });

  it('version 00 has exactly 55 characters: more after trace-flags is an error', () => {
    assert.deepEqual(traceparentError(`${SAMPLED}-what-the-future-will-be-like`), { at: 55, message: "unexpected '-' at column 56: version 00 ends after trace-flags (55 characters)" });
  });

  it('version ff is forbidden', () => {
    assert.deepEqual(traceparentError(`ff-${TRACE}-${PARENT}-01`), { at: 0, message: 'version ff is forbidden' });
  });

  it('an empty value', () => {
    assert.deepEqual(traceparentError('   '), { at: 3, message: 'traceparent is empty' });
    assert.deepEqual(traceparentError(''), { at: 0, message: 'traceparent is empty' });
  });

  it('the version must be 2 hex digits followed by "-"', () => {
    assert.deepEqual(traceparentError(`00_${TRACE}-${PARENT}-01`), { at: 2, message: "expected '-' at column 3, found '_'" });
    assert.deepEqual(traceparentError(`000-${TRACE}-${PARENT}-01`), { at: 2, message: "expected '-' at column 3, found '0'" });
    assert.deepEqual(traceparentError('00'), { at: 2, message: "expected '-' at column 3, found the end" });
    assert.deepEqual(traceparentError('0'), { at: 1, message: 'version has 1 hex digit, expected 2' });
    assert.deepEqual(traceparentError(`0x-${TRACE}-${PARENT}-01`), { at: 1, message: "'x' at column 2 is not a hex digit (version)" });
  });

  it('upper-case hex is an error with its column (W3C requires lower case)', () => {
    assert.deepEqual(traceparentError(`00-A${TRACE.slice(1)}-${PARENT}-01`), { at: 3, message: 'upper-case hex at column 4: W3C requires lower case' });
    assert.deepEqual(traceparentError(`00-${TRACE.toUpperCase()}-${PARENT}-01`), { at: 4, message: 'upper-case hex at column 5: W3C requires lower case' });
    assert.deepEqual(traceparentError(`0A-${TRACE}-${PARENT}-01`), { at: 1, message: 'upper-case hex at column 2: W3C requires lower case' });
    assert.deepEqual(traceparentError(`00-${TRACE}-00F067aa0ba902b7-01`), { at: 38, message: 'upper-case hex at column 39: W3C requires lower case' });
  });

  it('an all-zero trace-id or parent-id is invalid', () => {
    assert.deepEqual(traceparentError(`00-${'0'.repeat(32)}-${PARENT}-01`), { at: 3, message: 'trace-id is all zeros (invalid)' });
    assert.deepEqual(traceparentError(`00-${TRACE}-${'0'.repeat(16)}-01`), { at: 36, message: 'parent-id is all zeros (invalid)' });
  });

  it('says how many hex digits a field has and how many it needs', () => {
    assert.deepEqual(traceparentError(`00-${TRACE}-${PARENT.slice(1)}-01`), { at: 36, message: 'parent-id has 15 hex digits, expected 16' });
    assert.deepEqual(traceparentError(`00-${TRACE}a-${PARENT}-01`), { at: 3, message: 'trace-id has 33 hex digits, expected 32' });
    assert.deepEqual(traceparentError(`00-${TRACE}-${PARENT}-1`), { at: 53, message: 'trace-flags has 1 hex digit, expected 2' });
    assert.deepEqual(traceparentError(`00-${TRACE}-${PARENT}-`), { at: 53, message: 'trace-flags has 0 hex digits, expected 2' });
  });

  it('says which field is missing and where', () => {
    assert.deepEqual(traceparentError(`00-${TRACE}`), { at: 35, message: 'missing parent-id (16 hex digits) at column 36' });
    assert.deepEqual(traceparentError(`00-${TRACE}-${PARENT}`), { at: 52, message: 'missing trace-flags (2 hex digits) at column 53' });
  });

  it('names a character that is not hex, by code point when it is not printable', () => {
    assert.deepEqual(traceparentError(`00-${TRACE.slice(0, 31)}g-${PARENT}-01`), { at: 34, message: "'g' at column 35 is not a hex digit (trace-id)" });
    assert.deepEqual(traceparentError(`00-${TRACE}-${PARENT.slice(0, 8)}\u00e9${PARENT.slice(9)}-01`), { at: 44, message: 'U+00E9 at column 45 is not a hex digit (parent-id)' });
  });

  it('reports every broken field, each at its own offset', () => {
    const r = parseTraceparent(`00-${TRACE.slice(2)}-${'0'.repeat(16)}-1x`);
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.errors, [
      { at: 3, message: 'trace-id has 30 hex digits, expected 32' },
      { at: 34, message: 'parent-id is all zeros (invalid)' },
      { at: 52, message: "'x' at column 53 is not a hex digit (trace-flags)" },
    ]);
  });

  it('offsets count from the start of the text given, leading whitespace included', () => {
    assert.deepEqual(traceparentError(`  00-${TRACE.toUpperCase()}-${PARENT}-01`), { at: 6, message: 'upper-case hex at column 7: W3C requires lower case' });
  });
});

describe('buildTraceparent', () => {
  it('builds version 00 and parses back to the same ids and flags', () => {
    for (const flags of [0, 1, 2, 3, 0xff]) {
      const built = buildTraceparent(TRACE, PARENT, flags);
      assert.ok(built.ok);
      assert.equal(built.value.length, 55);
      const back = parseTraceparent(built.value);
      assert.ok(back.ok);
      assert.deepEqual([back.version, back.traceId, back.parentId, back.flags], ['00', TRACE, PARENT, flags]);
    }
    assert.deepEqual(buildTraceparent(TRACE, PARENT, 1), { ok: true, value: SAMPLED });
  });

  it('a devtools dump becomes one line of its trace headers that reads back to the same headers', () => {
    const dump = `accept: */*\ntraceparent: ${SAMPLED}\ncontent-type: application/json\nbaggage: userId=alice\n`;
    const line = headersLine(dump);
    assert.equal(line, `traceparent: ${SAMPLED} baggage: userId=alice`);
    const back = parseHeaders(line).headers;
    assert.deepEqual(back.map((h) => h.name), ['traceparent', 'baggage']);
    assert.ok(back[0]!.name === 'traceparent' && back[0]!.result.ok, JSON.stringify(back[0]));
  });

  it('a request continuing a stored span is sampled, keeps the random bit and no reserved bit', () => {
    assert.deepEqual([0x00, 0x01, 0x02, 0x03, 0xfc, 0xff].map(continuingFlags), [0x01, 0x01, 0x03, 0x03, 0x01, 0x03]);
  });

  it('says what is wrong with its inputs (the id rules of src/core/ids.ts)', () => {
    assert.deepEqual(buildTraceparent('0'.repeat(32), PARENT, 1), { ok: false, errors: ['trace id: all zero'] });
    assert.deepEqual(buildTraceparent(TRACE, 'abcd', 1), { ok: false, errors: ['span id: 2 bytes, expected 8'] });
    assert.deepEqual(buildTraceparent(TRACE.toUpperCase(), PARENT, 256), {
      ok: false,
      errors: [`trace id: not lower-case hex: "${TRACE.toUpperCase()}"`, 'trace flags: 256 is not a byte (0-255)'],
    });
    assert.deepEqual(buildTraceparent(TRACE, PARENT, 1.5), { ok: false, errors: ['trace flags: 1.5 is not a byte (0-255)'] });
  });
});

describe('tracestate', () => {
  it('reads the spec examples, in order, with optional whitespace', () => {
    assert.deepEqual(parseTracestate('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'), {
      members: [
        { key: 'rojo', value: '00f067aa0ba902b7', at: 0 },
        { key: 'congo', value: 't61rcWkgMzE', at: 22 },
      ],
      errors: [],
      warnings: [],
    });
    const spaced = parseTracestate(' rojo=00f067aa0ba902b7 ,\tcongo=t61rcWkgMzE\t');
    assert.deepEqual(spaced.members.map((m) => [m.key, m.value, m.at]), [['rojo', '00f067aa0ba902b7', 1], ['congo', 't61rcWkgMzE', 25]]);
  });

  it('accepts empty and whitespace-only list-members, and an empty header', () => {
    assert.deepEqual(parseTracestate(''), { members: [], errors: [], warnings: [] });
    const r = parseTracestate('a=1,, ,b=2,');
    assert.deepEqual(r.members.map((m) => m.key), ['a', 'b']);
    assert.deepEqual(r.errors, []);
  });

  it('accepts multi-tenant keys, digits first in a tenant, and leading spaces in a value', () => {
    const r = parseTracestate('1tenant@vendor=x,fw529a3039@dt=  spaced value,a_-*/9=v');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.members.map((m) => [m.key, m.value]), [['1tenant@vendor', 'x'], ['fw529a3039@dt', '  spaced value'], ['a_-*/9', 'v']]);
  });

  it('key rules: first character, lower case, allowed characters', () => {
    assert.deepEqual(parseTracestate('Rojo=1').errors, [{ at: 0, member: 0, message: "upper-case 'R' at column 1: key must start with a lower-case letter (a-z)" }]);
    assert.deepEqual(parseTracestate('roJo=1').errors, [{ at: 2, member: 0, message: "upper-case 'J' at column 3: tracestate keys are lower case" }]);
    assert.deepEqual(parseTracestate('1rojo=1').errors, [{ at: 0, member: 0, message: "key must start with a lower-case letter (a-z), found '1' at column 1" }]);
    assert.deepEqual(parseTracestate('a=1,ro.jo=1').errors, [{ at: 6, member: 1, message: "'.' at column 7 is not allowed in a key (a-z 0-9 _ - * /)" }]);
    assert.deepEqual(parseTracestate('=1').errors, [{ at: 0, member: 0, message: "empty key before '=' at column 1" }]);
  });

  it('multi-tenant keys: one "@", a tenant-id and a system-id', () => {
    assert.deepEqual(parseTracestate('a@b@c=1').errors, [{ at: 3, member: 0, message: "second '@' at column 4: a multi-tenant key is tenant@system" }]);
    assert.deepEqual(parseTracestate('@dt=1').errors, [{ at: 0, member: 0, message: "tenant-id before '@' at column 1 is empty" }]);
    assert.deepEqual(parseTracestate('t@=1').errors, [{ at: 1, member: 0, message: "system-id after '@' at column 2 is empty" }]);
    assert.deepEqual(parseTracestate('t@1dt=1').errors, [{ at: 2, member: 0, message: "system-id must start with a lower-case letter (a-z), found '1' at column 3" }]);
    assert.deepEqual(parseTracestate('_t@dt=1').errors, [{ at: 0, member: 0, message: "tenant-id must start with a lower-case letter or a digit, found '_' at column 1" }]);
  });

  it('key lengths: 256 for a simple key, 241 for a tenant-id, 14 for a system-id', () => {
    assert.deepEqual(parseTracestate(`${'k'.repeat(256)}=1`).errors, []);
    assert.deepEqual(parseTracestate(`${'k'.repeat(257)}=1`).errors, [{ at: 0, member: 0, message: 'key has 257 characters, at most 256' }]);
    assert.deepEqual(parseTracestate(`${'t'.repeat(241)}@${'s'.repeat(14)}=1`).errors, []);
    assert.deepEqual(parseTracestate(`${'t'.repeat(242)}@s=1`).errors, [{ at: 0, member: 0, message: 'tenant-id has 242 characters, at most 241' }]);
    assert.deepEqual(parseTracestate(`t@${'s'.repeat(15)}=1`).errors, [{ at: 2, member: 0, message: 'system-id has 15 characters, at most 14' }]);
  });

  it('value rules: not empty, printable ASCII but "," and "=", up to 256 characters', () => {
    assert.deepEqual(parseTracestate('a=').errors, [{ at: 2, member: 0, message: "empty value after '=' at column 2" }]);
    assert.deepEqual(parseTracestate('a=   ').errors, [{ at: 2, member: 0, message: "empty value after '=' at column 2" }], 'trailing spaces are not part of the value');
    assert.deepEqual(parseTracestate('a=b=c').errors, [{ at: 3, member: 0, message: "'=' at column 4 is not allowed in a value" }]);
    assert.deepEqual(parseTracestate('a=b\u00e9').errors, [{ at: 3, member: 0, message: 'U+00E9 at column 4 is not allowed in a value: printable ASCII (0x20-0x7E) only' }]);
    assert.deepEqual(parseTracestate('a=b\tc').errors, [{ at: 3, member: 0, message: 'U+0009 at column 4 is not allowed in a value: printable ASCII (0x20-0x7E) only' }]);
    assert.deepEqual(parseTracestate(`a=${'v'.repeat(256)}`).errors, []);
    assert.deepEqual(parseTracestate(`a=${'v'.repeat(257)}`).errors, [{ at: 2, member: 0, message: 'value has 257 characters, at most 256' }]);
  });

  it('a list-member without "="', () => {
    assert.deepEqual(parseTracestate('rojo=1, congo').errors, [{ at: 8, member: 1, message: "list-member has no '=': expected key=value" }]);
  });

  it('a key may appear once: the second is an error and left out', () => {
    const r = parseTracestate('congo=1,rojo=2,congo=3');
    assert.deepEqual(r.members.map((m) => `${m.key}=${m.value}`), ['congo=1', 'rojo=2']);
    assert.deepEqual(r.errors, [{ at: 15, member: 2, message: 'duplicate key "congo": list-member at column 1 has it already' }]);
  });

  it('at most 32 list-members', () => {
    const list = Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',');
    const r = parseTracestate(list);
    assert.equal(r.members.length, 32);
    assert.deepEqual(r.errors, [{ at: list.indexOf('k32='), member: 32, message: 'list-member 33 is over the limit of 32 list-members' }]);
    assert.deepEqual(parseTracestate(Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',')).errors, []);
  });

  it('warns past the 512 characters vendors must propagate', () => {
    const long = Array.from({ length: 3 }, (_, i) => `k${i}=${'v'.repeat(200)}`).join(',');
    const r = parseTracestate(long);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings.map((w) => w.message), [`tracestate has ${long.length} characters: vendors need only propagate 512, and drop whole list-members past that (over 128 characters first)`]);
  });
});

describe('baggage', () => {
  it('reads the spec example: properties, optional whitespace around "=", ";" and ","', () => {
    const r = parseBaggage('key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue');
    assert.deepEqual(r, {
      entries: [
        { key: 'key1', value: 'value1', properties: [{ key: 'property1' }, { key: 'property2' }], at: 0 },
        { key: 'key2', value: 'value2', properties: [], at: 33 },
        { key: 'key3', value: 'value3', properties: [{ key: 'propertyKey', value: 'propertyValue' }], at: 48 },
      ],
      errors: [],
      warnings: [],
    });
  });

  it('percent-decodes values as UTF-8, and allows "=" in a value', () => {
    const r = parseBaggage('userId=alice,serverNode=DF%2028,isProduction=false,name=%C4%85%C5%9B%C4%87,q=a=b;p=x%3By');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.entries.map((e) => [e.key, e.value, e.properties]),
      [['userId', 'alice', []], ['serverNode', 'DF 28', []], ['isProduction', 'false', []], ['name', 'ąść', []], ['q', 'a=b', [{ key: 'p', value: 'x;y' }]]],
    );
  });

  it('invalid percent-encoding is an error at the "%"', () => {
    assert.deepEqual(parseBaggage('a=1,b=%zz').errors, [{ at: 6, member: 1, message: `invalid percent-encoding "%zz" at column 7: '%' must be followed by 2 hex digits` }]);
    assert.deepEqual(parseBaggage('b=50%').errors, [{ at: 4, member: 0, message: `invalid percent-encoding "%" at column 5: '%' must be followed by 2 hex digits` }]);
  });

  it('percent-encoded bytes that are not UTF-8 become U+FFFD, with a warning', () => {
    const r = parseBaggage('a=%FFok');
    assert.deepEqual(r.errors, []);
    assert.equal(r.entries[0]?.value, '\ufffdok');
    assert.deepEqual(r.warnings, [{ at: 2, member: 0, message: 'value at column 3 is not UTF-8 after percent-decoding: invalid bytes read as U+FFFD' }]);
  });

  it('characters a value must percent-encode', () => {
    assert.deepEqual(parseBaggage('a=hello world').errors, [{ at: 7, member: 0, message: "' ' at column 8 is not allowed in a value: percent-encode it" }]);
    assert.deepEqual(parseBaggage('a="x"').errors, [{ at: 2, member: 0, message: `'"' at column 3 is not allowed in a value: percent-encode it` }]);
    assert.deepEqual(parseBaggage('a=caf\u00e9').errors, [{ at: 5, member: 0, message: 'U+00E9 at column 6 is not allowed in a value: percent-encode it' }]);
  });

  it('keys are RFC 7230 tokens', () => {
    assert.deepEqual(parseBaggage("user.id!#$&'*+-^_`|~9=1").errors, []);
    assert.deepEqual(parseBaggage('user id=1').errors, [{ at: 4, member: 0, message: "' ' at column 5 is not allowed in a key: keys are RFC 7230 tokens" }]);
    assert.deepEqual(parseBaggage('a=1, =2').errors, [{ at: 5, member: 1, message: "empty key before '=' at column 6" }]);
    assert.deepEqual(parseBaggage('a=1;p(x)=2').errors, [{ at: 5, member: 0, message: "'(' at column 6 is not allowed in a property key: keys are RFC 7230 tokens" }]);
  });

  it('a list-member needs "=", and none may be empty', () => {
    assert.deepEqual(parseBaggage('a=1,flag').errors, [{ at: 4, member: 1, message: "list-member has no '=': expected key=value" }]);
    assert.deepEqual(parseBaggage('a=1,,b=2').errors, [{ at: 4, member: 1, message: 'empty list-member at column 5: expected key=value' }]);
    assert.deepEqual(parseBaggage('a=1;').errors, [{ at: 4, member: 0, message: "empty property after ';' at column 4" }]);
    assert.deepEqual(parseBaggage(' ').errors, [{ at: 1, member: 0, message: 'baggage is empty: expected at least one key=value' }]);
    const r = parseBaggage('a=1,,b=2');
    assert.deepEqual(r.entries.map((e) => e.key), ['a', 'b'], 'the valid members are kept');
  });

  it('an empty value is allowed', () => {
    assert.deepEqual(parseBaggage('a=').entries, [{ key: 'a', value: '', properties: [], at: 0 }]);
  });

  it('repeated keys are allowed, with a warning', () => {
    const r = parseBaggage('a=1,a=2');
    assert.deepEqual(r.entries.map((e) => e.value), ['1', '2']);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, [{ at: 4, member: 1, message: 'key "a" repeats the list-member at column 1; producers SHOULD avoid repeated keys' }]);
  });

  it('warns past 64 list-members and past 8192 bytes: the minimum a platform must propagate', () => {
    const many = Array.from({ length: 65 }, (_, i) => `k${i}=v`).join(',');
    const r = parseBaggage(many);
    assert.equal(r.entries.length, 65);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, [{ at: many.indexOf('k64='), member: 64, message: '65 list-members: a platform need only propagate 64, so some may be dropped' }]);
    assert.deepEqual(parseBaggage(Array.from({ length: 64 }, (_, i) => `k${i}=v`).join(',')).warnings, []);

    const big = `a=${'x'.repeat(8191)}`;
    assert.deepEqual(parseBaggage(big).warnings.map((w) => w.message), ['baggage is 8193 bytes: a platform need only propagate 8192, so some list-members may be dropped']);
    assert.deepEqual(parseBaggage(`a=${'x'.repeat(8190)}`).warnings, []);
  });
});

describe('pasted headers', () => {
  it('reads "name: value" lines in any case, "name=value", and a bare traceparent', () => {
    const r = parseHeaders(`TraceParent: ${SAMPLED}\ntracestate:rojo=1,congo=2\r\nbaggage=userId=alice\n  ${SAMPLED}  `);
    assert.deepEqual(
      r.headers.map((h) => [h.name, h.line, h.column, h.value]),
      [
        ['traceparent', 0, 13, SAMPLED],
        ['tracestate', 1, 11, 'rojo=1,congo=2'],
        ['baggage', 2, 8, 'userId=alice'],
        ['traceparent', 3, 2, SAMPLED],
      ],
    );
    assert.deepEqual(r.ignored, []);
    const [tp, ts, bg] = r.headers;
    assert.ok(tp?.name === 'traceparent' && tp.result.ok && tp.result.traceId === TRACE);
    assert.ok(ts?.name === 'tracestate' && ts.result.members.length === 2);
    assert.ok(bg?.name === 'baggage' && bg.result.entries[0]?.value === 'alice');
  });

  it('reads the -H headers of a curl command, quoted either way', () => {
    const line = `curl -s -H 'traceparent: ${SAMPLED}' -H "tracestate: congo=t61rcWkgMzE" --header baggage:a=1 -H 'Accept: */*' http://localhost:8080/orders`;
    const r = parseHeaders(line);
    assert.deepEqual(r.headers.map((h) => [h.name, h.column, h.value]), [
      ['traceparent', line.indexOf(SAMPLED), SAMPLED],
      ['tracestate', line.indexOf('congo='), 'congo=t61rcWkgMzE'],
      ['baggage', line.indexOf('a=1'), 'a=1'],
    ]);
    assert.deepEqual(r.ignored, [{ line: 0, text: 'Accept: */*' }]);
  });

  it('splits several headers on one line (the input box is one line), and reads JSON-like pairs', () => {
    const r = parseHeaders(`traceparent: ${SAMPLED} tracestate: rojo=1 baggage: a=1`);
    assert.deepEqual(r.headers.map((h) => [h.name, h.value]), [['traceparent', SAMPLED], ['tracestate', 'rojo=1'], ['baggage', 'a=1']]);
    const json = parseHeaders(`  "traceparent": "${SAMPLED}",`);
    assert.deepEqual(json.headers.map((h) => [h.name, h.column, h.value]), [['traceparent', 18, SAMPLED]]);
  });

  it('keeps the offsets of an invalid header relative to its value; other text is listed as not read', () => {
    const r = parseHeaders(`hello\ntraceparent: 00-${TRACE}-${PARENT.toUpperCase()}-01`);
    assert.deepEqual(r.ignored, [{ line: 0, text: 'hello' }]);
    const h = r.headers[0];
    assert.ok(h && h.name === 'traceparent' && !h.result.ok);
    assert.deepEqual(h.result.errors, [{ at: 38, message: 'upper-case hex at column 39: W3C requires lower case' }]);
    assert.equal(h.column, 13);
  });

  it('recognises clipboard text worth offering', () => {
    assert.equal(looksLikeTraceHeaders(`x-request: 1\ntraceparent: ${SAMPLED}`), true);
    assert.equal(looksLikeTraceHeaders(SAMPLED), true);
    assert.equal(looksLikeTraceHeaders('Baggage = a=1'), true);
    assert.equal(looksLikeTraceHeaders('git commit -m "fix the traceparent parser"'), false);
    assert.equal(looksLikeTraceHeaders('12-34'), false);
  });
});

describe('the report', () => {
  it('lists the decoded fields of a valid traceparent', () => {
    const text = formatHeadersReport(parseHeaders(`traceparent: 00-${TRACE}-${PARENT}-03`));
    assert.match(text, new RegExp(`^\\| trace id \\| ${TRACE} \\|$`, 'm'));
    assert.match(text, new RegExp(`^\\| parent id \\| ${PARENT} \\|$`, 'm'));
    assert.match(text, /^\| flags \| 03: sampled, random trace id \|$/m);
  });

  it('puts a caret under the column of each error', () => {
    const value = `00-${TRACE}-${PARENT.slice(1)}-01`;
    const text = formatHeadersReport(parseHeaders(value));
    const lines = text.split('\n');
    const i = lines.indexOf(value);
    assert.ok(i > 0, text);
    assert.equal(lines[i + 1], `${' '.repeat(36)}^ error: parent-id has 15 hex digits, expected 16`);
  });

  it('cuts a long value around the column, keeping the caret under it', () => {
    const value = `a=${'x'.repeat(300)}"`;
    const [line, caret] = caretLines(value, 302);
    assert.equal(line[caret.length - 1], '"');
    assert.ok(line.startsWith('…') && line.length <= 122);
  });

  it('header text stays inside code fences, one column per character, never markup', () => {
    const text = formatHeadersReport(parseHeaders('tracestate: a=```<img src=x>\u200b,b=[link](http://x)'));
    const lines = text.split('\n');
    const untrusted = lines.flatMap((l, i) => (l.includes('<img') || l.includes('[link]') ? [i] : []));
    assert.equal(untrusted.length, 2, text);
    for (const i of untrusted) {
      const fences = lines.slice(0, i).filter((l) => /^`{3,}/.test(l));
      assert.equal(fences.length % 2, 1, `outside a code fence: ${lines[i]}`);
      if (lines[i]!.includes('```')) assert.match(fences.at(-1)!, /^`{4,}text$/, 'the fence is longer than the backticks inside');
    }
    assert.ok(!text.includes('\u200b'), 'non-ASCII is shown as ·');
  });
});
