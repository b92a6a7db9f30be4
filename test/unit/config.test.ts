import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, originAllowed, parseHostPort, parseServeArgs, storeLocation } from '../../src/server/config';
import { toWireValue, formatWireValue } from '../../src/core/wire';

describe('tracelens serve options', () => {
  it('parses every flag, both spellings, and "off"', () => {
    const c = parseServeArgs(['--otlp-http', '0.0.0.0:5318', '--otlp-grpc=off', '--zipkin', '9412', '--query', '[::1]:16000', '--data-dir', '/tmp/x', '--max-body-bytes', '1024', '--max-queued-spans=9', '--retention-size', '500MiB', '--retention-age=12h', '--cors-origins', 'http://a:*, https://b', '--self-trace', '--baggage-prefix=bg.', '--node-ipc', '--clientProcessId=12']);
    assert.deepEqual(c.otlpHttp, { host: '0.0.0.0', port: 5318 });
    assert.equal(c.otlpGrpc, null);
    assert.deepEqual(c.zipkin, { host: '127.0.0.1', port: 9412 });
    assert.deepEqual(c.query, { host: '::1', port: 16000 });
    assert.equal(c.dataDir, '/tmp/x');
    assert.equal(c.maxBodyBytes, 1024);
    assert.equal(c.maxQueuedSpans, 9);
    assert.equal(c.retentionBytes, 500 * 1024 * 1024);
    assert.equal(c.retentionMs, 12 * 3600 * 1000);
    assert.equal(parseServeArgs(['--in-memory']).dataDir, null);
    assert.deepEqual(c.corsOrigins, ['http://a:*', 'https://b']);
    assert.equal(c.selfTrace, true);
    assert.equal(c.baggagePrefix, 'bg.');
    assert.equal(parseServeArgs([]).baggagePrefix, 'baggage.');
  });
  it('defaults bind to 127.0.0.1 on the standard ports', () => {
    assert.deepEqual(parseServeArgs([]), DEFAULT_CONFIG);
    assert.deepEqual([DEFAULT_CONFIG.otlpHttp, DEFAULT_CONFIG.otlpGrpc, DEFAULT_CONFIG.zipkin, DEFAULT_CONFIG.query].map((a) => `${a?.host}:${a?.port}`), ['127.0.0.1:4318', '127.0.0.1:4317', '127.0.0.1:9411', '127.0.0.1:16686']);
  });
  it('says what is wrong with a bad option', () => {
    assert.throws(() => parseServeArgs(['--otlp-http', 'localhost']), /--otlp-http: "localhost" is not HOST:PORT/);
    assert.throws(() => parseServeArgs(['--max-queued-spans', '-1']), /--max-queued-spans needs a positive whole number/);
    assert.throws(() => parseServeArgs(['--retention-size', 'lots']), /--retention-size needs a size such as 2GiB/);
    assert.throws(() => parseServeArgs(['--retention-age', '7']), /--retention-age needs an age such as 7d/);
    assert.throws(() => parseServeArgs(['--data-dir', ' ']), /--data-dir needs a folder/);
    assert.throws(() => parseServeArgs(['--nope']), (e) => e instanceof ConfigError && /unknown option "--nope"/.test(e.message));
    assert.throws(() => parseServeArgs(['--zipkin']), /--zipkin needs a value/);
    assert.throws(() => parseServeArgs(['--baggage-prefix', ' ']), /--baggage-prefix needs a prefix/);
    assert.throws(() => parseHostPort('1.2.3.4:70000', 'x'), /not HOST:PORT/);
  });
  it('--store: the embedded store by default, ClickHouse by URL (password never in it), chDB by folder', () => {
    assert.deepEqual(DEFAULT_CONFIG.store, { kind: 'embedded' });
    const ch = parseServeArgs(['--store', 'clickhouse+https://tracer@ch.example:8443/team_traces', '--clickhouse-password-file', '/run/secrets/ch']).store;
    assert.deepEqual(ch, { kind: 'clickhouse', url: 'https://ch.example:8443', user: 'tracer', database: 'team_traces', passwordFile: '/run/secrets/ch' });
    assert.equal(storeLocation(ch), 'clickhouse+https://tracer@ch.example:8443/team_traces');
    assert.deepEqual(parseServeArgs(['--store=clickhouse+http://127.0.0.1:8123']).store, { kind: 'clickhouse', url: 'http://127.0.0.1:8123', user: 'default', database: 'otel' });
    assert.deepEqual(parseServeArgs(['--store', 'chdb:/tmp/t']).store, { kind: 'chdb', path: '/tmp/t', database: 'otel' });
    assert.throws(() => parseServeArgs(['--store', 'clickhouse+http://u:secret@h:8123/db']), /TRACELENS_CLICKHOUSE_PASSWORD .*never on the command line/);
    assert.throws(() => parseServeArgs(['--store', 'clickhouse+http://h:8123/drop;table']), /not a plain ClickHouse name/);
    assert.throws(() => parseServeArgs(['--store', 'postgres://h/db']), /is not a store; use embedded, clickhouse\+http/);
    assert.throws(() => parseServeArgs(['--clickhouse-password-file', '/x']), /goes with --store clickhouse/);
  });

  it('--remote: named Jaeger, Tempo or TraceLens backends, several at once; tokens never in the URL', () => {
    const c = parseServeArgs(['--remote', 'team=jaeger+https://jaeger.example/', '--remote=peer=tracelens+http://10.0.0.5:16686']);
    assert.deepEqual(c.remotes, [
      { name: 'team', kind: 'jaeger', url: 'https://jaeger.example' },
      { name: 'peer', kind: 'tracelens', url: 'http://10.0.0.5:16686' },
    ]);
    assert.deepEqual(DEFAULT_CONFIG.remotes, []);
    assert.throws(() => parseServeArgs(['--remote', 'team=jaeger+http://a:1', '--remote', 'team=jaeger+http://b:2']), /two remotes are named "team"/);
    assert.throws(() => parseServeArgs(['--remote', 'team=jaeger+http://user:pw@a:1']), /TRACELENS_REMOTE_TOKEN_TEAM, never in its URL/);
    assert.deepEqual(parseServeArgs(['--remote', 'traces=tempo+http://tempo:3200']).remotes, [{ name: 'traces', kind: 'tempo', url: 'http://tempo:3200' }]);
    assert.throws(() => parseServeArgs(['--remote', 'team=zipkin+http://a:9411']), /not a kind of remote; use jaeger\+, tempo\+ or tracelens\+/);
    assert.throws(() => parseServeArgs(['--remote', 'http://a:16686']), /is not NAME=jaeger\+http/);
  });

  it('--forward: an OTLP/HTTP base URL (a /v1/traces suffix dropped), never with credentials, only from the durable store', () => {
    assert.equal(DEFAULT_CONFIG.forward, null);
    assert.equal(parseServeArgs(['--forward', 'http://collector:4318/']).forward, 'http://collector:4318');
    assert.equal(parseServeArgs(['--forward', 'https://otel.example/v1/traces']).forward, 'https://otel.example');
    assert.equal(parseServeArgs(['--forward', 'off']).forward, null);
    assert.throws(() => parseServeArgs(['--forward', 'http://u:p@collector:4318']), /TRACELENS_FORWARD_TOKEN, never in the URL/);
    assert.throws(() => parseServeArgs(['--forward', 'grpc://collector:4317']), /an OTLP\/HTTP endpoint/);
    assert.throws(() => parseServeArgs(['--forward', 'http://collector:4318', '--in-memory']), /needs the embedded store on disk/);
  });

  it('matches CORS origins with wildcards only where given', () => {
    const p = DEFAULT_CONFIG.corsOrigins;
    assert.equal(originAllowed('http://localhost:3000', p), true);
    assert.equal(originAllowed('http://127.0.0.1:8080', p), true);
    assert.equal(originAllowed('http://localhost.evil.com:80', p), false);
    assert.equal(originAllowed('https://example.com', p), false);
    assert.equal(originAllowed('https://example.com', ['*']), true);
  });
});

describe('wire values', () => {
  it('keep int64 and double apart, and render for display', () => {
    assert.deepEqual(toWireValue(2n ** 63n - 1n), { int: '9223372036854775807' });
    assert.equal(toWireValue(1.5), 1.5);
    assert.deepEqual(toWireValue(Infinity), { double: 'Infinity' });
    assert.deepEqual(toWireValue(new Uint8Array([0xde, 0xad])), { bytes: '3q0=' });
    assert.equal(formatWireValue(toWireValue([1n, 'a', { kvlist: [{ key: 'k', value: true }] }])), '[1, "a", {k: true}]');
    assert.equal(formatWireValue({ bytes: '3q0=' }), '0xdead');
  });
});
