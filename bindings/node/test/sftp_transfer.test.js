'use strict';
// SFTP whole-file and tree transfers (issue 9): fastGet/fastPut, progress,
// AbortSignal, resume, 32 transfers at once on one client, getDir/putDir.
//
//   make && testenv/with-sshd.sh sh -c 'cd bindings/node && node --test test/sftp_transfer.test.js'
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { AbortError, SFTPError, FileError, SSHError, ClosedError } = require('..');
const { sftpFixture, sha256, sha256File, randomData } = require('../testing/sftp');

let fx;
test.before(async () => { fx = await sftpFixture('xfer'); });
test.after(async () => { if (fx) await fx.cleanup(); });

const BIG = 24 * 1024 * 1024 + 4321; // over 8 MiB: split over several channels

/** Progress reports recorded, checked to be monotonic and to end at total. */
function progress() {
  const calls = [];
  return {
    calls,
    onProgress: (done, total) => { calls.push([done, total]); },
    check(expectTotal) {
      assert.ok(calls.length >= 1, 'no progress reported');
      for (let i = 0; i < calls.length; i++) {
        const [done, total] = calls[i];
        assert.strictEqual(total, expectTotal, `report ${i}: total ${total}`);
        assert.ok(done >= 0 && done <= total, `report ${i}: ${done} of ${total}`);
        if (i > 0) assert.ok(done >= calls[i - 1][0], `report ${i} went back: ${calls[i - 1][0]} -> ${done}`);
      }
      assert.deepStrictEqual(calls[calls.length - 1], [expectTotal, expectTotal]);
    },
  };
}

test('fastPut / fastGet: binary round trip with hashes, size, progress monotonic ending at total', async () => {
  const data = randomData(BIG);
  fs.writeFileSync(fx.l('big'), data);
  const up = progress();
  assert.strictEqual(await fx.sftp.fastPut(fx.l('big'), fx.r('big'), { onProgress: up.onProgress }), BIG);
  up.check(BIG);
  assert.strictEqual((await fx.sftp.stat(fx.r('big'))).size, BIG);

  const down = progress();
  assert.strictEqual(await fx.sftp.fastGet(fx.r('big'), fx.l('big.back'), { onProgress: down.onProgress }), BIG);
  down.check(BIG);
  assert.strictEqual(sha256File(fx.l('big.back')), sha256(data));

  // get/put are the same calls; small and empty files too.
  fs.writeFileSync(fx.l('small'), 'small file\n');
  assert.strictEqual(await fx.sftp.put(fx.l('small'), fx.r('small')), 11);
  assert.strictEqual(await fx.sftp.get(fx.r('small'), fx.l('small.back')), 11);
  assert.strictEqual(fs.readFileSync(fx.l('small.back'), 'utf8'), 'small file\n');
  fs.writeFileSync(fx.l('empty'), '');
  const e = progress();
  assert.strictEqual(await fx.sftp.fastPut(fx.l('empty'), fx.r('empty'), { onProgress: e.onProgress }), 0);
  e.check(0);
  assert.strictEqual(await fx.sftp.fastGet(fx.r('empty'), fx.l('empty.back')), 0);
  assert.strictEqual(fs.statSync(fx.l('empty.back')).size, 0);
});

test('fastGet / fastPut errors: remote ENOENT is an SFTPError, a local one a FileError', async () => {
  await assert.rejects(fx.sftp.fastGet(fx.r('missing'), fx.l('x')), (e) => {
    assert.ok(e instanceof SFTPError, String(e));
    assert.strictEqual(e.code, 'ENOENT');
    assert.strictEqual(e.syscall, 'get');
    return true;
  });
  assert.strictEqual(fs.existsSync(fx.l('x')), false);
  await assert.rejects(fx.sftp.fastPut(fx.l('missing'), fx.r('x')), (e) => {
    assert.ok(e instanceof FileError, String(e));
    assert.strictEqual(e.code, 'GOSSH_E_IO');
    assert.strictEqual(e.errnoName, 'ENOENT');
    return true;
  });
  await assert.rejects(fx.sftp.fastGet(fx.r('missing'), '/nonexistent-dir/x'), SSHError);
});

