'use strict';
// SFTP (issue 9): the fs.promises-shaped API against the real sshd.
//
//   make && testenv/with-sshd.sh sh -c 'cd bindings/node && node --test test/sftp.test.js'
const test = require('node:test');
const assert = require('node:assert');
const { pipeline } = require('stream/promises');
const { Readable, Writable } = require('stream');
const {
  SFTP, FileHandle, Stats, Dirent, SFTPError, SSHError, ClosedError, Client,
} = require('..');
const { connectOptions, env } = require('../testing/helpers');
const { sftpFixture, sha256, randomData } = require('../testing/sftp');

let fx;
test.before(async () => { fx = await sftpFixture('api'); });
test.after(async () => { if (fx) await fx.cleanup(); });

test('client.sftp() gives an SFTP session; info() reports version, extensions, sizes, home', async () => {
  assert.ok(fx.sftp instanceof SFTP);
  const info = await fx.sftp.info();
  assert.strictEqual(info.version, 3);
  assert.ok('posix-rename@openssh.com' in info.extensions, JSON.stringify(info.extensions));
  assert.ok(info.maxRead > 0 && info.maxWrite > 0, JSON.stringify(info));
  assert.strictEqual(typeof info.home, 'string');
  assert.ok(info.home.startsWith('/'));
  assert.strictEqual(await fx.sftp.realpath('.'), fx.home);
  assert.strictEqual(await fx.sftp.realpath(), fx.home);
});

test('writeFile / readFile: binary round trip (sha256), strings, appendFile', async () => {
  const data = randomData(3 * 1024 * 1024 + 17);
  await fx.sftp.writeFile(fx.r('bin'), data);
  const back = await fx.sftp.readFile(fx.r('bin'));
  assert.ok(Buffer.isBuffer(back));
  assert.strictEqual(back.length, data.length);
  assert.strictEqual(sha256(back), sha256(data));

  await fx.sftp.writeFile(fx.r('text'), 'héllo\n');
  assert.strictEqual(await fx.sftp.readFile(fx.r('text'), 'utf8'), 'héllo\n');
  await fx.sftp.appendFile(fx.r('text'), 'world\n');
  assert.strictEqual(await fx.sftp.readFile(fx.r('text'), { encoding: 'utf8' }), 'héllo\nworld\n');

  await fx.sftp.writeFile(fx.r('empty'), Buffer.alloc(0));
  assert.strictEqual((await fx.sftp.readFile(fx.r('empty'))).length, 0);

  // An iterable of chunks (small ones are gathered into larger calls).
  const parts = [];
  for (let i = 0; i < 1000; i++) parts.push(Buffer.from(`line ${i}\n`));
  await fx.sftp.writeFile(fx.r('lines'), parts);
  assert.ok((await fx.sftp.readFile(fx.r('lines'))).equals(Buffer.concat(parts)));
  await fx.sftp.writeFile(fx.r('lines2'), Readable.from(parts));
  assert.ok((await fx.sftp.readFile(fx.r('lines2'))).equals(Buffer.concat(parts)));
});

test('readFile / writeFile with an AbortSignal', async () => {
  const data = randomData(9 * 1024 * 1024);
  await assert.rejects(fx.sftp.writeFile(fx.r('sig'), data, { signal: AbortSignal.abort() }), (e) => e.name === 'AbortError');
  const ac = new AbortController();
  const p = fx.sftp.writeFile(fx.r('sig'), data, { signal: ac.signal });
  ac.abort();
  await assert.rejects(p, (e) => e.name === 'AbortError');
  await fx.sftp.writeFile(fx.r('sig'), data);
  const ac2 = new AbortController();
  const r = fx.sftp.readFile(fx.r('sig'), { signal: ac2.signal });
  ac2.abort();
  await assert.rejects(r, (e) => e.name === 'AbortError');
  assert.strictEqual(sha256(await fx.sftp.readFile(fx.r('sig'), { signal: new AbortController().signal })), sha256(data));
});

