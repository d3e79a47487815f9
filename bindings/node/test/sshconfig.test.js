'use strict';
// SSHConfig (libgossh's ssh_config resolver) and connect({ sshConfig }) against the real sshd.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Client, SSHConfig, InvalidArgumentError, FileError, ConnectionError, AuthenticationError } = require('..');
const { env, key } = require('../testing/helpers');

const TEXT = `
Host web* !web-internal
    HostName %h.example.com
    User=webuser
    IdentityFile "/keys/one two"
Match host web1.example.com user alice
    Port 2201
Match final all
    IdentityFile /keys/final_%h
Host *
    Port 2222
    IdentityFile /keys/default
    ProxyCommand nc %h %p
`;

test('SSHConfig.fromText: lookup resolves as ssh does', async () => {
  const cfg = SSHConfig.fromText(TEXT);
  const r = await cfg.lookup('web1');
  assert.deepStrictEqual(r, {
    hostname: 'web1.example.com',
    user: 'webuser',
    identityfile: ['/keys/one two', '/keys/default', '/keys/final_web1.example.com'],
    port: '2222',
    proxycommand: 'nc web1.example.com 2222',
  });
  // The caller's user and port win, and Match user sees the user.
  const alice = await cfg.lookup('web1', { user: 'alice' });
  assert.strictEqual(alice.user, 'alice');
  assert.strictEqual(alice.port, '2201');
  assert.strictEqual((await cfg.lookup('web1', { user: 'alice', port: 7 })).port, '7');
  assert.strictEqual((await cfg.lookup('web-internal')).hostname, 'web-internal');
  assert.deepStrictEqual(cfg.hostnames(), ['web*', '!web-internal', '*']);
  cfg.free();
  cfg.free();
  await assert.rejects(cfg.lookup('x'), InvalidArgumentError);
});

test('SSHConfig: bad input', async () => {
  assert.throws(() => SSHConfig.fromText('Host a\n  User "unterminated\n'), (e) => e instanceof InvalidArgumentError &&
    e.details.line === '2');
  assert.throws(() => SSHConfig.fromText('Match nosuch x\n'), InvalidArgumentError);
  assert.throws(() => SSHConfig.fromText(42), TypeError);
  assert.throws(() => new SSHConfig(), TypeError);
  await assert.rejects(SSHConfig.fromPath('/nonexistent/gossh/config'), FileError);
  const cfg = SSHConfig.fromText('Host a\n  Port 1\n');
  await assert.rejects(cfg.lookup('a', { port: 70000 }), InvalidArgumentError);
});

test('SSHConfig.fromPath: Include with a glob', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-sshconfig-'));
  try {
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd', 'a.conf'), 'Host inc\n    User included\n');
    fs.writeFileSync(path.join(dir, 'config'), `Include ${dir}/d/*.conf\nHost *\n    User other\n`);
    const cfg = await SSHConfig.fromPath(path.join(dir, 'config'));
    assert.strictEqual((await cfg.lookup('inc')).user, 'included');
    assert.strictEqual((await cfg.lookup('x')).user, 'other');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function writeConfig(dir, extra = '') {
  const e = env();
  const file = path.join(dir, 'config');
  fs.writeFileSync(file, [
    'Host gossh-alias',
    `    HostName ${e.host}`, `    Port ${e.port}`, `    User ${e.username}`,
    `    IdentityFile ${key('id_ed25519')}`, `    UserKnownHostsFile ${e.knownHosts}`,
    '    IdentitiesOnly yes', extra, ''].join('\n'));
  return file;
}

test('connect({ sshConfig }): an alias reaches the server with the file\'s HostName, Port, User and key', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-sshconfig-'));
  try {
    const file = writeConfig(dir, '    Ciphers aes256-ctr\n    StrictHostKeyChecking yes');
    const client = new Client();
    try {
      await client.connect({ host: 'gossh-alias', sshConfig: file, timeout: 10000 });
      const r = await client.exec('echo ok');
      assert.strictEqual(r.stdout, 'ok\n');
      assert.strictEqual(client.info().cipherOut, 'aes256-ctr');
    } finally {
      await client.close();
    }
    // Options given explicitly win over the file.
    const c2 = new Client();
    try {
      await assert.rejects(c2.connect({ host: 'gossh-alias', sshConfig: file, port: 1, timeout: 10000 }), ConnectionError);
    } finally {
      await c2.close();
    }
    const c3 = new Client();
    try {
      await assert.rejects(c3.connect({ host: 'gossh-alias', sshConfig: file, username: 'gossh-no-such-user' }),
        AuthenticationError);
    } finally {
      await c3.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('connect({ sshConfig }): a file that does not parse fails the connect, naming its line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-sshconfig-'));
  try {
    const file = writeConfig(dir, 'Match nosuch x');
    const client = new Client();
    try {
      await assert.rejects(client.connect({ host: 'gossh-alias', sshConfig: file }),
        (e) => e instanceof InvalidArgumentError && /line 8/.test(e.message));
    } finally {
      await client.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('connect({ sshConfig }): a ProxyJump named in the file', async () => {
  const e = env();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-sshconfig-'));
  const block = (name) => [`Host ${name}`, `    HostName ${e.host}`, `    Port ${e.port}`, `    User ${e.username}`,
    `    IdentityFile ${key('id_ed25519')}`, `    UserKnownHostsFile ${e.knownHosts}`, ''].join('\n');
  try {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, `${block('gossh-target')}    ProxyJump gossh-jump\n${block('gossh-jump')}`);
    const client = new Client();
    try {
      await client.connect({ host: 'gossh-target', sshConfig: file, timeout: 10000 });
      assert.strictEqual((await client.exec('echo through')).stdout, 'through\n');
    } finally {
      await client.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