test('an AbortSignal cancels fastGet: AbortError, and no complete-looking file', async () => {
  const data = randomData(BIG);
  fs.writeFileSync(fx.l('abort-src'), data);
  await fx.sftp.fastPut(fx.l('abort-src'), fx.r('abort-src'));

  const ac = new AbortController();
  const reason = new Error('enough');
  let reports = 0;
  await assert.rejects(fx.sftp.fastGet(fx.r('abort-src'), fx.l('abort-dst'), {
    signal: ac.signal,
    // Aborted half-way: some data has arrived.
    onProgress: (done, total) => { reports++; if (done > 0 && done < total) ac.abort(reason); },
  }), (e) => {
    assert.ok(e instanceof AbortError, String(e));
    assert.strictEqual(e.name, 'AbortError');
    assert.strictEqual(e.code, 'ABORT_ERR');
    assert.strictEqual(e.cause, reason);
    return true;
  });
  assert.ok(reports >= 1);
  // Nothing at the destination; a partial file beside it, if any, is short.
  assert.strictEqual(fs.existsSync(fx.l('abort-dst')), false);
  for (const n of fs.readdirSync(fx.local).filter((f) => f.startsWith('abort-dst'))) {
    assert.ok(fs.statSync(fx.l(n)).size < BIG, `${n} looks complete`);
  }

  // A signal without onProgress: aborted right after the start.
  const ac2 = new AbortController();
  const p = fx.sftp.fastGet(fx.r('abort-src'), fx.l('abort-dst3'), { signal: ac2.signal });
  ac2.abort();
  await assert.rejects(p, AbortError);
  assert.strictEqual(fs.existsSync(fx.l('abort-dst3')), false);

  // Already aborted: nothing starts.
  await assert.rejects(fx.sftp.fastGet(fx.r('abort-src'), fx.l('abort-dst2'), { signal: AbortSignal.abort() }), AbortError);
  assert.strictEqual(fs.existsSync(fx.l('abort-dst2')), false);
});

test('an AbortSignal cancels fastPut: AbortError, and the remote file does not look complete', async () => {
  const data = randomData(BIG);
  fs.writeFileSync(fx.l('abort-up'), data);
  const ac = new AbortController();
  await assert.rejects(fx.sftp.fastPut(fx.l('abort-up'), fx.r('abort-up'), {
    signal: ac.signal,
    onProgress: (done, total) => { if (done < total) ac.abort(); },
  }), AbortError);
  const st = await fx.sftp.stat(fx.r('abort-up')).catch(() => null);
  assert.ok(st === null || st.size < BIG, 'the aborted upload looks complete');
});

test('an exception in onProgress stops the transfer and is rethrown', async () => {
  fs.writeFileSync(fx.l('throw-src'), randomData(BIG));
  const boom = new Error('progress exploded');
  await assert.rejects(fx.sftp.fastPut(fx.l('throw-src'), fx.r('throw-dst'), {
    onProgress: () => { throw boom; },
  }), (e) => e === boom);
});

test('resume: an aborted fastGet continues with { resume: true } to the right bytes', async () => {
  const data = randomData(BIG);
  fs.writeFileSync(fx.l('resume-src'), data);
  await fx.sftp.fastPut(fx.l('resume-src'), fx.r('resume-src'));
  const ac = new AbortController();
  await assert.rejects(fx.sftp.fastGet(fx.r('resume-src'), fx.l('resume-dst'), {
    resume: true,
    signal: ac.signal,
    onProgress: (done, total) => { if (done >= total / 2 && done < total) ac.abort(); },
  }), AbortError);
  assert.strictEqual(fs.existsSync(fx.l('resume-dst')), false);
  // The partial file (gossh.h: "<local>.gossh-part") holds the prefix that arrived.
  const part = fx.l('resume-dst.gossh-part');
  const partSize = fs.existsSync(part) ? fs.statSync(part).size : 0;
  // Reads are pipelined: under load the rest may have landed before the
  // abort was seen. The file is still not presented as complete.
  assert.ok(partSize <= BIG);
  const p = progress();
  assert.strictEqual(await fx.sftp.fastGet(fx.r('resume-src'), fx.l('resume-dst'), { resume: true, onProgress: p.onProgress }), BIG);
  p.check(BIG);
  assert.strictEqual(p.calls[0][0], partSize, 'the second get did not start from the partial file');
  assert.strictEqual(fs.existsSync(part), false);
  assert.strictEqual(sha256File(fx.l('resume-dst')), sha256(data));
});

