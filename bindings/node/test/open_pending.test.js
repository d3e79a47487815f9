'use strict';
// Connects, channel opens and SFTP calls without libuv's thread pool
// (lib/pending.js, gossh.h "Opening in the background" and "SFTP in the
// background"): with every pool thread held by the program's own work,
// connect (plain, through a jump host, over a sock), exec, spawn and
// forwardOut still complete, and SFTP (the session, path calls, file reads
// and writes, streams, transfers) with all but its share of two; many opens
// run at once; refusals and closes come back as the right errors; and no
// open leaves a registered target or a hold on the event loop behind.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const { Client, SSHError, ClosedError } = require('..');
const events = require('../lib/events');
const { connectOptions } = require('../testing/helpers');

let client;
test.before(async () => {
  client = new Client();
  await client.connect(connectOptions());
});
test.after(async () => {
  if (client) await client.close();
});

/**
 * Holds every libuv pool thread but `spare`: each opens a FIFO nobody
 * writes to yet.
 */
function holdThePool(spare = 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-pool-'));
  const n = Number(process.env.UV_THREADPOOL_SIZE || 4) - spare;
  const fifos = [];
  const reads = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `fifo${i}`);
    execFileSync('mkfifo', [f]);
    fifos.push(f);
    reads.push(fs.promises.readFile(f)); // open() blocks a pool thread until a writer comes
  }
  return async () => {
    for (const f of fifos) fs.writeFileSync(f, 'x'); // a writer: each blocked open returns
    await Promise.all(reads);
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

function within(ms, what, p) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

test('exec, spawn and forwardOut complete while the program holds every pool thread', async () => {
  const server = net.createServer((s) => s.end('hello'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const release = holdThePool();
  try {
    for (let round = 0; round < 10; round++) {
      const r = await within(20000, 'exec', client.exec(`echo round${round}`));
      assert.strictEqual(r.stdout, `round${round}\n`);
      assert.strictEqual(r.code, 0);
      const ch = await within(20000, 'forwardOut', client.forwardOut('127.0.0.1', 0, '127.0.0.1', server.address().port));
      const chunks = [];
      for await (const c of ch) chunks.push(c);
      assert.strictEqual(Buffer.concat(chunks).toString(), 'hello');
    }
    const procs = await within(20000, 'spawn x 50', Promise.all(Array.from({ length: 50 }, (_, i) => client.spawn(`echo s${i}`))));
    const outs = await Promise.all(procs.map(async (p) => {
      let s = '';
      for await (const c of p.stdout) s += c;
      assert.strictEqual(await p.exit, 0);
      return s;
    }));
    outs.forEach((s, i) => assert.strictEqual(s, `s${i}\n`));
  } finally {
    await release();
    await new Promise((r) => server.close(r));
  }
});

test('connects (plain and through a jump host) complete while the program holds every pool thread', async () => {
  const release = holdThePool();
  const clients = [];
  try {
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 12 }, () => new Client());
      clients.push(...batch);
      await within(30000, 'connect x 12', Promise.all(batch.map((c) => c.connect(connectOptions()))));
      const hop = new Client();
      clients.push(hop);
      await within(30000, 'connect through a jump host', hop.connect(connectOptions({ jump: [batch[0]] })));
      const outs = await within(30000, 'exec on each', Promise.all([...batch, hop].map((c) => c.exec('echo up'))));
      for (const r of outs) assert.strictEqual(r.stdout, 'up\n');
    }
  } finally {
    await release();
    await Promise.all(clients.reverse().map((c) => c.close()));
  }
});

test('connects over a sock complete while the program holds every pool thread', async () => {
  const { env } = require('../testing/helpers');
  const e = env();
  const release = holdThePool();
  const clients = [];
  try {
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 6 }, () => new Client());
      clients.push(...batch);
      await within(30000, 'connect over sock x 6', Promise.all(batch.map((c) => {
        const sock = net.connect(e.port, '127.0.0.1');
        return c.connect(connectOptions({ sock }));
      })));
      const outs = await within(30000, 'exec on each', Promise.all(batch.map((c) => c.exec('echo sock'))));
      for (const r of outs) assert.strictEqual(r.stdout, 'sock\n');
    }
  } finally {
    await release();
    await Promise.all(clients.map((c) => c.close()));
  }
});

test('runOnHosts and a Group results loop complete while the program holds every pool thread', async () => {
  const { runOnHosts, Group } = require('..');
  const { env, key } = require('../testing/helpers');
  const e = env();
  const host = (i) => ({ host: e.host, port: e.port, username: e.username, privateKey: key('id_ed25519'),
    agent: false, lookForKeys: false, name: `h${i}`, command: `echo g${i}` });
  const release = holdThePool();
  try {
    for (let round = 0; round < 3; round++) {
      const results = await within(60000, 'runOnHosts', runOnHosts(Array.from({ length: 30 }, (_, i) => host(i)),
        'echo unused', { poolSize: 10, knownHosts: e.knownHosts }));
      results.forEach((r, i) => {
        assert.strictEqual(r.error, null, String(r.error));
        assert.strictEqual(r.stdout.toString(), `g${i}\n`);
      });
    }
    const g = new Group({ poolSize: 5, knownHosts: e.knownHosts });
    for (let i = 0; i < 10; i++) g.addHost(host(i));
    let n = 0;
    for await (const r of g.run('true')) { assert.strictEqual(r.error, null); n++; }
    assert.strictEqual(n, 10);
    await g.close();
  } finally {
    await release();
  }
});

