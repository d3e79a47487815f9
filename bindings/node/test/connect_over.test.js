'use strict';
// connect() over something other than its own TCP connection: a Duplex
// (sock), jump hosts (jump, proxyJump) and a proxy command, against the test
// sshd.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { PassThrough, Duplex } = require('stream');
const { Client, ConnectionError, TimeoutError, HostKeyMismatchError, InvalidArgumentError } = require('..');
const { env, connectOptions, silentServer, HANG_GUARD_MS } = require('../testing/helpers');

async function echo(c, text) {
  const r = await c.exec(`echo ${text}`);
  return r.stdout;
}

const hasNc = (process.env.PATH || '').split(':').some((d) => {
  try { fs.accessSync(path.join(d, 'nc'), fs.constants.X_OK); return true; } catch (_) { return false; }
});

test('sock: a net.Socket', { timeout: HANG_GUARD_MS }, async () => {
  const e = env();
  const s = net.connect(e.port, e.host);
  await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
  const c = new Client();
  try {
    await c.connect(connectOptions({ sock: s }));
    assert.strictEqual(await echo(c, 'sock'), 'sock\n');
    const big = await c.exec('head -c 300000 /dev/zero | wc -c');
    assert.strictEqual(big.stdout.trim(), '300000');
  } finally {
    await c.close();
  }
  assert.ok(s.destroyed, 'the socket is destroyed with the client');
});

test('sock: a Channel of another client (the gateway pattern)', { timeout: HANG_GUARD_MS }, async () => {
  const e = env();
  const gw = new Client();
  const c = new Client();
  try {
    await gw.connect(connectOptions());
    const ch = await gw.forwardOut('127.0.0.1', 0, e.host, e.port);
    await c.connect(connectOptions({ sock: ch }));
    assert.strictEqual(await echo(c, 'gateway'), 'gateway\n');
  } finally {
    await c.close();
    await gw.close();
  }
});

// A Duplex that never delivers a byte: the banner timeout holds over the
// bridge, many times at once.
test('sock: the banner timeout holds over a silent stream', { timeout: HANG_GUARD_MS }, async () => {
  const runs = [];
  for (let i = 0; i < 12; i++) {
    runs.push((async () => {
      const silent = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
      const c = new Client();
      try {
        await assert.rejects(c.connect(connectOptions({ sock: silent, bannerTimeout: 300 })), (err) => {
          assert.ok(err instanceof TimeoutError, `got ${err && err.name}: ${err && err.message}`);
          assert.strictEqual(err.stage, 'banner');
          return true;
        });
      } finally {
        await c.close();
      }
    })());
  }
  await Promise.all(runs);
});

test('jump: through a connected client and through hops from options', { timeout: HANG_GUARD_MS }, async () => {
  const e = env();
  const gw = new Client();
  const c = new Client();
  const c2 = new Client();
  try {
    await gw.connect(connectOptions());
    await c.connect(connectOptions({ jump: [gw] }));
    assert.strictEqual(await echo(c, 'via'), 'via\n');
    // Two hops made from options (inheriting the key and known_hosts).
    await c2.connect(connectOptions({ jump: [{ host: e.host, port: e.port, username: e.username }, { host: e.host, port: e.port, username: e.username }] }));
    assert.strictEqual(await echo(c2, 'hops'), 'hops\n');
    await c.close();
    assert.ok(gw.isActive(), 'a Client given in jump is not closed');
  } finally {
    await c2.close();
    await c.close();
    await gw.close();
  }
});

function wrongKnownHosts(name) {
  const e = env();
  const line = fs.readFileSync(path.join(e.keydir, 'known_hosts_wrong'), 'utf8').split('\n')[0];
  const key = line.slice(line.indexOf(' '));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-kh-')), 'known_hosts');
  fs.writeFileSync(file, fs.readFileSync(e.knownHosts, 'utf8') + `${name}${key}\n`);
  return file;
}

test('proxyJump: two hops, and a wrong key on the middle hop refused', { timeout: HANG_GUARD_MS }, async () => {
  const e = env();
  const c = new Client();
  try {
    await c.connect(connectOptions({ proxyJump: `${e.username}@${e.host}:${e.port},${e.username}@${e.host}:${e.port}` }));
    assert.strictEqual(await echo(c, 'jumped'), 'jumped\n');
  } finally {
    await c.close();
  }
  // The middle hop is named "localhost": its recorded key is another.
  const kh = wrongKnownHosts(`[localhost]:${e.port}`);
  const bad = new Client();
  try {
    await assert.rejects(bad.connect(connectOptions({ knownHosts: kh,
      proxyJump: `${e.username}@${e.host}:${e.port},${e.username}@localhost:${e.port}` })), (err) => {
      assert.ok(err instanceof HostKeyMismatchError, `got ${err && err.name}: ${err && err.message}`);
      assert.match(err.jumpHost, /localhost/);
      return true;
    });
  } finally {
    await bad.close();
  }
  const c3 = new Client();
  try {
    await assert.rejects(c3.connect(connectOptions({ proxyJump: 'h:99999' })), InvalidArgumentError);
    await assert.rejects(c3.connect(connectOptions({ proxyJump: 'h', proxyCommand: 'nc %h %p' })), InvalidArgumentError);
  } finally {
    await c3.close();
  }
});

test('proxyCommand: nc, and a command that fails says why', { skip: !hasNc && 'nc not installed', timeout: HANG_GUARD_MS }, async () => {
  const c = new Client();
  try {
    await c.connect(connectOptions({ proxyCommand: 'nc %h %p' }));
    assert.strictEqual(await echo(c, 'piped'), 'piped\n');
  } finally {
    await c.close();
  }
  const bad = new Client();
  try {
    await assert.rejects(bad.connect(connectOptions({ proxyCommand: "sh -c 'echo no route to %h >&2; exit 3'" })), (err) => {
      assert.ok(err instanceof ConnectionError, `got ${err && err.name}: ${err && err.message}`);
      assert.strictEqual(err.reason, 'proxy_command');
      assert.match(err.message, /no route to/);
      return true;
    });
  } finally {
    await bad.close();
  }
});

// The gateway reaches a server that never speaks: the banner timeout holds
// over the jump channel, ten times at once.
test('jump: the banner timeout holds over a jump channel', { timeout: HANG_GUARD_MS }, async () => {
  const srv = await silentServer();
  const gw = new Client();
  try {
    await gw.connect(connectOptions());
    await Promise.all(Array.from({ length: 10 }, async () => {
      const c = new Client();
      try {
        await assert.rejects(c.connect(connectOptions({ host: '127.0.0.1', port: srv.port, bannerTimeout: 200, jump: [gw] })), (err) => {
          assert.ok(err instanceof TimeoutError, `got ${err && err.name}: ${err && err.message}`);
          assert.strictEqual(err.stage, 'banner');
          return true;
        });
      } finally {
        await c.close();
      }
    }));
    assert.strictEqual(await echo(gw, 'alive'), 'alive\n');
  } finally {
    await gw.close();
    await srv.close();
  }
});

test('sock must be a Duplex', async () => {
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ sock: 42 })), TypeError);
    await assert.rejects(c.connect(connectOptions({ jump: [] })), TypeError);
  } finally {
    await c.close();
  }
});
