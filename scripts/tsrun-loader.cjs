#!/bin/sh
":" //; [ -z "$NODE_EXTRA_CA_CERTS" ] || { export TSRUN_DEFERRED_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
// The entry point of tsrun and of tsimg (dist/tsrun.cjs, dist/tsimg.cjs: this same file). It runs
// its bundle (NAME-main.cjs beside it) from V8's code cache made at build time, which spares the
// compile of the bundle and of the functions the common paths call: every tsrun call is a fresh
// process, and orchestrators make several per container; a quick tsimg command is mostly start-up.
//
// The file is both a shell script and JavaScript. Executed, /bin/sh reads the second line and execs
// node on this same file; node skips the #! line and reads the second as a string and a comment.
// Why: Node 20 parses every certificate named by NODE_EXTRA_CA_CERTS while it starts, before any
// script runs (~40 ms for the system bundle that some machines, this one included, point it at),
// and tsrun never opens a TLS connection. So the shell moves the variable aside; the process puts
// it back into its environment below, for its children, and tsimg's registry transport adds those
// certificates itself when it first makes an HTTPS connection (imgtool/registry/transport.ts).
// The build writes the node it was built with in place of "node" above (no $PATH walk per call).
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');

if (process.env.TSRUN_DEFERRED_CA_CERTS !== undefined) process.env.NODE_EXTRA_CA_CERTS = process.env.TSRUN_DEFERRED_CA_CERTS;

// tsrun has two bundles (scripts/build-bundles.ts): the full one, and a light one for every
// command but these, which start, state, kill and delete compile in a fraction of the time. A word
// of the command line is enough to choose: a container id that matches only costs the full bundle.
const FULL_BUNDLE_COMMANDS = new Set(['create', 'run', 'exec', 'update']);
const name = basename(__filename, '.cjs');
const light = name === 'tsrun' && !process.argv.slice(2).some((word) => FULL_BUNDLE_COMMANDS.has(word));
const main = join(__dirname, `${name}-${light ? 'light' : 'main'}.cjs`);
const cachePath = `${main}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cachePath);
} catch {
  // no cache: compile as usual
}
const script = new Script(wrap(readFileSync(main, 'utf8')), { filename: main, cachedData });
if (process.env.TSRUN_CODE_CACHE === 'write') {
  process.on('exit', () => {
    const tmp = `${cachePath}.${process.pid}`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cachePath);
  });
}
script.runInThisContext()(exports, require, module, main, __dirname);
