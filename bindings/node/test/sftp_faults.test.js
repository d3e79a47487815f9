'use strict';
// SFTP when the server stops talking or the connection breaks mid-transfer
// (gossh-faultproxy in front of the test sshd): every call ends with a clear
// error, never hangs, and a download never leaves a complete-looking file.
//
//   make && testenv/with-sshd.sh sh -c 'cd bindings/node && node --test test/sftp_faults.test.js'
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn: spawnProcess } = require('child_process');
const { Client, ClosedError, TimeoutError, ProtocolError } = require('..');
const { env, connectOptions, HANG_GUARD_MS } = require('../testing/helpers');
const { sftpFixture, randomData } = require('../testing/sftp');

const SIZE = 16 * 1024 * 1024;
const CUT = 4 * 1024 * 1024; // server->client bytes before the fault: inside the download

function proxyPath() {
  return process.env.GOSSH_FAULTPROXY || path.join(__dirname, '..', '..', '..', 'build', 'gossh-faultproxy');
}

/** Starts gossh-faultproxy with one fault at CUT bytes; it ends when its stdin does. */
async function startProxy(fault) {
  const p = proxyPath();
  if (!fs.existsSync(p)) throw new Error(`no fault proxy at ${p}: run \`make\`, or set GOSSH_FAULTPROXY`);
  const e = env();
  const child = spawnProcess(p, ['-target', `${e.host}:${e.port}`, '-fault', fault, '-after', String(CUT)],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve(Number(text.slice(0, nl)));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the fault proxy exited (${code}) before printing its port`)));
  });
  return {
    port,
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Rejects if p has not settled within the hang guard: a hang is a failure, not a slow pass. */
function guard(p, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} hung`)), HANG_GUARD_MS); }),
  ]);
}

let fx;
let local;
test.before(async () => {
  fx = await sftpFixture('faults');
  await fx.sftp.writeFile(fx.r('src'), randomData(SIZE));
  local = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-sftp-faults-'));
});
test.after(async () => {
  if (fx) await fx.cleanup();
  if (local) fs.rmSync(local, { recursive: true, force: true });
});

/** A client through the proxy (its port is not in known_hosts: accept it, save nothing). */
async function throughProxy(proxy, extra = {}) {
  const c = new Client();
  await c.connect(connectOptions({
    port: proxy.port, knownHosts: null, hostKeyPolicy: 'autoadd', timeout: 5000, bannerTimeout: 5000, ...extra,
  }));
  return c;
}

function noCompleteFile(dst) {
  assert.strictEqual(fs.existsSync(dst), false, 'a failed download left a file at its destination');
  for (const n of fs.readdirSync(path.dirname(dst)).filter((f) => f.startsWith(path.basename(dst)))) {
    assert.ok(fs.statSync(path.join(path.dirname(dst), n)).size < SIZE, `${n} looks complete`);
  }
}

test('a stalled server: a request with the session timeout ends with TimeoutError', async () => {
  const proxy = await startProxy('stall');
  const c = await throughProxy(proxy);
  try {
    const s = await c.sftp({ timeout: 2000 });
    const remote = `${fx.remote}/src`;
    // The stall comes inside this read; the close of the file does not
    // wait for the silent server either.
    await assert.rejects(guard(s.readFile(remote), 'readFile'), (e) => e instanceof TimeoutError, 'readFile');
    // Every later request, and the close of what it opened, gives up too.
    await assert.rejects(guard(s.stat(remote), 'stat'), TimeoutError);
    await assert.rejects(guard(s.readdir(fx.remote), 'readdir'), TimeoutError);
    const rs = s.createReadStream(remote);
    await assert.rejects(guard(new Promise((resolve, reject) => { rs.on('end', resolve); rs.on('error', reject); rs.resume(); }), 'stream'),
      TimeoutError);
    const dst = path.join(local, 'stall-timeout');
    await assert.rejects(guard(s.fastGet(remote, dst), 'fastGet'), (e) => e instanceof TimeoutError || e instanceof ClosedError);
    noCompleteFile(dst);
    await guard(s.close(), 'sftp.close');
  } finally {
    await guard(c.close(), 'client.close');
    await proxy.close();
  }
});

test('a stalled server: close() ends a download that waits without limit', async () => {
  const proxy = await startProxy('stall');
  const c = await throughProxy(proxy);
  try {
    const s = await c.sftp();
    const dst = path.join(local, 'stall-close');
    let closing = null;
    const p = s.fastGet(`${fx.remote}/src`, dst, {
      // Once the transfer runs, close the session (the stall comes at CUT
      // bytes, likely before; the outcome must be the same either way).
      // Progress may stay at 0: no chunk need complete before the stall.
      onProgress: () => { if (!closing) closing = new Promise((r) => setTimeout(r, 500)).then(() => s.close()); },
    });
    await assert.rejects(guard(p, 'fastGet'), ClosedError);
    await closing;
    noCompleteFile(dst);
    await assert.rejects(s.stat('.'), ClosedError);
  } finally {
    await c.close();
    await proxy.close();
  }
});

for (const fault of ['close', 'rst', 'flip']) {
  test(`a connection cut (${fault}) during fastGet and a read stream: an error, no complete-looking file`, async () => {
    const proxy = await startProxy(fault);
    const c = await throughProxy(proxy);
    try {
      const s = await c.sftp();
      const dst = path.join(local, `cut-${fault}`);
      await assert.rejects(guard(s.fastGet(`${fx.remote}/src`, dst), 'fastGet'),
        (e) => e instanceof ClosedError || e instanceof ProtocolError, String(fault));
      noCompleteFile(dst);
    } finally {
      await c.close();
      await proxy.close();
    }
    // A stream ends with 'error', never with a short 'end'.
    const proxy2 = await startProxy(fault);
    const c2 = await throughProxy(proxy2);
    try {
      const s = await c2.sftp();
      let got = 0;
      const rs = s.createReadStream(`${fx.remote}/src`);
      rs.on('data', (d) => { got += d.length; });
      await assert.rejects(guard(new Promise((resolve, reject) => { rs.on('end', resolve); rs.on('error', reject); }), 'stream'),
        (e) => e instanceof ClosedError || e instanceof ProtocolError);
      assert.ok(got < SIZE);
    } finally {
      await c2.close();
      await proxy2.close();
    }
  });
}
