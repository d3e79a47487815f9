'use strict';
// What the fan-out bench's Node clients share (bench/fanout.py runs them):
// the hosts from the environment, the timer, the failure tally and the
// one-line JSON report. Environment as bench/python/fanout_common.py's.
const fs = require('fs');
const path = require('path');

const e = process.env;
for (const v of ['GOSSH_TEST_HOST', 'GOSSH_TEST_USER', 'GOSSH_TEST_KEYDIR', 'BENCH_FANOUT_N',
  'BENCH_FANOUT_PORTS', 'BENCH_FANOUT_KNOWN_HOSTS']) {
  if (!e[v]) {
    console.error(`${v} is not set: run through bench/fanout.py (make bench-fanout)`);
    process.exit(2);
  }
}
const ports = e.BENCH_FANOUT_PORTS.split(',').map(Number);
const N = Number(e.BENCH_FANOUT_N);

/** Counts the hosts whose command exited 0 and groups failures by message. */
class Tally {
  constructor() { this.ok = 0; this.errors = new Map(); }
  exitStatus(code) {
    if (code === 0) this.ok++;
    else this._add(`exit status ${code}`);
  }
  error(err) {
    this._add(`${err && err.name}: ${err && err.message}`.replace(/\s+/g, ' ').slice(0, 200));
  }
  _add(msg) { this.errors.set(msg, (this.errors.get(msg) || 0) + 1); }
}

/**
 * This process's peak resident memory (VmHWM, KiB), or null. (The driver
 * cannot use wait4's ru_maxrss: on Linux a child's starts at its parent's
 * peak RSS, taken over at vfork+exec.)
 */
function vmhwmKiB() {
  try {
    const m = /^VmHWM:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch (_) {
    return null;
  }
}

module.exports = {
  host: e.GOSSH_TEST_HOST,
  username: e.GOSSH_TEST_USER,
  keyPath: path.join(e.GOSSH_TEST_KEYDIR, 'id_ed25519'),
  knownHosts: e.BENCH_FANOUT_KNOWN_HOSTS,
  hostTimeoutMs: Number(e.BENCH_FANOUT_HOST_TIMEOUT || 120) * 1000,
  N,
  command: 'true',
  /** The port of host i: the hosts are spread over the sshds in turn. */
  port: (i) => ports[i % ports.length],
  now: () => Number(process.hrtime.bigint()) / 1e9, // seconds
  Tally,
  /** Prints the run's one JSON line; a host with neither result counts as failed. */
  report(client, version, hostKeyCheck, pool, tally, wallS, closeS) {
    const failed = N - tally.ok;
    let counted = 0;
    for (const c of tally.errors.values()) counted += c;
    if (failed > counted) tally.errors.set('no result', (tally.errors.get('no result') || 0) + failed - counted);
    const errors = Object.fromEntries([...tally.errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5));
    process.stdout.write(JSON.stringify({
      client, version, host_key_check: hostKeyCheck, pool, n: N, ok: tally.ok, errors,
      wall_s: wallS, close_s: closeS, vmhwm_kib: vmhwmKiB(),
    }) + '\n');
  },
  /** The run with no hosts: the client set up and nothing else (the driver's baseline). */
  baseline(client, version) {
    process.stdout.write(JSON.stringify({ client, version, n: 0, vmhwm_kib: vmhwmKiB() }) + '\n');
  },
};
