#!/usr/bin/env node
'use strict';
// The ssh2 npm package against the test sshd: BENCH_N fresh
// connect+auth+exec("true")+EOF+exit-status+close round trips, then one exec
// of `head -c BENCH_BYTES /dev/zero` whose stdout is discarded. The host key
// is checked in hostVerifier against the GOSSH_TEST_KNOWN_HOSTS entries for
// [host]:port (plain, unhashed entries only). Prints one JSON line.
const fs = require('fs');
const { Client } = require('ssh2');
const B = require('./common');

const knownKeys = B.knownHostKeys();
const privateKey = fs.readFileSync(B.keyPath);

function connect() {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => resolve(c));
    c.once('error', reject);
    c.connect({
      host: B.host, port: B.port, username: B.username, privateKey,
      readyTimeout: 10000,
      hostVerifier: (key) => knownKeys.some((k) => k.equals(key)),
    });
  });
}

function run(c, cmd) {
  return new Promise((resolve, reject) => {
    c.exec(cmd, (err, stream) => {
      if (err) return reject(err);
      let total = 0;
      let code = null;
      stream.on('data', (chunk) => { total += chunk.length; });
      stream.stderr.resume();
      stream.once('exit', (c0) => { code = c0; });
      stream.once('close', () => (code === 0 ? resolve(total) : reject(new Error(`${cmd} exited ${code}`))));
    });
  });
}

function close(c) {
  return new Promise((resolve) => { c.once('close', resolve); c.end(); });
}

async function main() {
  const lat = [];
  for (let i = 0; i < B.N; i++) {
    const t0 = B.now();
    const c = await connect();
    await run(c, 'true');
    await close(c);
    lat.push(B.now() - t0);
  }
  const runs = []; // a fresh connection (not timed) per run
  const cpus = [];
  for (let i = 0; i < B.RUNS; i++) {
    const c = await connect();
    const t0 = B.now();
    const c0 = B.cpu();
    const total = await run(c, `head -c ${B.SIZE} /dev/zero`);
    const secs = (B.now() - t0) / 1000;
    cpus.push(B.cpu() - c0);
    if (total !== B.SIZE) throw new Error(`read ${total} bytes, want ${B.SIZE}`);
    runs.push(B.SIZE / 1048576 / secs);
    await close(c);
  }
  const version = require('ssh2/package.json').version;
  B.report({ client: 'node-ssh2', host_key_check: 'known_hosts (hostVerifier)', version,
    latency_ms: lat, throughput_runs_mibs: runs, throughput_cpu_s: cpus });
}

main().catch((err) => { console.error('ssh2 bench:', err); process.exit(1); });
