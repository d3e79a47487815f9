'use strict';
// Shared by the Node benches: settings from the test sshd's environment,
// statistics-free timing and the one-line JSON report.
const fs = require('fs');
const path = require('path');

const e = process.env;
for (const v of ['GOSSH_TEST_HOST', 'GOSSH_TEST_PORT', 'GOSSH_TEST_USER', 'GOSSH_TEST_KEYDIR', 'GOSSH_TEST_KNOWN_HOSTS']) {
  if (!e[v]) {
    console.error(`${v} is not set: run under testenv/with-sshd.sh`);
    process.exit(2);
  }
}

module.exports = {
  host: e.GOSSH_TEST_HOST,
  port: Number(e.GOSSH_TEST_PORT),
  username: e.GOSSH_TEST_USER,
  keyPath: path.join(e.GOSSH_TEST_KEYDIR, 'id_ed25519'),
  knownHosts: e.GOSSH_TEST_KNOWN_HOSTS,
  N: Number(e.BENCH_N || 20),
  SIZE: Number(e.BENCH_BYTES || 268435456),
  RUNS: Number(e.BENCH_TPUT_RUNS || 3),
  now: () => Number(process.hrtime.bigint()) / 1e6, // ms
  // The process's user+system CPU seconds so far (every thread, libuv's pool included).
  cpu: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; },
  /**
   * The host keys (raw blobs) the test known_hosts lists for the sshd, for
   * Node ssh2's hostVerifier (ssh2 reads no known_hosts file): plain,
   * unhashed entries for host (port 22) or [host]:port. Exits if none.
   */
  knownHostKeys() {
    const name = Number(e.GOSSH_TEST_PORT) === 22 ? e.GOSSH_TEST_HOST : `[${e.GOSSH_TEST_HOST}]:${e.GOSSH_TEST_PORT}`;
    const keys = fs.readFileSync(e.GOSSH_TEST_KNOWN_HOSTS, 'utf8').split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 3 && !f[0].startsWith('#') && f[0].split(',').includes(name))
      .map((f) => Buffer.from(f[2], 'base64'));
    if (keys.length === 0) {
      console.error(`no known_hosts entry for ${name} in ${e.GOSSH_TEST_KNOWN_HOSTS}`);
      process.exit(1);
    }
    return keys;
  },
  report(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
  },
};