test('stat / lstat give fs.Stats-like objects', async () => {
  await fx.sftp.writeFile(fx.r('st'), 'abc', { mode: 0o640 });
  const st = await fx.sftp.stat(fx.r('st'));
  assert.ok(st instanceof Stats);
  assert.strictEqual(st.size, 3);
  assert.ok(st.isFile());
  assert.ok(!st.isDirectory());
  assert.ok(!st.isSymbolicLink());
  assert.strictEqual(st.mode & 0o777 & ~0o640, 0); // the server's umask may clear bits, never add
  assert.strictEqual(typeof st.uid, 'number');
  assert.strictEqual(typeof st.gid, 'number');
  assert.ok(st.mtime instanceof Date);
  assert.ok(st.atime instanceof Date);
  assert.strictEqual(st.mtimeMs, st.mtime.getTime());
  assert.strictEqual(st.atimeMs % 1000, 0);
  const d = await fx.sftp.stat(fx.remote);
  assert.ok(d.isDirectory());
  assert.ok(!d.isFile());
  assert.strictEqual(await fx.sftp.exists(fx.r('st')), true);
  assert.strictEqual(await fx.sftp.exists(fx.r('nope')), false);
});

test('mkdir, readdir (names, withFileTypes, withAttributes), opendir, rmdir', async () => {
  const dir = fx.r('d');
  await fx.sftp.mkdir(dir);
  await fx.sftp.mkdir(`${dir}/sub`, { mode: 0o750 });
  const names = [];
  for (let i = 0; i < 300; i++) names.push(`f${String(i).padStart(3, '0')}`); // more than one batch
  await Promise.all(names.map((n) => fx.sftp.writeFile(`${dir}/${n}`, n)));
  const got = await fx.sftp.readdir(dir);
  assert.deepStrictEqual(got.slice().sort(), [...names, 'sub'].sort());
  assert.ok(!got.includes('.') && !got.includes('..'));

  const ents = await fx.sftp.readdir(dir, { withFileTypes: true });
  assert.strictEqual(ents.length, 301);
  for (const e of ents) {
    assert.ok(e instanceof Dirent);
    assert.strictEqual(e.parentPath, dir);
    assert.ok(e.attrs instanceof Stats);
    if (e.name === 'sub') assert.ok(e.isDirectory() && !e.isFile());
    else {
      assert.ok(e.isFile(), e.name);
      assert.strictEqual(e.attrs.size, e.name.length);
    }
  }
  const withAttrs = await fx.sftp.readdir(dir, { withAttributes: true });
  const f0 = withAttrs.find((e) => e.name === 'f000');
  assert.ok(f0.longname.includes('f000'), f0.longname);
  assert.strictEqual(f0.filename, 'f000'); // ssh2's name
  assert.strictEqual(f0.attrs.size, 4);

  const seen = [];
  const d = await fx.sftp.opendir(dir);
  for await (const e of d) seen.push(e.name);
  assert.strictEqual(seen.length, 301);

  await assert.rejects(fx.sftp.rmdir(dir), SFTPError); // not empty
  await fx.sftp.rmdir(`${dir}/sub`);
  assert.strictEqual(await fx.sftp.exists(`${dir}/sub`), false);
});

test('mkdir { recursive }, rm { recursive, force }, unlink', async () => {
  const deep = fx.r('x/y/z');
  await assert.rejects(fx.sftp.mkdir(deep), (e) => e instanceof SFTPError && e.code === 'ENOENT');
  await fx.sftp.mkdir(deep, { recursive: true });
  await fx.sftp.mkdir(deep, { recursive: true }); // exists: no error
  assert.ok((await fx.sftp.stat(deep)).isDirectory());
  await fx.sftp.writeFile(`${deep}/f`, 'x');
  await fx.sftp.symlink('/etc', fx.r('x/link-to-etc'));
  await fx.sftp.rm(fx.r('x'), { recursive: true });
  assert.strictEqual(await fx.sftp.exists(fx.r('x')), false);
  assert.ok((await fx.sftp.stat('/etc')).isDirectory()); // the symlink was not followed
  await assert.rejects(fx.sftp.rm(fx.r('x'), { recursive: true }), (e) => e.code === 'ENOENT');
  await fx.sftp.rm(fx.r('x'), { recursive: true, force: true });
  await fx.sftp.rm(fx.r('missing'), { force: true });
  await fx.sftp.writeFile(fx.r('u'), 'u');
  await fx.sftp.unlink(fx.r('u'));
  await assert.rejects(fx.sftp.unlink(fx.r('u')), (e) => e.code === 'ENOENT' && e.syscall === 'unlink');
});

