#!/usr/bin/env python3
"""Benchmark a paramiko-API client against the test sshd.

    bench_gossh.py gossh      # import gossh as paramiko
    bench_gossh.py paramiko   # import paramiko

The same code runs both: BENCH_N fresh connect+auth+exec("true")+EOF+
exit-status+close round trips, then one exec of `head -c BENCH_BYTES
/dev/zero` whose stdout is read in chunks and discarded. Host keys are
checked against GOSSH_TEST_KNOWN_HOSTS (RejectPolicy). Prints one JSON line.
"""

import importlib
import json
import os
import resource
import sys
import time

which = sys.argv[1] if len(sys.argv) > 1 else "gossh"
paramiko = importlib.import_module(which)

E = os.environ
HOST, PORT, USER = E["GOSSH_TEST_HOST"], int(E["GOSSH_TEST_PORT"]), E["GOSSH_TEST_USER"]
KEY = os.path.join(E["GOSSH_TEST_KEYDIR"], "id_ed25519")
KNOWN_HOSTS = E["GOSSH_TEST_KNOWN_HOSTS"]
N = int(E.get("BENCH_N", "20"))
SIZE = int(E.get("BENCH_BYTES", str(256 << 20)))
RUNS = int(E.get("BENCH_TPUT_RUNS", "3"))
# How stdout is drained: "recv" (stdout.channel.recv(CHUNK) loop, the default)
# or "read" (stdout.read(CHUNK) loop). Both stay within paramiko's API.
MODE = E.get("BENCH_PY_READ", "recv")
CHUNK = int(E.get("BENCH_PY_CHUNK", str(1 << 20)))


def cpu():
    """The process's user+system CPU seconds so far (every thread)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def connect():
    c = paramiko.SSHClient()
    c.load_host_keys(KNOWN_HOSTS)
    c.set_missing_host_key_policy(paramiko.RejectPolicy())
    c.connect(HOST, port=PORT, username=USER, key_filename=KEY,
              allow_agent=False, look_for_keys=False, timeout=10)
    return c


def run(c, cmd):
    _stdin, stdout, _stderr = c.exec_command(cmd)
    total = 0
    if MODE == "read":
        read = stdout.read
    else:
        read = stdout.channel.recv
    while True:
        data = read(CHUNK)
        if not data:
            break
        total += len(data)
    status = stdout.channel.recv_exit_status()
    if status != 0:
        raise SystemExit("%s: %r exited %d" % (which, cmd, status))
    return total


def main():
    lat = []
    for _ in range(N):
        t0 = time.perf_counter()
        c = connect()
        run(c, "true")
        c.close()
        lat.append((time.perf_counter() - t0) * 1000)

    # Each throughput run gets its own connection (not timed): paramiko
    # rekeys after 512 MiB and then failed with "Key-exchange timed out
    # waiting for key negotiation" on a connection's third 256 MiB exec.
    runs, cpus = [], []
    for _ in range(RUNS):
        c = connect()
        t0, c0 = time.perf_counter(), cpu()
        got = run(c, "head -c %d /dev/zero" % SIZE)
        secs = time.perf_counter() - t0
        cpus.append(cpu() - c0)
        if got != SIZE:
            raise SystemExit("%s: read %d bytes, want %d" % (which, got, SIZE))
        runs.append(SIZE / 1048576 / secs)
        c.close()
    name = "gossh-python" if which == "gossh" else which
    print(json.dumps({"client": name, "host_key_check": "known_hosts",
                      "read": "%s(%d)" % (MODE, CHUNK), "version": getattr(paramiko, "__version__", "?"),
                      "latency_ms": lat, "throughput_runs_mibs": runs,
                      "throughput_cpu_s": cpus}))


if __name__ == "__main__":
    main()
