'use strict';
// gossh's Node binding and Node ssh2 behind one shape, for the benches that
// run the same steps on both (bench_idle.js, bench_concurrent.js):
// connect(which) resolves with { version, exec(cmd) -> { stdout, code },
// forwardOut(port) -> Duplex to 127.0.0.1:port, close() }. Host keys are
// checked the same way: the test known_hosts's key, nothing else.
const fs = require('fs');
const B = require('./common');

function gossh() {
  const { Client } = require('../../bindings/node');
  const c = new Client();
  return c.connect({
    host: B.host, port: B.port, username: B.username, privateKey: B.keyPath,
    knownHosts: B.knownHosts, agent: false, lookForKeys: false, timeout: 30000,
  }).then(() => ({
    version: require('../../bindings/node/package.json').version,
    exec: async (cmd) => { const r = await c.exec(cmd); return { stdout: r.stdout, code: r.code }; },
    forwardOut: (port) => c.forwardOut('127.0.0.1', 0, '127.0.0.1', port),
    close: () => c.close(),
  }));
}

function ssh2() {
  const { Client } = require('ssh2');
  const knownKeys = B.knownHostKeys();
  const c = new Client();
  return new Promise((resolve, reject) => {
    c.on('ready', resolve).on('error', reject).connect({
      host: B.host, port: B.port, username: B.username,
      privateKey: fs.readFileSync(B.keyPath), readyTimeout: 30000,
      hostVerifier: (key) => knownKeys.some((k) => k.equals(key)),
    });
  }).then(() => ({
    version: require('ssh2/package.json').version,
    exec: (cmd) => new Promise((resolve, reject) => {
      c.exec(cmd, (err, stream) => {
        if (err) return reject(err);
        let stdout = '';
        let code = null;
        stream.on('data', (d) => { stdout += d; });
        stream.stderr.resume();
        stream.on('exit', (status) => { code = status; });
        stream.on('close', () => resolve({ stdout, code }));
      });
    }),
    forwardOut: (port) => new Promise((resolve, reject) => {
      c.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (err, stream) => (err ? reject(err) : resolve(stream)));
    }),
    close: () => c.end(),
  }));
}

/** The client the bench's argument names ('gossh', the default, or 'ssh2'), and its row name. */
function pick(arg) {
  return arg === 'ssh2' ? { name: 'node-ssh2', connect: ssh2 } : { name: 'gossh-node', connect: gossh };
}

module.exports = { pick };
