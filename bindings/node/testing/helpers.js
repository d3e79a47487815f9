'use strict';
// Shared test helpers. The suite runs against a real OpenSSH sshd started by
// testenv/with-sshd.sh, which exports GOSSH_TEST_*.
const path = require('path');
const net = require('net');

const HOW = "run the Node tests through the test server: from the repository root, " +
  "`make && testenv/with-sshd.sh sh -c 'cd bindings/node && node --test test/'`";

function env() {
  const e = process.env;
  if (!e.GOSSH_TEST_HOST) {
    throw new Error(`GOSSH_TEST_HOST is not set: ${HOW}`);
  }
  return {
    host: e.GOSSH_TEST_HOST,
    port: Number(e.GOSSH_TEST_PORT || 22),
    username: e.GOSSH_TEST_USER,
    password: e.GOSSH_TEST_PASSWORD || '',
    passphrase: e.GOSSH_TEST_PASSPHRASE || '',
    keydir: e.GOSSH_TEST_KEYDIR,
    knownHosts: e.GOSSH_TEST_KNOWN_HOSTS || path.join(e.GOSSH_TEST_KEYDIR || '.', 'known_hosts'),
  };
}

function key(name) {
  return path.join(env().keydir, name);
}

/** Options for a connect that succeeds with the ed25519 key, overridable. */
function connectOptions(extra = {}) {
  const e = env();
  return {
    host: e.host,
    port: e.port,
    username: e.username,
    privateKey: key('id_ed25519'),
    knownHosts: e.knownHosts,
    agent: false,
    lookForKeys: false,
    ...extra,
  };
}

/** A TCP server that accepts connections and never says anything. */
async function silentServer() {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A loopback port that nothing listens on. */
async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// HANG_GUARD_MS bounds a test that waits for something with no other way to
// end (a close ending a blocked call, a server that never answers). It is no
// timing assertion: what is awaited happens at once when all is well, and the
// bound only turns a hang into a failure. Tests assert behaviour, never
// durations.
const HANG_GUARD_MS = 60000;

module.exports = { env, key, connectOptions, silentServer, closedPort, HOW, HANG_GUARD_MS };
