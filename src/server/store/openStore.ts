// The store a trace server runs on, from its configuration: the embedded store (the default), or ClickHouse over
// HTTP(S) with @clickhouse/client, or ClickHouse in this process (chDB, a development dependency loaded only then).
import { readFileSync } from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClient } from '@clickhouse/client';
import { EmbeddedStore } from '../../core/store/embeddedStore';
import { DEFAULT_TABLES } from '../../core/store/clickhouse/sql';
import type { TraceStore } from '../../core/store/store';
import type { ServerConfig } from '../config';
import { storeLocation } from '../config';
import { ClickHouseStore } from './clickhouseStore';

/** Every query in UTC: times are written and read as UTC text (DateTime64(9)). */
const SETTINGS = { session_timezone: 'UTC' } as const;
/** A ClickHouse that accepts connections and does not answer holds a request (and the server's start) this long. */
const REQUEST_TIMEOUT_MS = 10_000;

export function openStore(config: ServerConfig, log: (line: string) => void): TraceStore {
  const s = config.store;
  if (s.kind === 'embedded') return new EmbeddedStore({ dir: config.dataDir ?? undefined, retentionBytes: config.retentionBytes, retentionMs: config.retentionMs, log });
  const ttlDays = Math.max(1, Math.ceil(config.retentionMs / 86_400_000));
  const location = storeLocation(s);
  const client = s.kind === 'chdb' ? chdbClient(s.path) : createClient({ url: s.url, username: s.user, password: password(s.passwordFile), request_timeout: REQUEST_TIMEOUT_MS, clickhouse_settings: SETTINGS });
  return new ClickHouseStore({ client, tables: { database: s.database, ...DEFAULT_TABLES }, location, ttlDays, log });
}

/** TRACELENS_CLICKHOUSE_PASSWORD, else the file's first line, else none. */
function password(file: string | undefined): string {
  const fromEnv = process.env['TRACELENS_CLICKHOUSE_PASSWORD'];
  if (fromEnv !== undefined) return fromEnv;
  if (file === undefined) return '';
  return readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
}

/** @clickhouse/client on chDB's connection: the same client code on ClickHouse in this process. */
export function chdbClient(path: string): ClickHouseClient {
  let chdb: { createChdbConnection(o: { path: string }): unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a development dependency, loaded only here
    chdb = require('chdb/connection') as typeof chdb;
  } catch (e) {
    throw new Error(`--store chdb: needs the chdb package (a development dependency: npm install in the TraceLens folder): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  // chDB's Connection is @clickhouse/client-common's; the client's copy of the same interface differs only nominally.
  const connection = chdb.createChdbConnection({ path }) as NonNullable<Parameters<typeof createClient>[0]>['connection'];
  return createClient({ connection, clickhouse_settings: SETTINGS });
}
