'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { execFile } = require('child_process');
const { env } = require('../testing/helpers');

test('examples/node/shell_demo.js runs against the test server', { timeout: 60000 }, async () => {
  env();
  const demo = path.resolve(__dirname, '..', '..', '..', 'examples', 'node', 'shell_demo.js');
  const stdout = await new Promise((resolve, reject) => {
    execFile(process.execPath, [demo], { timeout: 50000 }, (err, out, errOut) => {
      if (err) reject(new Error(`${err.message}\n${errOut}`)); else resolve(out);
    });
  });
  assert.match(stdout, /^\$ echo hello from a gossh shell\n {2}hello from a gossh shell\n/);
  assert.match(stdout, /\$ stty size\n {2}30 100\n\$ stty size\n {2}40 120\n/);
  assert.match(stdout, /\$ cd \/tmp && pwd\n {2}\/tmp\n/);
  assert.match(stdout, /shell exit status: 3\n$/);
});