test('rename: SFTP rename refuses an existing target; { overwrite: true } replaces it', async () => {
  await fx.sftp.writeFile(fx.r('ra'), 'A');
  await fx.sftp.writeFile(fx.r('rb'), 'B');
  await assert.rejects(fx.sftp.rename(fx.r('ra'), fx.r('rb')), (e) => {
    assert.ok(e instanceof SFTPError, String(e));
    assert.strictEqual(e.syscall, 'rename');
    assert.strictEqual(e.path, fx.r('ra'));
    assert.strictEqual(e.dest, fx.r('rb'));
    return true;
  });
  await fx.sftp.rename(fx.r('ra'), fx.r('rb'), { overwrite: true });
  assert.strictEqual(await fx.sftp.readFile(fx.r('rb'), 'utf8'), 'A');
  assert.strictEqual(await fx.sftp.exists(fx.r('ra')), false);
  await fx.sftp.rename(fx.r('rb'), fx.r('rc'));
  assert.strictEqual(await fx.sftp.readFile(fx.r('rc'), 'utf8'), 'A');
});

test('symlink, readlink, lstat; link (hard link)', async () => {
  await fx.sftp.writeFile(fx.r('target'), 'T');
  await fx.sftp.symlink('target', fx.r('sym'));
  assert.strictEqual(await fx.sftp.readlink(fx.r('sym')), 'target');
  assert.ok((await fx.sftp.lstat(fx.r('sym'))).isSymbolicLink());
  assert.ok((await fx.sftp.stat(fx.r('sym'))).isFile());
  assert.strictEqual(await fx.sftp.readFile(fx.r('sym'), 'utf8'), 'T');
  assert.strictEqual(await fx.sftp.realpath(fx.r('sym')), fx.r('target'));
  await fx.sftp.link(fx.r('target'), fx.r('hard'));
  await fx.sftp.appendFile(fx.r('hard'), '2');
  assert.strictEqual(await fx.sftp.readFile(fx.r('target'), 'utf8'), 'T2');
});

test('chmod, chown, utimes, truncate', async () => {
  const p = fx.r('attrs');
  await fx.sftp.writeFile(p, '0123456789');
  await fx.sftp.chmod(p, 0o600);
  assert.strictEqual((await fx.sftp.stat(p)).mode & 0o777, 0o600);
  await fx.sftp.chmod(p, '644');
  assert.strictEqual((await fx.sftp.stat(p)).mode & 0o777, 0o644);
  const st = await fx.sftp.stat(p);
  await fx.sftp.chown(p, st.uid, st.gid); // to itself: allowed without privileges
  const when = new Date('2001-02-03T04:05:06Z');
  await fx.sftp.utimes(p, when, when.getTime() / 1000 + 60);
  const st2 = await fx.sftp.stat(p);
  assert.strictEqual(st2.atime.getTime(), when.getTime());
  assert.strictEqual(st2.mtime.getTime(), when.getTime() + 60000);
  await fx.sftp.truncate(p, 4);
  assert.strictEqual(await fx.sftp.readFile(p, 'utf8'), '0123');
  await fx.sftp.truncate(p);
  assert.strictEqual((await fx.sftp.stat(p)).size, 0);
});

test('statfs', async () => {
  const s = await fx.sftp.statfs(fx.remote);
  assert.ok(s.bsize > 0);
  assert.ok(s.blocks > 0);
  assert.ok(s.bavail <= s.blocks);
  assert.ok(s.namemax > 0);
});