test('32 concurrent transfers on one client (16 up, 16 down), every byte right', async () => {
  const N = 16;
  const files = [];
  for (let i = 0; i < N; i++) {
    const data = randomData(512 * 1024 + i * 4099);
    fs.writeFileSync(fx.l(`c-up-${i}`), data);
    files.push(data);
  }
  // Remote sources for the downloads.
  await Promise.all(files.map((d, i) => fx.sftp.writeFile(fx.r(`c-src-${i}`), d)));
  const sizes = await Promise.all([
    ...files.map((_, i) => fx.sftp.fastPut(fx.l(`c-up-${i}`), fx.r(`c-up-${i}`))),
    ...files.map((_, i) => fx.sftp.fastGet(fx.r(`c-src-${i}`), fx.l(`c-down-${i}`), { onProgress: () => {} })),
  ]);
  assert.deepStrictEqual(sizes, [...files.map((d) => d.length), ...files.map((d) => d.length)]);
  for (let i = 0; i < N; i++) {
    assert.strictEqual(sha256File(fx.l(`c-down-${i}`)), sha256(files[i]), `download ${i}`);
    assert.strictEqual(sha256(await fx.sftp.readFile(fx.r(`c-up-${i}`))), sha256(files[i]), `upload ${i}`);
  }
});

test('putDir / getDir mirror a tree (files, directories, symlinks), progress over the whole tree', async () => {
  const src = fx.l('tree');
  fs.mkdirSync(path.join(src, 'a', 'b'), { recursive: true });
  fs.mkdirSync(path.join(src, 'empty'));
  const files = {
    'top.bin': randomData(300000),
    'a/one.txt': Buffer.from('one\n'),
    'a/b/two.bin': randomData(70000),
  };
  let total = 0;
  for (const [n, d] of Object.entries(files)) { fs.writeFileSync(path.join(src, n), d); total += d.length; }
  fs.symlinkSync('top.bin', path.join(src, 'link'));

  const up = progress();
  await fx.sftp.putDir(src, fx.r('tree'), { onProgress: up.onProgress });
  up.check(total);
  for (const [n, d] of Object.entries(files)) {
    assert.strictEqual(sha256(await fx.sftp.readFile(fx.r(`tree/${n}`))), sha256(d), n);
  }
  assert.ok((await fx.sftp.stat(fx.r('tree/empty'))).isDirectory());
  assert.ok((await fx.sftp.lstat(fx.r('tree/link'))).isSymbolicLink());
  assert.strictEqual(await fx.sftp.readlink(fx.r('tree/link')), 'top.bin');

  const back = fx.l('tree.back');
  const down = progress();
  await fx.sftp.getDir(fx.r('tree'), back, { onProgress: down.onProgress });
  down.check(total);
  for (const [n, d] of Object.entries(files)) {
    assert.strictEqual(sha256File(path.join(back, n)), sha256(d), n);
  }
  assert.ok(fs.statSync(path.join(back, 'empty')).isDirectory());
  assert.strictEqual(fs.readlinkSync(path.join(back, 'link')), 'top.bin');
});

