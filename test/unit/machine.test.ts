// The pure parts of one-receiver-per-machine: version order, what a skew means, the health answer's shape (it comes
// from whatever holds a port), and finding a port's listening socket in /proc/net/tcp.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerIdentity } from '../../src/protocol/messages';
import { compareVersions, parseIdentity, PEER_PROTOCOL, versionSkew } from '../../src/server/machine/identity';
import { describeHolder, listeningInodes } from '../../src/server/machine/portHolder';

const owner = (version: string, protocol = PEER_PROTOCOL): ServerIdentity => ({ name: 'tracelens', version, protocol, pid: 42, queryUrl: 'http://127.0.0.1:16686', listeners: {} });

describe('versions', () => {
  it('compares dotted versions as numbers, a pre-release before its release', () => {
    assert.equal(compareVersions('0.10.0', '0.9.1'), 1);
    assert.equal(compareVersions('0.1.0', '0.1.0'), 0);
    assert.equal(compareVersions('0.1', '0.1.0'), 0);
    assert.equal(compareVersions('1.0.0-beta.1', '1.0.0'), -1);
    assert.equal(compareVersions('1.0.0', '1.0.0-rc.1'), 1);
    assert.equal(compareVersions('1.0.0-alpha', '1.0.0-beta'), -1);
  });

  it('a skew says who holds the receivers, and only the newer side offers to take over', () => {
    assert.equal(versionSkew(owner('0.1.0'), '0.1.0'), undefined);
    const older = versionSkew(owner('0.1.0'), '0.2.0')!;
    assert.equal(older.canTakeOver, true);
    assert.match(older.message, /held by TraceLens 0\.1\.0 \(process 42\), older than this TraceLens 0\.2\.0; take over/);
    const newer = versionSkew(owner('0.3.0'), '0.2.0')!;
    assert.equal(newer.canTakeOver, false);
    assert.match(newer.message, /newer than this TraceLens 0\.2\.0; everything works/);
    const incompatible = versionSkew(owner('0.1.0', PEER_PROTOCOL + 1), '0.1.0')!;
    assert.equal(incompatible.canTakeOver, false, 'same version, other protocol: not newer, so no takeover');
    assert.match(versionSkew(owner('0.1.0', 0), '0.2.0')!.message, /cannot work with; take over/);
  });
});

describe('health answers', () => {
  it('accepts a TraceLens identity and keeps only the known listeners', () => {
    const id = parseIdentity({ ...owner('0.1.0'), dataDir: '/data', listeners: { 'otlp-http': '127.0.0.1:4318', bogus: 'x', query: 7 } as never });
    assert.deepEqual(id?.listeners, { 'otlp-http': '127.0.0.1:4318' });
    assert.equal(id?.dataDir, '/data');
    assert.equal(parseIdentity({ ...owner('0.1.0'), dataDir: null })?.dataDir, null);
  });

  it('refuses what is not TraceLens, or a query URL that is not a plain http origin', () => {
    assert.equal(parseIdentity({ name: 'jaeger' } as never), undefined);
    assert.equal(parseIdentity(null), undefined);
    assert.equal(parseIdentity({ ...owner('0.1.0'), pid: '42' as never }), undefined);
    assert.equal(parseIdentity({ ...owner('0.1.0'), queryUrl: 'http://127.0.0.1:16686/../x?y' }), undefined);
    assert.equal(parseIdentity({ ...owner('0.1.0'), queryUrl: 'file:///etc/passwd' }), undefined);
  });
});

describe('port holders', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:10E6 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 51234 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:10E6 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 51299 1 0000000000000000 20 4 30 10 -1',
    '   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0',
  ].join('\n');

  it('finds the listening socket of a port, not its connections', () => {
    assert.deepEqual(listeningInodes(table, 4326), ['51234']);
    assert.deepEqual(listeningInodes(table, 8080), ['777']);
    assert.deepEqual(listeningInodes(table, 4318), []);
    assert.deepEqual(listeningInodes('', 4318), []);
  });

  it('names a holder with its process once', () => {
    assert.equal(describeHolder({ what: 'the program nginx', process: { name: 'nginx', pid: 7 } }), 'the program nginx (process 7)');
    assert.equal(describeHolder({ what: 'a Jaeger query API', process: { name: 'jaeger', pid: 9 } }), 'a Jaeger query API: jaeger (process 9)');
    assert.equal(describeHolder({ what: 'TraceLens 0.1.0 (process 5)', process: { name: 'node server.js', pid: 5 } }), 'TraceLens 0.1.0 (process 5)');
    assert.equal(describeHolder({ what: 'another program' }), 'another program');
  });
});
