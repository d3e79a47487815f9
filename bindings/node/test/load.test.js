'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { execFileSync } = require('child_process');

const pkg = path.resolve(__dirname, '..');

function run(code, extraEnv = {}) {
  const env = { ...process.env, ...extraEnv };
  delete env.UV_THREADPOOL_SIZE;
  Object.assign(env, extraEnv);
  return execFileSync(process.execPath, ['-e', code], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

test('loading leaves UV_THREADPOOL_SIZE alone (no call waits on the pool) and checks the version', () => {
  const code = `const g = require(${JSON.stringify(pkg)}); console.log(String(process.env.UV_THREADPOOL_SIZE), g.version)`;
  assert.match(run(code), /^undefined \d+\.\d+\.\d+$/);
  assert.match(run(code, { UV_THREADPOOL_SIZE: '5' }), /^5 /);
});

test('GOSSH_LIBRARY pointing nowhere gives a clear error', () => {
  assert.throws(() => run(`require(${JSON.stringify(pkg)})`, { GOSSH_LIBRARY: '/nonexistent/libgossh.so' }),
    /cannot load libgossh\.so/);
});

// koffi runs each call on a stack of its own, so the Go runtime asks for
// the thread's stack bounds on every call; glibc answers for the main thread
// by reading /proc/self/maps (about eleven read() calls, ~100 us). libgossh
// answers that question itself (capi/stackbound.c), so the calls Node makes
// on the main thread (every call with timeout 0) stay cheap. Counted in
// read() syscalls, not timed.
test('calls from the main thread do not read /proc/self/maps', () => {
  const code = `
    const fs = require('fs');
    const native = require(${JSON.stringify(path.join(pkg, 'lib', 'native.js'))});
    const out = [null];
    const syscr = () => Number(/syscr: (\\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))[1]);
    for (let i = 0; i < 10; i++) native.fn.gossh_version(out);
    const before = syscr();
    for (let i = 0; i < 2000; i++) native.fn.gossh_version(out);
    console.log(syscr() - before);`;
  const reads = Number(run(code));
  assert.ok(reads < 500, `2000 calls made ${reads} read() calls (about 11 a call reads /proc/self/maps)`);
});
