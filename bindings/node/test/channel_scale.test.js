'use strict';
// Scale: many channels on one client, many clients, and idle channels that
// must not take the whole libuv thread pool.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { execFile } = require('child_process');
const { Client } = require('..');
const { connectOptions } = require('../testing/helpers');

const pkg = path.resolve(__dirname, '..');

test('100 concurrent execs over one client', { timeout: 120000 }, async () => {
  const c = new Client();
  await c.connect(connectOptions());
  try {
    const rs = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      c.exec(`sleep 0.$((${i} % 5)); echo ${i}; echo e${i} >&2; exit $((${i} % 7))`)));
    rs.forEach((r, i) => assert.deepStrictEqual(r, { stdout: `${i}\n`, stderr: `e${i}\n`, code: i % 7 }));
  } finally {
    await c.close();
  }
});

test('20 clients in parallel, each with a few channels', { timeout: 120000 }, async () => {
  const clients = Array.from({ length: 20 }, () => new Client());
  try {
    await Promise.all(clients.map((c) => c.connect(connectOptions())));
    const rs = await Promise.all(clients.map(async (c, i) => {
      const [a, b] = await Promise.all([c.exec(`echo client ${i}`), c.exec('echo x', { pty: true })]);
      return [a.stdout, b.stdout];
    }));
    rs.forEach((r, i) => assert.deepStrictEqual(r, [`client ${i}\n`, 'x\r\n']));
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

// The idle channels never end by themselves (cat waits for input that never
// comes), so reads stuck behind them would never finish: the test's timeout
// is the hang guard, and nothing here is timed.
test('50 idle channels do not hold up a new exec', { timeout: 120000 }, async () => {
  const c = new Client();
  await c.connect(connectOptions());
  try {
    const idle = await Promise.all(Array.from({ length: 50 }, () => c.spawn('cat >/dev/null')));
    await new Promise((r) => setTimeout(r, 500)); // let their reads settle into waiting
    assert.strictEqual((await c.exec('echo quick')).stdout, 'quick\n');
    // With the idle ones still waiting, a channel's output still arrives.
    const sh = await c.shell({ pty: false });
    await new Promise((r) => setTimeout(r, 300));
    sh.write('echo late\n');
    const got = await new Promise((resolve) => sh.once('data', (d) => resolve(String(d))));
    assert.strictEqual(got, 'late\n');
    sh.end();
    for (const p of idle) p.kill('KILL');
    await Promise.all(idle.map((p) => p.exit));
  } finally {
    await c.close();
  }
});

test('with a tiny thread pool (UV_THREADPOOL_SIZE=2) idle channels wait for events and work still flows', { timeout: 120000 }, async () => {
  const code = `
    const { Client } = require(${JSON.stringify(pkg)});
    (async () => {
      const c = new Client();
      await c.connect(${JSON.stringify(connectOptions())});
      const idle = await Promise.all(Array.from({ length: 10 }, () => c.shell({ pty: false })));
      for (const s of idle) s.resume();
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => c.exec('echo ' + i)));
      idle[3].write('echo from-idle\\n');
      const got = await new Promise((r) => idle[3].once('data', (d) => r(String(d))));
      console.log(JSON.stringify({ ok: rs.every((r, i) => r.stdout === i + '\\n'), got }));
      await c.close();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { timeout: 60000, env: { ...process.env, UV_THREADPOOL_SIZE: '2' } },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  // The idle shells never end by themselves: a starved pool would hang the
  // child until execFile's timeout (the hang guard) kills it.
  const r = JSON.parse(out.trim().split('\n').pop());
  assert.strictEqual(r.ok, true);
  assert.strictEqual(r.got, 'from-idle\n');
});
