'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { execFile } = require('child_process');
const { env } = require('../testing/helpers');

test('examples/node/exec_demo.js runs against the test server', { timeout: 60000 }, async () => {
  env();
  const demo = path.resolve(__dirname, '..', '..', '..', 'examples', 'node', 'exec_demo.js');
  const { stdout } = await new Promise((resolve, reject) => {
    execFile(process.execPath, [demo], { timeout: 50000 }, (err, out, errOut) => {
      if (err) reject(new Error(`${err.message}\n${errOut}`)); else resolve({ stdout: out });
    });
  });
  assert.match(stdout, /^hello from gossh\n/);
  assert.match(stdout, /exit code: 0\n/);
  assert.match(stdout, /\[stdout\] STREAMED THROUGH SSH/);
  assert.match(stdout, /streamed command exit code: 0/);
});
