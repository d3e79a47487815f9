'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { Client, ConnectionError, TimeoutError, SSHError } = require('..');
const { env, connectOptions, silentServer, closedPort } = require('../testing/helpers');

test('a closed port: ConnectionError with the address', async () => {
  env();
  const port = await closedPort();
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ host: '127.0.0.1', port, timeout: 3000 })), (e) => {
      assert.ok(e instanceof ConnectionError, `got ${e && e.name}: ${e && e.message}`);
      assert.strictEqual(e.code, 'GOSSH_E_CONNECT');
      assert.ok(String(e.address).includes(String(port)), `address ${e.address}`);
      return true;
    });
  } finally {
    await c.close();
  }
});

test('a server that never sends a banner: TimeoutError within 5 s', async () => {
  env();
  const srv = await silentServer();
  const c = new Client();
  try {
    const t0 = Date.now();
    await assert.rejects(c.connect(connectOptions({ host: '127.0.0.1', port: srv.port, bannerTimeout: 1000 })), (e) => {
      assert.ok(e instanceof TimeoutError, `got ${e && e.name}: ${e && e.message}`);
      assert.strictEqual(e.stage, 'banner');
      return true;
    });
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  } finally {
    await c.close();
    await srv.close();
  }
});

test('the event loop keeps running during connect', async () => {
  env();
  const srv = await silentServer();
  const c = new Client();
  let ticks = 0;
  let last = Date.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 10);
  try {
    await assert.rejects(c.connect(connectOptions({ host: '127.0.0.1', port: srv.port, bannerTimeout: 1000 })),
      SSHError);
  } finally {
    clearInterval(timer);
    await c.close();
    await srv.close();
  }
  assert.ok(ticks >= 30, `only ${ticks} ticks during a ~1 s connect`);
  assert.ok(maxGap < 250, `the event loop stalled for ${maxGap} ms`);
});

test('close() during connect ends it promptly', async () => {
  env();
  const srv = await silentServer();
  const c = new Client();
  try {
    const p = assert.rejects(c.connect(connectOptions({ host: '127.0.0.1', port: srv.port, bannerTimeout: 20000 })),
      SSHError);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await c.close();
    await p;
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    await c.close();
    await srv.close();
  }
});

test('bad options are rejected before connecting', async () => {
  const c = new Client();
  try {
    await assert.rejects(c.connect({}), TypeError);
    await assert.rejects(c.connect({ host: 'x', hostKeyPolicy: 'nonsense' }), TypeError);
    await assert.rejects(c.connect({ host: 'x', timeout: -1 }), SSHError);
  } finally {
    await c.close();
  }
});
