'use strict';
// Session channels: exec/spawn with pty and env, signals, shell(), subsystem(),
// close while a read is pending.
const test = require('node:test');
const assert = require('node:assert');
const { Client, Channel, ClosedError, TimeoutError, InvalidArgumentError } = require('..');
const { connectOptions, HANG_GUARD_MS } = require('../testing/helpers');

let client;
test.before(async () => {
  client = new Client();
  await client.connect(connectOptions({ channelTimeout: 10000 }));
});
test.after(async () => {
  if (client) await client.close();
});

function collect(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString()));
    stream.on('error', reject);
  });
}

/** Reads a Duplex until `pattern` appears in what was read. */
function until(stream, pattern, ms = 10000) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(text)}`)); }, ms);
    const onData = (d) => {
      text += d;
      if (pattern.test(text)) { cleanup(); resolve(text); }
    };
    const onEnd = () => { cleanup(); reject(new Error(`stream ended before ${pattern}; got ${JSON.stringify(text)}`)); };
    function cleanup() { clearTimeout(timer); stream.off('data', onData); stream.off('end', onEnd); }
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}

test('exec with env sets variables (AcceptEnv)', async () => {
  const r = await client.exec('echo "$GOSSH_A|$GOSSH_B"', { env: { GOSSH_A: 'one', GOSSH_B: 'two words' } });
  assert.deepStrictEqual(r, { stdout: 'one|two words\n', stderr: '', code: 0 });
});

test('exec with pty: a terminal of the requested size, stderr merged', async () => {
  const r = await client.exec('tty >/dev/null && echo TTY; stty size; echo $TERM; echo err >&2',
    { pty: { term: 'xterm', cols: 132, rows: 43 } });
  assert.strictEqual(r.code, 0);
  assert.strictEqual(r.stdout.replace(/\r/g, ''), 'TTY\n43 132\nxterm\nerr\n');
  assert.strictEqual(r.stderr, '');
});

test('exec with pty: true uses vt100 80x24', async () => {
  const r = await client.exec('stty size; echo $TERM', { pty: true });
  assert.strictEqual(r.stdout.replace(/\r/g, ''), '24 80\nvt100\n');
});

test('exec without pty has no terminal', async () => {
  const r = await client.exec('tty', { pty: false });
  assert.strictEqual(r.stdout, 'not a tty\n');
});

test('exec with pty and env and stdin', async () => {
  const r = await client.exec('read line; echo "$X:$line"', { pty: true, env: { X: 'x' }, stdin: 'typed\n' });
  assert.match(r.stdout.replace(/\r/g, ''), /x:typed\n$/);
});

test('exec timeout with a pty: TimeoutError', async () => {
  // The command's own end, after 10 s, would resolve instead.
  await assert.rejects(client.exec('sleep 10', { pty: true, timeout: 500 }), TimeoutError);
});

test('bad pty and env options are TypeErrors (an out-of-range size is the library\'s InvalidArgumentError)', async () => {
  await assert.rejects(client.exec('true', { pty: { cols: -1 } }), { code: 'GOSSH_E_INVALID' });
  await assert.rejects(client.exec('true', { pty: { cols: 1.5 } }), TypeError);
  await assert.rejects(client.exec('true', { pty: 'yes' }), TypeError);
  await assert.rejects(client.exec('true', { env: 'A=1' }), TypeError);
});

test('spawn with env and pty', async () => {
  const proc = await client.spawn('echo "$V"; tty >/dev/null && echo tty', { env: { V: 'spawned' }, pty: true });
  const out = await collect(proc.stdout);
  assert.strictEqual(out.replace(/\r/g, ''), 'spawned\ntty\n');
  assert.strictEqual(await proc.exit, 0);
});

test('spawn: kill() sends TERM; exit event gets (code, signal)', async () => {
  const proc = await client.spawn('echo started; exec sleep 30');
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
  // Signal only once the command runs: sshd drops a signal sent before it forks.
  await new Promise((resolve) => proc.stdout.once('data', resolve));
  proc.stdout.resume(); // 'close' follows the end of both output streams
  proc.stderr.resume();
  assert.strictEqual(proc.kill(), true);
  // TERM, where the command's own end would give code 0.
  assert.deepStrictEqual(await exited, { code: -1, signal: 'TERM' });
  assert.deepStrictEqual(await closed, { code: -1, signal: 'TERM' });
  assert.strictEqual(await proc.exit, -1);
  assert.strictEqual(proc.signalCode, 'TERM');
  // After the end, kill reports false rather than throwing.
  assert.strictEqual(proc.kill('SIGKILL'), false);
});

test('spawn: kill("SIGINT") and exec result carries the signal', async () => {
  // Running before the signal: OpenSSH loses a signal that arrives while
  // its session child is still starting the command (a fixed 200 ms wait
  // was not enough under load).
  const proc = await client.spawn('echo started; exec sleep 30');
  await new Promise((r) => proc.stdout.once('data', r));
  proc.kill('SIGINT');
  assert.strictEqual(await proc.exit, -1);
  assert.strictEqual(proc.signalCode, 'INT');
  assert.throws(() => proc.kill(9), TypeError);
});

test('a normal exit has no signal', async () => {
  const proc = await client.spawn('exit 4');
  const [code, signal] = await new Promise((resolve) => proc.once('exit', (...a) => resolve(a)));
  assert.strictEqual(code, 4);
  assert.strictEqual(signal, null);
});

test('shell(): a Duplex with a pty; commands, resize, exit status', async () => {
  const sh = await client.shell({ term: 'xterm', cols: 100, rows: 30, env: { GOSSH_SHELL: 'yes' } });
  assert.ok(sh instanceof Channel);
  assert.strictEqual(sh.type, 'session');
  // The pty echoes what is typed: markers are computed so that only the output matches.
  sh.write('stty size; echo "S=$GOSSH_SHELL"; echo MARK$((1))\n');
  const first = await until(sh, /MARK1\r?\n/);
  assert.match(first, /30 100/);
  assert.match(first, /S=yes/);
  sh.setWindow(50, 160);
  sh.write('stty size; echo MARK$((2))\n');
  assert.match(await until(sh, /MARK2\r?\n/), /50 160/);
  sh.resize({ cols: 90, rows: 20 });
  sh.write('stty size; echo MARK$((3))\n');
  assert.match(await until(sh, /MARK3\r?\n/), /20 90/);
  sh.write('exit 6\n');
  assert.strictEqual(await sh.exit, 6);
  if (!sh.destroyed) await new Promise((r) => { sh.once('close', r); sh.resume(); });
  assert.ok(sh.stderr);
});

test('shell({ pty: false }): commands on stdin, stderr apart', async () => {
  const sh = await client.shell({ pty: false });
  const out = collect(sh);
  const err = collect(sh.stderr);
  sh.end('echo out; echo err >&2; exit 2\n');
  assert.strictEqual(await out, 'out\n');
  assert.strictEqual(await err, 'err\n');
  assert.strictEqual(await sh.exit, 2);
});

test('shell: end() sends EOF and the shell exits', async () => {
  const sh = await client.shell({ pty: false });
  const out = collect(sh);
  sh.write('echo before-eof\n');
  sh.end();
  assert.strictEqual(await out, 'before-eof\n');
  assert.strictEqual(await sh.exit, 0);
});

test('shell: piping a Readable into it', async () => {
  const { Readable } = require('stream');
  const sh = await client.shell({ pty: false });
  const out = collect(sh);
  Readable.from(['echo a\n', 'echo b\n', 'exit\n']).pipe(sh);
  assert.strictEqual(await out, 'a\nb\n');
});

test('shell: close() ends it; exit rejects with ClosedError', async () => {
  const sh = await client.shell();
  sh.resume();
  await new Promise((r) => setTimeout(r, 200));
  await sh.close();
  await assert.rejects(sh.exit, ClosedError);
  assert.ok(sh.destroyed);
});

test('subsystem("sftp"): the server answers SSH_FXP_INIT with SSH_FXP_VERSION', async () => {
  const ch = await client.subsystem('sftp');
  const init = Buffer.from([0, 0, 0, 5, 1, 0, 0, 0, 3]); // length 5, SSH_FXP_INIT, version 3
  ch.write(init);
  const reply = await new Promise((resolve, reject) => {
    let b = Buffer.alloc(0);
    ch.on('data', (d) => {
      b = Buffer.concat([b, d]);
      if (b.length >= 4 && b.length >= 4 + b.readUInt32BE(0)) resolve(b);
    });
    ch.on('error', reject);
  });
  assert.strictEqual(reply[4], 2); // SSH_FXP_VERSION
  assert.strictEqual(reply.readUInt32BE(5), 3);
  ch.end();
  await ch.close();
});

test('subsystem: an unknown name is refused with a ChannelError', async () => {
  await assert.rejects(client.subsystem('no-such-subsystem'), (e) => e.code === 'GOSSH_E_CHANNEL');
  await assert.rejects(client.subsystem(''), TypeError);
});

// The shell waits for input and never ends by itself: only the close can end
// it (HANG_GUARD_MS catches a close that does not).
test('client.close() with a shell and a spawn blocked on reads ends them', { timeout: HANG_GUARD_MS }, async () => {
  const c = new Client();
  await c.connect(connectOptions());
  const sh = await c.shell({ pty: false });
  const shEnded = new Promise((resolve) => { sh.on('end', resolve); sh.on('close', resolve); sh.resume(); });
  const proc = await c.spawn('sleep 30');
  const procOut = collect(proc.stdout);
  const execP = assert.rejects(c.exec('sleep 30'), ClosedError);
  await new Promise((r) => setTimeout(r, 300));
  await c.close();
  await shEnded;
  await assert.rejects(sh.exit, ClosedError);
  await assert.rejects(proc.exit, ClosedError);
  await execP;
  assert.strictEqual(await procOut, '');
  // After close: every way to open a channel is a ClosedError.
  await assert.rejects(c.shell(), ClosedError);
  await assert.rejects(c.subsystem('sftp'), ClosedError);
  await assert.rejects(c.exec('true', { pty: true }), ClosedError);
});

test('channelTimeout must be a non-negative number', async () => {
  const c = new Client();
  try {
    await assert.rejects(c.connect(connectOptions({ channelTimeout: -1 })), InvalidArgumentError);
  } finally {
    await c.close();
  }
});
