#!/usr/bin/env node
// `tracelens serve ...`: runs the bundled trace server (built by `npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const server = join(__dirname, '..', 'out', 'server.js');
if (!existsSync(server)) {
  process.stderr.write(`tracelens: ${server} is not built yet; run "npm run build" in ${join(__dirname, '..')} first\n`);
  process.exit(1);
}
require(server);
