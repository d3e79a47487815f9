'use strict';
// Key: every format ssh-keygen writes, generate, write, sign/verify,
// public-only keys, and certificate auth against a second sshd
// (testenv/extra-sshd.sh) that trusts a user CA.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const { execFileSync, spawn } = require('child_process');
const {
  Client, Key, KeyError, PasswordRequiredError, InvalidArgumentError, AuthenticationError, FileError,
} = require('..');
const { env, key, connectOptions } = require('../testing/helpers');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-keys-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function keygen(...args) {
  return execFileSync('ssh-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
const pubOf = (p) => fs.readFileSync(p, 'utf8').split(/\s+/).slice(0, 2).join(' ');

let n = 0;
function make(type, bits, format, pass = '') {
  const p = path.join(tmp, `k${n++}`);
  const args = ['-q', '-t', type, '-N', pass, '-C', 'c', '-f', p];
  if (bits) args.push('-b', bits);
  if (format) args.push('-m', format);
  keygen(...args);
  return p;
}

const CASES = [
  ['rsa', '2048', null, 'ssh-rsa', 2048],
  ['rsa', '2048', 'PEM', 'ssh-rsa', 2048],
  ['ecdsa', '384', 'PKCS8', 'ecdsa-sha2-nistp384', 384],
  ['ecdsa', '521', null, 'ecdsa-sha2-nistp521', 521],
  ['ed25519', null, null, 'ssh-ed25519', 256],
  ['dsa', null, null, 'ssh-dss', 1024],
  ['dsa', null, 'PEM', 'ssh-dss', 1024],
];

for (const [type, bits, format, want, wantBits] of CASES) {
  test(`load ${type}${bits || ''} ${format || 'OpenSSH'} made by ssh-keygen`, async () => {
    const p = make(type, bits, format);
    const k = await Key.fromFile(p);
    assert.strictEqual(k.type, want);
    assert.strictEqual(k.bits, wantBits);
    assert.strictEqual(k.canSign, true);
    assert.strictEqual(k.publicText, pubOf(p + '.pub'));
    assert.strictEqual(k.fingerprint, keygen('-lf', p + '.pub').split(' ')[1]);
    assert.strictEqual(k.md5, keygen('-E', 'md5', '-lf', p + '.pub').split(' ')[1]);
    assert.ok(k.equals(await Key.parse(fs.readFileSync(p))));
    const pub = Key.fromPublic(fs.readFileSync(p + '.pub', 'utf8'));
    assert.ok(pub.equals(k) && pub.canSign === false && pub.bits === wantBits);
    assert.ok(Key.fromPublic(k.blob).equals(k));
    const sig = k.sign('payload');
    assert.strictEqual(pub.verify('payload', sig), true);
    assert.strictEqual(pub.verify('payloaD', sig), false);
    assert.throws(() => pub.sign('payload'), KeyError);
  });
}

test('encrypted keys: passphrase required, wrong, right', async () => {
  for (const [type, format] of [['ed25519', null], ['rsa', 'PEM'], ['ecdsa', 'PKCS8'], ['dsa', null], ['dsa', 'PEM']]) {
    const p = make(type, type === 'rsa' ? '2048' : null, format, 'sekrit');
    await assert.rejects(Key.fromFile(p), PasswordRequiredError);
    await assert.rejects(Key.fromFile(p, 'wrong'), KeyError);
    const k = await Key.fromFile(p, 'sekrit');
    assert.strictEqual(k.publicText, pubOf(p + '.pub'));
  }
});

test('bad input', async () => {
  await assert.rejects(Key.parse('garbage'), KeyError);
  await assert.rejects(Key.fromFile(path.join(tmp, 'missing')), FileError);
  assert.throws(() => Key.fromPublic('ssh-rsa AAAA'), KeyError);
  assert.throws(() => Key.fromPublic(Buffer.from([0, 0, 0, 1, 120])), KeyError);
  await assert.rejects(Key.generate('rsa', 512), InvalidArgumentError);
  await assert.rejects(Key.generate('nope'), InvalidArgumentError);
  const k = await Key.generate();
  assert.strictEqual(k.verify('x', Buffer.from('junk')), false);
  assert.throws(() => k.sign('x', 'rsa-sha2-256'), KeyError);
  assert.throws(() => k.loadCertificate(path.join(tmp, 'missing-cert.pub')), FileError);
  assert.strictEqual(k.certificate, null);
  k.free();
  k.free();
  assert.throws(() => k.type, (e) => e.code === 'GOSSH_E_BADHANDLE');
});

for (const [type, bits, want, wantBits] of [
  ['ed25519', 0, 'ssh-ed25519', 256], ['ecdsa', 384, 'ecdsa-sha2-nistp384', 384],
  ['rsa', 2048, 'ssh-rsa', 2048], ['dsa', 0, 'ssh-dss', 1024],
]) {
  test(`generate ${type} ${bits}, write, ssh-keygen -y reads it`, async () => {
    const k = await Key.generate(type, bits);
    assert.strictEqual(k.type, want);
    assert.strictEqual(k.bits, wantBits);
    for (const pass of [undefined, 'pass phrase']) {
      const p = path.join(tmp, `gen-${type}-${n++}`);
      await k.writePrivateFile(p, pass);
      assert.strictEqual(fs.statSync(p).mode & 0o777, 0o600);
      const args = ['-y', '-f', p].concat(pass ? ['-P', pass] : []);
      assert.strictEqual(keygen(...args).split(/\s+/).slice(0, 2).join(' '), k.publicText);
      assert.ok(k.equals(await Key.fromFile(p, pass)));
    }
    const text = await k.toPrivate();
    assert.match(text, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    assert.ok(k.equals(await Key.parse(text)));
  });
}

test('RSA signature algorithms', async () => {
  const k = await Key.generate('rsa', 2048);
  for (const [alg, want] of [[undefined, 'rsa-sha2-512'], ['rsa-sha2-256', 'rsa-sha2-256'], ['ssh-rsa', 'ssh-rsa']]) {
    const sig = k.sign(Buffer.from('x'), alg);
    assert.strictEqual(sig.subarray(4, 4 + want.length).toString(), want);
    assert.ok(k.verify(Buffer.from('x'), sig));
  }
});

test('a Key as connect privateKey', async () => {
  const k = await Key.fromFile(key('id_ed25519_enc'), env().passphrase);
  const c = new Client();
  try {
    await c.connect(connectOptions({ privateKey: k }));
    assert.strictEqual((await c.exec('echo ok')).stdout, 'ok\n');
  } finally {
    await c.close();
  }
});

/** Starts testenv/extra-sshd.sh with args; resolves { port, knownHosts, stop }. */
async function extraSSHD(...args) {
  const knownHosts = path.join(tmp, `kh${n++}`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const proc = spawn(path.join(ROOT, 'testenv', 'extra-sshd.sh'), [String(port), knownHosts, ...args],
      { stdio: 'ignore' });
    let exited = false;
    const gone = new Promise((resolve) => proc.on('exit', () => { exited = true; resolve(); }));
    for (let i = 0; i < 100 && !exited; i++) {
      const ok = await new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
        c.on('error', () => resolve(false));
      });
      if (ok) return { port, knownHosts, stop: async () => { proc.kill('SIGKILL'); await gone; } };
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    await gone;
  }
  throw new Error('could not start a second sshd');
}

test('certificate auth against an sshd trusting a user CA', async () => {
  const ca = path.join(tmp, 'ca');
  keygen('-q', '-t', 'ed25519', '-N', '', '-f', ca);
  const k = await Key.generate('ed25519');
  const pub = path.join(tmp, 'user.pub');
  fs.writeFileSync(pub, k.publicText + '\n');
  keygen('-q', '-s', ca, '-I', 'gossh-node', '-n', env().username, pub);
  const cert = path.join(tmp, 'user-cert.pub');
  const server = await extraSSHD('-o', `TrustedUserCAKeys=${ca}.pub`);
  const run = async (key) => {
    const c = new Client();
    try {
      await c.connect(connectOptions({ port: server.port, knownHosts: server.knownHosts, privateKey: key }));
      return (await c.exec('echo cert-ok')).stdout;
    } finally {
      await c.close();
    }
  };
  try {
    await assert.rejects(run(k), AuthenticationError);
    assert.strictEqual(k.loadCertificate(cert), k);
    assert.match(k.certificate, /^ssh-ed25519-cert-v01@openssh\.com /);
    assert.strictEqual(await run(k), 'cert-ok\n');
    const k2 = (await Key.parse(await k.toPrivate())).loadCertificate(fs.readFileSync(cert));
    assert.strictEqual(await run(k2), 'cert-ok\n');
    const other = await Key.generate('ed25519');
    assert.throws(() => other.loadCertificate(cert), KeyError);
  } finally {
    await server.stop();
  }
});
