'use strict';
// The fault suite of the Node binding (issue 7): a stream cut off by a lost
// connection must end with 'error', never with 'end'.
//
// Each fault runs REPS times through gossh-faultproxy (GOSSH_FAULTPROXY, else
// build/gossh-faultproxy in the checkout) in front of the test sshd, cutting
// at 32 KiB..2 MiB of server->client bytes, plus REPS runs of a command that
// kills its own sshd session process (no proxy). Even runs use spawn() and
// read proc.stdout to its end, then await proc.exit; odd runs use exec().
//
// What each fault must give:
//   close, rst, fin, flip, kill: stdout emits 'error' (exec() rejects) with
//     code GOSSH_E_CLOSED or GOSSH_E_PROTOCOL, and proc.exit rejects too;
//   stall: the same with GOSSH_E_CLOSED or GOSSH_E_TIMEOUT (a 0.3 s
//     keepalive closes the client after three unanswered);
//   none, drip: every byte (zeros), 'end', exit code 0.
// Never 'end' (or a resolved exec()) for a cut stream, never an exit code
// for a cut session, never a non-zero byte, and every run ends in bounded
// time. A summary line per fault is printed.
//
//   make && testenv/with-sshd.sh sh -c 'cd bindings/node && node --test test/faults.test.js'
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const fs = require('fs');
const { spawn: spawnProcess } = require('child_process');
const { Client } = require('..');
const { env, connectOptions } = require('../testing/helpers');

const REPS = 50;
const DATA_BYTES = 3 << 20; // more than any fault offset (2 MiB + 49*997 at most)
const RUN_LIMIT_MS = 30000; // a run that takes longer has hung
const STALL_LIMIT_MS = 5000; // keepalive 0.3 s: closed after about 1 s
const STALL_KEEPALIVE_MS = 300;
const PAR = 3; // runs at once: a run mostly waits for sshd's fork and key exchange
const STALL_PAR = 25; // stall runs at once: each mostly waits for the keepalive

const LOST = ['GOSSH_E_CLOSED', 'GOSSH_E_PROTOCOL'];
const STALLED = ['GOSSH_E_CLOSED', 'GOSSH_E_TIMEOUT'];
// name: [cut, acceptable error codes]
const FAULTS = {
  none: [false, []],
  drip: [false, []],
  close: [true, LOST],
  rst: [true, LOST],
  fin: [true, LOST],
  flip: [true, LOST],
  stall: [true, STALLED],
  kill: [true, LOST],
};

/** The fault offset of run i: 32 KiB..2 MiB, never aligned. */
const offset = (i) => (32768 * 2 ** (i % 7)) + i * 997;

function proxyPath() {
  return process.env.GOSSH_FAULTPROXY || path.join(__dirname, '..', '..', '..', 'build', 'gossh-faultproxy');
}

