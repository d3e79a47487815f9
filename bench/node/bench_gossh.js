#!/usr/bin/env node
'use strict';
// gossh's Node binding against the test sshd: BENCH_N fresh
// connect+auth+exec("true")+EOF+exit-status+close round trips (client.exec),
// then one spawn of `head -c BENCH_BYTES /dev/zero` whose stdout is streamed
// and discarded. Host key checked against GOSSH_TEST_KNOWN_HOSTS ('reject'
// policy). Prints one JSON line.
const { Client } = require('../../bindings/node');
const B = require('./common');

function connect() {
  return new Client().connect({
    host: B.host, port: B.port, username: B.username, privateKey: B.keyPath,
    knownHosts: B.knownHosts, agent: false, lookForKeys: false, timeout: 10000,
  });
}

async function main() {
  const lat = [];
  for (let i = 0; i < B.N; i++) {
    const t0 = B.now();
    const c = await connect();
    const r = await c.exec('true', { encoding: 'buffer' });
    if (r.code !== 0) throw new Error(`true exited ${r.code}`);
    await c.close();
    lat.push(B.now() - t0);
  }

  const runs = []; // a fresh connection (not timed) per run
  const cpus = [];
  for (let i = 0; i < B.RUNS; i++) {
    const c = await connect();
    const t0 = B.now();
    const c0 = B.cpu();
    const proc = await c.spawn(`head -c ${B.SIZE} /dev/zero`);
    let total = 0;
    proc.stdout.on('data', (chunk) => { total += chunk.length; });
    proc.stderr.resume();
    const ended = new Promise((resolve, reject) => {
      proc.stdout.once('end', resolve);
      proc.stdout.once('error', reject);
    });
    const [code] = await Promise.all([proc.exit, ended]);
    const secs = (B.now() - t0) / 1000;
    cpus.push(B.cpu() - c0);
    if (code !== 0) throw new Error(`head exited ${code}`);
    if (total !== B.SIZE) throw new Error(`read ${total} bytes, want ${B.SIZE}`);
    runs.push(B.SIZE / 1048576 / secs);
    await c.close();
  }
  B.report({ client: 'gossh-node', host_key_check: 'known_hosts', latency_ms: lat,
    throughput_runs_mibs: runs, throughput_cpu_s: cpus });
}

main().catch((err) => { console.error('gossh-node bench:', err); process.exit(1); });
