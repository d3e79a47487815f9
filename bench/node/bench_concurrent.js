#!/usr/bin/env node
'use strict';
// Many calls at once from Node: gossh's binding (argument `gossh`, the
// default) or Node ssh2 (`ssh2`), the same steps for both. Meant to run
// over a link with latency: `make bench` (bench/run.py) puts
// gossh-faultproxy -delay in front of the sshd (GOSSH_TEST_PORT and
// GOSSH_TEST_KNOWN_HOSTS name the proxy). Alone:
//
//   testenv/with-sshd.sh node bench/node/bench_concurrent.js [gossh|ssh2]
//
// 1. BENCH_CONC_EXECS (default 100) execs of `true` at once on one
//    connected client, each to its exit status; BENCH_TPUT_RUNS rounds.
// 2. BENCH_CONC_CONNECTS (default 40) clients connecting at once, then one
//    exec of `true` on each; BENCH_TPUT_RUNS rounds.
// Host keys are checked as in the other benches. Prints one JSON line with
// the milliseconds of each round.
const B = require('./common');

const { name: CLIENT, connect } = require('./pair').pick(process.argv[2]);
const EXECS = Number(process.env.BENCH_CONC_EXECS || 100);
const CONNECTS = Number(process.env.BENCH_CONC_CONNECTS || 40);
const ROUNDS = Math.max(1, B.RUNS);

const round = (x) => Math.round(x * 10) / 10;

/** Runs cmd on client c to its exit status, which must be 0. */
async function run(c, cmd) {
  const r = await c.exec(cmd);
  if (r.code !== 0) throw new Error(`${cmd}: exit ${r.code}`);
}

async function main() {
  const result = { client: CLIENT, execs: EXECS, connects: CONNECTS };
  const c = await connect();
  result.version = c.version;
  await run(c, 'true'); // warm up
  result.execs_ms = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = B.now();
    await Promise.all(Array.from({ length: EXECS }, () => run(c, 'true')));
    result.execs_ms.push(round(B.now() - t0));
  }
  await c.close();
  result.connects_ms = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = B.now();
    const cs = await Promise.all(Array.from({ length: CONNECTS }, () => connect()));
    await Promise.all(cs.map((x) => run(x, 'true')));
    result.connects_ms.push(round(B.now() - t0));
    await Promise.all(cs.map((x) => x.close()));
  }
  B.report(result);
}

main().then(() => process.exit(0), (err) => { console.error('bench_concurrent:', err); process.exit(1); });
