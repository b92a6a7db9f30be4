// `npm run package`: builds the bundles, then packages tracelens-<version>.vsix with @vscode/vsce, offline and without
// a prompt. Everything the extension runs is bundled into out/, so vsce runs with --no-dependencies; .vscodeignore
// (an allow-list) keeps the package to the runtime. The .vsix is checked afterwards: the runtime files present,
// nothing else (no source maps, tests, sources or node_modules), and no relative link left in the packaged README.
// Usage: node scripts/package.mjs [--out-dir DIR] [--no-build]
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Files the .vsix must hold (under extension/). */
const REQUIRED = ['package.json', 'readme.md', 'changelog.md', 'LICENSE.txt', 'out/extension.js', 'out/server.js', 'out/webview.js', 'media/icon.png'];
/** What may be in the .vsix besides vsce's own two files: the runtime (media/ with its walkthrough pages) and the
 * listing files; never a source map. */
const ALLOWED = /^extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt|out\/(extension|server|webview)\.js|media\/.+)$/;
const VSCE_FILES = new Set(['[Content_Types].xml', 'extension.vsixmanifest']);

/** Runs a command with the output passed through and no stdin (so nothing can wait for input). */
function run(command, args) {
  return new Promise((resolveRun, reject) => {
    // A pipe, not a terminal, on stdout: vsce then never asks "Do you want to continue?" (it would read stdin).
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s) => {
      output += s;
      process.stdout.write(s);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolveRun(output) : reject(new Error(`${basename(command)} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

/** Problems with the packaged files and README, or []. */
export async function checkVsix(file) {
  const zip = await JSZip.loadAsync(readFileSync(file));
  const names = Object.keys(zip.files).filter((name) => !zip.files[name].dir);
  const problems = [];
  for (const name of names) {
    if (!VSCE_FILES.has(name) && (!ALLOWED.test(name) || name.endsWith('.map'))) problems.push(`not runtime, should not be packaged: ${name}`);
  }
  for (const name of REQUIRED) {
    if (!names.includes(`extension/${name}`)) problems.push(`missing: extension/${name}`);
  }
  const readme = zip.file('extension/readme.md');
  if (readme !== null) {
    const text = await readme.async('string');
    // Markdown links and images, and HTML src/href: on the marketplace only absolute ones work (and in-page anchors).
    const targets = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)/g), ...text.matchAll(/\b(?:src|href)=["']([^"']+)["']/g)].map((m) => m[1]);
    for (const target of targets) {
      if (!/^(https:|mailto:|#)/.test(target)) problems.push(`README link that does not work on the marketplace: ${target}`);
    }
  }
  return problems;
}

/**
 * Builds (unless build is false) and packages the extension into outDir (default: the repository root).
 * Returns the .vsix path, its size in bytes and its number of files.
 */
export async function packageExtension({ outDir = root, build = true } = {}) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const file = join(resolve(outDir), `${manifest.name}-${manifest.version}.vsix`);
  await mkdir(dirname(file), { recursive: true });
  if (build) await run(process.execPath, [join(root, 'scripts', 'build.mjs')]); // what `npm run build` runs
  const require = createRequire(import.meta.url);
  const vscePackage = require.resolve('@vscode/vsce/package.json');
  const vsce = join(dirname(vscePackage), JSON.parse(readFileSync(vscePackage, 'utf8')).bin.vsce);
  const output = await run(process.execPath, [vsce, 'package', '--no-dependencies', '--out', file]);
  // Warnings that vsce would have asked about (answered yes without a terminal) must not pass unseen.
  if (/Do you want to continue/i.test(output)) throw new Error('vsce asked a question; fix the warning above');
  const problems = await checkVsix(file);
  if (problems.length > 0) throw new Error(`${file}:\n  ${problems.join('\n  ')}`);
  const zip = await JSZip.loadAsync(readFileSync(file));
  return { file, bytes: statSync(file).size, files: Object.values(zip.files).filter((f) => !f.dir).length };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let outDir;
  let build = true;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out-dir' && args[i + 1] !== undefined) outDir = args[++i];
    else if (args[i] === '--no-build') build = false;
    else {
      console.error(`[package] unknown option: ${args[i]}\nusage: npm run package [-- --out-dir DIR] [-- --no-build]`);
      process.exit(2);
    }
  }
  try {
    const { file, bytes, files } = await packageExtension({ outDir, build });
    const shown = outDir === undefined ? basename(file) : file;
    console.log(`${shown}: ${Math.round(bytes / 1024)} KB, ${files} files`);
  } catch (error) {
    console.error(`[package] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