test('copyFile: a server-side copy (or EOPNOTSUPP without copy-data)', async () => {
  const data = randomData(1024 * 1024 + 3);
  await fx.sftp.writeFile(fx.r('cp-src'), data);
  const { extensions } = await fx.sftp.info();
  if ('copy-data' in extensions) {
    await fx.sftp.copyFile(fx.r('cp-src'), fx.r('cp-dst'));
    assert.strictEqual(sha256(await fx.sftp.readFile(fx.r('cp-dst'))), sha256(data));
    await assert.rejects(fx.sftp.copyFile(fx.r('cp-missing'), fx.r('cp-x')),
      (e) => e.code === 'ENOENT' && e.syscall === 'copyfile');
  } else {
    await assert.rejects(fx.sftp.copyFile(fx.r('cp-src'), fx.r('cp-dst')), (e) => e.code === 'EOPNOTSUPP');
  }
});

test('glob', async () => {
  const g = fx.r('g');
  await fx.sftp.mkdir(g);
  for (const n of ['a.txt', 'b.txt', 'c.log', '.hidden.txt']) await fx.sftp.writeFile(`${g}/${n}`, n);
  assert.deepStrictEqual(await fx.sftp.glob(`${g}/*.txt`), [`${g}/a.txt`, `${g}/b.txt`]);
  assert.deepStrictEqual(await fx.sftp.glob(`${g}/?.log`), [`${g}/c.log`]);
  assert.deepStrictEqual(await fx.sftp.glob(`${g}/*.none`), []);
  const ents = await fx.sftp.glob(`${g}/[ab].txt`, { withAttributes: true });
  assert.deepStrictEqual(ents.map((e) => e.name), [`${g}/a.txt`, `${g}/b.txt`]);
  assert.ok(ents.every((e) => e.isFile() && e.attrs.size === 5));
});

test('open: FileHandle read / write / positions / stat / truncate / sync / seek / close', async () => {
  const p = fx.r('fh');
  const fh = await fx.sftp.open(p, 'w+', 0o600);
  assert.ok(fh instanceof FileHandle);
  const data = randomData(200000);
  const w = await fh.write(data);
  assert.strictEqual(w.bytesWritten, data.length);
  await fh.write('XYZ', 10); // at a position: the offset stays at the end
  await fh.write(Buffer.from('!'));
  await fh.flush();
  await fh.sync();
  const st = await fh.stat();
  assert.strictEqual(st.size, data.length + 1);
  const expect = Buffer.concat([data, Buffer.from('!')]);
  expect.write('XYZ', 10);

  const buf = Buffer.alloc(100);
  const r = await fh.read(buf, 0, 5, 10);
  assert.strictEqual(r.bytesRead, 5);
  assert.ok(buf.subarray(0, 5).equals(expect.subarray(10, 15)));
  const r2 = await fh.read({ buffer: buf, offset: 50, length: 10, position: 0 });
  assert.strictEqual(r2.bytesRead, 10);
  assert.ok(buf.subarray(50, 60).equals(expect.subarray(0, 10)));

  assert.strictEqual(await fh.seek(0), 0);
  assert.strictEqual(sha256(await fh.readFile()), sha256(expect));
  assert.strictEqual((await fh.read(Buffer.alloc(10), 0, 10, null)).bytesRead, 0); // at the end

  await fh.truncate(100);
  assert.strictEqual((await fh.stat()).size, 100);
  await fh.chmod(0o640);
  assert.strictEqual((await fh.stat()).mode & 0o777, 0o640);
  const t = new Date('2010-01-01T00:00:00Z');
  await fh.utimes(t, t);
  assert.strictEqual((await fh.stat()).mtime.getTime(), t.getTime());
  await fh.close();
  await fh.close(); // idempotent
  await assert.rejects(fh.stat(), ClosedError);
  assert.strictEqual((await fx.sftp.stat(p)).size, 100);
});

