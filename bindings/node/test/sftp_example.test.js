'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { execFile } = require('child_process');
const { env } = require('../testing/helpers');

test('examples/node/sftp_demo.js runs against the test server', { timeout: 60000 }, async () => {
  env();
  const demo = path.resolve(__dirname, '..', '..', '..', 'examples', 'node', 'sftp_demo.js');
  const { stdout } = await new Promise((resolve, reject) => {
    execFile(process.execPath, [demo], { timeout: 50000 }, (err, out, errOut) => {
      if (err) reject(new Error(`${err.message}\n${errOut}`)); else resolve({ stdout: out });
    });
  });
  assert.match(stdout, /^SFTP v3, home \//);
  assert.match(stdout, /read back: hello over SFTP\n/);
  assert.match(stdout, /streamed: line 1, line 2, line 3\n/);
  assert.match(stdout, / {2}file hello\.txt \(16 bytes\)\n/);
  assert.match(stdout, / {2}dir {2}sub /);
  assert.match(stdout, /downloaded 3145728 bytes \(last progress report: 3145728\)\n/);
  assert.match(stdout, /stat of a missing file: ENOENT \(stat\)\n/);
});