test('preserve: mode bits and times travel with the file', async () => {
  fs.writeFileSync(fx.l('pres'), 'p');
  fs.chmodSync(fx.l('pres'), 0o604);
  const t = new Date('2005-06-07T08:09:10Z');
  fs.utimesSync(fx.l('pres'), t, t);
  await fx.sftp.fastPut(fx.l('pres'), fx.r('pres'), { preserve: true });
  const st = await fx.sftp.stat(fx.r('pres'));
  assert.strictEqual(st.mode & 0o777, 0o604);
  assert.strictEqual(st.mtime.getTime(), t.getTime());
  // And back, with verify: false on the way up too (no final stat; sizes still counted).
  await fx.sftp.fastPut(fx.l('pres'), fx.r('pres2'), { preserve: true, verify: false });
  await fx.sftp.fastGet(fx.r('pres2'), fx.l('pres.back'), { preserve: true });
  const lst = fs.statSync(fx.l('pres.back'));
  assert.strictEqual(lst.mode & 0o777, 0o604);
  assert.strictEqual(lst.mtime.getTime(), t.getTime());
});

test('close() during a transfer ends it with ClosedError, leaving no complete-looking file', async () => {
  fs.writeFileSync(fx.l('close-src'), randomData(BIG));
  await fx.sftp.fastPut(fx.l('close-src'), fx.r('close-src'));
  const s = await fx.client.sftp();
  let closing = null;
  await assert.rejects(s.fastGet(fx.r('close-src'), fx.l('close-dst'), {
    onProgress: (done, total) => { if (!closing && done > 0 && done < total) closing = s.close(); },
  }), ClosedError);
  await closing;
  assert.strictEqual(fs.existsSync(fx.l('close-dst')), false);
  await assert.rejects(s.fastGet(fx.r('close-src'), fx.l('close-dst')), ClosedError);
  assert.ok((await fx.sftp.stat(fx.r('close-src'))).isFile()); // the other session is unaffected
});

test('transfers take no thread-pool thread: an exec completes while 6 run; one aborted at once leaves no file', async () => {
  await fx.sftp.writeFile(fx.r('pool-src'), randomData(64 * 1024 * 1024));
  let execDone = false;
  const transfers = [0, 1, 2, 3, 4, 5].map((i) => {
    const ac = new AbortController();
    return fx.sftp.fastGet(fx.r('pool-src'), fx.l(`pool-${i}`), {
      signal: ac.signal,
      onProgress: () => { if (execDone) ac.abort(); },
    }).then(() => 'completed', (e) => e.name);
  });
  // If the transfers held libuv's pool (four threads), the exec and the
  // stat could only finish after one of them had completed.
  const r = await fx.client.exec('echo pool');
  assert.strictEqual(r.stdout, 'pool\n');
  assert.strictEqual((await fx.sftp.stat(fx.r('pool-src'))).size, 64 * 1024 * 1024);
  execDone = true;
  const ac = new AbortController();
  const aborted = fx.sftp.fastGet(fx.r('pool-src'), fx.l('pool-w'), { signal: ac.signal });
  ac.abort();
  await assert.rejects(aborted, AbortError);
  assert.strictEqual(fs.existsSync(fx.l('pool-w')), false);
  assert.strictEqual(fs.existsSync(fx.l('pool-w.gossh-part')), false);
  for (const x of await Promise.all(transfers)) assert.ok(x === 'AbortError' || x === 'completed', x);
});

test('close() ends every transfer in flight', async () => {
  fs.writeFileSync(fx.l('wait-src'), randomData(BIG));
  await fx.sftp.fastPut(fx.l('wait-src'), fx.r('wait-src'));
  const s = await fx.client.sftp();
  const results = [];
  for (let i = 0; i < 6; i++) {
    results.push(s.fastGet(fx.r('wait-src'), fx.l(`wait-${i}`)).then(() => 'completed', (e) => e.name));
  }
  await s.close();
  const r = await Promise.all(results);
  assert.ok(r.every((x) => x === 'ClosedError' || x === 'completed'), r.join());
  assert.ok(r.includes('ClosedError'), r.join());
  for (let i = 0; i < 6; i++) {
    if (r[i] === 'ClosedError') assert.strictEqual(fs.existsSync(fx.l(`wait-${i}`)), false);
  }
});
