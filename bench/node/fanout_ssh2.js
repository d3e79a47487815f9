#!/usr/bin/env node
'use strict';
// Fan-out bench, the ssh2 npm package with Promise.all: BENCH_FANOUT_N
// hosts, all at once, each connect + exec('true') + exit status. The host
// key is checked in hostVerifier against the BENCH_FANOUT_KNOWN_HOSTS
// entries for [host]:port (ssh2 has no known_hosts support of its own);
// the key file is read once. The timer runs from the first connect to the
// last exit status; ending the connections is timed apart. Prints one
// JSON line (fanout_common.js).
const fs = require('fs');
const { Client } = require('ssh2');
const version = require('ssh2/package.json').version;
const F = require('./fanout_common');

// known_hosts: "[host]:port" (or host for 22) -> the keys' blobs.
const known = new Map();
for (const line of fs.readFileSync(F.knownHosts, 'utf8').split('\n')) {
  const f = line.trim().split(/\s+/);
  if (f.length < 3 || f[0].startsWith('#')) continue;
  for (const name of f[0].split(',')) {
    if (!known.has(name)) known.set(name, []);
    known.get(name).push(Buffer.from(f[2], 'base64'));
  }
}
const privateKey = fs.readFileSync(F.keyPath);

function one(i, conns) {
  const port = F.port(i);
  const keys = known.get(port === 22 ? F.host : `[${F.host}]:${port}`) || [];
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.closed = new Promise((r) => c.once('close', r));
    conns.push(c);
    c.once('error', reject);
    c.once('ready', () => {
      c.exec(F.command, (err, stream) => {
        if (err) return reject(err);
        let code = null;
        stream.on('data', () => {});
        stream.stderr.resume();
        stream.once('exit', (c0) => { code = c0; });
        stream.once('close', () => resolve(code));
      });
    });
    c.connect({
      host: F.host, port, username: F.username, privateKey, readyTimeout: F.hostTimeoutMs,
      hostVerifier: (key) => keys.some((k) => k.equals(key)),
    });
  });
}

async function main() {
  if (F.N === 0) return F.baseline('node-ssh2', version);
  const tally = new F.Tally();
  const conns = [];
  const t0 = F.now();
  // Promise.all over promises that settle per host (allSettled: a failed
  // host is counted, not the end of the run).
  const results = await Promise.allSettled(Array.from({ length: F.N }, (_, i) => one(i, conns)));
  for (const r of results) {
    if (r.status === 'fulfilled') tally.exitStatus(r.value);
    else tally.error(r.reason);
  }
  const wall = F.now() - t0;
  const t1 = F.now();
  // 'close' follows end() and every failure; the timer only keeps a
  // missing one from hanging the run.
  const late = new Promise((r) => setTimeout(r, 30000).unref());
  await Promise.race([Promise.all(conns.map((c) => { c.end(); return c.closed; })), late]);
  F.report('node-ssh2', version, 'known_hosts (hostVerifier)', 'all (Promise.all)', tally, wall, F.now() - t1);
}

main().catch((err) => { console.error('fanout_ssh2:', err); process.exit(1); });
