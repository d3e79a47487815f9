'use strict';
// Fan-out (issue 13): Group and runOnHosts against the real sshd. Many hosts
// are names for the same 127.0.0.1:port, next to a port where nothing
// listens, a wrong key and an empty known_hosts (unknown host key).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const { Group, Key, runOnHosts, AbortError, AuthenticationError, ConnectionError, HostKeyError, SSHError } = require('..');
const { env, key } = require('../testing/helpers');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function hostOptions(extra = {}) {
  const e = env();
  return { host: e.host, port: e.port, username: e.username, privateKey: key('id_ed25519'), agent: false, lookForKeys: false, ...extra };
}

test('runOnHosts: every host of a mixed set gets the result of its kind', async () => {
  const refused = await freePort();
  const kinds = [];
  const hosts = [];
  for (let i = 0; i < 40; i++) {
    const k = ['good', 'badkey', 'refused', 'good'][i % 4];
    kinds.push(k);
    if (k === 'good') hosts.push(hostOptions({ name: `h${i}`, command: `echo hello h${i}; exit ${i % 3}` }));
    if (k === 'badkey') hosts.push(hostOptions({ name: `h${i}`, privateKey: key('id_wrong'), password: 'wrong' }));
    if (k === 'refused') hosts.push(hostOptions({ name: `h${i}`, port: refused }));
  }
  const results = await runOnHosts(hosts, 'echo unused', { poolSize: 10, knownHosts: env().knownHosts });
  assert.strictEqual(results.length, 40);
  results.forEach((r, i) => {
    assert.strictEqual(r.index, i);
    assert.strictEqual(r.name, `h${i}`);
    if (kinds[i] === 'good') {
      assert.strictEqual(r.error, null);
      assert.strictEqual(r.stdout.toString(), `hello h${i}\n`);
      assert.strictEqual(r.exitCode, i % 3);
    } else {
      assert.ok(kinds[i] === 'badkey' ? r.error instanceof AuthenticationError : r.error instanceof ConnectionError, String(r.error));
      assert.strictEqual(r.error.host, `h${i}`);
      assert.strictEqual(r.exitCode, null);
    }
  });
});

test('unknown host keys are rejected per host by default', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-group-'));
  const empty = path.join(dir, 'known_hosts');
  fs.writeFileSync(empty, '');
  try {
    const results = await runOnHosts([hostOptions(), hostOptions()], 'echo never', { knownHosts: empty });
    for (const r of results) {
      assert.ok(r.error instanceof HostKeyError, String(r.error));
      assert.strictEqual(r.stdout.length, 0);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hostKeyPolicy: a function decides per unknown host; warning warns', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-group-'));
  const empty = path.join(dir, 'known_hosts');
  fs.writeFileSync(empty, '');
  try {
    let asked = 0;
    const hosts = [0, 1, 2, 3].map((i) => hostOptions({ name: `k${i}` }));
    const results = await runOnHosts(hosts, 'echo in', {
      knownHosts: empty, poolSize: 1,
      hostKeyPolicy: (hostname, key) => { asked++; assert.ok(key.fingerprint.startsWith('SHA256:')); return asked % 2 === 1; },
    });
    assert.strictEqual(asked, 4);
    assert.strictEqual(results.filter((r) => r.error === null && r.stdout.toString() === 'in\n').length, 2);
    assert.strictEqual(results.filter((r) => r.error instanceof HostKeyError).length, 2);
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const warned = await runOnHosts([hostOptions()], 'echo w', { knownHosts: empty, hostKeyPolicy: 'warning' });
      assert.strictEqual(warned[0].error, null);
      await new Promise((r) => setImmediate(r));
      assert.ok(warnings.some((w) => w.name === 'HostKeyWarning'), 'no HostKeyWarning');
    } finally {
      process.off('warning', onWarning);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Group: results as hosts finish, streaming output, reuse on a second run', async () => {
  const g = new Group({ poolSize: 4, knownHosts: env().knownHosts });
  try {
    for (let i = 0; i < 8; i++) g.addHost(hostOptions({ name: `s${i}` }));
    for (let round = 0; round < 2; round++) {
      const streamed = new Map();
      const seen = [];
      for await (const r of g.run('echo out; echo err >&2', { onOutput: (i, name, stream, chunk) => {
        streamed.set(`${name}/${stream}`, (streamed.get(`${name}/${stream}`) || '') + chunk.toString());
      } })) {
        assert.strictEqual(r.error, null);
        assert.strictEqual(r.exitCode, 0);
        assert.strictEqual(r.reused, round === 1);
        assert.strictEqual(r.stderr.toString(), 'err\n');
        seen.push(r.index);
      }
      assert.deepStrictEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
      for (let i = 0; i < 8; i++) {
        assert.strictEqual(streamed.get(`s${i}/stdout`), 'out\n');
        assert.strictEqual(streamed.get(`s${i}/stderr`), 'err\n');
      }
    }
  } finally {
    await g.close();
  }
});

