'use strict';
// Agent (keys, sign) against a real ssh-agent; agent forwarding checked by
// ssh-add -l on the server; identitiesOnly; the algorithm options, the
// ed25519 preference, compress, and an RSA key against an sshd that takes
// only ssh-rsa signatures (testenv/extra-sshd.sh).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const {
  Client, Agent, AgentKey, Key, ConnectionError, InvalidArgumentError, AuthenticationError,
} = require('..');
const { env, key, connectOptions } = require('../testing/helpers');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-node-agent-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let agentProc = null;
const sock = path.join(tmp, 'agent.sock');
test.before(async () => {
  agentProc = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !fs.existsSync(sock); i++) await sleep(20); // a hang guard
  for (const k of ['id_ed25519', 'id_rsa']) {
    execFileSync('ssh-add', [key(k)], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  }
});
test.after(() => {
  if (agentProc) agentProc.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

const pub = (name) => Key.fromPublic(fs.readFileSync(key(`${name}.pub`), 'utf8'));

test('Agent lists its keys and signs', async () => {
  const agent = new Agent(sock);
  const keys = await agent.keys();
  assert.strictEqual(keys.length, 2);
  const [ed, rsa] = keys;
  assert.ok(ed instanceof AgentKey);
  assert.strictEqual(ed.type, 'ssh-ed25519');
  assert.strictEqual(rsa.type, 'ssh-rsa');
  assert.strictEqual(ed.comment, 'gossh-test');
  assert.deepStrictEqual(ed.blob, pub('id_ed25519').blob);
  assert.strictEqual(ed.fingerprint, pub('id_ed25519').fingerprint);
  assert.strictEqual(rsa.bits, 3072);
  assert.ok(ed.publicText.endsWith(' gossh-test'));
  for (const [k, algorithm] of [[ed, undefined], [rsa, undefined], [rsa, 'rsa-sha2-256'], [rsa, 'rsa-sha2-512']]) {
    const sig = await k.sign('data', { algorithm });
    assert.ok(k.key.verify('data', sig), `${k.type} ${algorithm}`);
    if (algorithm) assert.strictEqual(sig.subarray(4, 4 + algorithm.length).toString(), algorithm);
  }
  // A Key or a blob names the key too.
  assert.ok(pub('id_ed25519').verify('x', await agent.sign(pub('id_ed25519'), 'x')));
  await assert.rejects(ed.sign('data', { algorithm: 'rsa-sha2-512' }), InvalidArgumentError);
  const missing = new Agent(path.join(tmp, 'none'));
  await assert.rejects(missing.keys(), (e) => e instanceof ConnectionError && e.details.reason === 'agent');
});

test('an AgentKey logs in as privateKey, and as a Key', async () => {
  const [ed, rsa] = await new Agent(sock).keys();
  for (const k of [ed, rsa.toKey()]) {
    const c = new Client();
    try {
      await c.connect(connectOptions({ privateKey: k }));
      assert.strictEqual((await c.exec('echo agent')).stdout, 'agent\n');
    } finally {
      await c.close();
    }
  }
  const k = ed.toKey();
  assert.ok(k.canSign);
  assert.ok(k.verify('d', k.sign('d')));
});

test('Agent without SSH_AUTH_SOCK', async () => {
  const saved = process.env.SSH_AUTH_SOCK;
  delete process.env.SSH_AUTH_SOCK;
  try {
    await assert.rejects(new Agent().keys(), (e) => e instanceof ConnectionError && e.details.reason === 'no_agent');
  } finally {
    if (saved !== undefined) process.env.SSH_AUTH_SOCK = saved;
  }
});

test('agent forwarding: per session and per connection', async () => {
  const fp = pub('id_ed25519').fingerprint;
  const c = new Client();
  try {
    await c.connect(connectOptions({ privateKey: undefined, agent: sock }));
    let r = await c.exec('ssh-add -l');
    assert.strictEqual(r.code, 2, r.stdout + r.stderr); // nothing forwarded
    r = await c.exec('ssh-add -l', { forwardAgent: true });
    assert.strictEqual(r.code, 0);
    assert.ok(r.stdout.includes(fp), r.stdout);
  } finally {
    await c.close();
  }
  const d = new Client();
  try {
    await d.connect(connectOptions({ privateKey: key('id_ecdsa'), agent: sock, forwardAgent: true }));
    const r = await d.exec('ssh-add -l');
    assert.strictEqual(r.code, 0);
    assert.ok(r.stdout.includes(fp), r.stdout);
  } finally {
    await d.close();
  }
});

test('identitiesOnly keeps the agent\'s other keys out', async () => {
  const run = async (extra) => {
    const c = new Client();
    try {
      await c.connect(connectOptions({ privateKey: key('id_wrong'), agent: sock, ...extra }));
    } finally {
      await c.close();
    }
  };
  await run({});
  await assert.rejects(run({ identitiesOnly: true }), AuthenticationError);
});

async function negotiated(extra) {
  const c = new Client();
  try {
    await c.connect(connectOptions({ knownHosts: undefined, hostKeyPolicy: 'warning', ...extra }));
    return c.info();
  } finally {
    await c.close();
  }
}

test('algorithms: ed25519 first for an unknown host, lists, remove, disabledAlgorithms, compress', async () => {
  assert.strictEqual((await negotiated({})).hostKeyAlgorithm, 'ssh-ed25519');
  let i = await negotiated({ algorithms: { cipher: ['aes256-ctr'], hmac: ['hmac-sha2-512'], kex: ['ecdh-sha2-nistp384'] } });
  assert.deepStrictEqual([i.cipherOut, i.macOut, i.kex], ['aes256-ctr', 'hmac-sha2-512', 'ecdh-sha2-nistp384']);
  i = await negotiated({ algorithms: { serverHostKey: { remove: ['ssh-ed25519'] } }, compress: true });
  assert.strictEqual(i.hostKeyAlgorithm, 'ecdsa-sha2-nistp256');
  i = await negotiated({ disabledAlgorithms: { keys: ['ssh-ed25519', 'ecdsa-sha2-nistp256'] } });
  assert.ok(i.hostKeyAlgorithm.startsWith('rsa-sha2-'), i.hostKeyAlgorithm);
  await assert.rejects(negotiated({ algorithms: { cipher: ['rot13'] } }), (e) => e instanceof InvalidArgumentError && /name 1 of the ciphers list/.test(e.message) && !/rot13/.test(e.message));
  await assert.rejects(negotiated({ disabledAlgorithms: { cipher: ['aes128-ctr'] } }), TypeError);
  await assert.rejects(negotiated({ algorithms: { cyphers: ['aes128-ctr'] } }), TypeError);
  await assert.rejects(negotiated({ disabledAlgorithms: { pubkeys: ['ssh-ed25519'] } }), AuthenticationError);
});

/** Starts testenv/extra-sshd.sh with args; resolves { port, knownHosts, stop }. */
async function extraSSHD(...args) {
  const knownHosts = path.join(tmp, 'kh_rsa');
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const proc = spawn(path.join(ROOT, 'testenv', 'extra-sshd.sh'), [String(port), knownHosts, ...args], { stdio: 'ignore' });
    let exited = false;
    const gone = new Promise((resolve) => proc.on('exit', () => { exited = true; resolve(); }));
    for (let i = 0; i < 100 && !exited; i++) {
      const ok = await new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
        c.on('error', () => resolve(false));
      });
      if (ok) return { port, knownHosts, stop: async () => { proc.kill('SIGKILL'); await gone; } };
      await sleep(50);
    }
    proc.kill('SIGKILL');
    await gone;
  }
  throw new Error('could not start a second sshd');
}

