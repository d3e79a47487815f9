'use strict';
// Writes at the edges (issue 7): a buffer past 2 GiB goes out whole; the
// length used to be cast to a C int (2 GiB + 16 bytes: an internal error;
// 4 GiB: nothing sent and exit 0).
const test = require('node:test');
const assert = require('node:assert');
const { Client } = require('..');
const { connectOptions } = require('../testing/helpers');

let client;
test.before(async () => {
  client = new Client();
  await client.connect(connectOptions());
});
test.after(async () => {
  if (client) await client.close();
});

test('a write of 2 GiB + 16 bytes arrives whole', async () => {
  const size = 2 ** 31 + 16;
  const r = await client.exec('wc -c', { stdin: Buffer.alloc(size) });
  assert.strictEqual(Number(r.stdout.trim()), size);
  assert.strictEqual(r.code, 0);
});
