#!/usr/bin/env node
'use strict';
// gossh from Node: SFTP with fs.promises' names — write, list, stream,
// download with progress, clean up.
//
//   GOSSH_DEMO_HOST=example.org GOSSH_DEMO_USER=me GOSSH_DEMO_KEY=~/.ssh/id_ed25519 \
//   GOSSH_DEMO_KNOWN_HOSTS=~/.ssh/known_hosts node examples/node/sftp_demo.js
//
// Without GOSSH_DEMO_* it uses the test server's variables, so that
// `testenv/with-sshd.sh node examples/node/sftp_demo.js` works from the
// repository root (after `make` and `npm ci` in bindings/node).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { pipeline } = require('stream/promises');

let gossh;
try {
  gossh = require('gossh');
} catch (_) {
  gossh = require(path.join(__dirname, '..', '..', 'bindings', 'node'));
}
const { Client, SSHError } = gossh;

function settings() {
  const e = process.env;
  const host = e.GOSSH_DEMO_HOST || e.GOSSH_TEST_HOST;
  if (!host) {
    console.error('Set GOSSH_DEMO_HOST (and GOSSH_DEMO_PORT, _USER, _KEY, _KNOWN_HOSTS), ' +
      'or run under testenv/with-sshd.sh.');
    process.exit(2);
  }
  return {
    host,
    port: Number(e.GOSSH_DEMO_PORT || e.GOSSH_TEST_PORT || 22),
    username: e.GOSSH_DEMO_USER || e.GOSSH_TEST_USER,
    privateKey: e.GOSSH_DEMO_KEY || (e.GOSSH_TEST_KEYDIR && path.join(e.GOSSH_TEST_KEYDIR, 'id_ed25519')),
    password: e.GOSSH_DEMO_PASSWORD || undefined,
    knownHosts: e.GOSSH_DEMO_KNOWN_HOSTS || e.GOSSH_TEST_KNOWN_HOSTS,
  };
}

async function main() {
  const client = await new Client().connect(settings());
  const sftp = await client.sftp();
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-sftp-demo-'));
  const dir = `gossh-sftp-demo-${process.pid}`; // relative: in the start (home) directory
  try {
    const info = await sftp.info();
    console.log(`SFTP v${info.version}, home ${info.home}, packets of ${info.maxRead} bytes`);

    await sftp.mkdir(`${dir}/sub`, { recursive: true });
    await sftp.writeFile(`${dir}/hello.txt`, 'hello over SFTP\n');
    console.log(`read back: ${(await sftp.readFile(`${dir}/hello.txt`, 'utf8')).trim()}`);

    // A stream in, a stream out.
    await pipeline(async function* () {
      for (let i = 1; i <= 3; i++) yield `line ${i}\n`;
    }, sftp.createWriteStream(`${dir}/sub/lines.txt`));
    let text = '';
    for await (const chunk of sftp.createReadStream(`${dir}/sub/lines.txt`, { encoding: 'utf8' })) text += chunk;
    console.log(`streamed: ${text.split('\n').filter(Boolean).join(', ')}`);

    for (const e of await sftp.readdir(dir, { withFileTypes: true })) {
      console.log(`  ${e.isDirectory() ? 'dir ' : 'file'} ${e.name} (${e.attrs.size} bytes)`);
    }

    // A download with progress.
    await sftp.writeFile(`${dir}/data.bin`, Buffer.alloc(3 * 1024 * 1024, 7));
    let last = 0;
    const size = await sftp.fastGet(`${dir}/data.bin`, path.join(local, 'data.bin'), {
      onProgress: (done) => { last = done; },
    });
    console.log(`downloaded ${size} bytes (last progress report: ${last})`);

    try {
      await sftp.stat(`${dir}/missing`);
    } catch (e) {
      console.log(`stat of a missing file: ${e.code} (${e.syscall})`);
    }
  } catch (e) {
    if (e instanceof SSHError) console.error(`gossh error ${e.code}: ${e.message}`);
    throw e;
  } finally {
    await sftp.rm(dir, { recursive: true, force: true });
    await sftp.close();
    await client.close();
    fs.rmSync(local, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
