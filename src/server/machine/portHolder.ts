// Who holds a port TraceLens wanted: another TraceLens (its health route), a Jaeger query API (it can be read from), a
// Zipkin server, an OTLP receiver (an OpenTelemetry Collector, Jaeger), or some other program, named with its process
// when the system tells (Linux: /proc/net/tcp* and /proc/PID/fd). The answer goes into the receiver's status and
// its error message, so the user knows what to stop, or which port to use instead.
import { promises as fs } from 'node:fs';
import * as http2 from 'node:http2';
import { basename } from 'node:path';
import type { HostPort } from '../../core/address';
import { localHttpUrl } from '../../core/address';
import type { PortHolder, ReceiverProtocol } from '../../protocol/messages';
import { findTraceLens, probeHttp } from './identity';

const PROBE_TIMEOUT_MS = 1000;
/** Processes whose name alone says little: the script they run is named too. */
const RUNTIMES = /^(?:node|nodejs|bun|deno|java|python[\d.]*|ruby|dotnet|php)$/;

/** Identifies the holder of a taken port; never throws (an unknown holder is "another program"). */
export async function identifyPortHolder(protocol: ReceiverProtocol, address: HostPort, secret?: string): Promise<PortHolder> {
  const base = localHttpUrl(address);
  const [proc, probed] = await Promise.all([listeningProcess(address.port).catch(() => undefined), probe(protocol, base, secret).catch(() => undefined)]);
  const what = probed?.what ?? (proc ? `the program ${proc.name}` : 'another program');
  return { what, ...(proc ? { process: proc } : {}), ...(probed?.jaegerApi ? { jaegerApi: probed.jaegerApi } : {}) };
}

/** One line for messages: "TraceLens 0.1.0 (process 123)", "the program nginx (process 77)". */
export function describeHolder(h: PortHolder): string {
  if (!h.process || h.what.includes(`process ${h.process.pid}`)) return h.what;
  return h.what.startsWith('the program ') ? `${h.what} (process ${h.process.pid})` : `${h.what}: ${h.process.name} (process ${h.process.pid})`;
}

/** The probes run side by side (a holder that never answers costs one timeout); the first that recognises it wins. */
async function probe(protocol: ReceiverProtocol, base: string, secret: string | undefined): Promise<{ what: string; jaegerApi?: string } | undefined> {
  if (protocol === 'otlp-grpc') return (await grpcAnswers(base)) ? { what: 'an OTLP/gRPC receiver (an OpenTelemetry Collector or Jaeger?)' } : undefined;
  const [identity, jaeger, zipkin, otlp] = await Promise.all([
    findTraceLens(base, { timeoutMs: PROBE_TIMEOUT_MS, ...(secret !== undefined ? { secret } : {}) }),
    isJson(`${base}/api/services`, (b) => Array.isArray((b as { data?: unknown })?.data)),
    protocol === 'zipkin' ? isJson(`${base}/api/v2/services`, Array.isArray) : false,
    protocol === 'otlp-http' ? otlpHttpAnswers(base) : false,
  ]);
  if (identity) {
    const who = `TraceLens ${identity.identity.version} (process ${identity.identity.pid})`;
    if (identity.trusted) return { what: who };
    // Another user's TraceLens still answers the Jaeger API on its query port: its traces can be read from there.
    return { what: `${who}, not one of this user's (it cannot prove this user's machine secret)`, ...(jaeger ? { jaegerApi: base } : {}) };
  }
  if (jaeger) return { what: 'a Jaeger query API', jaegerApi: base };
  if (zipkin) return { what: 'a Zipkin server' };
  if (otlp) return { what: 'an OTLP/HTTP receiver (an OpenTelemetry Collector or Jaeger?)' };
  return undefined;
}

async function isJson(url: string, test: (body: unknown) => boolean): Promise<boolean> {
  const answer = await probeHttp(url, { timeoutMs: PROBE_TIMEOUT_MS });
  return answer !== undefined && answer.status >= 200 && answer.status < 300 && test(answer.json);
}

/** An empty OTLP/JSON export (it stores nothing anywhere) answered as OTLP answers: 2xx, a JSON object. */
async function otlpHttpAnswers(base: string): Promise<boolean> {
  const answer = await probeHttp(`${base}/v1/traces`, { timeoutMs: PROBE_TIMEOUT_MS, method: 'POST', body: '{"resourceSpans":[]}' });
  if (!answer || answer.status < 200 || answer.status >= 300 || !/^application\/json\b/.test(answer.contentType)) return false;
  return typeof answer.json === 'object' && answer.json !== null && !Array.isArray(answer.json);
}

/** An empty OTLP/gRPC Export over HTTP/2 answered with a gRPC status. */
function grpcAnswers(base: string): Promise<boolean> {
  return new Promise((resolve) => {
    const session = http2.connect(base);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    session.on('error', () => done(false));
    const req = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers' });
    req.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined || headers['content-type']?.startsWith('application/grpc')) done(true);
    });
    req.on('trailers', (t) => done(t['grpc-status'] !== undefined));
    req.on('error', () => done(false));
    req.end(Buffer.alloc(5)); // an empty message: no compression flag, length 0
  });
}

/** The socket inodes listening on this TCP port in a /proc/net/tcp or tcp6 table. */
export function listeningInodes(table: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    if (cols.length < 10 || cols[3] !== '0A') continue;
    if (cols[1]!.split(':')[1] === hexPort && cols[9] !== '0') inodes.push(cols[9]!);
  }
  return inodes;
}

/** The scan of /proc gives up after this long (a machine with very many processes or open files). */
const PROC_SCAN_MS = 500;
const PROC_SCAN_PARALLEL = 16;

/**
 * The process listening on a TCP port, on Linux when its /proc entries are readable (this user's processes, or all
 * for root): the socket's inode from /proc/net/tcp*, then the process with that inode among its open files.
 */
async function listeningProcess(port: number): Promise<{ name: string; pid: number } | undefined> {
  if (process.platform !== 'linux') return undefined;
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => fs.readFile(f, 'utf8').catch(() => '')));
  const wanted = new Set(tables.flatMap((t) => listeningInodes(t, port)).map((i) => `socket:[${i}]`));
  if (wanted.size === 0) return undefined;
  const pids = (await fs.readdir('/proc')).filter((e) => /^\d+$/.test(e));
  const deadline = Date.now() + PROC_SCAN_MS;
  let found: number | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (found === undefined && next < pids.length && Date.now() < deadline) {
      const pid = pids[next++]!;
      const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]); // EACCES: another user's
      for (const fd of fds) {
        if (found !== undefined) return;
        if (wanted.has(await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''))) found = Number(pid);
      }
    }
  };
  await Promise.all(Array.from({ length: PROC_SCAN_PARALLEL }, worker));
  return found === undefined ? undefined : { pid: found, name: await processName(found) };
}

async function processName(pid: number): Promise<string> {
  const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() || 'unknown';
  if (!RUNTIMES.test(comm)) return comm;
  const args = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (/^-(?:e|p|c|m|-eval|-print)$/.test(a)) break; // inline code or a module: the runtime's name says enough
    if (/^(?:-r|--require|--import|--loader|--experimental-loader|-cp|-classpath|--class-path)$/.test(a)) i++; // an option's value
    else if (a !== '' && !a.startsWith('-')) return `${comm} ${basename(a)}`;
  }
  return comm;
}
