// Builds the three bundles (extension, trace server, webview UI) and the in-editor test suite with esbuild.
// Usage: node scripts/build.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
const common = { bundle: true, sourcemap: true, minify, logLevel: 'warning', legalComments: 'none' };

const integrationTests = readdirSync('test/integration')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join('test/integration', f));

const builds = [
  // The extension: runs in the VS Code extension host; `vscode` is provided by the host.
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'out', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  // The trace server: a plain Node process (`tracelens serve`, and the extension's language server). chdb (ClickHouse
  // in-process, a native addon) is a development dependency for `--store chdb:DIR`, loaded from node_modules.
  { ...common, entryPoints: { server: 'src/server/main.ts' }, outdir: 'out', platform: 'node', format: 'cjs', target: 'node20', external: ['chdb', 'chdb/*'] },
  // The webview UI: one browser bundle for VS Code panels and the standalone page.
  { ...common, entryPoints: { webview: 'src/webview/main.ts' }, outdir: 'out', platform: 'browser', format: 'iife', target: 'es2022' },
  // The mocha suite that runs inside the real extension host.
  { ...common, entryPoints: integrationTests, outdir: 'out/test/integration', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'] },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  const t0 = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`esbuild: built ${builds.length} bundles in ${Date.now() - t0} ms`);
}
