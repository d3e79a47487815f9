#!/usr/bin/env python3
"""Benchmark asyncssh against the test sshd: BENCH_N fresh
connect+auth+exec("true")+EOF+exit-status+close round trips, then one exec of
`head -c BENCH_BYTES /dev/zero` whose stdout is discarded in a session's
data_received. Host keys are checked against GOSSH_TEST_KNOWN_HOSTS. Prints
one JSON line."""

import asyncio
import json
import os
import resource
import time

import asyncssh

E = os.environ
HOST, PORT, USER = E["GOSSH_TEST_HOST"], int(E["GOSSH_TEST_PORT"]), E["GOSSH_TEST_USER"]
KEY = os.path.join(E["GOSSH_TEST_KEYDIR"], "id_ed25519")
KNOWN_HOSTS = E["GOSSH_TEST_KNOWN_HOSTS"]
N = int(E.get("BENCH_N", "20"))
SIZE = int(E.get("BENCH_BYTES", str(256 << 20)))
RUNS = int(E.get("BENCH_TPUT_RUNS", "3"))


def cpu():
    """The process's user+system CPU seconds so far (every thread)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def connect():
    return asyncssh.connect(HOST, port=PORT, username=USER, client_keys=[KEY],
                            known_hosts=KNOWN_HOSTS, agent_path=None,
                            config=None, connect_timeout=10)


class Discard(asyncssh.SSHClientSession):
    def __init__(self):
        self.total = 0

    def data_received(self, data, datatype):
        if datatype is None:
            self.total += len(data)


async def run(conn, cmd):
    chan, session = await conn.create_session(Discard, cmd, encoding=None)
    await chan.wait_closed()
    status = chan.get_exit_status()
    if status != 0:
        raise SystemExit("asyncssh: %r exited %s" % (cmd, status))
    return session.total


async def main():
    lat = []
    for _ in range(N):
        t0 = time.perf_counter()
        async with connect() as conn:
            await run(conn, "true")
        lat.append((time.perf_counter() - t0) * 1000)

    runs, cpus = [], []  # a fresh connection (not timed) per run
    for _ in range(RUNS):
        async with connect() as conn:
            t0, c0 = time.perf_counter(), cpu()
            got = await run(conn, "head -c %d /dev/zero" % SIZE)
            secs = time.perf_counter() - t0
            cpus.append(cpu() - c0)
            if got != SIZE:
                raise SystemExit("asyncssh: read %d bytes, want %d" % (got, SIZE))
            runs.append(SIZE / 1048576 / secs)
    print(json.dumps({"client": "asyncssh", "host_key_check": "known_hosts",
                      "version": asyncssh.__version__,
                      "latency_ms": lat, "throughput_runs_mibs": runs,
                      "throughput_cpu_s": cpus}))


asyncio.run(main())
