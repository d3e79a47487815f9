// ESM users get every public name: `import { X } from 'gossh'` for each name
// the CommonJS module exports, with the same value, and the module itself as
// the default export. (index.mjs lists the names; this keeps the list whole.)
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'gossh';
import gossh from 'gossh';

const require = createRequire(import.meta.url);
const cjs = require('gossh');

test('every CommonJS export is a named ESM export with the same value', () => {
  const missing = Object.keys(cjs).filter((k) => !(k in esm));
  assert.deepEqual(missing, [], `index.mjs lacks: ${missing.join(', ')}`);
  for (const k of Object.keys(cjs)) assert.equal(esm[k], cjs[k], k);
  assert.equal(gossh, cjs);
  assert.equal(typeof esm.Client, 'function');
  assert.ok(new esm.HostKeyError('x') instanceof esm.SSHError);
});
