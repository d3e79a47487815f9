'use strict';
// Channels driven by the library's readiness events (lib/events.js): many
// idle channels cost nothing, bulk data in both directions arrives whole,
// and the event pipe keeps the process alive only while something waits.
// No timing assertions here: bench/node/bench_idle.js measures latency.
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('crypto');
const net = require('net');
const path = require('path');
const { execFile } = require('child_process');
const { Client } = require('..');
const events = require('../lib/events');
const { connectOptions } = require('../testing/helpers');

const pkg = path.resolve(__dirname, '..');

let client;
test.before(async () => {
  client = new Client();
  await client.connect(connectOptions());
});
test.after(async () => {
  if (client) await client.close();
});

test('1,000 idle channels on one client, then an exec completes with the right output', { timeout: 300000 }, async () => {
  const sockets = [];
  const server = net.createServer((s) => { s.on('error', () => {}); sockets.push(s); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const c = new Client();
  await c.connect(connectOptions());
  try {
    const idle = [];
    for (let i = 0; i < 1000; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 },
        () => c.forwardOut('127.0.0.1', 0, '127.0.0.1', server.address().port)));
      idle.push(...batch);
    }
    const sleepers = await Promise.all(Array.from({ length: 20 }, () => c.spawn('sleep 600')));
    assert.strictEqual(idle.length, 1000);
    while (sockets.length < 1000) await new Promise((r) => setTimeout(r, 20));

    const r = await c.exec('echo quick; echo slow >&2; exit 4');
    assert.deepStrictEqual(r, { stdout: 'quick\n', stderr: 'slow\n', code: 4 });
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => c.exec(`echo ${i}`)));
    many.forEach((m, i) => assert.strictEqual(m.stdout, `${i}\n`));

    // An idle channel wakes when its data comes, whichever it is.
    const got = [];
    for (const ch of idle) ch.on('data', (d) => got.push(String(d)));
    sockets[537].write('ping');
    while (got.length === 0) await new Promise((r) => setTimeout(r, 10));
    assert.deepStrictEqual(got, ['ping']);

    for (const p of sleepers) p.kill('KILL');
    const codes = await Promise.all(sleepers.map((p) => p.exit));
    assert.strictEqual(codes.length, 20);
    for (const s of sockets) s.end();
    await Promise.all(idle.map((ch) => new Promise((resolve) => {
      ch.resume();
      if (ch.readableEnded || ch.destroyed) resolve(); else ch.once('end', resolve).once('close', resolve);
    })));
  } finally {
    await c.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

test('a 64 MiB exec stdout arrives intact', { timeout: 120000 }, async () => {
  const size = 64 * 1024 * 1024;
  const r = await client.exec(
    `f=$(mktemp) && head -c ${size} /dev/urandom >"$f" && sha256sum <"$f" >&2 && cat "$f"; rm -f "$f"`,
    { encoding: 'buffer' });
  assert.strictEqual(r.code, 0);
  assert.strictEqual(r.stdout.length, size);
  const want = r.stderr.toString().split(/\s/)[0];
  assert.strictEqual(crypto.createHash('sha256').update(r.stdout).digest('hex'), want);
});

test('16 MiB of stdin round-trips through cat (exec and spawn)', { timeout: 120000 }, async () => {
  const data = crypto.randomBytes(16 * 1024 * 1024);
  const r = await client.exec('cat', { stdin: data, encoding: 'buffer' });
  assert.strictEqual(r.code, 0);
  assert.ok(r.stdout.equals(data), `cat echoed ${r.stdout.length} bytes`);

  // Streamed: written in uneven pieces while the echo is read.
  const p = await client.spawn('cat');
  const out = [];
  p.stdout.on('data', (d) => out.push(d));
  const ended = new Promise((resolve, reject) => { p.stdout.on('end', resolve); p.stdout.on('error', reject); });
  for (let off = 0; off < data.length;) {
    const n = Math.min(data.length - off, 1 + ((off * 7919) % (3 * 1024 * 1024)));
    if (!p.stdin.write(data.subarray(off, off + n))) await new Promise((r) => p.stdin.once('drain', r));
    off += n;
  }
  p.stdin.end();
  await ended;
  assert.strictEqual(await p.exit, 0);
  assert.ok(Buffer.concat(out).equals(data));
});

test('no channel left registered or holding the process once all are done', async () => {
  await client.exec('true');
  const p = await client.spawn('echo x');
  p.stdout.resume();
  p.stderr.resume();
  await new Promise((r) => p.once('close', r));
  await new Promise((r) => setImmediate(r));
  assert.deepStrictEqual(events.stats(), { targets: 0, holds: 0 });
});

function runChild(code) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { timeout: 60000, env: process.env },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())));
  });
}

test('the event pipe does not keep the process alive when no channel is active', { timeout: 120000 }, async () => {
  // The client stays open on purpose: once nothing waits, node exits.
  const out = await runChild(`
    const { Client } = require(${JSON.stringify(pkg)});
    (async () => {
      const c = new Client();
      await c.connect(${JSON.stringify(connectOptions())});
      const r = await c.exec('echo hi');
      console.log(r.stdout.trim());
    })().catch((e) => { console.error(e); process.exit(1); });`);
  assert.strictEqual(out, 'hi');
});

test('a running command keeps the process alive until its exit status', { timeout: 120000 }, async () => {
  const out = await runChild(`
    const { Client } = require(${JSON.stringify(pkg)});
    (async () => {
      const c = new Client();
      await c.connect(${JSON.stringify(connectOptions())});
      const p = await c.spawn('sleep 1; echo late; exit 7');
      p.stdout.on('data', (d) => process.stdout.write(d));
      p.on('exit', (code) => console.log('exit', code));
    })().catch((e) => { console.error(e); process.exit(1); });`);
  assert.strictEqual(out, 'late\nexit 7');
});
