#!/usr/bin/env node
'use strict';
// Many idle channels on one client, and the round trip of a forwarded
// channel: gossh's Node binding (argument `gossh`, the default) or Node ssh2
// (`ssh2`), the same steps for both. `make bench` (bench/run.py) runs both
// and prints them side by side; alone, under the test sshd:
//
//   testenv/with-sshd.sh node bench/node/bench_idle.js [gossh|ssh2]
//
// 1. Exec latency on one client with no idle channel, then with BENCH_IDLE
//    (default 1000) idle direct-tcpip channels open on the same client (to a
//    local TCP server that never talks): BENCH_N sequential execs of
//    `echo quick`, each timed to its output and exit status.
// 2. Wake latency: with one forwarded channel open, and then with the idle
//    channels open, the local server writes one byte to one of them at a
//    time (TCP_NODELAY), BENCH_WAKE_GAP_MS apart (default 20, an idle
//    interactive session); time until the byte comes out of the channel:
//    sshd's relay plus the client's read path.
// 3. The client's CPU over 2 s with the channels open and nothing moving.
//
// Direct-tcpip channels, because sshd's MaxSessions (200 in the harness)
// bounds session channels per connection, and 1,000 remote `sleep`s would
// measure the server. Prints one JSON line.
const net = require('net');
const B = require('./common');

const { name: CLIENT, connect } = require('./pair').pick(process.argv[2]);
const IDLE = Number(process.env.BENCH_IDLE || 1000);
const WAKE_GAP_MS = Number(process.env.BENCH_WAKE_GAP_MS || 20);

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const p95 = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]; };
const round = (x) => Math.round(x * 1000) / 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function execLatency(c) {
  const lat = [];
  for (let i = 0; i < B.N; i++) {
    const t0 = B.now();
    const r = await c.exec('echo quick');
    lat.push(B.now() - t0);
    if (r.stdout !== 'quick\n' || r.code !== 0) throw new Error(`exec said ${JSON.stringify(r)}`);
  }
  return lat;
}

async function main() {
  const result = { client: CLIENT, idle_channels: IDLE };

  const sockets = [];
  const server = net.createServer((s) => { s.setNoDelay(true); s.on('error', () => {}); sockets.push(s); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;

  const c = await connect();
  result.version = c.version;
  await execLatency(c); // warm up
  const warm = await execLatency(c);
  result.exec_ms_no_idle = { median: round(median(warm)), p95: round(p95(warm)) };

  // Wake latency: the server side writes one byte to one of the channels at
  // a time; which socket maps to which channel is unknown, so every channel
  // listens. First with one channel open, then with IDLE.
  const chans = [];
  let waiting = null;
  const listen = (ch) => {
    ch.on('error', () => {});
    ch.on('data', () => { if (waiting) { const w = waiting; waiting = null; w(); } });
    chans.push(ch);
  };
  const wakeLatency = async () => {
    const wake = [];
    for (let i = 0; i < Math.max(B.N, 40); i++) {
      const s = sockets[(i * 37) % sockets.length];
      const got = new Promise((r) => { waiting = r; });
      const t1 = B.now();
      s.write('x');
      await got;
      wake.push(B.now() - t1);
      await sleep(WAKE_GAP_MS);
    }
    return { median: round(median(wake)), p95: round(p95(wake)) };
  };
  listen(await c.forwardOut(port));
  while (sockets.length < 1) await sleep(5);
  result.wake_ms_one = await wakeLatency();

  const t0 = B.now();
  for (let i = 1; i < IDLE; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, IDLE - i) }, () => c.forwardOut(port)));
    batch.forEach(listen);
  }
  result.open_idle_ms = round(B.now() - t0);
  while (sockets.length < IDLE) await sleep(10);
  await sleep(1000); // let the idle channels settle into waiting

  const lat = await execLatency(c);
  result.exec_ms_idle = { median: round(median(lat)), p95: round(p95(lat)) };
  result.wake_ms_idle = await wakeLatency();

  const cpu0 = process.cpuUsage();
  await sleep(2000);
  const cpu = process.cpuUsage(cpu0);
  result.idle_cpu_pct = round((cpu.user + cpu.system) / 20000);

  for (const s of sockets) s.destroy();
  await c.close();
  await new Promise((r) => server.close(r));
  B.report(result);
}

main().then(() => process.exit(0), (err) => { console.error('bench_idle:', err); process.exit(1); });
