#!/usr/bin/env node
'use strict';
// gossh from Node: an interactive shell driven by a program.
//
//   GOSSH_DEMO_HOST=example.org GOSSH_DEMO_USER=me GOSSH_DEMO_KEY=~/.ssh/id_ed25519 \
//   GOSSH_DEMO_KNOWN_HOSTS=~/.ssh/known_hosts node examples/node/shell_demo.js
//
// Without GOSSH_DEMO_* it uses the test server's variables, so that
// `testenv/with-sshd.sh node examples/node/shell_demo.js` works from the
// repository root (after `make` and `npm ci` in bindings/node).
const path = require('path');

let gossh;
try {
  gossh = require('gossh');
} catch (_) {
  gossh = require(path.join(__dirname, '..', '..', 'bindings', 'node'));
}
const { Client, SSHError } = gossh;

function settings() {
  const e = process.env;
  const host = e.GOSSH_DEMO_HOST || e.GOSSH_TEST_HOST;
  if (!host) {
    console.error('Set GOSSH_DEMO_HOST (and GOSSH_DEMO_PORT, _USER, _KEY, _KNOWN_HOSTS), ' +
      'or run under testenv/with-sshd.sh.');
    process.exit(2);
  }
  return {
    host,
    port: Number(e.GOSSH_DEMO_PORT || e.GOSSH_TEST_PORT || 22),
    username: e.GOSSH_DEMO_USER || e.GOSSH_TEST_USER,
    privateKey: e.GOSSH_DEMO_KEY || (e.GOSSH_TEST_KEYDIR && path.join(e.GOSSH_TEST_KEYDIR, 'id_ed25519')),
    password: e.GOSSH_DEMO_PASSWORD || undefined,
    knownHosts: e.GOSSH_DEMO_KNOWN_HOSTS || e.GOSSH_TEST_KNOWN_HOSTS,
  };
}

/** Resolves with everything read from the shell until `pattern` shows up. */
function readUntil(shell, pattern) {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d) => {
      text += d;
      if (pattern.test(text)) { shell.off('data', onData); resolve(text); }
    };
    shell.on('data', onData);
    shell.once('end', () => reject(new Error('the shell ended early')));
  });
}

async function main() {
  const client = new Client();
  try {
    await client.connect(settings());

    // A login shell on a pseudo-terminal, as a Duplex stream.
    const shell = await client.shell({ term: 'xterm', cols: 100, rows: 30 });
    shell.setEncoding('utf8');

    // Each command ends by printing a marker; the pty echoes what we type, so
    // the marker is computed ($((...))) to match only the command's output.
    let n = 0;
    const run = async (command) => {
      n++;
      const done = readUntil(shell, new RegExp(`__done_${n}__`));
      shell.write(`${command}; echo __done_$((${n}))__\n`);
      const text = await done;
      // Show the lines between the echoed command and the marker. The echo
      // is found by its text, not taken to be the first line: after a resize
      // the shell may redraw its (empty) prompt line first.
      const lines = text.replace(/\r/g, '').split('\n');
      const echoed = lines.findIndex((l) => l.includes(`echo __done_$((${n}))__`));
      const out = lines.slice(echoed + 1, lines.findIndex((l) => l.includes(`__done_${n}__`) && !l.includes('$((')));
      console.log(`$ ${command}`);
      for (const l of out) console.log(`  ${l}`);
    };

    // No prompt, so that the output is only what the commands print.
    const ready = readUntil(shell, /__ready_0__/);
    shell.write("PS1=''; echo __ready_$((0))__\n");
    await ready;

    await run('echo hello from a gossh shell');
    await run('stty size');
    shell.setWindow(40, 120); // the terminal was resized (rows, cols)
    await run('stty size');
    await run('cd /tmp && pwd');

    shell.write('exit 3\n');
    console.log(`shell exit status: ${await shell.exit}`);
  } catch (e) {
    if (e instanceof SSHError) {
      console.error(`gossh: ${e.name} (${e.code}): ${e.message}`);
      process.exitCode = 1;
    } else {
      throw e;
    }
  } finally {
    await client.close();
  }
}

main();
