// The long-running half of `npm start` (scripts/start.mjs installs and builds first, then runs this with tsx):
// code-server on 127.0.0.1 with TraceLens installed and demo/ opened, a profile kept across restarts, and the demo
// application sending traces to the extension's receiver. Ctrl+C stops everything it started.
//   node --import tsx scripts/start-workbench.ts [--no-demo]
//   TRACELENS_EDITOR_PORT=8080 (default; another free port when taken)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { editorCacheRoot, freePort, isPortFree, REPO_ROOT, startWorkbench, type Workbench } from '../test/e2e/workbench';

const OTLP_ENDPOINT = 'http://127.0.0.1:4318';
const DEFAULT_PORT = 8080;

function log(message: string): void {
  console.log(`[start] ${message}`);
}

async function choosePort(): Promise<number> {
  const raw = process.env.TRACELENS_EDITOR_PORT;
  const wanted = raw === undefined || raw === '' ? DEFAULT_PORT : Number(raw);
  if (!Number.isInteger(wanted) || wanted <= 0 || wanted > 65535) {
    throw new Error(`TRACELENS_EDITOR_PORT must be a port number (got "${raw}")`);
  }
  if (await isPortFree(wanted)) return wanted;
  const other = await freePort();
  log(`port ${wanted} is taken on 127.0.0.1; using ${other} instead (set TRACELENS_EDITOR_PORT to choose)`);
  return other;
}

/** Prefixes each line of a stream, so the demo's output is told apart from ours. */
function prefixLines(stream: NodeJS.ReadableStream | null, prefix: string, out: NodeJS.WriteStream): void {
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) out.write(`${prefix}${line}\n`);
  });
  stream?.on('end', () => {
    if (partial !== '') out.write(`${prefix}${partial}\n`);
  });
}

async function stopChild(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'no-demo': { type: 'boolean' } }, strict: true });

  // What is running, for the signal handlers (they exist before anything starts).
  const running: { workbench?: Workbench; demo?: ChildProcess; stopping?: Promise<void> } = {};
  let interrupts = 0;
  const shutdown = (code: number): Promise<void> => {
    running.stopping ??= (async () => {
      log('stopping...');
      if (running.demo !== undefined) await stopChild(running.demo, 5000);
      await running.workbench?.stop();
      log('stopped');
      process.exit(code);
    })();
    return running.stopping;
  };
  // Ctrl+C reaches this process and the demo together (same terminal group); a second Ctrl+C does not wait.
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) {
      log('second Ctrl+C: killing everything now');
      running.demo?.kill('SIGKILL');
      process.exit(130); // workbench.ts kills code-server's process group on exit
    }
    void shutdown(0);
  });
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGHUP', () => void shutdown(0));

  const workspace = existsSync(join(REPO_ROOT, 'demo')) ? join(REPO_ROOT, 'demo') : REPO_ROOT;
  if (workspace === REPO_ROOT) log('warning: demo/ does not exist yet; opening the repository root instead');
  if (!existsSync(join(REPO_ROOT, 'out', 'extension.js'))) {
    log('warning: out/extension.js is missing (not built): the workbench will list TraceLens but cannot activate it');
  }

  const port = await choosePort();
  const profileDir = join(editorCacheRoot(), 'start-profile');
  const t0 = performance.now();
  const workbench = await startWorkbench({ extensionPath: REPO_ROOT, workspace, port, profileDir });
  running.workbench = workbench;
  log(`code-server ready in ${Math.round(performance.now() - t0)} ms (profile kept in ${profileDir})`);
  if (running.stopping !== undefined) {
    await workbench.stop(); // Ctrl+C during startup: shutdown() did not know the workbench yet
    return;
  }

  void workbench.exited.then(({ code, signal }) => {
    if (running.stopping !== undefined) return;
    log(`code-server exited by itself (code ${code}, signal ${signal}). Its last output:\n${workbench.serverOutput()}`);
    void shutdown(1);
  });

  const demoScript = join(REPO_ROOT, 'demo', 'run.mjs');
  if (values['no-demo'] === true) {
    log('demo traffic: off (--no-demo)');
  } else if (!existsSync(demoScript)) {
    log('warning: demo/run.mjs does not exist yet; no demo traffic');
  } else {
    const demo = spawn(process.execPath, [demoScript, '--continuous'], {
      cwd: REPO_ROOT,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_ENDPOINT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prefixLines(demo.stdout, '[demo] ', process.stdout);
    prefixLines(demo.stderr, '[demo] ', process.stderr);
    demo.on('error', (error) => log(`demo: could not start: ${error.message}`));
    running.demo = demo;
    demo.on('exit', (code, signal) => {
      // Ctrl+C hits the demo too: only an exit nobody asked for is worth a line.
      if (running.stopping === undefined && signal !== 'SIGINT' && signal !== 'SIGTERM') {
        log(`demo exited (code ${code}, signal ${signal}); the workbench keeps running`);
      }
    });
  }

  // The workbench opens on the demo's order handler (the TraceLens view opens by itself on a first start).
  const orders = join(workspace, 'orders.js');
  const url = existsSync(orders) ? workbench.folderUrl([['openFile', workbench.remoteUri(orders)]]) : workbench.folderUrl();
  console.log(
    [
      '',
      '  TraceLens in a real VS Code workbench',
      `    Open:      ${url}`,
      `    Receiver:  ${OTLP_ENDPOINT} (OTLP/HTTP; TraceLens listens once the workbench page is open)`,
      `    Demo:      ${running.demo !== undefined ? `demo/run.mjs --continuous -> ${OTLP_ENDPOINT}` : 'not running'}`,
      '    Ctrl+C to stop',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
