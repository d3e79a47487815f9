'use strict';
// The transport: info(), keepalive, sendIgnore, and port forwarding
// (forwardOut, forwardLocal, forwardIn / unforwardIn).
const test = require('node:test');
const assert = require('node:assert');
const net = require('net');
const fs = require('fs');
const { Client, Channel, ClosedError, ChannelError, SSHError } = require('..');
const { connectOptions, env, HANG_GUARD_MS } = require('../testing/helpers');

let client;
let echo;       // a local TCP echo server (what the sshd connects to for direct-tcpip)
let echoPort;
let silent;     // a local TCP server that accepts and never answers
let silentPort;
const silentSockets = new Set();

test.before(async () => {
  client = new Client();
  await client.connect(connectOptions());
  echo = net.createServer({ allowHalfOpen: true }, (s) => { s.on('error', () => {}); s.pipe(s); });
  await new Promise((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = echo.address().port;
  silent = net.createServer((s) => { silentSockets.add(s); s.on('error', () => {}); });
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = silent.address().port;
});
test.after(async () => {
  if (client) await client.close();
  for (const s of silentSockets) s.destroy();
  await new Promise((r) => echo.close(r));
  await new Promise((r) => silent.close(r));
});

function collect(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

test('info() describes the connection', () => {
  const i = client.info();
  const e = env();
  assert.strictEqual(i.peerHost, e.host);
  assert.strictEqual(i.peerPort, e.port);
  assert.strictEqual(i.username, e.username);
  assert.match(i.serverVersion, /^SSH-2\.0-OpenSSH/);
  assert.match(i.clientVersion, /^SSH-2\.0-gossh/);
  assert.strictEqual(typeof i.banner, 'string');
  assert.match(i.serverKey, /^ssh-ed25519 [A-Za-z0-9+/=]+$/);
  // The server key is the one on record in known_hosts.
  assert.ok(fs.readFileSync(e.knownHosts, 'utf8').includes(i.serverKey.split(' ')[1]));
  for (const k of ['kex', 'hostKeyAlgorithm', 'cipherOut', 'cipherIn']) {
    assert.ok(typeof i[k] === 'string' && i[k].length > 0, `${k} = ${i[k]}`);
  }
  assert.strictEqual(typeof i.macOut, 'string');
  assert.strictEqual(typeof i.macIn, 'string');
  assert.deepStrictEqual(Object.keys(i).sort(), ['banner', 'cipherIn', 'cipherOut', 'clientVersion', 'hostKeyAlgorithm',
    'kex', 'macIn', 'macOut', 'peerHost', 'peerPort', 'serverKey', 'serverVersion', 'username']);
});

test('info() before connect is NotConnected, after close Closed', async () => {
  const c = new Client();
  assert.throws(() => c.info(), (e) => e instanceof SSHError && e.code === 'GOSSH_E_NOT_CONNECTED');
  await c.close();
  assert.throws(() => c.info(), ClosedError);
  assert.throws(() => c.setKeepalive(1000), ClosedError);
  await assert.rejects(c.sendIgnore(), ClosedError);
});

test('setKeepalive and keepaliveInterval keep a live connection alive; sendIgnore', async () => {
  const c = new Client();
  await c.connect(connectOptions({ keepaliveInterval: 100 }));
  try {
    await new Promise((r) => setTimeout(r, 600)); // several keepalives, all answered
    assert.strictEqual(c.isActive(), true);
    c.setKeepalive(0);
    c.setKeepalive(50);
    await c.sendIgnore();
    assert.strictEqual((await c.exec('echo alive')).stdout, 'alive\n');
    assert.throws(() => c.setKeepalive(-1), { code: 'GOSSH_E_INVALID' });
  } finally {
    await c.close();
  }
});

test('forwardOut: a Duplex over direct-tcpip to a local echo server', async () => {
  const ch = await client.forwardOut('127.0.0.1', 5555, '127.0.0.1', echoPort);
  assert.ok(ch instanceof Channel);
  assert.strictEqual(ch.type, 'direct-tcpip');
  assert.strictEqual(ch.exit, null);
  assert.strictEqual(ch.stderr, null);
  const got = collect(ch);
  const big = Buffer.alloc(2 * 1024 * 1024 + 3, 'xyz');
  ch.write('hello ');
  ch.end(big);
  const out = await got;
  assert.strictEqual(out.length, 6 + big.length);
  assert.strictEqual(out.subarray(0, 6).toString(), 'hello ');
  assert.ok(out.subarray(6).equals(big));
  await new Promise((r) => (ch.destroyed ? r() : ch.once('close', r)));
});

test('forwardOut to a closed port is a ChannelError', async () => {
  const { closedPort } = require('../testing/helpers');
  const port = await closedPort();
  await assert.rejects(client.forwardOut('127.0.0.1', 0, '127.0.0.1', port), ChannelError);
  await assert.rejects(client.forwardOut('127.0.0.1', 0, '127.0.0.1', 0), { code: 'GOSSH_E_INVALID' });
});

test('forwardLocal: a local listener piped through direct-tcpip channels', async () => {
  const server = await client.forwardLocal({ dstHost: '127.0.0.1', dstPort: echoPort });
  try {
    const { port } = server.address();
    const one = async (msg) => {
      const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      const got = collect(s);
      s.end(msg);
      return (await got).toString();
    };
    const msgs = Array.from({ length: 10 }, (_, i) => `message ${i} `.repeat(1000));
    assert.deepStrictEqual(await Promise.all(msgs.map(one)), msgs);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('forwardIn: connections arrive as "tcp connection" events', async () => {
  const port = await client.forwardIn('127.0.0.1', 0);
  assert.ok(port > 0);
  const seen = [];
  const onConn = (info, accept) => {
    seen.push(info);
    const ch = accept();
    assert.strictEqual(ch.type, 'forwarded-tcpip');
    // Answer what the remote side sends, upper-cased, and end.
    ch.once('data', (d) => ch.end(String(d).toUpperCase()));
  };
  client.on('tcp connection', onConn);
  try {
    const r = await client.exec(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}; printf ping >&3; cat <&3; echo'`);
    assert.strictEqual(r.stdout, 'PING\n');
    assert.strictEqual(seen.length, 1);
    assert.strictEqual(seen[0].destIP, '127.0.0.1');
    assert.strictEqual(seen[0].destPort, port);
    assert.strictEqual(seen[0].srcIP, '127.0.0.1');
    assert.ok(seen[0].srcPort > 0);
  } finally {
    client.off('tcp connection', onConn);
    await client.unforwardIn('127.0.0.1', port);
  }
  // After unforwardIn nothing listens there any more.
  const r2 = await client.exec(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null; echo $?`);
  assert.notStrictEqual(r2.stdout.trim(), '0');
});

test('forwardIn: reject() and no listener both refuse the connection', async () => {
  const port = await client.forwardIn('127.0.0.1', 0);
  try {
    // No listener: refused (the remote side sees the connection closed at once).
    const probe = `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}; cat <&3; echo closed'`;
    assert.strictEqual((await client.exec(probe)).stdout, 'closed\n');
    let rejected = 0;
    const onConn = (_info, _accept, reject) => { rejected++; reject(); };
    client.on('tcp connection', onConn);
    assert.strictEqual((await client.exec(probe)).stdout, 'closed\n');
    client.off('tcp connection', onConn);
    assert.strictEqual(rejected, 1);
  } finally {
    await client.unforwardIn('127.0.0.1', port);
  }
  await assert.rejects(client.unforwardIn('127.0.0.1', port), SSHError);
});

// The silent port never answers and the accept loop never ends by itself:
// only the close can end them (HANG_GUARD_MS catches one that does not).
test('client.close() while a forwarded channel waits for data ends it', { timeout: HANG_GUARD_MS }, async () => {
  const c = new Client();
  await c.connect(connectOptions());
  const ch = await c.forwardOut('127.0.0.1', 0, '127.0.0.1', silentPort);
  const ended = new Promise((resolve) => {
    ch.on('end', () => resolve('end'));
    ch.on('close', () => resolve('close'));
    ch.on('error', (e) => resolve(e));
  });
  ch.resume();
  const port = await c.forwardIn('127.0.0.1', 0); // an accept loop waiting too
  assert.ok(port > 0);
  await new Promise((r) => setTimeout(r, 300));
  await c.close();
  const how = await ended;
  assert.ok(how === 'end' || how === 'close' || how instanceof ClosedError, String(how));
  await assert.rejects(c.forwardOut('127.0.0.1', 0, '127.0.0.1', echoPort), ClosedError);
  await assert.rejects(c.forwardIn('127.0.0.1', 0), ClosedError);
});