test('an RSA key against an sshd that takes only ssh-rsa signatures', async () => {
  const server = await extraSSHD('-o', 'PubkeyAcceptedAlgorithms=ssh-rsa');
  const run = async (extra) => {
    const c = new Client();
    try {
      await c.connect(connectOptions({ port: server.port, knownHosts: server.knownHosts, privateKey: key('id_rsa'), ...extra }));
      return (await c.exec('echo ok')).stdout;
    } finally {
      await c.close();
    }
  };
  try {
    assert.strictEqual(await run({}), 'ok\n');
    await assert.rejects(run({ algorithms: { pubkey: ['rsa-sha2-512', 'rsa-sha2-256'] } }), AuthenticationError);
  } finally {
    await server.stop();
  }
});

test('Dropbear with only an ed25519 host key: connect, exec, host-key check', async (t) => {
  const which = (b) => { try { return execFileSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' }).trim(); } catch (_) { return ''; } };
  const bin = which('dropbear') || (fs.existsSync('/usr/sbin/dropbear') ? '/usr/sbin/dropbear' : '');
  if (!bin || !which('dropbearkey')) return t.skip('dropbear not installed (dropbear-bin; .ci/run installs it)');
  const e = env();
  // Dropbear reads only ~/.ssh/authorized_keys: the test user logs in by password, set only as root.
  if (process.getuid() !== 0 || !e.password) return t.skip('dropbear logs the test user in by password: root only');
  const hk = path.join(tmp, 'db_ed25519');
  execFileSync('dropbearkey', ['-t', 'ed25519', '-f', hk], { stdio: 'ignore' });
  let proc = null;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !proc; attempt++) {
    port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    const p = spawn(bin, ['-F', '-E', '-r', hk, '-P', path.join(tmp, 'db.pid'), '-p', `127.0.0.1:${port}`], { stdio: 'ignore' });
    let exited = false;
    p.on('exit', () => { exited = true; });
    for (let i = 0; i < 100 && !exited; i++) {
      const ok = await new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
        c.on('error', () => resolve(false));
      });
      if (ok) { proc = p; break; }
      await sleep(50);
    }
    if (!proc) p.kill('SIGKILL');
  }
  assert.ok(proc, 'dropbear did not start');
  const kh = path.join(tmp, 'db_known_hosts');
  const opts = (extra) => connectOptions({ port, privateKey: undefined, password: e.password, ...extra });
  try {
    const c = new Client();
    await c.connect(opts({ knownHosts: kh, hostKeyPolicy: 'autoadd' }));
    assert.strictEqual((await c.exec('echo dropbear-ok')).stdout, 'dropbear-ok\n');
    await c.close();
    const d = new Client();
    await d.connect(opts({ knownHosts: kh }));
    await d.close();
    const wrong = path.join(tmp, 'db_wrong_kh');
    fs.writeFileSync(wrong, `[127.0.0.1]:${port} ${(await Key.generate('ed25519')).publicText}\n`);
    const w = new Client();
    await assert.rejects(w.connect(opts({ knownHosts: wrong })), (err) => err.name === 'HostKeyMismatchError');
    await w.close();
  } finally {
    proc.kill('SIGKILL');
  }
});
