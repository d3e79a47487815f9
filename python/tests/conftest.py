"""Fixtures for the gossh tests, which run against a real OpenSSH sshd.

Run them from the repository root with:

    make && testenv/with-sshd.sh python3 -m pytest python/tests -q
"""

import os
import sys
import threading

import pytest

# Import the package from this checkout (python/gossh), not an installed one.
_PYDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _PYDIR not in sys.path:
    sys.path.insert(0, _PYDIR)

HOW_TO_RUN = (
    "GOSSH_TEST_HOST is not set: the gossh Python tests need the test sshd. "
    "Run them from the repository root with:  "
    "make && testenv/with-sshd.sh python3 -m pytest python/tests -q"
)


def pytest_configure(config):
    if not os.environ.get("GOSSH_TEST_HOST"):
        raise pytest.UsageError(HOW_TO_RUN)


class Env:
    def __init__(self):
        e = os.environ
        self.host = e["GOSSH_TEST_HOST"]
        self.port = int(e["GOSSH_TEST_PORT"])
        self.user = e["GOSSH_TEST_USER"]
        self.password = e.get("GOSSH_TEST_PASSWORD", "")
        self.passphrase = e.get("GOSSH_TEST_PASSPHRASE", "")
        self.keydir = e["GOSSH_TEST_KEYDIR"]
        self.known_hosts = e.get("GOSSH_TEST_KNOWN_HOSTS") or self.key("known_hosts")

    def key(self, name):
        return os.path.join(self.keydir, name)

    def connect_kwargs(self, **kw):
        """connect() arguments for the test server, never using the machine's
        own keys or agent."""
        args = dict(
            hostname=self.host,
            port=self.port,
            username=self.user,
            allow_agent=False,
            look_for_keys=False,
            timeout=10,
        )
        args.update(kw)
        return args


@pytest.fixture(scope="session")
def env():
    return Env()


@pytest.fixture
def paramiko():
    import gossh

    return gossh


@pytest.fixture
def client(env):
    """A client that knows the server's host keys (not yet connected)."""
    import gossh

    c = gossh.SSHClient()
    c.load_host_keys(env.known_hosts)
    yield c
    c.close()


@pytest.fixture
def connected(env, client):
    """A client connected with the ed25519 key."""
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    return client


# How long a test waits for something that must happen before it calls it a
# hang. It is no timing assertion: what is awaited happens at once when all is
# well, and the bound only turns a hang into a failure, far beyond any
# slowness of a loaded machine. Tests assert behaviour, never durations.
HANG_GUARD = 60


def run_with_deadline(fn, seconds, *args):
    """Runs fn(*args) in a thread; fails the test if it takes longer than
    seconds (a hang guard that needs no pytest plugin)."""
    box = {}

    def target():
        try:
            box["result"] = fn(*args)
        except BaseException as e:  # noqa: BLE001 - re-raised below
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        pytest.fail("did not finish within {} s (hang?)".format(seconds))
    if "error" in box:
        raise box["error"]
    return box.get("result")


@pytest.fixture
def sshd_variant(env, tmp_path):
    """Starts another sshd like the harness's (same host keys, users and
    authorized_keys, from $GOSSH_TEST_DIR/sshd_config) with some options
    changed: sshd_variant({"PasswordAuthentication": "no"}) -> its port.
    An option given as None is removed. Stopped at the end of the test."""
    import socket
    import subprocess
    import time

    base = os.path.join(os.environ["GOSSH_TEST_DIR"], "sshd_config")
    sshd = os.environ.get("GOSSH_SSHD", "/usr/sbin/sshd")
    procs = []

    def start(options, extra_lines=()):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        options = dict(options, Port=str(port), PidFile=str(tmp_path / "sshd-{}.pid".format(port)))
        lines = []
        for line in open(base).read().splitlines():
            key = line.split(None, 1)[0] if line.strip() else ""
            if key in options:
                continue
            lines.append(line)
        lines += ["{} {}".format(k, v) for k, v in options.items() if v is not None]
        lines += list(extra_lines)
        conf = tmp_path / "sshd_config-{}".format(port)
        conf.write_text("\n".join(lines) + "\n")
        log = tmp_path / "sshd-{}.log".format(port)
        p = subprocess.Popen([sshd, "-D", "-f", str(conf), "-E", str(log)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        procs.append(p)
        # Wait for the port: a bounded poll (sshd starts in well under a second).
        for _ in range(HANG_GUARD * 10):
            if p.poll() is not None:
                pytest.fail("variant sshd exited: " + log.read_text())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                time.sleep(0.1)
        pytest.fail("variant sshd did not listen")

    yield start
    for p in procs:
        p.terminate()
        try:
            p.wait(HANG_GUARD)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
