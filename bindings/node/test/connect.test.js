'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { Client, ConnectionError, TimeoutError, SSHError } = require('..');
const { env, connectOptions, silentServer, closedPort, HANG_GUARD_MS } = require('../testing/helpers');

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

// The server never speaks: only the banner timeout can end the connect
// (HANG_GUARD_MS catches one that does not).
test('a server that never sends a banner: TimeoutError at the banner stage', { timeout: HANG_GUARD_MS }, async () => {
  env();
  const srv = await silentServer();
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ host: '127.0.0.1', port: srv.port, bannerTimeout: 1000 })), (e) => {
      assert.ok(e instanceof TimeoutError, `got ${e && e.name}: ${e && e.message}`);
      assert.strictEqual(e.stage, 'banner');
      return true;
    });
  } finally {
    await c.close();
    await srv.close();
  }
});

// Ordering, not speed: timers fire while the connect is still pending. A
// connect that held the event loop would have settled (its banner timeout
// passed) before any timer could run. The silent server keeps it pending
// until close() ends it.
test('the event loop keeps running during connect', { timeout: HANG_GUARD_MS }, async () => {
  env();
  const srv = await silentServer();
  const c = new Client();
  let settled = false;
  try {
    const p = c.connect(connectOptions({ host: '127.0.0.1', port: srv.port, bannerTimeout: 2 * HANG_GUARD_MS }));
    p.then(() => { settled = true; }, () => { settled = true; });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 10));
      assert.strictEqual(settled, false, `the connect settled before timer ${i + 1} ran`);
    }
    await c.close();
    await assert.rejects(p, SSHError);
  } finally {
    await c.close();
    await srv.close();
  }
});

// The banner timeout is longer than the test's hang guard, so only the close
// can end the connect before the test fails.
test('close() during connect ends it', { timeout: HANG_GUARD_MS }, async () => {
  env();
  const srv = await silentServer();
  const c = new Client();
  try {
    const p = assert.rejects(c.connect(connectOptions({ host: '127.0.0.1', port: srv.port, bannerTimeout: 2 * HANG_GUARD_MS })),
      SSHError);
    await new Promise((r) => setTimeout(r, 200));
    await c.close();
    await p;
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