test('Group: cancel ends running commands; every host reports', async () => {
  for (let rep = 0; rep < 5; rep++) {
    const g = new Group({ poolSize: 3, knownHosts: env().knownHosts });
    try {
      for (let i = 0; i < 6; i++) g.addHost(hostOptions());
      let cancelled = false;
      const results = [];
      for await (const r of g.run('echo started; exec sleep 60', { onOutput: () => { if (!cancelled) { cancelled = true; g.cancel(); } } })) {
        results.push(r);
      }
      assert.strictEqual(results.length, 6);
      for (const r of results) assert.ok(r.error instanceof SSHError && r.error.gosshCode === 'GOSSH_E_CANCELLED', String(r.error));
    } finally {
      await g.close();
    }
  }
});

test('Group: stopOnErrors stops after the first error', async () => {
  const refused = await freePort();
  const hosts = [hostOptions(), hostOptions({ port: refused })];
  for (let i = 0; i < 8; i++) hosts.push(hostOptions());
  const results = await runOnHosts(hosts, 'true', { poolSize: 1, stopOnErrors: true, knownHosts: env().knownHosts });
  assert.strictEqual(results[0].error, null);
  assert.ok(results[1].error instanceof ConnectionError);
  for (const r of results.slice(2)) assert.strictEqual(r.error.gosshCode, 'GOSSH_E_CANCELLED');
});

// A group host takes Client.connect's options (one translation, lib/options.js):
// a proxy command the library runs, as for a single client.
test('Group: a host connects through proxyCommand as Client.connect would', async () => {
  const g = new Group({ knownHosts: env().knownHosts });
  const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-group-')), 'proxy-ran');
  try {
    g.addHost(hostOptions({ name: 'via-nc', proxyCommand: `sh -c "touch ${marker}; exec nc %h %p"` }));
    g.addHost(hostOptions({ name: 'direct' }));
    const got = {};
    for await (const r of g.run('echo hi')) got[r.name] = r;
    for (const name of ['via-nc', 'direct']) {
      assert.strictEqual(got[name].error, null, `${name}: ${got[name].error}`);
      assert.strictEqual(got[name].stdout.toString(), 'hi\n');
    }
    assert.ok(fs.existsSync(marker), 'the proxy command did not run');
  } finally {
    await g.close();
  }
});

test('runOnHosts: concurrency bounds the hosts at work; a signal cancels (x5)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-conc-'));
  fs.chmodSync(dir, 0o777);
  // Each host counts the hosts inside the command with it (a file each).
  const hosts = Array.from({ length: 8 }, (_, i) => hostOptions({ name: `c${i}`,
    command: `touch ${dir}/h${i}; ls ${dir} | wc -l; sleep 0.2; rm ${dir}/h${i}` }));
  const results = await runOnHosts(hosts, 'unused', { concurrency: 2, knownHosts: env().knownHosts });
  for (const r of results) {
    assert.strictEqual(r.error, null, String(r.error));
    const n = Number(r.stdout.toString().trim());
    assert.ok(n >= 1 && n <= 2, `${r.name} saw ${n} hosts at work with concurrency 2`);
  }

  for (let round = 0; round < 5; round++) {
    const ac = new AbortController();
    const many = Array.from({ length: 6 }, (_, i) => hostOptions({ name: `a${i}` }));
    let first = true;
    const run = runOnHosts(many, 'echo started; sleep 30', {
      concurrency: 3, knownHosts: env().knownHosts, signal: ac.signal,
      onOutput: () => { if (first) { first = false; ac.abort(new Error('enough')); } },
    });
    const err = await run.then(() => null, (e) => e);
    assert.ok(err instanceof AbortError, `round ${round}: ${err}`);
    assert.strictEqual(err.cause.message, 'enough');
    assert.strictEqual(err.results.length, 6);
    for (const r of err.results) {
      assert.ok(r, `round ${round}: a host without a result`);
      assert.ok(r.error, `round ${round}: ${r.name} finished a 30 s command`);
      assert.strictEqual(r.error.gosshCode, 'GOSSH_E_CANCELLED', `round ${round}: ${r.name}: ${r.error}`);
    }
  }
  const pre = AbortSignal.abort();
  await assert.rejects(runOnHosts([hostOptions()], 'true', { signal: pre }), AbortError);
  await assert.rejects(runOnHosts([hostOptions()], 'true', { signal: {} }), TypeError);
});

test('Group: keys per host as Key objects, key text and paths, changing from host to host', async () => {
  const good = await Key.fromFile(key('id_ed25519'));
  const wrong = await Key.fromFile(key('id_wrong'));
  const text = fs.readFileSync(key('id_ed25519'));
  const keys = [good, good, text, text.toString(), wrong, good, [wrong, good], wrong, key('id_ed25519'), good];
  const g = new Group({ poolSize: 5, knownHosts: env().knownHosts });
  try {
    keys.forEach((k, i) => assert.strictEqual(g.addHost(hostOptions({ name: `k${i}`, privateKey: k })), i));
    const results = [];
    for await (const r of g.run('echo ok')) results[r.index] = r;
    keys.forEach((k, i) => {
      const r = results[i];
      if (k === wrong) {
        assert.ok(r.error instanceof AuthenticationError, `host ${i}: ${r.error}`);
      } else {
        assert.strictEqual(r.error, null, `host ${i}: ${r.error}`);
        assert.strictEqual(r.stdout.toString(), 'ok\n');
      }
    });
  } finally {
    await g.close();
  }
});