test('open flags: wx refuses an existing file, a appends, r+ keeps the contents', async () => {
  const p = fx.r('flags');
  await fx.sftp.writeFile(p, 'hello');
  await assert.rejects(fx.sftp.open(p, 'wx'), (e) => e instanceof SFTPError && e.syscall === 'open');
  const a = await fx.sftp.open(p, 'a');
  await a.write('+more');
  await a.close();
  assert.strictEqual(await fx.sftp.readFile(p, 'utf8'), 'hello+more');
  const rp = await fx.sftp.open(p, 'r+');
  await rp.write('J', 0);
  await rp.close();
  assert.strictEqual(await fx.sftp.readFile(p, 'utf8'), 'Jello+more');
  const w = await fx.sftp.open(p, 'w');
  await w.close();
  assert.strictEqual((await fx.sftp.stat(p)).size, 0);
  assert.throws(() => require('../lib/sftp').openFlags('bogus'), TypeError);
  const fsc = require('fs').constants;
  const o = await fx.sftp.open(p, fsc.O_WRONLY | fsc.O_APPEND);
  await o.write('n');
  await o.close();
  assert.strictEqual(await fx.sftp.readFile(p, 'utf8'), 'n');
});

test('FileHandle streams leave the file open; checksum needs check-file', async () => {
  const p = fx.r('fhstream');
  const fh = await fx.sftp.open(p, 'w+');
  await pipeline(Readable.from([Buffer.from('0123456789')]), fh.createWriteStream());
  await fh.write('!', 10); // still open
  const got = await collect(fh.createReadStream({ start: 2, end: 5 }));
  assert.strictEqual(got.toString(), '2345');
  const { extensions } = await fx.sftp.info();
  if ('check-file' in extensions) {
    assert.strictEqual(await fh.checksum('sha256'), sha256(Buffer.from('0123456789!')));
  } else {
    await assert.rejects(fh.checksum('sha256'), (e) => e instanceof SFTPError && e.code === 'EOPNOTSUPP');
  }
  await fh.close();
  assert.strictEqual(await fx.sftp.readFile(p, 'utf8'), '0123456789!');
});

test('await using / Symbol.asyncDispose closes a FileHandle', async () => {
  const fh = await fx.sftp.open(fx.r('dispose'), 'w');
  const dispose = fh[Symbol.asyncDispose || Symbol.for('nodejs.asyncDispose')];
  await dispose.call(fh);
  await assert.rejects(fh.write('x'), ClosedError);
});

test('errors look like fs errors: ENOENT, EACCES, EISDIR', async () => {
  const missing = fx.r('no/such/file');
  for (const call of [
    ['stat', () => fx.sftp.stat(missing)],
    ['lstat', () => fx.sftp.lstat(missing)],
    ['open', () => fx.sftp.readFile(missing)],
    ['open', () => fx.sftp.open(missing, 'r')],
    ['opendir', () => fx.sftp.readdir(missing)],
    ['readlink', () => fx.sftp.readlink(missing)],
  ]) {
    await assert.rejects(call[1](), (e) => {
      assert.ok(e instanceof SFTPError, String(e));
      assert.ok(e instanceof SSHError);
      assert.strictEqual(e.code, 'ENOENT', String(e));
      assert.strictEqual(e.gosshCode, 'GOSSH_E_SFTP');
      assert.strictEqual(e.errno, -require('os').constants.errno.ENOENT);
      assert.strictEqual(e.syscall, call[0]);
      assert.strictEqual(e.path, missing);
      assert.strictEqual(e.sftpStatus, 2); // SSH_FX_NO_SUCH_FILE
      assert.strictEqual(e.sftpStatusName, 'no_such_file');
      assert.match(e.message, /^ENOENT: /);
      assert.ok(e.message.includes(missing), e.message);
      return true;
    });
  }

  if (env().username !== 'root') {
    // Permissions apply to the test user (not root).
    await fx.sftp.writeFile(fx.r('locked'), 'secret');
    await fx.sftp.chmod(fx.r('locked'), 0);
    await assert.rejects(fx.sftp.readFile(fx.r('locked')), (e) => {
      assert.strictEqual(e.code, 'EACCES', String(e));
      assert.strictEqual(e.sftpStatus, 3); // SSH_FX_PERMISSION_DENIED
      assert.strictEqual(e.syscall, 'open');
      return true;
    });
    await assert.rejects(fx.sftp.writeFile('/etc/gossh-node-test', 'x'), (e) => e.code === 'EACCES');
    await fx.sftp.chmod(fx.r('locked'), 0o600);
  }

  await fx.sftp.mkdir(fx.r('adir'));
  await assert.rejects(fx.sftp.fastGet(fx.r('adir'), fx.l('adir')), (e) => {
    assert.ok(e instanceof SFTPError, String(e));
    assert.strictEqual(e.code, 'EISDIR', String(e));
    assert.strictEqual(e.syscall, 'get');
    return true;
  });
});

