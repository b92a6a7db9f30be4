// The machine secret of one user: TraceLens processes of the same user trust each other because they can read it
// (a 0600 file in the user's runtime folder); other users' processes, and programs that only squat on a port, cannot.
// A process proves it knows the secret in its health answer (an HMAC of the asker's challenge), before anyone sends
// it requests; requests between processes carry the secret itself, over loopback.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const FILE = 'peer-secret';
const SECRET = /^[0-9a-f]{64}$/;

/** TRACELENS_RUNTIME_DIR, else $XDG_RUNTIME_DIR/tracelens, else ~/.tracelens. */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['TRACELENS_RUNTIME_DIR']) return env['TRACELENS_RUNTIME_DIR'];
  if (env['XDG_RUNTIME_DIR']) return join(env['XDG_RUNTIME_DIR'], 'tracelens');
  return join(homedir(), '.tracelens');
}

let cached: Promise<string> | undefined;

/** This user's secret, made on first use (atomically: two processes starting at once agree on one). */
export function machineSecret(): Promise<string> {
  cached ??= readOrMake(runtimeDir()).catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function readOrMake(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, FILE);
  for (let attempt = 0; attempt < 50; attempt++) {
    const text = (await fs.readFile(path, 'utf8').catch(() => '')).trim();
    if (SECRET.test(text)) return text;
    if (text === '') {
      // Written whole under another name, then linked into place: a reader never sees half a secret.
      const tmp = join(dir, `${FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
      await fs.writeFile(tmp, randomBytes(32).toString('hex'), { mode: 0o600 });
      await fs.link(tmp, path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      await fs.rm(tmp, { force: true });
      continue;
    }
    // Damaged: replace it (processes holding the old one stop trusting each other until they restart).
    await fs.rm(path, { force: true });
  }
  throw new Error(`could not read or make ${path}`);
}

/** The proof that the answerer knows the secret, for this challenge. */
export function proofOf(secret: string, challenge: string): string {
  return createHmac('sha256', secret).update(`tracelens-health:${challenge}`).digest('hex');
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The header that carries the secret on requests between processes. */
export const PEER_HEADER = 'x-tracelens-peer';
