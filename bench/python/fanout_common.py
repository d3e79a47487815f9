"""What the fan-out bench's Python clients share (bench/fanout.py runs them):
the hosts from the environment, the timer and the one-line JSON report.

Environment (set by bench/fanout.py, under testenv/with-sshd.sh):
BENCH_FANOUT_N (hosts; 0 = the baseline run: set up, connect nothing),
BENCH_FANOUT_PORTS (the sshds' ports, comma-separated; host i uses port
i % len), BENCH_FANOUT_KNOWN_HOSTS (a known_hosts file naming every port),
BENCH_FANOUT_HOST_TIMEOUT (seconds each host may take to connect),
GOSSH_TEST_HOST, GOSSH_TEST_USER, GOSSH_TEST_KEYDIR (the harness's).
"""

import collections
import json
import os
import sys
import time

E = os.environ
HOST = E["GOSSH_TEST_HOST"]
USER = E["GOSSH_TEST_USER"]
KEY = os.path.join(E["GOSSH_TEST_KEYDIR"], "id_ed25519")
N = int(E["BENCH_FANOUT_N"])
PORTS = [int(p) for p in E["BENCH_FANOUT_PORTS"].split(",")]
KNOWN_HOSTS = E["BENCH_FANOUT_KNOWN_HOSTS"]
HOST_TIMEOUT = float(E.get("BENCH_FANOUT_HOST_TIMEOUT", "120"))
COMMAND = "true"


def port(i):
    """The port of host i: the hosts are spread over the sshds in turn."""
    return PORTS[i % len(PORTS)]


class Tally:
    """Counts the hosts whose command exited 0 and groups the failures by
    message (so that 1,000 alike failures make one line)."""

    def __init__(self):
        self.ok = 0
        self.errors = collections.Counter()

    def exit_status(self, status):
        if status == 0:
            self.ok += 1
        else:
            self.errors["exit status %r" % (status,)] += 1

    def error(self, exc):
        msg = "%s: %s" % (type(exc).__name__, exc)
        self.errors[" ".join(msg.split())[:200]] += 1


def now():
    return time.perf_counter()


def vmhwm_kib():
    """This process's peak resident memory (VmHWM, KiB), or None. (The
    driver cannot use wait4's ru_maxrss: on Linux a child's starts at its
    parent's peak RSS, taken over at vfork+exec.)"""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def report(client, version, host_key_check, pool, tally, wall_s, close_s, **extra):
    """Prints the run's one JSON line (bench/fanout.py reads the last one)."""
    failed = N - tally.ok
    if failed != sum(tally.errors.values()):
        # A host neither succeeded nor failed: never report it as done.
        tally.errors["no result"] += failed - sum(tally.errors.values())
    out = dict(client=client, version=version, host_key_check=host_key_check, pool=pool, n=N,
               ok=tally.ok, errors=dict(tally.errors.most_common(5)), wall_s=wall_s,
               close_s=close_s, vmhwm_kib=vmhwm_kib(), **extra)
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


def baseline(client, version):
    """The run with no hosts: the client set up (imports, key loaded) and
    nothing else, for the driver's baseline memory and CPU."""
    sys.stdout.write(json.dumps(dict(client=client, version=version, n=0, vmhwm_kib=vmhwm_kib())) + "\n")
    sys.stdout.flush()
