// `tracelens`: the trace server's command line. `tracelens serve [options]` runs the receivers and the query API;
// with --stdio or --node-ipc (as vscode-languageclient starts it) it also speaks LSP to its client. `tracelens lsp`
// is the LSP endpoint for any editor: it attaches to the server running on its data dir, or runs one itself.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { ConfigError, HELP, parseServeArgs } from './config';
import { DISCOVERY_FILE, findRunningServer, removeDiscovery, removeDiscoverySync, serveAttachedLsp, writeDiscovery } from './lens/attach';
import { disposeLensEngine, queryUrl } from './lens/service';
import { serveLsp } from './lsp';
import { TraceServer } from './traceServer';

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    process.stdout.write(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const [command, ...rest] = argv;
  if (command !== 'serve' && command !== 'lsp') {
    process.stderr.write(`tracelens: unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  let config;
  try {
    config = parseServeArgs(rest);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`tracelens: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let lspMode = rest.includes('--stdio') || rest.includes('--node-ipc') || rest.some((a) => a.startsWith('--socket'));
  // In LSP mode over stdio, stdout belongs to the protocol: every log line goes to stderr.
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  if (command === 'lsp') {
    // `tracelens lsp` speaks LSP on stdio unless told otherwise; it attaches to a server already running on its data
    // dir (that process holds the store), else it runs one in this process.
    if (!lspMode) process.argv.push('--stdio');
    lspMode = true;
    if (config.dataDir !== null) {
      const running = await findRunningServer(config.dataDir);
      if (running.kind === 'unresponsive') {
        log(`tracelens: ${running.message}`);
        return 1;
      }
      if (running.kind === 'attach') {
        log(`tracelens lsp: attached to the trace server ${running.discovery.queryUrl} (pid ${running.discovery.pid}) that holds ${config.dataDir}`);
        const connection = createConnection(ProposedFeatures.all);
        serveAttachedLsp(connection, running.discovery, log);
        connection.listen();
        return new Promise<number>(() => undefined); // ends with the LSP exit notification
      }
    }
  }
  const server = new TraceServer(config, log);
  if (lspMode) {
    const connection = createConnection(ProposedFeatures.all);
    serveLsp(connection, server);
    connection.listen();
  }
  const status = await server.start();
  const listening = status.receivers.filter((r) => r.state === 'listening');
  if (listening.length === 0 && status.receivers.some((r) => r.state === 'failed')) {
    log('tracelens: no listener could start; see the messages above');
    if (!lspMode) return 1;
  }
  if (!lspMode) log(`tracelens ${status.version} ready: ${listening.map((r) => `${r.label} ${r.endpoint}`).join(', ')}`);
  // Published in the data dir so that `tracelens lsp` on the same folder attaches to this process.
  // Only a loopback URL: an attached process connects from this machine, and lens requests are taken from loopback only.
  const url = queryUrl(server);
  const queryEndpoint = url !== undefined && /^http:\/\/(?:127\.[\d.]+|localhost|\[::1\]):/.test(url) ? url : undefined;
  const dataDir = config.dataDir;
  if (dataDir !== null && !status.store.warning && queryEndpoint) {
    await writeDiscovery(dataDir, { pid: process.pid, version: status.version, queryUrl: queryEndpoint }).catch((e: unknown) => log(`tracelens: could not write ${DISCOVERY_FILE}: ${String(e)}`));
    process.once('exit', () => removeDiscoverySync(dataDir));
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  disposeLensEngine(server);
  await server.close();
  if (dataDir !== null) await removeDiscovery(dataDir).catch(() => undefined);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`tracelens: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
