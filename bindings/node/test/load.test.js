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
