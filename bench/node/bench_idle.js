#!/usr/bin/env node
'use strict';
// How gossh's Node binding does with many idle channels, and its bulk
// throughput. Not part of `make bench`'s table (it has no peer); run it
// under the test sshd:
//
//   testenv/with-sshd.sh node bench/node/bench_idle.js
//
// 1. Throughput: BENCH_TPUT_RUNS spawns of `head -c BENCH_BYTES /dev/zero`,
//    stdout streamed and discarded (MiB/s per run).
// 2. Exec latency on one client with no idle channel, then with BENCH_IDLE
//    (default 1000) idle direct-tcpip channels open on the same client (to a
//    local TCP server that never talks): BENCH_N sequential exec('echo quick').
// 3. Wake latency: with the idle channels open, the local server writes to
//    one of them at a time; time until the bytes come out of the channel.
//
// Direct-tcpip channels, because sshd's MaxSessions (200 in the harness)
// bounds session channels per connection, and 1,000 remote `sleep`s would
// measure the server. Prints one JSON line.
const net = require('net');
const { Client } = require('../../bindings/node');
const B = require('./common');

const IDLE = Number(process.env.BENCH_IDLE || 1000);

function connect() {
  return new Client().connect({
    host: B.host, port: B.port, username: B.username, privateKey: B.keyPath,
    knownHosts: B.knownHosts, agent: false, lookForKeys: false, timeout: 10000,
  });
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const p95 = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]; };
const round = (x) => Math.round(x * 100) / 100;

async function throughput() {
  const runs = [];
  for (let i = 0; i < B.RUNS; i++) {
    const c = await connect();
    const t0 = B.now();
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
    if (code !== 0 || total !== B.SIZE) throw new Error(`head: code ${code}, ${total} bytes`);
    runs.push(round(B.SIZE / 1048576 / secs));
    await c.close();
  }
  return runs;
}

async function execLatency(c) {
  const lat = [];
  for (let i = 0; i < B.N; i++) {
    const t0 = B.now();
    const r = await c.exec('echo quick');
    lat.push(B.now() - t0);
    if (r.stdout !== 'quick\n') throw new Error(`exec said ${JSON.stringify(r.stdout)}`);
  }
  return lat;
}

async function main() {
  const result = { client: 'gossh-node', idle_channels: IDLE };
  result.throughput_runs_mibs = await throughput();

  const sockets = [];
  const server = net.createServer((s) => { s.on('error', () => {}); sockets.push(s); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;

  const c = await connect();
  const warm = await execLatency(c);
  result.exec_ms_no_idle = { median: round(median(warm)), p95: round(p95(warm)) };

  const t0 = B.now();
  const chans = [];
  for (let i = 0; i < IDLE; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, IDLE - i) },
      () => c.forwardOut('127.0.0.1', 0, '127.0.0.1', port)));
    for (const ch of batch) { ch.on('error', () => {}); chans.push(ch); }
  }
  result.open_idle_ms = round(B.now() - t0);
  while (sockets.length < IDLE) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 1000)); // let the idle channels settle into waiting

  const lat = await execLatency(c);
  result.exec_ms_idle = { median: round(median(lat)), p95: round(p95(lat)) };

  // Wake latency: which socket maps to which channel is unknown, so listen
  // on all channels and write to one server-side socket at a time.
  const wake = [];
  let waiting = null;
  for (const ch of chans) ch.on('data', () => { if (waiting) { const w = waiting; waiting = null; w(); } });
  for (let i = 0; i < B.N; i++) {
    const s = sockets[(i * 37) % sockets.length];
    const got = new Promise((r) => { waiting = r; });
    const t1 = B.now();
    s.write('x');
    await got;
    wake.push(B.now() - t1);
    await new Promise((r) => setTimeout(r, 20));
  }
  result.wake_ms_idle = { median: round(median(wake)), p95: round(p95(wake)) };

  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 2000));
  const cpu = process.cpuUsage(cpu0);
  result.idle_cpu_pct = round((cpu.user + cpu.system) / 20000);

  for (const s of sockets) s.destroy();
  await c.close();
  await new Promise((r) => server.close(r));
  B.report(result);
}

main().catch((err) => { console.error('bench_idle:', err); process.exit(1); });
