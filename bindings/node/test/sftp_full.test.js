'use strict';
// A full disk over SFTP: testenv/with-sshd.sh starts a second sshd whose
// GOSSH_TEST_FULL_DIR is a small tmpfs (GOSSH_TEST_FULL_SIZE bytes) that only
// it sees. A put or writes past it reject with SFTPError code 'ENOSPC' (errno
// -28), never resolve, leave no remote file that looks complete, and the
// session stays usable.
//
//   make && testenv/with-sshd.sh sh -c 'cd bindings/node && node --test test/sftp_full.test.js'
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Client, SFTPError } = require('..');
const { connectOptions } = require('../testing/helpers');
const { randomData } = require('../testing/sftp');

const why = process.env.GOSSH_TEST_FULL_WHY ||
  (process.env.GOSSH_TEST_FULL_PORT ? '' : 'no GOSSH_TEST_FULL_PORT (old harness)');
const skip = why ? `no full-disk server: ${why}` : false;
const dir = process.env.GOSSH_TEST_FULL_DIR;
const size = Number(process.env.GOSSH_TEST_FULL_SIZE);

let client, sftp, local;

async function empty() {
  for (const name of await sftp.readdir(dir)) await sftp.unlink(`${dir}/${name}`);
}

test.before(async () => {
  if (skip) return;
  client = new Client();
  await client.connect(connectOptions({
    port: Number(process.env.GOSSH_TEST_FULL_PORT),
    knownHosts: process.env.GOSSH_TEST_FULL_KNOWN_HOSTS,
  }));
  sftp = await client.sftp();
  await empty();
  local = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-full-'));
});

test.after(async () => {
  if (skip) return;
  try { await empty(); } finally {
    await client.close();
    fs.rmSync(local, { recursive: true, force: true });
  }
});

function wantENOSPC(e, p) {
  assert.ok(e instanceof SFTPError, `not an SFTPError: ${e && e.stack}`);
  assert.strictEqual(e.code, 'ENOSPC', e.message);
  assert.strictEqual(e.errno, -os.constants.errno.ENOSPC);
  assert.strictEqual(e.path, p);
  assert.strictEqual(e.sftpStatusName, 'failure');
  assert.match(e.message, /no space left on device/);
}

/** The remote file is shorter than data (or gone) and a prefix of it. */
async function wantPrefix(p, data) {
  let st;
  try {
    st = await sftp.stat(p);
  } catch (e) {
    if (e.code === 'ENOENT') return;
    throw e;
  }
  assert.ok(st.size < data.length, `${p} is ${st.size} bytes after a failed transfer of ${data.length}`);
  const got = await sftp.readFile(p);
  assert.strictEqual(got.length, st.size);
  assert.ok(got.equals(data.subarray(0, st.size)), 'not a prefix of the data (a hole or stray bytes)');
}

test('put into a full disk rejects with ENOSPC, 30 times; a prefix is left; the session works', { skip }, async () => {
  const data = randomData(2 * size);
  fs.writeFileSync(path.join(local, 'src'), data);
  fs.writeFileSync(path.join(local, 'fits'), data.subarray(0, size / 4));
  // A put that fits resolves: the server does not refuse everything.
  assert.strictEqual(await sftp.fastPut(path.join(local, 'fits'), `${dir}/fits`), size / 4);
  await sftp.unlink(`${dir}/fits`);
  for (let i = 0; i < 30; i++) {
    const remote = `${dir}/put-${i}`;
    await assert.rejects(sftp.fastPut(path.join(local, 'src'), remote), (e) => { wantENOSPC(e, remote); return true; });
    await wantPrefix(remote, data);
    await sftp.stat(dir); // the session still works
    await sftp.unlink(remote).catch((e) => { if (e.code !== 'ENOENT') throw e; });
  }
});

test('a write loop into a full disk rejects with ENOSPC at a write, sync or close', { skip }, async () => {
  const data = randomData(2 * size);
  for (let i = 0; i < 8; i++) {
    const remote = `${dir}/write-${i}`;
    const f = await sftp.open(remote, 'w');
    let err = null;
    try {
      for (let off = 0; off < data.length; off += 65536) await f.write(data, off, 65536);
      await f.flush();
    } catch (e) {
      err = e;
    }
    try {
      await f.close();
    } catch (e) {
      err = err || e;
    }
    assert.ok(err, `writing ${data.length} bytes into a ${size}-byte disk rejected nothing`);
    wantENOSPC(err, remote);
    await wantPrefix(remote, data);
    await sftp.unlink(remote);
  }
  await sftp.stat(dir);
});
