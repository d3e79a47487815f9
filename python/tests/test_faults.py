"""The fault suite of the Python binding (issue 7): with paramiko's API, a
stream cut off by a lost connection must raise, never read as a normal end.

Each fault runs REPS times through gossh-faultproxy (``GOSSH_FAULTPROXY``,
else ``build/gossh-faultproxy`` in the checkout) in front of the test sshd,
cutting at 32 KiB..2 MiB of server->client bytes, plus REPS runs of a
command that kills its own sshd session process (no proxy).  Each run does
``exec_command`` and reads stdout to the end, with ``stdout.read()`` on
even runs and a ``channel.recv()`` loop on odd ones, then calls
``recv_exit_status()``.

What each fault must give:

* close, rst, fin, flip, kill: the read raises SSHException (not a
  timeout), EOFError or OSError; ``recv_exit_status()`` returns -1 as
  paramiko's does when the connection is lost before the status (or raises
  one of those);
* stall: the read raises socket.timeout (the channel's 1 s timeout) or
  SSHException (the 0.3 s keepalive gave up); the wait returns -1 or raises;
* none, drip: every byte (zeros), then ``b""``, and exit status 0.

Never ``b""`` as the end of a cut stream, never a real exit status (0 or
any other but paramiko's -1) returned for a cut session, never a non-zero byte, and every call
returns within its timeout (plus SLACK).  A summary line per fault is
printed straight to the terminal.

    make && testenv/with-sshd.sh python3 -m pytest python/tests/test_faults.py -q
"""

import concurrent.futures
import os
import socket
import subprocess
import threading
import time

import pytest

REPS = 50
DATA_BYTES = 3 << 20  # more than any fault offset (2 MiB + 49*997 at most)
READ_TIMEOUT = 10.0   # reads and waits that must not stall
STALL_TIMEOUT = 1.0
STALL_KEEPALIVE = 0.3  # ends the stalled exit-status wait (three missed: closed)
SLACK = 2.0           # how late a call may return after its timeout
PAR = 3               # runs at once: a run mostly waits for sshd's fork and key exchange
STALL_PAR = 25        # stall runs at once: each mostly waits for its timeout
CHUNK = 256 * 1024

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LOST = ("sshexception", "eoferror", "oserror")
STALLED = ("timeout", "sshexception")

# name: (cut, acceptable exception kinds)
FAULTS = {
    "none": (False, ()),
    "drip": (False, ()),
    "close": (True, LOST),
    "rst": (True, LOST),
    "fin": (True, LOST),
    "flip": (True, LOST),
    "stall": (True, STALLED),
    "kill": (True, LOST),
}


def offset(i):
    """The fault offset of run i: 32 KiB..2 MiB, never aligned."""
    return (32768 << (i % 7)) + i * 997


def proxy_path():
    return os.environ.get("GOSSH_FAULTPROXY") or os.path.join(_REPO, "build", "gossh-faultproxy")


