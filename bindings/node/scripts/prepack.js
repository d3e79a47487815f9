#!/usr/bin/env node
'use strict';
// npm pack / npm publish of this directory: the package carries
// native/libgossh.so. In a gossh source checkout the library is brought up
// to date by the repository's Makefile; elsewhere a package without it is
// refused rather than made (it could only fail at require time).
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const pkg = path.resolve(__dirname, '..');
const root = path.resolve(pkg, '..', '..');
const lib = path.join(pkg, 'native', 'libgossh.so');

if (fs.existsSync(path.join(root, 'go.mod')) && fs.existsSync(path.join(root, 'capi'))) {
  try {
    execFileSync('make', ['-C', root, '--no-print-directory', 'bindings/node/native/libgossh.so'],
      { stdio: 'inherit' });
  } catch (e) {
    console.error('gossh prepack: building libgossh failed (it needs Go >= 1.26, make and a C compiler)');
    process.exit(1);
  }
}
if (!fs.existsSync(lib)) {
  console.error(`gossh prepack: ${lib} is missing and this is not a gossh source checkout: ` +
    'refusing to pack a package without its library');
  process.exit(1);
}
