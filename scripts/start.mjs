// `npm start`: TraceLens in a real VS Code workbench (code-server) with the demo application sending it traces.
//   1. bash scripts/setup-editor.sh   (Chromium, Node 24 and code-server; cached, about 2 minutes the first time)
//   2. node scripts/build.mjs         (skipped with --no-build)
//   3. node --import tsx scripts/start-workbench.ts   (code-server on 127.0.0.1, demo/ opened, demo traffic)
// Options: --no-build, --no-demo. Environment: TRACELENS_EDITOR_PORT (default 8080).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const known = new Set(['--no-build', '--no-demo']);
const unknown = args.filter((a) => !known.has(a));
if (unknown.length > 0) {
  console.error(`[start] unknown option(s): ${unknown.join(' ')}\nusage: npm start [-- --no-build] [-- --no-demo]`);
  process.exit(2);
}

let current; // the step running now
let signalled = false;

/** Runs one step with inherited stdio; resolves with its exit code. */
function run(command, commandArgs) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
    current = child;
    child.on('error', (error) => {
      console.error(`[start] could not run ${command}: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

// Ctrl+C reaches every process of the terminal's group, the running step included: wait for it to stop. A signal
// sent to this process alone (kill PID) is passed on as SIGTERM. The step gets 20 s, then SIGKILL.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    const child = current;
    if (child === undefined) process.exit(130);
    if (signal !== 'SIGINT') child.kill('SIGTERM');
    const timer = setTimeout(() => {
      console.error('[start] the step did not stop within 20 s; killing it');
      child.kill('SIGKILL');
    }, 20_000);
    timer.unref();
    // a terminal Ctrl+C: if the step ignores SIGINT, remind it with SIGTERM
    if (signal === 'SIGINT') setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 1000).unref();
  });
}

function step(message) {
  console.log(`[start] ${message}`);
}

let code = await run('bash', [join('scripts', 'setup-editor.sh')]);
if (code !== 0) {
  console.error('[start] the editor setup failed (see above); fix it and run npm start again');
  process.exit(code);
}
if (signalled) process.exit(130);

if (args.includes('--no-build')) {
  step('build skipped (--no-build)');
} else if (!existsSync(join(root, 'scripts', 'build.mjs'))) {
  step('warning: scripts/build.mjs does not exist yet; starting without a build');
} else {
  const t0 = Date.now();
  code = await run(process.execPath, [join('scripts', 'build.mjs')]);
  if (code !== 0) {
    console.error('[start] the build failed (see above); fix it, or run `npm start -- --no-build` to use the last build');
    process.exit(code);
  }
  step(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
if (signalled) process.exit(130);

const workbenchArgs = ['--import', 'tsx', join('scripts', 'start-workbench.ts')];
if (args.includes('--no-demo')) workbenchArgs.push('--no-demo');
code = await run(process.execPath, workbenchArgs);
process.exit(code);
