'use strict';
// Logging: connect({ log }) and the module-level setLogger.
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { execFile } = require('child_process');
const gossh = require('..');
const { connectOptions, env, HANG_GUARD_MS } = require('../testing/helpers');

const pkg = path.resolve(__dirname, '..');

test('connect({ log }) receives connection, host-key, auth and channel records, never the password', async () => {
  const e = env();
  const records = [];
  const c = new gossh.Client();
  try {
    await c.connect(connectOptions({
      privateKey: undefined,
      password: e.password || undefined,
      ...(e.password ? {} : { privateKey: require('../testing/helpers').key('id_ed25519') }),
      log: (level, name, message) => records.push({ level, name, message }),
      logLevel: 'debug',
    }));
    await c.exec('true');
    const sh = await c.shell({ pty: false });
    sh.end('exit\n');
    sh.resume();
    await sh.exit;
  } finally {
    await c.close();
  }
  const text = records.map((r) => `${r.level} ${r.name} ${r.message}`).join('\n');
  assert.ok(records.every((r) => [10, 20, 30, 40].includes(r.level)), text);
  assert.ok(records.every((r) => /^gossh\.\d+\.(transport|channel)$/.test(r.name)), text);
  assert.match(text, /^20 \S+\.transport connecting to /m);
  assert.match(text, /^10 \S+\.transport host key for .* matches known_hosts/m);
  assert.match(text, /^20 \S+\.transport authenticated as /m);
  assert.match(text, /^10 \S+\.channel opened session channel/m);
  assert.match(text, /^20 \S+\.transport closing connection/m);
  if (e.password) assert.ok(!text.includes(e.password), 'the password appears in the log');
});

test('logLevel filters; a logger that throws does not break the connection', async () => {
  const info = [];
  const c1 = new gossh.Client();
  const c2 = new gossh.Client();
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    await c1.connect(connectOptions({ log: (level, name, message) => info.push({ level, name, message }), logLevel: 'info' }));
    await c2.connect(connectOptions({ log: () => { throw new Error('logger bug'); }, logLevel: 'debug', logChannel: 'mine' }));
    assert.strictEqual((await c2.exec('echo ok')).stdout, 'ok\n');
    await c1.exec('true');
  } finally {
    await c1.close();
    await c2.close();
    process.off('warning', onWarning);
  }
  assert.ok(info.length >= 2);
  assert.ok(info.every((r) => r.level >= 20), JSON.stringify(info));
  // c2's records went to c2's logger only.
  assert.ok(info.every((r) => !r.name.startsWith('mine.')));
  assert.ok(warnings.some((w) => /logger bug/.test(w.message)));
  assert.strictEqual(warnings.filter((w) => /logger bug/.test(w.message)).length, 1, 'one warning per logger');
  const c3 = new gossh.Client();
  await assert.rejects(c3.connect(connectOptions({ log: () => {}, logLevel: 'loud' })), TypeError);
  await c3.close();
});

test('setLogger: every client, by level; setLogger(null) stops it', async () => {
  const records = [];
  gossh.setLogger((level, name, message) => records.push({ level, name, message }), 'debug');
  const c = new gossh.Client();
  try {
    await c.connect(connectOptions({ logChannel: 'app.ssh' }));
    await c.exec('true');
  } finally {
    await c.close();
    gossh.setLogger(null);
  }
  assert.ok(records.some((r) => r.name === 'app.ssh.transport' && /authenticated as/.test(r.message)), JSON.stringify(records));
  assert.ok(records.some((r) => r.name === 'app.ssh.channel'));
  const n = records.length;
  const c2 = new gossh.Client();
  await c2.connect(connectOptions());
  await c2.close();
  assert.strictEqual(records.length, n);
  assert.throws(() => gossh.setLogger('nope'), TypeError);
});

// Runs code in a child node; a child that does not exit is killed after
// timeout (a hang guard) and the promise rejects.
function runNode(code, timeout = HANG_GUARD_MS) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { timeout, env: process.env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`)); else resolve({ stdout });
    });
  });
}

test('a process with logging on still exits (setLogger left on, client closed or not)', async () => {
  const opts = JSON.stringify(connectOptions());
  for (const closeIt of [true, false]) {
    const code = `
      const g = require(${JSON.stringify(pkg)});
      let n = 0;
      g.setLogger(() => { n++; }, 'debug');
      (async () => {
        const c = new g.Client();
        await c.connect(${opts});
        await c.exec('true');
        ${closeIt ? 'await c.close();' : ''}
        console.log('records', n > 0);
      })();`;
    // It exits at all: runNode rejects if it has to kill it.
    const { stdout } = await runNode(code);
    assert.match(stdout, /records true/);
  }
});
