#!/usr/bin/env node
'use strict';
// gossh from Node: run a command, then stream one.
//
//   GOSSH_DEMO_HOST=example.org GOSSH_DEMO_USER=me GOSSH_DEMO_KEY=~/.ssh/id_ed25519 \
//   GOSSH_DEMO_KNOWN_HOSTS=~/.ssh/known_hosts node examples/node/exec_demo.js
// (GOSSH_DEMO_PASSWORD, if set, is tried after the key.)
//
// Without GOSSH_DEMO_* it uses the test server's variables, so that
// `testenv/with-sshd.sh node examples/node/exec_demo.js` works from the
// repository root (after `make` and `npm ci` in bindings/node).
const path = require('path');

let gossh;
try {
  gossh = require('gossh');
} catch (_) {
  gossh = require(path.join(__dirname, '..', '..', 'bindings', 'node'));
}
const { Client, SSHError } = gossh;

function settings() {
  const e = process.env;
  const host = e.GOSSH_DEMO_HOST || e.GOSSH_TEST_HOST;
  if (!host) {
    console.error('Set GOSSH_DEMO_HOST (and GOSSH_DEMO_PORT, _USER, _KEY, _KNOWN_HOSTS), ' +
      'or run under testenv/with-sshd.sh.');
    process.exit(2);
  }
  return {
    host,
    port: Number(e.GOSSH_DEMO_PORT || e.GOSSH_TEST_PORT || 22),
    username: e.GOSSH_DEMO_USER || e.GOSSH_TEST_USER,
    privateKey: e.GOSSH_DEMO_KEY || (e.GOSSH_TEST_KEYDIR && path.join(e.GOSSH_TEST_KEYDIR, 'id_ed25519')),
    password: e.GOSSH_DEMO_PASSWORD || undefined,
    knownHosts: e.GOSSH_DEMO_KNOWN_HOSTS || e.GOSSH_TEST_KNOWN_HOSTS,
    // The default policy rejects hosts not in knownHosts.
  };
}

async function main() {
  const client = new Client();
  try {
    await client.connect(settings());

    // 1. Run a command and collect its output.
    const { stdout, stderr, code } = await client.exec('echo hello from gossh; uname -s');
    process.stdout.write(stdout);
    if (stderr) process.stderr.write(stderr);
    console.log(`exit code: ${code}`);

    // 2. Stream: feed stdin, read stdout as it arrives.
    const proc = await client.spawn('tr a-z A-Z; echo done >&2');
    proc.stdout.on('data', (chunk) => process.stdout.write(`[stdout] ${chunk}`));
    proc.stderr.on('data', (chunk) => process.stdout.write(`[stderr] ${chunk}`));
    proc.stdin.write('streamed through ssh\n');
    proc.stdin.end();
    const streamedCode = await new Promise((resolve) => proc.once('close', resolve));
    console.log(`streamed command exit code: ${streamedCode}`);
  } catch (e) {
    if (e instanceof SSHError) {
      console.error(`gossh: ${e.name} (${e.code}): ${e.message}`);
      process.exitCode = 1;
    } else {
      throw e;
    }
  } finally {
    await client.close();
  }
}

main();
