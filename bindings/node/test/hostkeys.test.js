'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Client, HostKeyError, HostKeyMismatchError } = require('..');
const { env, key, connectOptions } = require('../testing/helpers');

function noKnownHosts(extra = {}) {
  return connectOptions({ knownHosts: undefined, ...extra });
}

async function withClient(fn) {
  const c = new Client();
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

test('unknown host under the default policy: HostKeyError', async () => {
  await withClient(async (c) => {
    await assert.rejects(c.connect(noKnownHosts()), (e) => {
      assert.ok(e instanceof HostKeyError, `got ${e && e.name}: ${e && e.message}`);
      assert.ok(!(e instanceof HostKeyMismatchError));
      assert.strictEqual(e.code, 'GOSSH_E_HOSTKEY_UNKNOWN');
      assert.strictEqual(e.hostname, `[127.0.0.1]:${env().port}`);
      assert.match(e.key || '', /^\S+ \S+$/);
      return true;
    });
  });
});

test("'autoadd' accepts and saves the key to the loaded known_hosts file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-'));
  const kh = path.join(dir, 'known_hosts');
  try {
    await withClient(async (c) => {
      await c.connect(noKnownHosts({ hostKeyPolicy: 'autoadd', knownHosts: kh }));
      assert.strictEqual((await c.exec('echo yes')).stdout, 'yes\n');
    });
    const text = fs.readFileSync(kh, 'utf8');
    assert.ok(text.includes(`[127.0.0.1]:${env().port}`), text);
    // The saved file is now enough under the default policy.
    await withClient(async (c) => {
      await c.connect(noKnownHosts({ knownHosts: kh }));
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("'warning' accepts and warns", async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    await withClient(async (c) => {
      await c.connect(noKnownHosts({ hostKeyPolicy: 'warning' }));
    });
    await new Promise((r) => setImmediate(r));
    assert.ok(warnings.some((w) => w.name === 'HostKeyWarning'), warnings.map(String).join('; '));
  } finally {
    process.off('warning', onWarning);
  }
});

test('a policy function is called with the key and can accept', async () => {
  const calls = [];
  await withClient(async (c) => {
    await c.connect(noKnownHosts({
      hostKeyPolicy: (hostname, k) => { calls.push([hostname, k]); return true; },
    }));
    assert.strictEqual((await c.exec('echo yes')).code, 0);
  });
  assert.strictEqual(calls.length, 1);
  const [hostname, k] = calls[0];
  assert.strictEqual(hostname, `[127.0.0.1]:${env().port}`);
  assert.match(k.type, /^(ssh-|ecdsa-)/);
  assert.match(k.base64, /^[A-Za-z0-9+/=]+$/);
  assert.match(k.fingerprint, /^SHA256:/);
});

test('a policy function returning false: HostKeyError', async () => {
  await withClient(async (c) => {
    await assert.rejects(c.connect(noKnownHosts({ hostKeyPolicy: () => false })), HostKeyError);
  });
});

test('a policy function that throws: connect rejects with the thrown error', async () => {
  const boom = new Error('policy exploded');
  await withClient(async (c) => {
    await assert.rejects(c.connect(noKnownHosts({ hostKeyPolicy: () => { throw boom; } })),
      (e) => e === boom);
  });
});

test('an async policy function is refused with a TypeError', async () => {
  await withClient(async (c) => {
    await assert.rejects(c.connect(noKnownHosts({ hostKeyPolicy: async () => true })), TypeError);
  });
  // A plain function that returns a promise fails closed with a TypeError too.
  await withClient(async (c) => {
    await assert.rejects(c.connect(noKnownHosts({ hostKeyPolicy: () => Promise.resolve(true) })), TypeError);
  });
});

test('a known host with a different key: HostKeyMismatchError', async () => {
  await withClient(async (c) => {
    await assert.rejects(c.connect(connectOptions({ knownHosts: key('known_hosts_wrong') })), (e) => {
      assert.ok(e instanceof HostKeyMismatchError, `got ${e && e.name}: ${e && e.message}`);
      assert.ok(e instanceof HostKeyError);
      assert.strictEqual(e.code, 'GOSSH_E_HOSTKEY_MISMATCH');
      assert.strictEqual(e.hostname, `[127.0.0.1]:${env().port}`);
      assert.ok(e.key, 'key');
      assert.ok(e.expectedKey, 'expectedKey');
      assert.notStrictEqual(e.key, e.expectedKey);
      return true;
    });
  });
});

test('a mismatch is not overridden by autoadd or a policy function', async () => {
  let called = false;
  await withClient(async (c) => {
    await assert.rejects(c.connect(connectOptions({
      knownHosts: key('known_hosts_wrong'),
      hostKeyPolicy: () => { called = true; return true; },
    })), HostKeyMismatchError);
  });
  assert.strictEqual(called, false);
});
