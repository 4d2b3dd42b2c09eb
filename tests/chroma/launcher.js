// Starts the Chroma server (Rust, from Chroma's Linux bindings package) for Macha's tests.
// Usage: node launcher.js DATA_DIRECTORY PORT
// It installs no signal handlers on purpose: with one, the server ignores SIGTERM, and the tests
// stop it by sending SIGTERM to this process's id.
'use strict';

const [dataDirectory, port] = process.argv.slice(2);
if (!dataDirectory || !port) {
  console.error('usage: node launcher.js DATA_DIRECTORY PORT');
  process.exit(2);
}

const bindings = require('chromadb-js-bindings-linux-x64-gnu');
bindings.cli(['chroma', 'run', '--path', dataDirectory, '--host', '127.0.0.1', '--port', String(port)]);