// OpenSSH (SFTP v3) answers these with plain SSH_FX_FAILURE, and gossh.h
// says errno_name is "" then (libgossh refines it only where it checked
// the cause itself: get of a directory, makedirs, copy). The binding
// passes that through: code 'GOSSH_E_SFTP', the status says 'failure'.
test('v3 failures without an errno: code GOSSH_E_SFTP, sftpStatusName failure', async () => {
  const p = fx.r('exists');
  await fx.sftp.writeFile(p, 'x');
  await fx.sftp.mkdir(fx.r('bdir'));
  for (const [syscall, call] of [
    ['open', () => fx.sftp.open(p, 'wx')],
    ['open', () => fx.sftp.writeFile(fx.r('bdir'), 'x')],
    ['mkdir', () => fx.sftp.mkdir(fx.r('bdir'))],
    ['rename', () => fx.sftp.rename(p, fx.r('bdir'))],
  ]) {
    await assert.rejects(call(), (e) => {
      assert.ok(e instanceof SFTPError, String(e));
      assert.strictEqual(e.code, 'GOSSH_E_SFTP', String(e));
      assert.strictEqual(e.errnoName, null);
      assert.strictEqual(e.errno, -17); // GOSSH_E_SFTP, as no POSIX errno fits
      assert.strictEqual(e.sftpStatus, 4); // SSH_FX_FAILURE
      assert.strictEqual(e.sftpStatusName, 'failure');
      assert.strictEqual(e.syscall, syscall);
      return true;
    });
  }
});

test('bad input: TypeError / RangeError / InvalidArgumentError, never a crash', async () => {
  const { InvalidArgumentError, NotConnectedError } = require('..');
  await assert.rejects(fx.sftp.stat(123), TypeError);
  await assert.rejects(fx.sftp.open(fx.r('x'), 'bogus'), TypeError);
  await assert.rejects(fx.sftp.mkdir(fx.r('x'), { mode: 'rwx' }), TypeError);
  await assert.rejects(fx.sftp.chown(fx.r('x'), -1, 0), TypeError);
  await assert.rejects(fx.sftp.utimes(fx.r('x'), 'yesterday', 0), TypeError);
  await assert.rejects(fx.sftp.fastGet(fx.r('x'), fx.l('x'), { onProgress: 'no' }), TypeError);
  await assert.rejects(fx.sftp.fastGet(fx.r('x'), fx.l('x'), { signal: {} }), TypeError);
  await assert.rejects(fx.sftp.copyFile(fx.r('a'), fx.r('b'), 1), InvalidArgumentError);
  await assert.rejects(fx.sftp.glob(`${fx.remote}/[`), InvalidArgumentError);
  assert.throws(() => fx.sftp.configure({ transferChannels: 99 }), InvalidArgumentError);
  assert.throws(() => fx.sftp.configure({ maxInflight: 0 }), InvalidArgumentError);
  fx.sftp.configure({ transferChannels: 2, maxInflight: 32 });
  await assert.rejects(fx.client.sftp({ maxInflight: 'lots' }), InvalidArgumentError);
  const fh = await fx.sftp.open(fx.r('bad-input'), 'w+');
  await assert.rejects(fh.read(Buffer.alloc(4), 2, 4, 0), RangeError);
  await assert.rejects(fh.read(Buffer.alloc(4), 0, 4, -5), RangeError);
  await assert.rejects(fh.write('x', 1.5), RangeError);
  await fh.close();
  const c = new Client();
  await assert.rejects(c.sftp(), NotConnectedError);
  await c.close();
});

