#!/usr/bin/env node
// `tracelens serve ...`: runs the bundled trace server (built by `npm run build`).
require('../out/server.js');