/** Starts gossh-faultproxy; it stops when its stdin ends. */
async function startProxy(fault) {
  const p = proxyPath();
  if (!fs.existsSync(p)) {
    throw new Error(`no fault proxy at ${p}: run \`make\` (or \`make build/gossh-faultproxy\`), or set GOSSH_FAULTPROXY`);
  }
  const e = env();
  const offsets = Array.from({ length: REPS }, (_, i) => offset(i)).join(',');
  const child = spawnProcess(p, ['-target', `${e.host}:${e.port}`, '-fault', fault, '-after', offsets],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve(Number(text.slice(0, nl)));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the fault proxy exited (${code}) before printing its port`)));
  });
  return {
    port,
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      assert.strictEqual(code, 0, 'the fault proxy did not exit cleanly on stdin EOF');
    },
  };
}

const ZEROS = Buffer.alloc(1 << 20);
/** Whether b is all zeros (compared a MiB at a time, not byte by byte in JS). */
function isZeros(b) {
  for (let off = 0; off < b.length; off += ZEROS.length) {
    const part = b.subarray(off, off + ZEROS.length);
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

/** Rejects after ms unless p settles first. */
function within(p, ms, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(Object.assign(new Error(`${what} hung for ${ms} ms`), { code: 'HANG' })), ms); }),
  ]);
}

/** One run; returns { readEnd, exitEnd, problems }. */
async function oneRun(name, port, i) {
  const [cut, accept] = FAULTS[name];
  const stall = name === 'stall';
  const cmd = name === 'kill'
    ? `(sleep 0.${String(1 + (i % 5) * 2).padStart(2, '0')}; kill -9 $PPID) & exec head -c 1000000000 /dev/zero`
    : `head -c ${DATA_BYTES} /dev/zero`;
  const problems = [];
  const client = new Client();
  let readEnd = 'none';
  let exitEnd = 'none';
  try {
    try {
      // The proxy's port is not in known_hosts: accept it, load no file, save nothing.
      await client.connect(connectOptions({
        port, knownHosts: null, hostKeyPolicy: 'autoadd', timeout: 5000, bannerTimeout: 5000, authTimeout: 10000,
        keepaliveInterval: stall ? STALL_KEEPALIVE_MS : undefined,
      }));
    } catch (e) {
      return { readEnd: `setup:${e.code}`, exitEnd, problems: [`run ${i}: connect failed: ${e.message}`] };
    }
    const limit = stall ? STALL_LIMIT_MS : RUN_LIMIT_MS;
    let got = 0;
    let corrupt = false;
    let readErr = null;
    let exitErr = null;
    let code;
    if (i % 2 === 0) {
      const proc = await client.spawn(cmd);
      const exit = proc.exit;
      exit.catch(() => {});
      try {
        await within(new Promise((resolve, reject) => {
          proc.stdout.on('data', (c) => { got += c.length; if (!isZeros(c)) corrupt = true; });
          proc.stdout.once('end', resolve);
          proc.stdout.once('error', reject);
        }), limit, 'reading stdout');
      } catch (e) {
        readErr = e;
      }
      try {
        code = await within(exit, limit, 'proc.exit');
      } catch (e) {
        exitErr = e;
      }
    } else {
      try {
        const r = await within(client.exec(cmd, { encoding: 'buffer' }), limit, 'exec()');
        got = r.stdout.length;
        corrupt = !isZeros(r.stdout);
        code = r.code;
      } catch (e) {
        readErr = exitErr = e;
      }
    }
    readEnd = readErr ? String(readErr.code) : 'end';
    exitEnd = exitErr ? String(exitErr.code) : `code=${code}`;
    const how = i % 2 === 0 ? 'spawn' : 'exec';
    if (corrupt) problems.push(`run ${i} (${how}): corrupt data delivered: a byte that is not 0`);
    for (const e of [readErr, exitErr]) {
      if (e && e.code === 'HANG') problems.push(`run ${i} (${how}): ${e.message}`);
    }
    if (!cut) {
      if (readErr || got !== DATA_BYTES) problems.push(`run ${i} (${how}): read ${got} of ${DATA_BYTES} bytes, then ${readErr}`);
      if (exitErr || code !== 0) problems.push(`run ${i} (${how}): exit ${exitEnd}, want code=0`);
    } else {
      if (!readErr) {
        problems.push(`run ${i} (${how}): CLEAN EOF ('end') on a cut stream after ${got} bytes`);
      } else if (!accept.includes(readErr.code)) {
        problems.push(`run ${i} (${how}): the read failed with ${readErr.code} (${readErr.message}); want one of ${accept}`);
      }
      if (!exitErr) {
        problems.push(`run ${i} (${how}): exit code ${code} without an error for a cut session`);
      } else if (!accept.includes(exitErr.code) && readErr !== exitErr) {
        problems.push(`run ${i} (${how}): the exit wait failed with ${exitErr.code}; want one of ${accept}`);
      }
    }
    return { readEnd, exitEnd, problems };
  } finally {
    await client.close();
  }
}

/** Runs fn(0..n-1), par at a time, and returns the results in order. */
async function pool(n, par, fn) {
  const results = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: par }, async () => {
    while (next < n) {
      const i = next++;
      results[i] = await fn(i);
    }
  }));
  return results;
}

for (const name of Object.keys(FAULTS)) {
  test(`fault ${name}: ${REPS} runs`, { timeout: 180000 }, async () => {
    const proxy = name === 'kill' ? null : await startProxy(name);
    const port = proxy ? proxy.port : env().port;
    const started = Date.now();
    let results;
    try {
      results = await pool(REPS, name === 'stall' ? STALL_PAR : PAR, (i) => oneRun(name, port, i));
    } finally {
      if (proxy) await proxy.close();
    }
    const kinds = {};
    let problems = [];
    let cleanEof = 0;
    let exitClean = 0;
    for (const r of results) {
      for (const k of [`read:${r.readEnd}`, `exit:${r.exitEnd}`]) kinds[k] = (kinds[k] || 0) + 1;
      if (r.problems.some((p) => p.includes('CLEAN EOF'))) cleanEof++;
      if (r.problems.some((p) => p.includes('without an error for a cut session'))) exitClean++;
      problems = problems.concat(r.problems);
    }
    problems.sort((a, b) => b.includes('CLEAN EOF') - a.includes('CLEAN EOF')); // the worst first
    const other = problems.length - cleanEof - exitClean;
    const outcomes = Object.keys(kinds).sort().map((k) => `${k}=${kinds[k]}`).join(' ');
    const line = `node fault ${name.padEnd(5)} runs=${REPS} clean_eof_on_cut=${cleanEof} ` +
      `exit_without_error_on_cut=${exitClean} other_failures=${other} outcomes[${outcomes}] ` +
      `${((Date.now() - started) / 1000).toFixed(1)}s`;
    console.log(line);
    assert.deepStrictEqual(problems.slice(0, 10), [], `${line}\n${problems.length} wrong outcomes`);
  });
}