function collect(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

test('createWriteStream / createReadStream: binary round trip through pipeline', async () => {
  const data = randomData(5 * 1024 * 1024 + 123);
  const p = fx.r('stream');
  const ws = fx.sftp.createWriteStream(p);
  let ready = false;
  ws.once('ready', () => { ready = true; });
  await pipeline(Readable.from((function* () {
    for (let i = 0; i < data.length; i += 100000) yield data.subarray(i, i + 100000);
  })()), ws);
  assert.ok(ready);
  assert.strictEqual(ws.bytesWritten, data.length);
  assert.strictEqual((await fx.sftp.stat(p)).size, data.length);

  const rs = fx.sftp.createReadStream(p);
  const back = await collect(rs);
  assert.strictEqual(rs.bytesRead, data.length);
  assert.strictEqual(sha256(back), sha256(data));

  // Many small writes are gathered; the result is the same bytes.
  const small = fx.sftp.createWriteStream(fx.r('small'));
  const pieces = [];
  for (let i = 0; i < 5000; i++) pieces.push(Buffer.from(`${i},`));
  await pipeline(Readable.from(pieces), small);
  assert.ok((await fx.sftp.readFile(fx.r('small'))).equals(Buffer.concat(pieces)));

  // Into a collecting Writable with a small highWaterMark.
  const got = [];
  await pipeline(fx.sftp.createReadStream(p, { highWaterMark: 1024 }), new Writable({
    write(c, _e, cb) { got.push(c); cb(); },
  }));
  assert.strictEqual(sha256(Buffer.concat(got)), sha256(data));
});

test('createReadStream with start / end (inclusive); createWriteStream with start and flags', async () => {
  const data = randomData(1024 * 1024 + 1000);
  const p = fx.r('ranges');
  await fx.sftp.writeFile(p, data);
  for (const [start, end] of [[0, 0], [0, 99], [100, 100], [65535, 65536 * 3], [1000, undefined],
    [undefined, 4095], [data.length - 1, data.length + 100], [data.length, undefined]]) {
    const got = await collect(fx.sftp.createReadStream(p, { start, end, highWaterMark: 64 * 1024 }));
    const s = start === undefined ? 0 : start;
    const e = end === undefined ? data.length : Math.min(end + 1, data.length);
    assert.ok(got.equals(data.subarray(s, e)), `start ${start} end ${end}: ${got.length} bytes`);
  }
  assert.throws(() => fx.sftp.createReadStream(p, { start: 10, end: 5 }), RangeError);

  const ws = fx.sftp.createWriteStream(p, { flags: 'r+', start: 10 });
  await pipeline(Readable.from([Buffer.from('HELLO')]), ws);
  const expect = Buffer.from(data);
  expect.write('HELLO', 10);
  assert.strictEqual(sha256(await fx.sftp.readFile(p)), sha256(expect));
});

test('a read stream of a missing file errors with ENOENT', async () => {
  await assert.rejects(collect(fx.sftp.createReadStream(fx.r('nope'))),
    (e) => e instanceof SFTPError && e.code === 'ENOENT');
});

test('close(): later calls reject with ClosedError; open files are closed; the client stays up', async () => {
  const s = await fx.client.sftp();
  const fh = await s.open(fx.r('closing'), 'w');
  await s.close();
  await s.close(); // idempotent
  await assert.rejects(s.stat(fx.remote), ClosedError);
  await assert.rejects(fh.write('x'), (e) => e instanceof SSHError);
  await fh.close().catch(() => {});
  assert.ok(fx.client.isActive());
  const again = await fx.client.sftp();
  assert.ok((await again.stat(fx.remote)).isDirectory());
  await again.end();
});

test('closing the client ends its SFTP sessions', async () => {
  const c = new Client();
  await c.connect(connectOptions());
  const s = await c.sftp();
  assert.ok((await s.stat('.')).isDirectory());
  await c.close();
  await assert.rejects(s.stat('.'), ClosedError);
  await assert.rejects(c.sftp(), ClosedError);
});