class Proxy:
    """gossh-faultproxy in front of the test sshd; stops when its stdin closes."""

    def __init__(self, env, fault):
        path = proxy_path()
        if not os.access(path, os.X_OK):
            pytest.fail("no fault proxy at %s: run `make` (or `make build/gossh-faultproxy`), "
                        "or set GOSSH_FAULTPROXY" % path)
        offsets = ",".join(str(offset(i)) for i in range(REPS))
        self.proc = subprocess.Popen(
            [path, "-target", "%s:%d" % (env.host, env.port), "-fault", fault, "-after", offsets],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline()
        self.proc.stdout.close()
        if not line.strip().isdigit():
            self.close()
            pytest.fail("the fault proxy printed no port: %r" % line)
        self.port = int(line)

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail("the fault proxy did not exit on stdin EOF")


def kind_of(exc):
    """A short name for what a call raised."""
    if isinstance(exc, socket.timeout):  # SSHTimeout is one too
        return "timeout"
    import gossh

    if isinstance(exc, gossh.SSHException):
        return "sshexception"
    if isinstance(exc, EOFError):
        return "eoferror"
    if isinstance(exc, OSError):
        return "oserror"
    return type(exc).__name__


def bounded(fn, limit):
    """Runs fn() in a thread; returns (result, exception, seconds, finished)."""
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 - the kind is the outcome
            box["exc"] = e

    t0 = time.monotonic()
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(limit)
    return box.get("result"), box.get("exc"), time.monotonic() - t0, not t.is_alive()


def one_run(env, name, port, i):
    """One run; returns (read_end, exit_end, problems)."""
    import gossh

    cut, accept = FAULTS[name]
    stall = name == "stall"
    timeout = STALL_TIMEOUT if stall else READ_TIMEOUT
    if name == "kill":
        cmd = "(sleep 0.%02d; kill -9 $PPID) & exec head -c 1000000000 /dev/zero" % (1 + (i % 5) * 2)
    else:
        cmd = "head -c %d /dev/zero" % DATA_BYTES
    problems = []
    c = gossh.SSHClient()
    # The proxy's port is not in known_hosts; no file is loaded, so nothing is saved.
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    try:
        try:
            c.connect(**env.connect_kwargs(port=port, key_filename=env.key("id_ed25519"),
                                           timeout=5, banner_timeout=5, auth_timeout=10))
            if stall:
                c.get_transport().set_keepalive(STALL_KEEPALIVE)
            _, stdout, _ = c.exec_command(cmd, timeout=timeout)
        except Exception as e:  # noqa: BLE001
            return "setup:" + kind_of(e), "none", ["run %d: connect/exec failed: %r" % (i, e)]
        chan = stdout.channel

        def read_all():
            if i % 2 == 0:
                return stdout.read()
            parts = []
            while True:
                b = chan.recv(CHUNK)
                if not b:
                    return b"".join(parts)
                parts.append(b)

        # A read may wait `timeout` per call; the whole output takes a few.
        data, exc, secs, done = bounded(read_all, timeout + 30)
        if not done:
            problems.append("run %d: reading hung for %.0f s" % (i, secs))
            return "hang", "none", problems
        got = len(data) if data is not None else 0
        # stdout.read() is several recv() calls: the last waits `timeout`,
        # the others move the data before the stall (allow 1 s per MiB).
        if stall and secs > timeout + SLACK + got / (1 << 20):
            problems.append("run %d: the stalled read took %.1f s, timeout %.1f" % (i, secs, timeout))
        if data and data.count(0) != len(data):
            problems.append("run %d: corrupt data delivered: a byte that is not 0" % i)
        read_end = "eof" if exc is None else kind_of(exc)

        status, xexc, xsecs, xdone = bounded(chan.recv_exit_status, timeout + SLACK)
        if not xdone:
            problems.append("run %d: recv_exit_status() hung for %.0f s" % (i, xsecs))
            exit_end = "hang"
        else:
            exit_end = "status=%d" % status if xexc is None else kind_of(xexc)

        if not cut:
            if exc is not None or got != DATA_BYTES:
                problems.append("run %d: read %s of %d bytes, then %r" % (i, got, DATA_BYTES, exc))
            if exit_end != "status=0":
                problems.append("run %d: exit %s, want status=0" % (i, exit_end))
            return read_end, exit_end, problems
        if exc is None:
            problems.append("run %d: CLEAN EOF (b'') on a cut stream after %d bytes" % (i, got))
        elif read_end not in accept:
            problems.append("run %d: the read raised %r; want one of %s" % (i, exc, accept))
        if xdone and xexc is None:
            if status != -1:
                problems.append("run %d: recv_exit_status() returned %d for a cut session" % (i, status))
        elif xdone and exit_end not in accept:
            problems.append("run %d: recv_exit_status() raised %r; want one of %s" % (i, xexc, accept))
        return read_end, exit_end, problems
    finally:
        c.close()


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault(env, capsys, name):
    proxy = None if name == "kill" else Proxy(env, name)
    port = env.port if proxy is None else proxy.port
    kinds, problems = {}, []
    clean_eof = exit_clean = 0
    t0 = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(STALL_PAR if name == "stall" else PAR) as pool:
            for read_end, exit_end, probs in pool.map(lambda i: one_run(env, name, port, i), range(REPS)):
                for k in ("read:" + read_end, "exit:" + exit_end):
                    kinds[k] = kinds.get(k, 0) + 1
                clean_eof += any("CLEAN EOF" in p for p in probs)
                exit_clean += any("returned" in p and "cut session" in p for p in probs)
                problems += probs
    finally:
        if proxy is not None:
            proxy.close()
    other = len(problems) - clean_eof - exit_clean
    problems.sort(key=lambda p: "CLEAN EOF" not in p)  # the worst first
    line = "python fault %-5s runs=%d clean_eof_on_cut=%d exit_without_error_on_cut=%d other_failures=%d " \
           "outcomes[%s] %.1fs" % (name, REPS, clean_eof, exit_clean, other,
                                   " ".join("%s=%d" % kv for kv in sorted(kinds.items())),
                                   time.monotonic() - t0)
    with capsys.disabled():
        print("\n" + line)
    assert not problems, "%s\n%d wrong outcomes, the first:\n  %s" % (
        line, len(problems), "\n  ".join(problems[:10]))
