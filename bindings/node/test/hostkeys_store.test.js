'use strict';
// HostKeys (the known_hosts store) and Client#getHostKeys against the real sshd.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { Client, HostKeys, HostKeyError, HostKeyMismatchError, KeyError } = require('..');
const { env, key, connectOptions } = require('../testing/helpers');

const hostName = () => `[${env().host}]:${env().port}`;

// The harness's lines for this server (other tests may add lines for other
// servers to the shared file).
function serverLines() {
  return fs.readFileSync(env().knownHosts, 'utf8').split('\n').filter((l) => l.startsWith(`${hostName()} `));
}

function serverKeys() {
  const out = {};
  for (const l of serverLines()) {
    const f = l.split(' ');
    out[f[1]] = `${f[1]} ${f[2]}`;
  }
  return out;
}

function wrongKey() {
  const f = fs.readFileSync(key('known_hosts_wrong'), 'utf8').trim().split(' ');
  return `${f[1]} ${f[2]}`;
}

function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-hk-'));
}

test('HostKeys: load, lookup, check, add, remove, clear, save', async () => {
  const dir = tmpdir();
  try {
    const own = path.join(dir, 'server');
    fs.writeFileSync(own, serverLines().join('\n') + '\n');
    const hk = await new HostKeys().load(own);
    const keys = serverKeys();
    assert.strictEqual(hk.size, 3);
    assert.deepStrictEqual(hk.hostnames(), [hostName()]);
    assert.deepStrictEqual(hk.lookup(hostName()), keys);
    assert.deepStrictEqual(hk.lookup('nobody'), {});
    assert.ok(hk.check(hostName(), keys['ssh-ed25519']));
    const [type, base64] = keys['ssh-ed25519'].split(' ');
    assert.ok(hk.check(hostName(), { type, base64 }));
    assert.ok(!hk.check(hostName(), wrongKey()));
    assert.throws(() => hk.check(hostName(), 'garbage'), KeyError); // the library says why (issue 8)

    hk.add(hostName(), wrongKey());
    assert.ok(hk.check(hostName(), wrongKey()) && !hk.check(hostName(), keys['ssh-ed25519']));
    assert.strictEqual(hk.size, 3);
    assert.throws(() => hk.add('h', 'ssh-ed25519 !!!'), KeyError);
    assert.strictEqual(hk.remove(hostName(), 'ssh-ed25519'), true);
    assert.strictEqual(hk.remove(hostName(), 'ssh-ed25519'), false);
    assert.strictEqual(hk.size, 2);
    hk.addLine(`@revoked * ${keys['ecdsa-sha2-nistp256']}`);
    assert.ok(!hk.check(hostName(), keys['ecdsa-sha2-nistp256']), 'revoked key checks false');
    assert.match(hk.entries(), /^@revoked \* /m);

    const hashed = HostKeys.hashHost('hashed.example');
    assert.match(hashed, /^\|1\|[^|]+\|[^|]+$/);
    assert.strictEqual(HostKeys.hashHost('hashed.example', hashed), hashed);
    hk.add(hashed, keys['ssh-ed25519']);
    assert.ok(hk.check('hashed.example', keys['ssh-ed25519']));
    const file = path.join(dir, 'kh');
    await hk.save(file);
    const found = execFileSync('ssh-keygen', ['-F', 'hashed.example', '-f', file], { encoding: 'utf8' });
    assert.match(found, /found: line/);
    const again = await new HostKeys().load(file);
    assert.strictEqual(again.entries(), hk.entries());

    assert.strictEqual(hk.remove(hostName()), true);
    hk.clear();
    assert.strictEqual(hk.size, 0);
    await assert.rejects(hk.load(path.join(dir, 'missing')), (e) => e.code === 'GOSSH_E_IO');
    hk.free();
    hk.free();
    assert.throws(() => hk.size);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('getHostKeys is the live store', async () => {
  const c = new Client();
  try {
    const hk = c.getHostKeys();
    assert.strictEqual(c.getHostKeys(), hk);
    for (const k of Object.values(serverKeys())) hk.add(hostName(), k);
    await c.connect(connectOptions({ knownHosts: undefined }));
    assert.strictEqual((await c.exec('echo ok')).stdout, 'ok\n');
  } finally {
    await c.close();
  }
  const d = new Client();
  try {
    d.getHostKeys().add(hostName(), serverKeys()['ssh-ed25519']);
    d.getHostKeys().addLine(`@revoked ${hostName()} ${serverKeys()['ssh-ed25519']}`);
    await assert.rejects(d.connect(connectOptions({ knownHosts: undefined })), (e) => {
      assert.ok(e instanceof HostKeyMismatchError, `${e.name}: ${e.message}`);
      assert.strictEqual(e.reason, 'revoked');
      assert.strictEqual(e.hostname, hostName());
      return true;
    });
  } finally {
    await d.close();
  }
});

test('a hostKeyPolicy function may add the key through getHostKeys()', async () => {
  const c = new Client();
  try {
    let seen = null;
    await c.connect(connectOptions({
      knownHosts: undefined,
      hostKeyPolicy: (hostname, k) => {
        seen = hostname;
        c.getHostKeys().add(hostname, k);
        return true;
      },
    }));
    assert.strictEqual(seen, hostName());
    assert.ok(Object.keys(c.getHostKeys().lookup(hostName())).length === 1);
  } finally {
    await c.close();
  }
});

test('mismatch details: reason, hostname, key, expectedKey', async () => {
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ knownHosts: key('known_hosts_wrong') })), (e) => {
      assert.ok(e instanceof HostKeyMismatchError && e instanceof HostKeyError);
      assert.strictEqual(e.reason, 'mismatch');
      assert.strictEqual(e.expectedKey, wrongKey());
      assert.ok(Object.values(serverKeys()).includes(e.key));
      return true;
    });
  } finally {
    await c.close();
  }
});
