'use strict';
// Shared fixtures of the SFTP tests: a connected client, its SFTP session, a
// remote scratch directory under the test user's home and a local one, both
// removed at the end.
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Client } = require('..');
const { connectOptions } = require('./helpers');

async function sftpFixture(tag, sftpOptions) {
  const client = new Client();
  await client.connect(connectOptions());
  const sftp = await client.sftp(sftpOptions);
  const home = await sftp.realpath('.');
  const remote = `${home}/gossh-node-${tag}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  await sftp.mkdir(remote);
  const local = fs.mkdtempSync(path.join(os.tmpdir(), `gossh-node-${tag}-`));
  return {
    client,
    sftp,
    home,
    remote,
    local,
    r: (name) => `${remote}/${name}`,
    l: (name) => path.join(local, name),
    async cleanup() {
      try {
        const s = sftp._closed ? await client.sftp() : sftp;
        await s.rm(remote, { recursive: true, force: true });
        await s.close();
      } catch (_) { /* the client may be gone */ }
      await client.close();
      fs.rmSync(local, { recursive: true, force: true });
    },
  };
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

function sha256File(file) {
  return sha256(fs.readFileSync(file));
}

/** Random bytes (all 256 values, no pattern a short transfer could fake). */
function randomData(n) {
  return crypto.randomBytes(n);
}

module.exports = { sftpFixture, sha256, sha256File, randomData };