test('Group: a refused option is named and adds no host; host commands and onOutput apply per run', async () => {
  const g = new Group({ poolSize: 3, knownHosts: env().knownHosts });
  try {
    assert.strictEqual(g.addHost(hostOptions({ name: 'a' })), 0);
    assert.throws(() => g.addHost(hostOptions({ name: 'bad', port: 70000 })), /port/);
    assert.strictEqual(g.addHost(hostOptions({ name: 'b' })), 1);
    assert.deepStrictEqual(g.hosts, ['a', 'b']);
    const run = async (cmd, opts) => {
      const out = [];
      for await (const r of g.run(cmd, opts)) out[r.index] = r.stdout.toString();
      return out;
    };
    assert.deepStrictEqual(await run('echo all', { hostCommands: ['echo one', null] }), ['one\n', 'all\n']);
    assert.deepStrictEqual(await run('echo all'), ['all\n', 'all\n']); // the override is gone
    let chunks = 0;
    assert.deepStrictEqual(await run('echo x', { onOutput: () => { chunks++; } }), ['x\n', 'x\n']);
    assert.ok(chunks >= 2, `onOutput saw ${chunks} chunks`);
    chunks = 0;
    const before = chunks;
    assert.deepStrictEqual(await run('echo y'), ['y\n', 'y\n']); // no listener: output only in results
    assert.strictEqual(chunks, before);
  } finally {
    await g.close();
  }
});

test('a host\'s error has what Client.connect\'s error has for the same failure', async () => {
  const { Client } = require('..');
  const refused = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-group-'));
  const empty = path.join(dir, 'known_hosts');
  fs.writeFileSync(empty, '');
  try {
    for (const [opts, knownHosts] of [[hostOptions({ port: refused }), env().knownHosts], [hostOptions(), empty],
      [hostOptions({ privateKey: key('id_wrong'), password: 'wrong' }), env().knownHosts]]) {
      const [r] = await runOnHosts([{ ...opts, name: 'x' }], 'true', { knownHosts });
      const c = new Client();
      const want = await c.connect({ ...opts, knownHosts }).then(() => null, (e) => e);
      await c.close();
      assert.ok(want, 'connect should fail');
      assert.strictEqual(r.error.constructor, want.constructor);
      assert.strictEqual(r.error.code, want.code);
      assert.strictEqual(r.error.host, 'x');
      assert.deepStrictEqual({ ...r.error.details, host: undefined }, { ...want.details, host: undefined });
      assert.ok(r.error.message.length > 0);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Group: bad input', async () => {
  assert.throws(() => new Group({ poolSize: 0 }), /pool_size/);
  assert.throws(() => new Group({ hostKeyPolicy: 'trust-me' }), TypeError);
  const g = new Group();
  assert.throws(() => g.addHost({}), TypeError);
  assert.throws(() => g.addHost(hostOptions({ sock: new net.Socket() })), /sock and jump/);
  assert.throws(() => g.addHost(hostOptions({ privateKey: 42 })), TypeError);
  await assert.rejects(async () => { for await (const _ of g.run('true')) { /* none */ } }, /no hosts/);
  await g.close();
  assert.throws(() => g.addHost(hostOptions()), /closed/);
  await g.close();
});

test('Group: put to every host, get back a file per host', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gossh-group-'));
  const src = path.join(dir, 'src');
  const data = Buffer.alloc(150 * 1024 + 5);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
  fs.writeFileSync(src, data);
  const remote = `gossh-group-node-${process.pid}-%i`;
  const g = new Group({ poolSize: 3, knownHosts: env().knownHosts });
  try {
    for (let i = 0; i < 5; i++) g.addHost(hostOptions({ name: `p${i}` }));
    for await (const r of g.put(src, remote)) {
      assert.strictEqual(r.error, null, String(r.error));
      assert.strictEqual(r.transferred, data.length);
    }
    for await (const r of g.get(remote, path.join(dir, 'got-%h'))) {
      assert.strictEqual(r.error, null, String(r.error));
      assert.ok(r.reused);
    }
    for (let i = 0; i < 5; i++) assert.ok(fs.readFileSync(path.join(dir, `got-p${i}`)).equals(data));
    await assert.rejects(g.get(remote, path.join(dir, 'one')).next(), /same file/);
    for await (const r of g.run(`rm -f gossh-group-node-${process.pid}-*`)) assert.strictEqual(r.error, null);
  } finally {
    await g.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
