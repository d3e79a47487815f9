'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const { Client, AuthenticationError, PasswordRequiredError, SSHError } = require('..');
const { env, key, connectOptions } = require('../testing/helpers');

async function connectAndRun(opts) {
  const c = new Client();
  try {
    await c.connect(opts);
    assert.strictEqual(c.isActive(), true);
    assert.strictEqual(c.isAuthenticated(), true);
    const r = await c.exec('echo ok');
    assert.deepStrictEqual(r, { stdout: 'ok\n', stderr: '', code: 0 });
  } finally {
    await c.close();
  }
}

for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa', 'id_rsa_pem']) {
  test(`key auth with ${name} (path)`, async () => {
    await connectAndRun(connectOptions({ privateKey: key(name) }));
  });
}

test('key auth with key text as a Buffer and as a string', async () => {
  await connectAndRun(connectOptions({ privateKey: fs.readFileSync(key('id_ecdsa')) }));
  await connectAndRun(connectOptions({ privateKey: fs.readFileSync(key('id_rsa_pem'), 'utf8') }));
});

test('several keys: the wrong one first, then a good one', async () => {
  await connectAndRun(connectOptions({ privateKey: [key('id_wrong'), key('id_ed25519')] }));
});

test('encrypted key with its passphrase', async () => {
  await connectAndRun(connectOptions({ privateKey: key('id_ed25519_enc'), passphrase: env().passphrase }));
});

test('encrypted key text with its passphrase', async () => {
  await connectAndRun(connectOptions({
    privateKey: fs.readFileSync(key('id_ed25519_enc')),
    passphrase: env().passphrase,
  }));
});

test('encrypted key without a passphrase: PasswordRequiredError', async () => {
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ privateKey: key('id_ed25519_enc') })), (e) => {
      assert.ok(e instanceof PasswordRequiredError, `got ${e && e.name}: ${e && e.message}`);
      assert.strictEqual(e.code, 'GOSSH_E_PASSWORD_REQUIRED');
      assert.strictEqual(e.errno, -8);
      return true;
    });
  } finally {
    await c.close();
  }
});

test('encrypted key text without a passphrase: PasswordRequiredError', async () => {
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ privateKey: fs.readFileSync(key('id_ed25519_enc')) })),
      PasswordRequiredError);
  } finally {
    await c.close();
  }
});

test('an unauthorized key: AuthenticationError with allowedTypes', async () => {
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ privateKey: key('id_wrong') })), (e) => {
      assert.ok(e instanceof AuthenticationError, `got ${e && e.name}: ${e && e.message}`);
      assert.ok(e instanceof SSHError);
      assert.ok(Array.isArray(e.allowedTypes));
      assert.ok(e.allowedTypes.includes('publickey'), `allowedTypes: ${e.allowedTypes}`);
      return true;
    });
    assert.strictEqual(c.isAuthenticated(), false);
  } finally {
    await c.close();
  }
});

test('password auth, and a wrong password', async (t) => {
  const e = env();
  if (!e.password) {
    t.skip('GOSSH_TEST_PASSWORD is empty: the test sshd has no password authentication');
    return;
  }
  await connectAndRun(connectOptions({ privateKey: undefined, password: e.password }));
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ privateKey: undefined, password: e.password + 'x' })),
      AuthenticationError);
  } finally {
    await c.close();
  }
});

test('a key that does not parse: KeyError; a missing key file: FileError', async () => {
  const { KeyError, FileError } = require('..');
  const garbage = Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n');
  for (const [privateKey, Cls] of [[garbage, KeyError], ['/nonexistent/gossh-key', FileError]]) {
    const c = new Client();
    try {
      await assert.rejects(c.connect(connectOptions({ privateKey })), (e) => {
        assert.ok(e instanceof Cls, `got ${e && e.name}: ${e && e.message}`);
        return true;
      });
    } finally {
      await c.close();
    }
  }
});
