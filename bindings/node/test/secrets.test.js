'use strict';
// Issue 7 through the Node binding, against the real sshd:
// A. no key text, password or passphrase in any error (message, own
//    properties, details, cause) or log record, even at debug level;
// B. out-of-range ports, pty sizes and keepalive intervals are the library's
//    GOSSH_E_INVALID (InvalidArgumentError), decided in core.
const test = require('node:test');
const assert = require('node:assert');
const { Client, Key, HostKeys, InvalidArgumentError } = require('..');
const { connectOptions, key } = require('../testing/helpers');

const PASSWORD = 'pw-Xq7zLr2v-never-shown';
const PASSPHRASE = 'pp-Mn4wTk9s-never-shown';

let keyText;
let secrets;

test.before(async () => {
  const k = await Key.generate('ed25519');
  keyText = await k.toPrivate();
  const body = keyText.split('\n').filter((l) => l && !l.startsWith('-----'));
  secrets = [keyText, keyText.trim(), PASSWORD, PASSPHRASE, ...body];
});

/** Every text an error carries: message, stack, own properties, details, cause. */
function textsOf(e) {
  const out = [];
  for (let x = e, n = 0; x && n < 5; x = x.cause, n++) {
    out.push(String(x.message), String(x.stack));
    for (const k of Object.getOwnPropertyNames(x)) {
      try { out.push(`${k}=${JSON.stringify(x[k])}`); } catch (_) { out.push(`${k}=${String(x[k])}`); }
    }
    if (x.details) out.push(JSON.stringify(x.details));
  }
  return out;
}

function assertNoSecret(texts, where) {
  for (const t of texts) {
    for (const s of secrets) {
      assert.ok(!t.includes(s), `${where} repeats a secret (${s.slice(0, 20)}...): ${t.slice(0, 300)}`);
    }
    assert.ok(!t.includes('PRIVATE KEY') && !t.includes('-----BEGIN'), `${where}: ${t.slice(0, 300)}`);
  }
}

/** Runs fn, expecting it to throw or reject; returns the error. */
async function failure(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  assert.fail('no error');
}

// -- A. secrets --------------------------------------------------------------

test('key text as a path and a wrong password: nothing in the errors or the debug log', async () => {
  const records = [];
  const log = (level, name, message) => records.push(`${level} ${name} ${message}`);
  // A key's base64 body on one line (no armour, so the binding takes it for
  // a path), with no password: the key file's error is the one raised.
  const oneLine = keyText.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  let c = new Client();
  let e = await failure(() => c.connect(connectOptions({
    privateKey: oneLine, passphrase: PASSPHRASE, log, logLevel: 'debug',
  })));
  await c.close();
  assert.strictEqual(e.code, 'GOSSH_E_IO', String(e));
  assertNoSecret(textsOf(e), 'connect(privateKey: <key body as a path>)');
  // Key text as the known_hosts path (an error only when the "path" is too
  // long for the system; a missing known_hosts file is not one).
  c = new Client();
  e = await failure(() => c.connect(connectOptions({
    privateKey: undefined, knownHosts: keyText, passphrase: PASSPHRASE, log, logLevel: 'debug',
  })));
  await c.close();
  assertNoSecret(textsOf(e), 'connect(knownHosts: <key text>)');
  // A wrong password, a wrong passphrase for an encrypted key, a key the
  // server does not know, and the key text as a key (parsed, not a path).
  c = new Client();
  e = await failure(() => c.connect(connectOptions({
    privateKey: [key('id_ed25519_enc'), key('id_wrong'), keyText],
    password: PASSWORD, passphrase: PASSPHRASE, log, logLevel: 'debug',
  })));
  await c.close();
  assertNoSecret(textsOf(e), 'connect(wrong password)');
  assert.ok(records.length > 0, 'no log record at all: the capture does not work');
  assertNoSecret(records, 'log record');
});

test('key text to loadCertificate and HostKeys.load', async () => {
  const k = await Key.generate('ed25519');
  assertNoSecret(textsOf(await failure(() => k.loadCertificate(keyText))), 'loadCertificate(<key text>)');
  const hk = new HostKeys();
  assertNoSecret(textsOf(await failure(() => hk.load(keyText))), 'HostKeys.load(<key text>)');
});

test('a password as the port or a timeout option is never repeated', async () => {
  for (const port of [PASSWORD, Buffer.from(PASSWORD)]) {
    const c = new Client();
    const e = await failure(() => c.connect(connectOptions({ port })));
    await c.close();
    assert.ok(e instanceof InvalidArgumentError, String(e));
    assert.strictEqual(e.code, 'GOSSH_E_INVALID');
    assert.match(e.message, /port/);
    assertNoSecret(textsOf(e), 'connect({ port: <password> })');
  }
  // (The binding checks timeouts itself, and never repeated them.)
  for (const name of ['timeout', 'bannerTimeout', 'authTimeout']) {
    const c = new Client();
    const e = await failure(() => c.connect(connectOptions({ [name]: PASSWORD })));
    await c.close();
    assert.strictEqual(e.code, 'GOSSH_E_INVALID', String(e));
    assertNoSecret(textsOf(e), `connect({ ${name}: <password> })`);
  }
});

// -- B. out-of-range numbers ---------------------------------------------------

const INVALID = { name: 'InvalidArgumentError', code: 'GOSSH_E_INVALID' };

test('out-of-range ports, pty sizes and keepalive are InvalidArgumentError', async () => {
  const c = new Client();
  await c.connect(connectOptions());
  try {
    for (const port of [65536, -1, 2 ** 32 + 22]) {
      await assert.rejects(c.forwardIn('127.0.0.1', port), INVALID, `forwardIn(${port})`);
    }
    for (const port of [70000, -1, 2 ** 32 + 22]) {
      await assert.rejects(c.forwardOut('127.0.0.1', 0, '127.0.0.1', port), INVALID, `forwardOut to ${port}`);
    }
    assert.throws(() => c.setKeepalive(-1), INVALID);
    await assert.rejects(c.exec('true', { pty: { cols: 70000 } }), INVALID);
    await assert.rejects(c.exec('true', { pty: { rows: -1 } }), INVALID);
    const sh = await c.shell({ pty: { cols: 80, rows: 24 } });
    try {
      assert.throws(() => sh.resize({ cols: 70000, rows: 24 }), INVALID);
      assert.throws(() => sh.resize({ cols: 80, rows: 2 ** 32 + 24 }), INVALID);
      sh.resize({ cols: 100, rows: 40 });
    } finally {
      sh.end('exit\n');
      sh.resume();
      await sh.exit;
    }
    assert.strictEqual((await c.exec('echo alive')).stdout, 'alive\n');
  } finally {
    await c.close();
  }
});

test('resize to -1 is InvalidArgumentError', async () => {
  const c = new Client();
  await c.connect(connectOptions());
  try {
    const sh = await c.shell({ pty: true });
    try {
      assert.throws(() => sh.resize({ cols: -1, rows: 24 }), INVALID);
    } finally {
      sh.end('exit\n');
      sh.resume();
      await sh.exit;
    }
  } finally {
    await c.close();
  }
});
