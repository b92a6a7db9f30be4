// `tracelens`: the trace server's command line. `tracelens serve [options]` runs the receivers and the query API;
// with --stdio or --node-ipc (as vscode-languageclient starts it) it also speaks LSP to its client.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { ConfigError, HELP, parseServeArgs } from './config';
import { serveLsp } from './lsp';
import { TraceServer } from './traceServer';

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    process.stdout.write(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const [command, ...rest] = argv;
  if (command !== 'serve') {
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
  const lspMode = rest.includes('--stdio') || rest.includes('--node-ipc') || rest.some((a) => a.startsWith('--socket'));
  // In LSP mode over stdio, stdout belongs to the protocol: every log line goes to stderr.
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
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
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`tracelens: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
