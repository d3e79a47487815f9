'use strict';
// Issue 8: the code table lives in libgossh (gossh_code_name); the binding
// asks it instead of carrying a copy. And calls whose failure carries a
// message (gossh_hostkeys_check, gossh_channel_read_ready) take err.
const test = require('node:test');
const assert = require('node:assert');
const gossh = require('..');
const native = require('../lib/native');
const errors = require('../lib/errors');

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGwDDhZDfyzOdgKAT6jc3IUhqyyRBVxmWibJRJS0MRBA';

test('code names come from gossh_code_name', () => {
  assert.strictEqual(gossh.codeName(-6), 'GOSSH_E_AUTH');
  assert.strictEqual(native.fn.gossh_code_name(-6), 'GOSSH_E_AUTH');
  assert.strictEqual(gossh.codeName(0), 'GOSSH_OK');
  for (const bad of [1, 7, -1000, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 - 6, 1.5, NaN, 'x']) {
    assert.strictEqual(gossh.codeName(bad), 'GOSSH_E_UNKNOWN', String(bad));
  }
  const codes = gossh.codes;
  assert.strictEqual(codes.GOSSH_E_INVALID, -1);
  assert.strictEqual(codes.GOSSH_E_IO, -16);
  assert.deepStrictEqual(Object.values(codes), Object.values(codes).map((_, i) => (i ? -i : 0)));
  for (const [name, rc] of Object.entries(codes)) assert.strictEqual(gossh.codeName(rc), name);
  assert.ok(Object.isFrozen(codes));
});

test('errors get their code name and number from the library', () => {
  const e = errors.makeError(-6, 'no');
  assert.ok(e instanceof gossh.AuthenticationError);
  assert.strictEqual(e.code, 'GOSSH_E_AUTH');
  assert.strictEqual(e.errno, -6);
  const u = errors.makeError(-99, 'odd');
  assert.strictEqual(u.code, 'GOSSH_E_INTERNAL');
  assert.strictEqual(new gossh.ClosedError('x', 'GOSSH_E_CLOSED').errno, -12);
});

test('HostKeys.check of a key that does not parse throws the library\'s message', () => {
  const hk = new gossh.HostKeys();
  hk.add('h', KEY);
  assert.strictEqual(hk.check('h', KEY), true);
  assert.strictEqual(hk.check('other', KEY), false);
  assert.throws(() => hk.check('h', 'ssh-ed25519 !!!'),
    (e) => e instanceof gossh.KeyError && e.code === 'GOSSH_E_KEY' && /base64/.test(e.message));
});

test('gossh_channel_read_ready takes err: a bad handle says so', () => {
  const err = [null];
  const n = native.fn.gossh_channel_read_ready(null, 0, err);
  const e = native.takeError(Number(n), err);
  assert.ok(e instanceof gossh.InvalidArgumentError, String(e));
  assert.match(e.message, /gossh_channel handle is NULL/);
});
