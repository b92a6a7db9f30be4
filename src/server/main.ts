// `tracelens`: the trace server's command line. `tracelens serve [options]` runs the receivers and the query API, or
// attaches to the TraceLens that already runs them on this machine (src/server/machine); with --stdio or --node-ipc
// (as vscode-languageclient starts it) it also speaks LSP to its client. `tracelens lsp` is the LSP endpoint for any
// editor: it attaches to the server running on its data dir, or joins the machine as `serve` does.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { ConfigError, HELP, parseServeArgs } from './config';
import { findRunningServer } from './machine/discovery';
import { Member } from './machine/member';
import { serveLsp } from './lsp';
import { VERSION } from './traceServer';

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
  let ownerUrl: string | undefined;
  if (command === 'lsp') {
    // `tracelens lsp` speaks LSP on stdio unless told otherwise; it attaches to a server already running on its data
    // dir (that process holds the store), whatever its query port, else it joins the machine as `serve` does.
    if (!lspMode) process.argv.push('--stdio');
    lspMode = true;
    if (config.dataDir !== null) {
      const running = await findRunningServer(config.dataDir);
      if (running.kind === 'unresponsive') {
        log(`tracelens: ${running.message}`);
        return 1;
      }
      if (running.kind === 'attach') ownerUrl = running.discovery.queryUrl;
    }
  }
  const member = await Member.join(config, { log, ...(ownerUrl ? { ownerUrl } : {}) });
  if (lspMode) {
    const connection = createConnection(ProposedFeatures.all);
    serveLsp(connection, member, log);
    connection.listen();
  }
  const status = await member.request('tracelens/status', {});
  if (member.role === 'attached' && status.machine) {
    const o = status.machine.owner;
    if (!lspMode) log(`tracelens ${VERSION} ready: attached to TraceLens ${o.version} (process ${o.pid}) at ${o.queryUrl}, which receives for this machine; this one takes over if it goes`);
    if (status.machine.skew) log(`tracelens: ${status.machine.skew.message}`);
  } else {
    const listening = status.receivers.filter((r) => r.state === 'listening');
    if (listening.length === 0 && status.receivers.some((r) => r.state === 'failed')) {
      log('tracelens: no listener could start; see the messages above');
      if (!lspMode) {
        await member.close();
        return 1;
      }
    }
    if (!lspMode) log(`tracelens ${status.version} ready: ${listening.map((r) => `${r.label} ${r.endpoint}`).join(', ')}`);
  }
  if (!lspMode) {
    member.onDidSwitch((backend) => {
      const o = backend.owner;
      log(backend.role === 'owner' ? `tracelens: this process now holds the receivers and the store` : `tracelens: following the new owner ${o ? `${o.queryUrl} (process ${o.pid})` : ''}`);
    });
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await member.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`tracelens: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
