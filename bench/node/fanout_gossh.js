#!/usr/bin/env node
'use strict';
// Fan-out bench, gossh's Node binding: one Group over BENCH_FANOUT_N hosts,
// poolSize = N (every host at once, on the library's threads), run('true'),
// each result taken as its host finishes. Host keys are checked against
// BENCH_FANOUT_KNOWN_HOSTS (policy reject); the key is loaded once. The
// timer runs from building the group to the last result; closing the kept
// connections is timed apart. Prints one JSON line (fanout_common.js).
const { Group, Key } = require('../../bindings/node');
const version = require('../../bindings/node/package.json').version;
const F = require('./fanout_common');

async function main() {
  const key = await Key.fromFile(F.keyPath); // loads the library too
  if (F.N === 0) return F.baseline('gossh-node', version);
  const tally = new F.Tally();
  const t0 = F.now();
  const g = new Group({ poolSize: F.N, knownHosts: F.knownHosts, hostKeyPolicy: 'reject' });
  for (let i = 0; i < F.N; i++) {
    g.addHost({ host: F.host, port: F.port(i), username: F.username, privateKey: key,
      agent: false, lookForKeys: false, timeout: F.hostTimeoutMs });
  }
  for await (const r of g.run(F.command)) {
    if (r.error) tally.error(r.error);
    else tally.exitStatus(r.exitCode);
  }
  const wall = F.now() - t0;
  const t1 = F.now();
  await g.close();
  F.report('gossh-node', version, 'known_hosts (reject)', F.N, tally, wall, F.now() - t1);
}

main().catch((err) => { console.error('fanout_gossh:', err); process.exit(1); });
