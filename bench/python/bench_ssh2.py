#!/usr/bin/env python3
"""Benchmark libssh2 (through the ssh2-python package) or parallel-ssh's
single-host client (on top of ssh2-python, with gevent) against the test sshd.

    bench_ssh2.py ssh2-python     # libssh2, blocking API
    bench_ssh2.py parallel-ssh    # pssh.clients.native.SSHClient

Same work as the other rows: BENCH_N fresh connect+auth+exec("true")+EOF+
exit-status+close round trips, then BENCH_TPUT_RUNS execs of `head -c
BENCH_BYTES /dev/zero` on fresh connections (connect not timed) whose stdout
is read and discarded, with the process's CPU time (user+sys, rusage) over
each. ssh2-python checks the host key against GOSSH_TEST_KNOWN_HOSTS with
libssh2's knownhost API; parallel-ssh has no host key check of its own.
Prints one JSON line.
"""

import json
import os
import resource
import socket
import sys
import time
from importlib import metadata

which = sys.argv[1] if len(sys.argv) > 1 else "ssh2-python"

E = os.environ
HOST, PORT, USER = E["GOSSH_TEST_HOST"], int(E["GOSSH_TEST_PORT"]), E["GOSSH_TEST_USER"]
KEY = os.path.join(E["GOSSH_TEST_KEYDIR"], "id_ed25519")
KNOWN_HOSTS = E["GOSSH_TEST_KNOWN_HOSTS"]
N = int(E.get("BENCH_N", "20"))
SIZE = int(E.get("BENCH_BYTES", str(256 << 20)))
RUNS = int(E.get("BENCH_TPUT_RUNS", "3"))
CHUNK = int(E.get("BENCH_PY_CHUNK", str(256 << 10)))


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ------------------------------------------------------------ ssh2-python ----

def ssh2_client():
    from ssh2 import knownhost as kh
    from ssh2 import session as ss
    from ssh2.session import Session

    key_type = {  # libssh2 host key type -> known_hosts key type bits
        ss.LIBSSH2_HOSTKEY_TYPE_RSA: kh.LIBSSH2_KNOWNHOST_KEY_SSHRSA,
        ss.LIBSSH2_HOSTKEY_TYPE_DSS: kh.LIBSSH2_KNOWNHOST_KEY_SSHDSS,
        ss.LIBSSH2_HOSTKEY_TYPE_ECDSA_256: kh.LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
        ss.LIBSSH2_HOSTKEY_TYPE_ECDSA_384: kh.LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
        ss.LIBSSH2_HOSTKEY_TYPE_ECDSA_521: kh.LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
        ss.LIBSSH2_HOSTKEY_TYPE_ED25519: kh.LIBSSH2_KNOWNHOST_KEY_ED25519,
    }

    class Conn:
        def __init__(self):
            self.sock = socket.create_connection((HOST, PORT), timeout=10)
            self.sock.settimeout(None)
            s = self.s = Session()
            s.handshake(self.sock)
            key, ktype = s.hostkey()
            store = s.knownhost_init()
            store.readfile(KNOWN_HOSTS)
            # Raises KnownHostCheckNotFoundError / ...MisMatchError.
            store.checkp(HOST.encode(), PORT, key,
                         kh.LIBSSH2_KNOWNHOST_TYPE_PLAIN | kh.LIBSSH2_KNOWNHOST_KEYENC_RAW
                         | key_type.get(ktype, kh.LIBSSH2_KNOWNHOST_KEY_UNKNOWN))
            s.userauth_publickey_fromfile(USER, KEY)

        def run(self, cmd):
            ch = self.s.open_session()
            ch.execute(cmd)
            total = 0
            while True:
                n, _data = ch.read(CHUNK)
                if n < 0:
                    raise SystemExit("ssh2-python: read error %d" % n)
                if n == 0:
                    break
                total += n
            ch.wait_eof()
            ch.close()
            ch.wait_closed()
            status = ch.get_exit_status()
            if status != 0:
                raise SystemExit("ssh2-python: %r exited %d" % (cmd, status))
            return total

        def close(self):
            # Free the session while its socket is still open: freed later
            # (when the next Conn replaces this one), libssh2 wrote to a
            # file descriptor that by then belonged to the next
            # connection, whose stream then stalled.
            self.s.disconnect()
            self.s = None
            self.sock.close()

    return Conn, "known_hosts (libssh2 knownhost_checkp)", metadata.version("ssh2-python"), \
        "read(%d)" % CHUNK


# ------------------------------------------------------------ parallel-ssh ----

def pssh_client():
    from pssh.clients.native import SSHClient

    class Conn:
        def __init__(self):
            self.c = SSHClient(HOST, user=USER, port=PORT, pkey=KEY, num_retries=1, timeout=10,
                               allow_agent=False, identity_auth=False)

        def run(self, cmd):
            out = self.c.run_command(cmd)
            total = 0
            # The raw stdout buffer that parallel-ssh's reader greenlet fills
            # (out.stdout would split /dev/zero's output into "lines": one
            # line of BENCH_BYTES, built by repeated concatenation).
            for chunk in out.buffers.stdout.rw_buffer:
                total += len(chunk)
            for _ in out.stderr:
                pass
            self.c.wait_finished(out)
            if out.exit_code != 0:
                raise SystemExit("parallel-ssh: %r exited %s" % (cmd, out.exit_code))
            return total

        def close(self):
            self.c.disconnect()

    return Conn, "none (parallel-ssh checks no host key)", metadata.version("parallel-ssh"), \
        "stdout buffer (reader greenlet, read(1024) per call)"


def main():
    Conn, check, version, read = (ssh2_client if which == "ssh2-python" else pssh_client)()
    lat = []
    for _ in range(N):
        t0 = time.perf_counter()
        c = Conn()
        c.run("true")
        c.close()
        lat.append((time.perf_counter() - t0) * 1000)

    runs, cpus = [], []
    for _ in range(RUNS):
        c = Conn()
        t0, c0 = time.perf_counter(), cpu()
        got = c.run("head -c %d /dev/zero" % SIZE)
        secs, cpu_s = time.perf_counter() - t0, cpu() - c0
        if got != SIZE:
            raise SystemExit("%s: read %d bytes, want %d" % (which, got, SIZE))
        runs.append(SIZE / 1048576 / secs)
        cpus.append(cpu_s)
        c.close()
    print(json.dumps({"client": which, "host_key_check": check, "version": version, "read": read,
                      "latency_ms": lat, "throughput_runs_mibs": runs,
                      "throughput_cpu_s": cpus}))


if __name__ == "__main__":
    main()
