#!/usr/bin/env node
'use strict';
// SFTP against the test sshd, gossh's Node binding or the ssh2 npm package:
//
//   bench_sftp.js gossh | ssh2
//
// One connection, then BENCH_TPUT_RUNS fastGet of SFTP_SRC_REMOTE to
// SFTP_DST_LOCAL and as many fastPut of SFTP_SRC_LOCAL to SFTP_DST_REMOTE
// (each library's fastest whole-file path, with its defaults), each checked
// for size. Host keys checked against GOSSH_TEST_KNOWN_HOSTS. Prints one
// JSON line.
const fs = require('fs');
const B = require('./common');

const which = process.argv[2] || 'gossh';
const E = process.env;
const SRC_REMOTE = E.SFTP_SRC_REMOTE;
const DST_LOCAL = E.SFTP_DST_LOCAL;
const SRC_LOCAL = E.SFTP_SRC_LOCAL;
const DST_REMOTE = E.SFTP_DST_REMOTE;

/** A field of /proc/self/status ('VmRSS', 'VmHWM') in MiB, 0 if missing. */
function statusMiB(field) {
  const m = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm'));
  return m ? Number(m[1]) / 1024 : 0;
}

/**
 * Resets the kernel's peak RSS of this process (VmHWM; clear_refs 5, Linux
 * >= 4.0) and returns the RSS now in MiB: VmHWM minus it, after a direction's
 * transfers, is that direction's peak growth. Where the reset is refused the
 * peak is the process's lifetime one (an over-estimate).
 */
function peakReset() {
  try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch (_) { /* lifetime peak then */ }
  return statusMiB('VmRSS');
}

async function gossh() {
  const { Client } = require('../../bindings/node');
  const c = await new Client().connect({
    host: B.host, port: B.port, username: B.username, privateKey: B.keyPath,
    knownHosts: B.knownHosts, agent: false, lookForKeys: false, timeout: 10000,
  });
  const s = await c.sftp();
  const size = (await s.stat(SRC_REMOTE)).size;
  const out = await measure(
    async () => { await s.fastGet(SRC_REMOTE, DST_LOCAL); return fs.statSync(DST_LOCAL).size; },
    async () => { await s.fastPut(SRC_LOCAL, DST_REMOTE); return (await s.stat(DST_REMOTE)).size; },
    size, fs.statSync(SRC_LOCAL).size);
  await s.close();
  await c.close();
  return { client: 'gossh-node', ...out };
}

async function ssh2() {
  const { Client } = require('ssh2');
  const knownKeys = B.knownHostKeys();
  const c = await new Promise((resolve, reject) => {
    const conn = new Client();
    conn.once('ready', () => resolve(conn));
    conn.once('error', reject);
    conn.connect({
      host: B.host, port: B.port, username: B.username, privateKey: fs.readFileSync(B.keyPath),
      readyTimeout: 10000, hostVerifier: (key) => knownKeys.some((k) => k.equals(key)),
    });
  });
  const s = await new Promise((resolve, reject) => c.sftp((err, x) => (err ? reject(err) : resolve(x))));
  const p = (fn, ...args) => new Promise((resolve, reject) => fn.call(s, ...args, (err, v) => (err ? reject(err) : resolve(v))));
  const size = (await p(s.stat, SRC_REMOTE)).size;
  const out = await measure(
    async () => { await p(s.fastGet, SRC_REMOTE, DST_LOCAL, {}); return fs.statSync(DST_LOCAL).size; },
    async () => { await p(s.fastPut, SRC_LOCAL, DST_REMOTE, {}); return (await p(s.stat, DST_REMOTE)).size; },
    size, fs.statSync(SRC_LOCAL).size);
  c.end();
  return { client: 'node-ssh2', version: require('ssh2/package.json').version, ...out };
}

async function measure(get, put, getSize, putSize) {
  const out = {};
  const dirs = [['get', get, getSize], ['put', put, putSize]];
  // BENCH_SFTP_ORDER=put,get: the puts' peak RSS growth from a fresh process.
  if ((E.BENCH_SFTP_ORDER || 'get,put').startsWith('put')) dirs.reverse();
  for (const [name, fn, want] of dirs) {
    const rss0 = peakReset();
    out[`${name}_mibs`] = [];
    out[`${name}_cpu_s`] = [];
    for (let i = 0; i < B.RUNS; i++) {
      const t0 = B.now();
      const c0 = B.cpu();
      const got = await fn();
      const secs = (B.now() - t0) / 1000;
      out[`${name}_cpu_s`].push(B.cpu() - c0);
      if (got !== want) throw new Error(`${name} moved ${got} bytes, want ${want}`);
      out[`${name}_mibs`].push(want / 1048576 / secs);
    }
    out[`${name}_rss_peak_mib`] = statusMiB('VmHWM') - rss0;
  }
  return out;
}

(which === 'ssh2' ? ssh2() : gossh()).then((out) => B.report(out))
  .catch((err) => { console.error(`${which} sftp bench:`, err); process.exit(1); });