test('200 opens at once, some refused: each says what happened, nothing left registered', async () => {
  const before = events.stats();
  const closed = await new Promise((r) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); });
  });
  for (let round = 0; round < 3; round++) {
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => (
      i % 10 === 9
        ? client.forwardOut('127.0.0.1', 0, '127.0.0.1', closed)
        : client.exec(`echo ${i}`))));
    results.forEach((r, i) => {
      if (i % 10 === 9) {
        assert.strictEqual(r.status, 'rejected', `open ${i} to a closed port`);
        assert.ok(r.reason instanceof SSHError, `open ${i}: ${r.reason}`);
        assert.strictEqual(r.reason.code, 'GOSSH_E_CHANNEL');
      } else {
        assert.strictEqual(r.status, 'fulfilled', `exec ${i}: ${r.reason}`);
        assert.strictEqual(r.value.stdout, `${i}\n`);
      }
    });
  }
  const after = events.stats();
  assert.strictEqual(after.holds, before.holds, 'no hold left on the event loop');
  assert.ok(after.targets <= before.targets, `targets ${before.targets} -> ${after.targets}`);
});

test('opens in flight when the client closes end with ClosedError', async () => {
  for (let round = 0; round < 10; round++) {
    const c = new Client();
    await c.connect(connectOptions());
    const settled = Promise.allSettled(Array.from({ length: 20 }, () => c.exec('sleep 5')));
    await c.close();
    const results = await settled;
    for (const r of results) {
      // An exec that started before the close ends cut off; one still opening ends closed.
      assert.strictEqual(r.status, 'rejected');
      assert.ok(r.reason instanceof SSHError, String(r.reason));
    }
    assert.ok(results.some((r) => r.reason instanceof ClosedError), 'at least one open was ended by the close');
  }
});

// The pool threads SFTP calls may take at once (the rest run in the
// background).
const { POOL_SHARE: SFTP_POOL_SHARE } = require('../lib/sftp');

test('SFTP completes while the program holds the pool but its share, many calls at once', async () => {
  const before = events.stats();
  const release = holdThePool(SFTP_POOL_SHARE);
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-pool-sftp-'));
  let sftp;
  try {
    sftp = await within(20000, 'sftp()', client.sftp());
    const home = await within(20000, 'realpath', sftp.realpath('.'));
    const dir = `${home}/gossh-node-pool-${process.pid}`;
    await within(20000, 'mkdir', sftp.mkdir(dir));
    const data = crypto.randomBytes(3 << 20);
    for (let round = 0; round < 3; round++) {
      const files = Array.from({ length: 8 }, (_, i) => `${dir}/f${round}-${i}`);
      await within(30000, 'writeFile x 8', Promise.all(files.map((f, i) => sftp.writeFile(f, data.subarray(i << 10)))));
      const stats = await within(30000, 'stat x 40', Promise.all(Array.from({ length: 40 }, (_, i) => sftp.stat(files[i % 8]))));
      stats.forEach((st, i) => assert.strictEqual(st.size, data.length - ((i % 8) << 10)));
      const back = await within(30000, 'readFile x 8', Promise.all(files.map((f) => sftp.readFile(f))));
      back.forEach((b, i) => assert.ok(b.equals(data.subarray(i << 10)), `round ${round}: file ${i} read back`));
      const chunks = [];
      for await (const c of sftp.createReadStream(files[0])) chunks.push(c);
      assert.ok(Buffer.concat(chunks).equals(data), `round ${round}: the read stream gave the file`);
      const l = path.join(local, `get${round}`);
      await within(30000, 'fastGet', sftp.fastGet(files[1], l));
      assert.ok(fs.readFileSync(l).equals(data.subarray(1 << 10)), `round ${round}: fastGet`);
      await within(30000, 'fastPut', sftp.fastPut(l, `${dir}/put${round}`));
      assert.strictEqual((await sftp.stat(`${dir}/put${round}`)).size, data.length - (1 << 10));
      await assert.rejects(sftp.stat(`${dir}/missing${round}`), (e) => e.code === 'ENOENT');
      const names = (await within(20000, 'readdir', sftp.readdir(dir))).map((e) => (typeof e === 'string' ? e : e.name));
      for (const f of files) assert.ok(names.includes(path.posix.basename(f)), `round ${round}: readdir lists ${f}`);
      await within(30000, 'unlink x 8', Promise.all(files.map((f) => sftp.unlink(f))));
    }
    // Two long transfers in flight take no pool thread: path calls and
    // reads complete while both still run (on the pool, the transfers
    // held both spare threads, and a stat waited for one to end).
    const big = `${dir}/big`;
    const r = await client.exec(`truncate -s 1G ${big}`);
    assert.strictEqual(r.code, 0, r.stderr);
    let ended = 0;
    const ac = new AbortController();
    const transfers = [0, 1].map((i) => sftp.fastGet(big, path.join(local, `big${i}`), { signal: ac.signal })
      .then(() => 'completed', (e) => e.name).finally(() => { ended++; }));
    for (let i = 0; i < 5; i++) {
      await within(30000, 'stat during transfers', sftp.stat(big));
      assert.strictEqual(ended, 0, 'a stat waited for a transfer to end');
    }
    ac.abort();
    for (const x of await Promise.all(transfers)) assert.ok(x === 'AbortError' || x === 'completed', x);
    await sftp.rm(dir, { recursive: true });
  } finally {
    if (sftp) await sftp.close();
    await release();
    fs.rmSync(local, { recursive: true, force: true });
  }
  const after = events.stats();
  assert.strictEqual(after.holds, before.holds, 'no hold left on the event loop');
  assert.ok(after.targets <= before.targets, `targets ${before.targets} -> ${after.targets}`);
});
