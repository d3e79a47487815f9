'use strict';
// Corrupted or costly private keys are refused: a key whose halves disagree
// is a KeyError (never a key that signs for another one), and files or calls
// that ask for too much work fail at once, naming the limit.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { Key, KeyError, PasswordRequiredError, InvalidArgumentError } = require('..');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-integrity-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function keygen(...args) {
  execFileSync('ssh-keygen', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The decoded body of an OpenSSH PEM text. */
function bodyOf(text) {
  const lines = text.trim().split('\n');
  return Buffer.from(lines.slice(1, -1).join(''), 'base64');
}

function opensshPem(body) {
  const b64 = body.toString('base64');
  const lines = b64.match(/.{1,70}/g);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

test('a corrupted Ed25519 seed is a KeyError', async () => {
  const p = path.join(tmp, 'ed');
  keygen('-q', '-t', 'ed25519', '-N', '', '-C', 'c', '-f', p);
  const text = fs.readFileSync(p, 'utf8');
  await Key.parse(text); // the intact key loads
  const body = bodyOf(text);
  // The public key appears three times: the outer blob, the inner copy, and
  // after the 32-byte seed in the 64-byte private half.
  const pub = Buffer.from(fs.readFileSync(p + '.pub', 'utf8').split(' ')[1], 'base64').subarray(-32);
  const at = body.lastIndexOf(pub) - 32;
  assert.ok(at > 0);
  body[at + 10] ^= 0x01; // one bit of the seed
  const corrupted = opensshPem(body);
  fs.writeFileSync(p, corrupted);
  for (const load of [() => Key.parse(corrupted), () => Key.fromFile(p)]) {
    await assert.rejects(load(), (e) => e instanceof KeyError && !(e instanceof PasswordRequiredError) &&
      e.code === 'GOSSH_E_KEY' && /does not match/.test(e.message));
  }
});

test('bcrypt rounds over the limit fail at once, naming it', async () => {
  const p = path.join(tmp, 'enc');
  keygen('-q', '-t', 'ed25519', '-N', 'pw', '-a', '16', '-f', p);
  const body = bodyOf(fs.readFileSync(p, 'utf8'));
  // magic(15) "aes256-ctr"(4+10) "bcrypt"(4+6) kdfopts(4) salt(4+16) rounds(4)
  assert.strictEqual(body.subarray(19, 29).toString(), 'aes256-ctr');
  assert.strictEqual(body.subarray(33, 39).toString(), 'bcrypt');
  assert.strictEqual(body.readUInt32BE(63), 16);
  body.writeUInt32BE(100000, 63); // hours of bcrypt: refused before any KDF work
  const data = opensshPem(body);
  for (const pass of ['pw', undefined]) {
    await assert.rejects(Key.parse(data, pass), (e) => e instanceof KeyError &&
      !(e instanceof PasswordRequiredError) && /512/.test(e.message));
  }
});

test('generate and size limits', async () => {
  await assert.rejects(Key.generate('rsa', 8193), (e) => e instanceof InvalidArgumentError && /8192/.test(e.message));
  await assert.rejects(Key.parse(Buffer.alloc((1 << 20) + 1, 0x41)),
    (e) => e instanceof InvalidArgumentError && /1048576/.test(e.message));
});
