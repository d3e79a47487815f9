'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { Client, ClosedError, SSHError, TimeoutError } = require('..');
const { connectOptions } = require('../testing/helpers');

let client;
test.before(async () => {
  client = new Client();
  await client.connect(connectOptions());
});
test.after(async () => {
  if (client) await client.close();
});

function collect(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

test('exec returns stdout, stderr and the exit code', async () => {
  const r = await client.exec('echo out; echo err >&2; exit 7');
  assert.deepStrictEqual(r, { stdout: 'out\n', stderr: 'err\n', code: 7 });
});

test('exec with encoding "buffer"', async () => {
  const r = await client.exec('printf "\\001\\002\\377"', { encoding: 'buffer' });
  assert.ok(Buffer.isBuffer(r.stdout));
  assert.deepStrictEqual([...r.stdout], [1, 2, 255]);
});

test('exec with stdin round-trips through cat', async () => {
  const r = await client.exec('cat', { stdin: 'hello\nworld\n' });
  assert.strictEqual(r.stdout, 'hello\nworld\n');
  assert.strictEqual(r.code, 0);
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'ab');
  const r2 = await client.exec('cat', { stdin: big, encoding: 'buffer' });
  assert.ok(r2.stdout.equals(big));
});

test('exec timeout: TimeoutError', async () => {
  // The command's own end, after 10 s, would resolve instead.
  await assert.rejects(client.exec('sleep 10', { timeout: 500 }), TimeoutError);
});

test('spawn: stdin write + end, read back with cat', async () => {
  const proc = await client.spawn('cat');
  const out = collect(proc.stdout);
  proc.stdin.write('line one\n');
  proc.stdin.end('line two\n');
  assert.strictEqual((await out).toString(), 'line one\nline two\n');
  assert.strictEqual(await proc.exit, 0);
  assert.strictEqual(proc.exitCode, 0);
});

test('spawn: async iteration and exit event', async () => {
  const proc = await client.spawn('for i in 1 2 3; do echo $i; done; exit 3');
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  let text = '';
  for await (const chunk of proc.stdout) text += chunk;
  assert.strictEqual(text, '1\n2\n3\n');
  assert.strictEqual(await exited, 3);
  assert.strictEqual(await proc.exit, 3);
});

test('spawn: 10 MB stdout and 10 MB stderr, stdout consumed before stderr is read', { timeout: 120000 }, async () => {
  const N = 10 * 1024 * 1024;
  // stderr is written first: it must not block stdout while nobody reads it.
  const proc = await client.spawn(`head -c ${N} /dev/zero >&2; head -c ${N} /dev/zero`);
  let outBytes = 0;
  await new Promise((resolve, reject) => {
    proc.stdout.on('data', (c) => { outBytes += c.length; });
    proc.stdout.on('end', resolve);
    proc.stdout.on('error', reject);
  });
  assert.strictEqual(outBytes, N);
  let errBytes = 0;
  await new Promise((resolve, reject) => {
    proc.stderr.on('data', (c) => { errBytes += c.length; });
    proc.stderr.on('end', resolve);
    proc.stderr.on('error', reject);
  });
  assert.strictEqual(errBytes, N);
  assert.strictEqual(await proc.exit, 0);
});

test('spawn: backpressure pauses reading and resumes', { timeout: 60000 }, async () => {
  const N = 4 * 1024 * 1024;
  const proc = await client.spawn(`head -c ${N} /dev/zero`);
  // Let output pile up unread for a moment, then read it all slowly-ish.
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(proc.stdout.readableLength <= 2 * 1024 * 1024, `buffered ${proc.stdout.readableLength}`);
  let n = 0;
  for await (const c of proc.stdout) n += c.length;
  assert.strictEqual(n, N);
  assert.strictEqual(await proc.exit, 0);
});

test('spawn: close() ends a running command', async () => {
  const proc = await client.spawn('sleep 30');
  await proc.close();
  // An error, where the command's own end would resolve with 0.
  await assert.rejects(proc.exit, SSHError);
});

test('10 concurrent execs over one client', { timeout: 60000 }, async () => {
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
    client.exec(`echo ${i}; echo e${i} >&2; exit ${i}`)));
  results.forEach((r, i) => assert.deepStrictEqual(r, { stdout: `${i}\n`, stderr: `e${i}\n`, code: i }));
});

test('5 clients in parallel', { timeout: 60000 }, async () => {
  const clients = Array.from({ length: 5 }, () => new Client());
  try {
    await Promise.all(clients.map((c) => c.connect(connectOptions())));
    const rs = await Promise.all(clients.map((c, i) => c.exec(`echo client ${i}`)));
    rs.forEach((r, i) => assert.strictEqual(r.stdout, `client ${i}\n`));
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

test('close twice; exec after close is a ClosedError', async () => {
  const c = new Client();
  await c.connect(connectOptions());
  assert.strictEqual(c.isActive(), true);
  await c.close();
  await c.close();
  assert.strictEqual(c.isActive(), false);
  assert.strictEqual(c.isAuthenticated(), false);
  await assert.rejects(c.exec('true'), (e) => e instanceof ClosedError && e instanceof SSHError);
  await assert.rejects(c.spawn('true'), ClosedError);
});

test('close while a command runs ends it', async () => {
  const c = new Client();
  await c.connect(connectOptions());
  const p = assert.rejects(c.exec('sleep 30'), ClosedError);
  const proc = await c.spawn('sleep 30');
  await new Promise((r) => setTimeout(r, 200));
  await c.close();
  // ClosedErrors, where the commands' own ends would resolve.
  await p;
  await assert.rejects(proc.exit, ClosedError);
});

test('exec before connect is an SSHError', async () => {
  const c = new Client();
  try {
    await assert.rejects(c.exec('true'), (e) => e instanceof SSHError && e.code === 'GOSSH_E_NOT_CONNECTED');
  } finally {
    await c.close();
  }
});

test('spawn: destroying an output stream early still lets the command finish', { timeout: 30000 }, async () => {
  const proc = await client.spawn('head -c 5000000 /dev/zero; echo done >&2');
  proc.stdout.destroy();
  const err = await collect(proc.stderr);
  assert.strictEqual(err.toString(), 'done\n');
  assert.strictEqual(await proc.exit, 0);
});
