'use strict';
// lib/readarena.js: reads land in slices of shared slabs, so slices must
// never overlap while in use, and a chunk must keep its bytes after later
// reads. The unit cases drive the arena directly; the server case runs many
// large outputs at once through it and checks every byte.
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('crypto');
const arena = require('../lib/readarena');
const { Client } = require('..');
const { connectOptions } = require('../testing/helpers');

const overlaps = (a, b) => a.slab === b.slab && a.start < b.end && b.start < a.end;

test('reservations in flight never overlap, and unused room is given back', () => {
  const len = 256 * 1024;
  const a = arena.reserve(len);
  const b = arena.reserve(len);
  assert.ok(!overlaps(a, b));
  a.view.fill(1);
  b.view.fill(2);
  // a ends first, short: b was reserved after it, so nothing is given back.
  const ca = arena.commit(a, 100000);
  const c = arena.reserve(len);
  assert.ok(!overlaps(b, c) && !overlaps(a, c));
  c.view.fill(3);
  const cb = arena.commit(b, len);
  const cc = arena.commit(c, 20000); // the last reservation: its tail comes back
  const d = arena.reserve(len);
  if (d.slab === c.slab) assert.ok(d.start >= c.start + 20000, 'the kept part of c is not reused');
  d.view.fill(4);
  arena.commit(d, 0);
  assert.ok(ca.every((x) => x === 1) && ca.length === 100000);
  assert.ok(cb.every((x) => x === 2) && cb.length === len);
  assert.ok(cc.every((x) => x === 3) && cc.length === 20000);
});

test('short reads are copied out and the end of a stream is null', () => {
  const r = arena.reserve(256 * 1024);
  r.view.fill(7, 0, 10);
  const small = arena.commit(r, 10);
  assert.strictEqual(small.length, 10);
  assert.notStrictEqual(small.buffer, r.slab.buffer, 'a short read must not pin the slab');
  const again = arena.reserve(256 * 1024);
  assert.strictEqual(again.start, r.start, 'a copied-out read gives all its room back');
  again.view.fill(9);
  assert.ok(small.every((x) => x === 7));
  assert.strictEqual(arena.commit(again, 0), null);
});

test('many large outputs at once keep every byte (5 rounds of 8 channels)', { timeout: 180000 }, async () => {
  const client = new Client();
  await client.connect(connectOptions());
  try {
    const size = 3 * 1024 * 1024 + 4097;
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 8 }, async (_, i) => {
        const word = `r${round}c${i}-${'x'.repeat(i * 3)}\n`;
        const want = crypto.createHash('sha256')
          .update(Buffer.alloc(size, word)).digest('hex');
        const proc = await client.spawn(`yes '${word.trim()}' | head -c ${size}`);
        const h = crypto.createHash('sha256');
        const kept = [];
        let n = 0;
        proc.stdout.on('data', (c) => { h.update(c); n += c.length; kept.push(c); });
        proc.stderr.resume();
        await new Promise((resolve, reject) => {
          proc.stdout.once('end', resolve);
          proc.stdout.once('error', reject);
        });
        assert.strictEqual(await proc.exit, 0);
        assert.strictEqual(n, size);
        assert.strictEqual(h.digest('hex'), want, `channel ${i} of round ${round}: bytes changed`);
        // Chunks kept after the stream ended still hold their bytes.
        assert.strictEqual(crypto.createHash('sha256').update(Buffer.concat(kept)).digest('hex'), want);
      }));
    }
  } finally {
    await client.close();
  }
});
