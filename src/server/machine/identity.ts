// Who a TraceLens process is, as its peers on the machine see it: the health route's answer (every listener serves
// it, so whoever finds a port taken can ask who holds it), version comparison, and what a version skew means.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { MachineStatus, ServerIdentity } from '../../protocol/messages';
import { HEALTH_PATH } from '../../protocol/messages';
import { PEER_HEADER, proofOf, sameText } from './secret';

/** The version of the requests between TraceLens processes (rpc methods and their shapes); bump on a change. */
export const PEER_PROTOCOL = 1;
const HEALTH_TIMEOUT_MS = 1500;

/**
 * Answers GET /api/tracelens/health; true when it did. With ?challenge=HEX the answer carries `proof`, an HMAC of it
 * under this user's machine secret (secret.ts); the data folder is told only to a request that carries the secret.
 */
export function answerHealth(req: http.IncomingMessage, res: http.ServerResponse, identity: () => ServerIdentity | undefined, secret: string | undefined): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== HEALTH_PATH) return false;
  const me = identity();
  if (!me) return false;
  const { dataDir, ...rest } = me;
  const challenge = url.searchParams.get('challenge') ?? '';
  const body: Record<string, unknown> = { ...rest };
  if (secret !== undefined && /^[0-9a-f]{16,128}$/.test(challenge)) body['proof'] = proofOf(secret, challenge);
  if (isPeer(req, secret)) body['dataDir'] = dataDir;
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
}

/** Does the request come from a TraceLens process of this user (it carries the machine secret)? */
export function isPeer(req: http.IncomingMessage, secret: string | undefined): boolean {
  const given = req.headers[PEER_HEADER];
  return secret !== undefined && typeof given === 'string' && sameText(given, secret);
}

export interface FoundTraceLens {
  readonly identity: ServerIdentity;
  /** It proved it knows this user's machine secret: a process of this user, to attach to and send requests. */
  readonly trusted: boolean;
}

/**
 * The TraceLens at this base URL (http://host:port), or undefined when nothing (or something else) answers. With the
 * secret, a challenge tells whether it is one of this user's; only then is the secret sent (for the data folder).
 */
export async function findTraceLens(baseUrl: string, options: { readonly secret?: string; readonly timeoutMs?: number } = {}): Promise<FoundTraceLens | undefined> {
  const timeoutMs = options.timeoutMs ?? HEALTH_TIMEOUT_MS;
  const challenge = randomBytes(16).toString('hex');
  const answer = await probeHttp(`${baseUrl}${HEALTH_PATH}?challenge=${challenge}`, { timeoutMs });
  const identity = answer?.status === 200 ? parseIdentity(answer.json as Partial<ServerIdentity>) : undefined;
  if (!identity) return undefined;
  const proof = (answer?.json as { proof?: unknown }).proof;
  const trusted = options.secret !== undefined && typeof proof === 'string' && sameText(proof, proofOf(options.secret, challenge));
  if (!trusted) return { identity, trusted: false };
  const full = await probeHttp(`${baseUrl}${HEALTH_PATH}`, { timeoutMs, headers: { [PEER_HEADER]: options.secret! } });
  const withFolder = full?.status === 200 ? parseIdentity(full.json as Partial<ServerIdentity>) : undefined;
  return { identity: withFolder?.pid === identity.pid ? withFolder : identity, trusted: true };
}

export interface ProbeAnswer {
  readonly status: number;
  readonly contentType: string;
  /** The body parsed as JSON, or undefined. */
  readonly json: unknown;
}

const MAX_PROBE_BODY = 64 * 1024;

/**
 * One HTTP request to whatever holds a port, on its own connection, which is closed when the answer is read or the
 * time is up (a program that accepts and never answers keeps no socket of ours open). Never throws.
 */
export function probeHttp(url: string, options: { readonly timeoutMs: number; readonly method?: string; readonly body?: string; readonly headers?: Record<string, string> }): Promise<ProbeAnswer | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: ProbeAnswer | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const headers = { ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers };
    const req = http.request(url, { method: options.method ?? 'GET', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_PROBE_BODY) return done({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), json: undefined });
        chunks.push(c);
      });
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        done({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), json });
      });
      res.on('error', () => done(undefined));
    });
    const timer = setTimeout(() => done(undefined), options.timeoutMs);
    req.on('error', () => done(undefined));
    req.end(options.body);
  });
}

/** Checks the shape of a health answer (it comes from whatever holds a port). */
export function parseIdentity(body: Partial<ServerIdentity> | null | undefined): ServerIdentity | undefined {
  if (!body || body.name !== 'tracelens' || typeof body.pid !== 'number' || typeof body.version !== 'string' || typeof body.queryUrl !== 'string') return undefined;
  if (!/^http:\/\/[\w.[\]:-]+$/.test(body.queryUrl)) return undefined;
  const listeners: Record<string, string> = {};
  for (const [k, v] of Object.entries(body.listeners ?? {})) if (typeof v === 'string' && /^(?:otlp-http|otlp-grpc|zipkin|query)$/.test(k)) listeners[k] = v;
  return {
    name: 'tracelens',
    version: body.version,
    protocol: typeof body.protocol === 'number' ? body.protocol : 0,
    pid: body.pid,
    queryUrl: body.queryUrl,
    ...(body.dataDir === null || typeof body.dataDir === 'string' ? { dataDir: body.dataDir } : {}),
    listeners,
  };
}

/** Compares dotted versions numerically ("0.10.0" > "0.9.1"); a pre-release suffix sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): { nums: number[]; pre: string } => {
    const [core = '', pre = ''] = v.split('-', 2);
    return { nums: core.split('.').map((n) => Number(n) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === '') return 1;
  if (y.pre === '') return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** What a version difference between the owner and this process means, or undefined when there is none. */
export function versionSkew(owner: ServerIdentity, selfVersion: string): MachineStatus['skew'] {
  const order = compareVersions(selfVersion, owner.version);
  if (order === 0 && owner.protocol === PEER_PROTOCOL) return undefined;
  const who = `TraceLens ${owner.version} (process ${owner.pid})`;
  if (owner.protocol !== PEER_PROTOCOL) {
    return order > 0
      ? { message: `the receivers are held by ${who}, which this TraceLens ${selfVersion} cannot work with; take over (it then attaches to this one), or stop it`, canTakeOver: true }
      : { message: `the receivers are held by ${who}, newer than this TraceLens ${selfVersion} and unable to work with it; update TraceLens here, or let it keep them`, canTakeOver: false };
  }
  return order > 0
    ? { message: `the receivers are held by ${who}, older than this TraceLens ${selfVersion}; take over to run them on the newer one`, canTakeOver: true }
    : { message: `the receivers are held by ${who}, newer than this TraceLens ${selfVersion}; everything works, and updating TraceLens here gives this window the newer features`, canTakeOver: false };
}
