#!/usr/bin/env python3
"""make bench: gossh (Go core, C API, Python, Node) and its peers (OpenSSH ssh,
paramiko, asyncssh, libssh2 through ssh2-python, parallel-ssh, Node ssh2)
against the SAME loopback sshd, side by side in rounds, with ratios.

Run under testenv/with-sshd.sh from the repository root (make bench does):

    testenv/with-sshd.sh python3 bench/run.py

Environment: BENCH_N (connections for the latency test, default 20),
BENCH_BYTES (bytes of stdout for the throughput test, default 256 MiB),
BENCH_ONLY (comma-separated client names to run, default all),
BENCH_TIMEOUT (seconds per client run, default 240), BENCH_TPUT_RUNS
(throughput execs per client, median reported, default 5: run in rounds,
every client's first, then every client's second, and so on, so that the
machine's drift falls on all clients alike), BENCH_IDLE (idle channels of
the second table, default 1000), BENCH_SKIP_IDLE=1 (no second table),
BENCH_CONC_RTT_MS (the third table's round trip, default 50),
BENCH_SKIP_CONC=1 (no third table).

A second table puts gossh's Node binding beside Node ssh2 with many idle
channels on one client (bench/node/bench_idle.js): exec latency before and
after opening them, and the one-byte round trip of a forwarded channel. A
third puts them side by side with many execs and connects at once over a
link with latency (bench/node/bench_concurrent.js through gossh-faultproxy
-delay).

It builds/installs what it needs (go build, cc, a venv at build/bench-venv
with bench/python/requirements.txt: paramiko, asyncssh, ssh2-python,
parallel-ssh; npm ci in bench/node); a peer that cannot be set up is
reported as a "skipped: why" row.

Each throughput row also reports the client's CPU time per GiB: user+sys of
the client process over the throughput exec (in-process clients measure
their own rusage delta around it; `ssh` is measured as the whole child
process, connect included, from RUSAGE_CHILDREN). The table goes to stdout and to
build/bench-results.md. Standard library only.
"""

import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
VENV = os.path.join(BUILD, "bench-venv")
VENV_PY = os.path.join(VENV, "bin", "python")
RESULTS = os.path.join(BUILD, "bench-results.md")

E = os.environ
N = int(E.get("BENCH_N", "20"))
SIZE = int(E.get("BENCH_BYTES", str(256 << 20)))
TIMEOUT = float(E.get("BENCH_TIMEOUT", "240"))
RUNS = int(E.get("BENCH_TPUT_RUNS", "5"))
ONLY = {s.strip() for s in E.get("BENCH_ONLY", "").split(",") if s.strip()}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class Skip(Exception):
    pass


def sh(cmd, cwd=ROOT, env=None, timeout=600):
    """Runs a setup command; raises Skip with its last output lines on failure."""
    log("$ " + " ".join(cmd))
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
    except FileNotFoundError as e:
        raise Skip("%s not found" % e.filename)
    except subprocess.TimeoutExpired:
        raise Skip("%s timed out" % cmd[0])
    if p.returncode != 0:
        tail = p.stdout.decode(errors="replace").strip().splitlines()[-3:]
        raise Skip("%s failed: %s" % (" ".join(cmd[:3]), " / ".join(tail)))
    return p.stdout.decode(errors="replace")


# ------------------------------------------------------------------ setup ----

def need_env():
    missing = [v for v in ("GOSSH_TEST_HOST", "GOSSH_TEST_PORT", "GOSSH_TEST_USER",
                           "GOSSH_TEST_KEYDIR", "GOSSH_TEST_KNOWN_HOSTS") if not E.get(v)]
    if missing:
        sys.exit("bench/run.py: %s not set; run it as `testenv/with-sshd.sh python3 bench/run.py` "
                 "(or `make bench`)" % ", ".join(missing))


def setup_go():
    os.makedirs(OUT, exist_ok=True)
    exe = os.path.join(OUT, "gossh-bench-go")
    sh([E.get("GO", "go"), "build", "-o", exe, "./bench/go"])
    return [exe]


def setup_c():
    if not os.path.exists(os.path.join(BUILD, "libgossh.so")):
        raise Skip("build/libgossh.so missing (run make lib)")
    os.makedirs(OUT, exist_ok=True)
    exe = os.path.join(OUT, "gossh-bench-c")
    sh([E.get("CC", "cc"), "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-std=c11",
        "-Iinclude", "bench/c/bench.c", "-Lbuild", "-lgossh", "-Wl,-rpath,$ORIGIN/..",
        "-o", exe])
    return [exe]


_venv_state = {}


def venv_python():
    """build/bench-venv with bench/python/requirements.txt; memoised (also
    the failure)."""
    if "py" in _venv_state:
        return _venv_state["py"]
    if "err" in _venv_state:
        raise Skip(_venv_state["err"])
    try:
        req = os.path.join(ROOT, "bench", "python", "requirements.txt")
        stamp = os.path.join(VENV, ".bench-requirements")
        want = open(req).read()
        if not (os.path.exists(VENV_PY) and os.path.exists(stamp) and open(stamp).read() == want):
            if not os.path.exists(VENV_PY):
                sh([sys.executable, "-m", "venv", VENV])
            sh([VENV_PY, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                "-r", req], timeout=600)
            with open(stamp, "w") as f:
                f.write(want)
        _venv_state["py"] = VENV_PY
        return VENV_PY
    except Skip as e:
        _venv_state["err"] = "venv/pip: " + str(e)
        raise Skip(_venv_state["err"])


def venv_has(module):
    py = venv_python()
    r = subprocess.run([py, "-c", "import " + module], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise Skip("import %s failed in %s: %s" % (module, VENV, r.stderr.decode().strip()[-200:]))
    return py


def setup_gossh_python():
    if not os.path.exists(os.path.join(ROOT, "python", "gossh", "libgossh.so")):
        raise Skip("python/gossh/libgossh.so missing (run make lib)")
    # The venv's interpreter when there is one, so that gossh and paramiko
    # run on the same Python; gossh itself needs only ctypes.
    try:
        py = venv_python()
    except Skip:
        py = sys.executable
    return [py, "bench/python/bench_gossh.py", "gossh"]


def setup_paramiko():
    return [venv_has("paramiko"), "bench/python/bench_gossh.py", "paramiko"]


def setup_asyncssh():
    return [venv_has("asyncssh"), "bench/python/bench_asyncssh.py"]


def setup_ssh2_python():
    return [venv_has("ssh2.session"), "bench/python/bench_ssh2.py", "ssh2-python"]


def setup_parallel_ssh():
    return [venv_has("pssh.clients.native"), "bench/python/bench_ssh2.py", "parallel-ssh"]


def node():
    n = shutil.which("node")
    if not n:
        raise Skip("node not found")
    return n


def setup_gossh_node():
    nd = node()
    bn = os.path.join(ROOT, "bindings", "node")
    if not os.path.exists(os.path.join(bn, "native", "libgossh.so")):
        raise Skip("bindings/node/native/libgossh.so missing (run make lib)")
    if not os.path.exists(os.path.join(bn, "node_modules", ".package-lock.json")):
        sh(["npm", "ci", "--no-audit", "--no-fund"], cwd=bn)
    return [nd, "bench/node/bench_gossh.js"]


def setup_ssh2():
    nd = node()
    d = os.path.join(ROOT, "bench", "node")
    installed = os.path.join(d, "node_modules", ".package-lock.json")
    lock = os.path.join(d, "package-lock.json")
    if not (os.path.exists(installed) and os.path.exists(os.path.join(d, "node_modules", "ssh2"))
            and os.path.getmtime(installed) >= os.path.getmtime(lock)):
        sh(["npm", "ci", "--no-audit", "--no-fund"], cwd=d)
    return [nd, "bench/node/bench_ssh2.js"]


def setup_ssh():
    ssh = shutil.which("ssh")
    if not ssh:
        raise Skip("ssh (openssh-client) not found")
    return [ssh]


def setup_ssh_curve25519():
    # The same ssh, kept off OpenSSH 9.x's default post-quantum
    # sntrup761x25519 key exchange, which the other clients do not offer.
    return setup_ssh() + ["-o", "KexAlgorithms=curve25519-sha256"]


# ------------------------------------------------ negotiated algorithms ----
# A one-connection probe of each client through a sniffing TCP proxy reads
# both KEXINIT packets (they are sent in clear) and works out the algorithms
# the pair negotiated (RFC 4253 7.1: the client's first choice the server
# also offers). The timed runs do not go through the proxy.

def _kexinit(buf):
    """Parses the SSH version line and first binary packet in buf; returns
    the ten name-lists of KEXINIT, or None if buf is still too short."""
    i = buf.find(b"SSH-")
    if i < 0:
        return None
    j = buf.find(b"\n", i)
    if j < 0:
        return None
    p = buf[j + 1:]
    if len(p) < 5:
        return None
    plen = int.from_bytes(p[:4], "big")
    if len(p) < 4 + plen:
        return None
    payload = p[5:4 + plen - p[4]]
    if not payload or payload[0] != 20:
        return None
    off, lists = 17, []
    for _ in range(10):
        n = int.from_bytes(payload[off:off + 4], "big")
        lists.append(payload[off + 4:off + 4 + n].decode().split(","))
        off += 4 + n
    return lists


class Sniffer:
    def __init__(self, port):
        import socket
        import threading
        self.target = ("127.0.0.1", port)
        self.seen = []  # (client lists, server lists) per connection
        self.lock = threading.Lock()
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        import threading
        while True:
            try:
                a, _ = self.srv.accept()
            except OSError:
                return
            b = socket.create_connection(self.target)
            rec = [None, None]
            with self.lock:
                self.seen.append(rec)
            threading.Thread(target=self._pump, args=(a, b, rec, 0), daemon=True).start()
            threading.Thread(target=self._pump, args=(b, a, rec, 1), daemon=True).start()

    def _pump(self, src, dst, rec, side):
        import socket
        buf = b""
        try:
            while True:
                d = src.recv(1 << 16)
                if not d:
                    break
                if rec[side] is None and len(buf) < 1 << 16:
                    buf += d
                    rec[side] = _kexinit(buf)
                dst.sendall(d)
        except OSError:
            pass
        for s in (dst, src):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.srv.close()

    def negotiated(self):
        with self.lock:
            done = [r for r in self.seen if r[0] and r[1]]
        if not done:
            return None
        c, s = done[0]

        def pick(k):
            return next((a for a in c[k] if a in s[k]), "?")
        cipher = pick(2)
        aead = "gcm" in cipher or "poly1305" in cipher
        return "%s, %s%s" % (pick(0), cipher, "" if aead else " + " + pick(4))


def probe(name, setup_cmd, runner):
    """Runs the client once (BENCH_N=1, 1 byte) through a Sniffer; returns
    'kex, cipher[ + mac]' or a short reason."""
    # OUT is made by the Go and C setups, which run after the ssh rows: on a
    # fresh clone it did not exist yet when the first ssh row was probed.
    os.makedirs(OUT, exist_ok=True)
    kh = os.path.join(OUT, "probe_known_hosts")
    sn = Sniffer(int(E["GOSSH_TEST_PORT"]))
    try:
        prefix = "[127.0.0.1]:%s " % E["GOSSH_TEST_PORT"]
        with open(E["GOSSH_TEST_KNOWN_HOSTS"]) as f, open(kh, "w") as g:
            for line in f:
                if line.startswith(prefix):
                    g.write("[127.0.0.1]:%d %s" % (sn.port, line[len(prefix):]))
        env = dict(E, GOSSH_TEST_PORT=str(sn.port), GOSSH_TEST_KNOWN_HOSTS=kh)
        env["BENCH_TPUT_RUNS"] = "1"
        runner(setup_cmd, env=env, n=1, size=1, timeout=60)
        return sn.negotiated() or "?"
    except Exception as e:  # noqa: BLE001 - informational only
        return "probe failed: %s" % str(e)[:80]
    finally:
        sn.close()


# ------------------------------------------------------------------- runs ----

def ssh_args(ssh, E=E):
    return [ssh, "-F", "/dev/null",
            "-i", os.path.join(E["GOSSH_TEST_KEYDIR"], "id_ed25519"),
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-o", "UserKnownHostsFile=" + E["GOSSH_TEST_KNOWN_HOSTS"],
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
            "-o", "ControlMaster=no", "-o", "ControlPath=none",
            "-o", "ConnectTimeout=10",
            "-p", E["GOSSH_TEST_PORT"], "%s@%s" % (E["GOSSH_TEST_USER"], E["GOSSH_TEST_HOST"])]


def children_cpu():
    """User+sys CPU seconds of the children this process has reaped: around
    one subprocess.run, the ssh process's own (nothing else runs then)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_ssh(cmd, env=E, n=N, size=SIZE, timeout=TIMEOUT):
    E, N, SIZE, TIMEOUT = env, n, size, timeout
    base = [cmd[0]] + cmd[1:] + ssh_args(cmd[0], E)[1:]
    deadline = time.monotonic() + TIMEOUT
    lat = []
    for _ in range(N):
        t0 = time.perf_counter()
        r = subprocess.run(base + ["true"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=max(1, deadline - time.monotonic()))
        lat.append((time.perf_counter() - t0) * 1000)
        if r.returncode != 0:
            raise RuntimeError("ssh true exited %d: %s" % (r.returncode, r.stderr.decode().strip()))
    runs, cpus = [], []
    for _ in range(int(env.get("BENCH_TPUT_RUNS", RUNS))):
        with open(os.devnull, "wb") as devnull:
            c0 = children_cpu()
            t0 = time.perf_counter()
            r = subprocess.run(base + ["head -c %d /dev/zero" % SIZE], stdin=subprocess.DEVNULL,
                               stdout=devnull, stderr=subprocess.PIPE,
                               timeout=max(1, deadline - time.monotonic()))
            secs = time.perf_counter() - t0
            cpus.append(children_cpu() - c0)
        if r.returncode != 0:
            raise RuntimeError("ssh head exited %d: %s" % (r.returncode, r.stderr.decode().strip()))
        runs.append(SIZE / 1048576 / secs)
    ver = subprocess.run([cmd[0], "-V"], stderr=subprocess.PIPE).stderr.decode().split(",")[0].strip()
    return {"client": "openssh-ssh", "host_key_check": "known_hosts (StrictHostKeyChecking=yes)",
            "version": ver, "latency_ms": lat, "throughput_runs_mibs": runs,
            "throughput_cpu_s": cpus}


def run_program(cmd, env=E, n=N, size=SIZE, timeout=TIMEOUT):
    env = dict(env)
    env["BENCH_N"] = str(n)
    env["BENCH_BYTES"] = str(size)
    env.setdefault("BENCH_TPUT_RUNS", str(RUNS))
    return run_json(cmd, env, timeout)


def run_json(cmd, env, timeout):
    """Runs a bench program (PYTHONPATH at the repository's python/, no
    agent) and returns the last JSON line it printed."""
    env = dict(env, PYTHONPATH=os.path.join(ROOT, "python"))
    env.pop("SSH_AUTH_SOCK", None)
    r = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if r.returncode != 0:
        last = (r.stderr.decode(errors="replace").strip().splitlines() or ["(no stderr)"])[-1]
        raise RuntimeError("exit %d: %s" % (r.returncode, last[-300:]))
    lines = [l for l in r.stdout.decode().splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError("no JSON line in output: %r" % r.stdout[-200:])
    return json.loads(lines[-1])


# name, setup, runner, what it is
CLIENTS = [
    ("openssh-ssh", setup_ssh, run_ssh),
    ("openssh-ssh-curve25519", setup_ssh_curve25519, run_ssh),
    ("gossh-go", setup_go, run_program),
    ("gossh-c", setup_c, run_program),
    ("gossh-python", setup_gossh_python, run_program),
    ("paramiko", setup_paramiko, run_program),
    ("asyncssh", setup_asyncssh, run_program),
    ("ssh2-python", setup_ssh2_python, run_program),
    ("parallel-ssh", setup_parallel_ssh, run_program),
    ("gossh-node", setup_gossh_node, run_program),
    ("node-ssh2", setup_ssh2, run_program),
]


# ------------------------------------------------------------------ table ----

def pct(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return "%.2fx" % (a / b)


# The references of the ratio columns: (result name, column label).
REFS = [("openssh-ssh", "ssh"), ("paramiko", "paramiko"), ("node-ssh2", "node-ssh2")]


def table(results):
    refs = [(results.get(name) or {}, label) for name, label in REFS]
    head = (["client", "median ms", "p90 ms", "MiB/s", "CPU s/GiB"]
            + ["latency vs " + label for _, label in refs]
            + ["MiB/s vs " + label for _, label in refs]
            + ["CPU/GiB vs " + label for _, label in refs]
            + ["host key check", "negotiated kex, cipher"])
    numeric = len(head) - 2  # columns 1 .. numeric-1 are right-aligned numbers
    rows = []
    for name, _, _ in CLIENTS:
        r = results.get(name)
        if r is None:
            continue
        if "skipped" in r:
            why = " ".join(r["skipped"].split())[:300]
            rows.append([name, "skipped: " + why] + [""] * (len(head) - 2))
            continue
        cpu = r.get("cpu_s_per_gib")
        rows.append(
            [name, "%.1f" % r["median"], "%.1f" % r["p90"], "%.1f" % r["throughput_mibs"],
             "%.2f" % cpu if cpu is not None else "n/a"]
            + [ratio(r["median"], ref.get("median")) for ref, _ in refs]
            + [ratio(r["throughput_mibs"], ref.get("throughput_mibs")) for ref, _ in refs]
            + [ratio(cpu, ref.get("cpu_s_per_gib")) for ref, _ in refs]
            + [r.get("host_key_check", "?"), r.get("algorithms", "?")])
    shown = [row for row in rows if not row[1].startswith("skipped")]
    widths = [max([len(head[i])] + [len(row[i]) for row in shown]) for i in range(len(head))]

    def line(cells):
        if cells[1].startswith("skipped"):
            return "| %s | %s |" % (cells[0].ljust(widths[0]), cells[1])
        return "| " + " | ".join(c.rjust(widths[i]) if 0 < i < numeric else c.ljust(widths[i])
                                 for i, c in enumerate(cells)) + " |"
    out = [line(head), "|" + "|".join(("-" * (w + 1) + ":" if 0 < i < numeric else "-" * (w + 2))
                                      for i, w in enumerate(widths)) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


class DelayProxy:
    """gossh-faultproxy -delay in front of the sshd, and a known_hosts file
    that names the proxy's port."""

    def __init__(self, delay_ms, workdir):
        exe = os.path.join(BUILD, "gossh-faultproxy")
        sh([E.get("GO", "go"), "build", "-o", exe, "./cmd/gossh-faultproxy"])
        self.p = subprocess.Popen([exe, "-target", "127.0.0.1:" + E["GOSSH_TEST_PORT"],
                                   "-delay", "%gms" % (delay_ms / 2)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.port = self.p.stdout.readline().decode().strip()
        if not self.port.isdigit():
            raise RuntimeError("gossh-faultproxy -delay did not start")
        self.known_hosts = os.path.join(workdir, "known_hosts_proxy")
        prefix = "[127.0.0.1]:%s " % E["GOSSH_TEST_PORT"]
        with open(E["GOSSH_TEST_KNOWN_HOSTS"]) as f, open(self.known_hosts, "w") as g:
            for line in f:
                if line.startswith(prefix):
                    g.write("[127.0.0.1]:%s %s" % (self.port, line[len(prefix):]))

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=10)


# ------------------------------------------------------ idle channels ----

# Node with many idle channels on one client (issue 8): bench/node/bench_idle.js
# for gossh's binding and for Node ssh2, side by side. BENCH_IDLE sets the
# number of channels (default 1000); BENCH_ONLY picks them as for the main
# table; BENCH_SKIP_IDLE=1 leaves the table out.
NODE_CLIENTS = [("gossh-node", setup_gossh_node, "gossh"), ("node-ssh2", setup_ssh2, "ssh2")]


def run_node_pair(script, what, env):
    """Runs bench/node/<script> for gossh's Node binding and for Node ssh2
    (BENCH_ONLY picks them), with env; returns {name: its JSON result, or
    {"skipped": why}}."""
    results = {}
    for name, setup, arg in NODE_CLIENTS:
        if ONLY and name not in ONLY:
            continue
        try:
            cmd = setup()
        except Skip as e:
            results[name] = {"skipped": str(e)}
            continue
        log("running %s, %s" % (name, what))
        try:
            results[name] = run_json([cmd[0], "bench/node/" + script, arg], env, TIMEOUT)
        except subprocess.TimeoutExpired:
            results[name] = {"skipped": "did not finish within %.0f s" % TIMEOUT}
        except Exception as e:  # noqa: BLE001 - reported as a row
            results[name] = {"skipped": "failed: %s" % e}
    return results


def node_pair_rows(results, head, cells):
    """The markdown table of run_node_pair's results: head, then a row of
    cells(result, reference) per client (the reference is Node ssh2's
    result, {} if it did not run)."""
    ref = results.get("node-ssh2") or {}
    if "skipped" in ref:
        ref = {}
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * (len(head) - 1)]
    for name, _, _ in NODE_CLIENTS:
        r = results.get(name)
        if r is None:
            continue
        if "skipped" in r:
            rows.append("| %s | skipped: %s |" % (name, " ".join(r["skipped"].split())[:300]))
            continue
        rows.append("| " + " | ".join([name] + cells(r, ref)) + " |")
    return "\n".join(rows)


def idle_table():
    """Runs bench_idle.js for each Node client; returns the markdown table
    (with its legend), or None when no client ran."""
    if E.get("BENCH_SKIP_IDLE") == "1":
        return None
    results = run_node_pair("bench_idle.js", "with %s idle channels" % E.get("BENCH_IDLE", "1000"),
                            dict(E, BENCH_N=str(N), BENCH_TPUT_RUNS="0"))
    if not results:
        return None

    def med(r, k):
        return (r.get(k) or {}).get("median")

    head = ["client", "exec ms, no idle", "exec ms, %s idle" % E.get("BENCH_IDLE", "1000"),
            "added by idle ms", "wake ms, 1 channel", "wake ms, all idle", "idle CPU %",
            "exec (idle) vs node-ssh2", "added vs node-ssh2", "wake (1) vs node-ssh2",
            "wake (all) vs node-ssh2"]

    def cells(r, ref):
        added = med(r, "exec_ms_idle") - med(r, "exec_ms_no_idle")
        ref_added = (med(ref, "exec_ms_idle") - med(ref, "exec_ms_no_idle")) if ref else None
        return ["%.2f" % med(r, "exec_ms_no_idle"), "%.2f" % med(r, "exec_ms_idle"),
                "%.2f" % added, "%.3f" % med(r, "wake_ms_one"), "%.3f" % med(r, "wake_ms_idle"),
                "%.2f" % r["idle_cpu_pct"],
                ratio(med(r, "exec_ms_idle"), med(ref, "exec_ms_idle")),
                ratio(added, ref_added) if ref_added and ref_added > 0 else "n/a",
                ratio(med(r, "wake_ms_one"), med(ref, "wake_ms_one")),
                ratio(med(r, "wake_ms_idle"), med(ref, "wake_ms_idle"))]

    out = node_pair_rows(results, head, cells)
    legend = ("\nOne client, one connection: BENCH_N sequential execs of `echo quick` (to output and "
              "exit status) before and after opening the idle direct-tcpip channels (to a local server "
              "that never talks); wake = one byte written by that server to one channel, %s ms apart, "
              "until it comes out of the client's channel (sshd relays it), first with one channel open, "
              "then with all; idle CPU = the client's CPU over 2 s with the channels open. Medians. "
              "The exec and wake times include sshd's own cost of its open channels, which is why the "
              "ratios to Node ssh2 (same server, same steps) are the measure of the client.\n"
              % E.get("BENCH_WAKE_GAP_MS", "20"))
    versions = ", ".join("%s %s" % (n, r["version"]) for n, r in results.items() if "version" in r)
    return out + "\n" + legend + ("- versions: " + versions + "\n" if versions else "")


# -------------------------------------------------- many at once (Node) ----

# Node, many calls at once over a link with latency (bench/node/bench_concurrent.js
# through DelayProxy): gossh's binding beside Node ssh2. BENCH_CONC_RTT_MS sets
# the round trip (default 50); BENCH_SKIP_CONC=1 leaves the table out.
def concurrent_table():
    """Runs bench_concurrent.js for each Node client through a delaying
    proxy; returns the markdown table with its legend, or None."""
    if E.get("BENCH_SKIP_CONC") == "1" or (ONLY and not any(n in ONLY for n, _, _ in NODE_CLIENTS)):
        return None
    rtt = float(E.get("BENCH_CONC_RTT_MS", "50"))
    work = tempfile.mkdtemp(prefix="gossh-conc-")
    proxy = DelayProxy(rtt, work)
    try:
        env = dict(E, GOSSH_TEST_PORT=proxy.port, GOSSH_TEST_KNOWN_HOSTS=proxy.known_hosts,
                   BENCH_TPUT_RUNS=str(RUNS))
        results = run_node_pair("bench_concurrent.js", "many at once over a %g ms round trip" % rtt, env)
    finally:
        proxy.close()
        shutil.rmtree(work, ignore_errors=True)
    if not results:
        return None

    def med(r, k):
        return statistics.median(r[k]) if r.get(k) else None

    any_r = next((r for r in results.values() if "skipped" not in r), {})
    head = ["client", "%s execs at once, ms" % any_r.get("execs", "?"),
            "%s connects at once (+ exec), ms" % any_r.get("connects", "?"),
            "execs vs node-ssh2", "connects vs node-ssh2"]

    def cells(r, ref):
        return ["%.0f" % med(r, "execs_ms"), "%.0f" % med(r, "connects_ms"),
                ratio(med(r, "execs_ms"), med(ref, "execs_ms")),
                ratio(med(r, "connects_ms"), med(ref, "connects_ms"))]

    out = node_pair_rows(results, head, cells)
    legend = ("\nThrough gossh-faultproxy -delay (a %g ms round trip) in front of the sshd: execs of "
              "`true` started at once on one connected client, each to its exit status; then clients "
              "connecting at once, one exec of `true` each. Median of BENCH_TPUT_RUNS rounds; lower "
              "is better.\n" % rtt)
    return out + "\n" + legend


def run_rounds(ready, results):
    """Runs the clients of ready ([(name, cmd, runner)]) in rounds, one
    throughput exec each per round, round after round (RUNS rounds), so that
    the machine's drift during the run (another tenant, a CPU's frequency,
    where the scheduler puts sshd) falls on every client alike instead of on
    whichever ran then. The first round also measures latency (BENCH_N
    connections); the others connect once. A client that fails leaves the
    rounds with its failure as its row. Fills results."""
    rounds = max(1, RUNS)
    tput = str(1 if RUNS > 0 else 0)
    for rnd in range(rounds):
        for name, cmd, runner in ready:
            if "skipped" in results.get(name, {}):
                continue
            log("running %s, round %d of %d (N=%d, %d bytes)"
                % (name, rnd + 1, rounds, N if rnd == 0 else 1, SIZE))
            try:
                r = runner(cmd, env=dict(E, BENCH_TPUT_RUNS=tput), n=N if rnd == 0 else 1)
            except subprocess.TimeoutExpired:
                r = {"skipped": "did not finish within %.0f s" % TIMEOUT}
            except Exception as e:  # noqa: BLE001 - reported as a row
                r = {"skipped": "failed: %s" % e}
            if rnd == 0 or "skipped" in r:
                results[name] = r
                continue
            for k in ("throughput_runs_mibs", "throughput_cpu_s"):
                if k in results[name]:
                    results[name][k] += r.get(k, [])


def main():
    need_env()
    os.chdir(ROOT)
    results = {}
    t_start = time.monotonic()
    ready = []
    for name, setup, runner in CLIENTS:
        if ONLY and name not in ONLY:
            continue
        try:
            ready.append((name, setup(), runner))
        except Skip as e:
            log("%s skipped: %s" % (name, e))
            results[name] = {"skipped": str(e)}
    run_rounds(ready, results)
    for name, cmd, runner in ready:
        r = results[name]
        if "skipped" not in r:
            lat = r["latency_ms"]
            r["median"] = statistics.median(lat)
            r["p90"] = pct(lat, 90)
            r["throughput_mibs"] = statistics.median(r["throughput_runs_mibs"]) if r["throughput_runs_mibs"] else 0.0
            if r.get("throughput_cpu_s"):
                r["cpu_s_per_gib"] = statistics.median(r["throughput_cpu_s"]) / (SIZE / (1 << 30))
            r["algorithms"] = probe(name, cmd, runner)
            log("%s: median %.1f ms, p90 %.1f ms, %.1f MiB/s, %s CPU s/GiB; %s"
                % (name, r["median"], r["p90"], r["throughput_mibs"],
                   "%.2f" % r["cpu_s_per_gib"] if "cpu_s_per_gib" in r else "n/a",
                   r["algorithms"]))
        else:
            log("%s: %s" % (name, r["skipped"]))

    notes = []
    for name, r in results.items():
        extra = ", ".join("%s %s" % (k, r[k]) for k in ("version", "read") if k in r)
        if "throughput_runs_mibs" in r:
            extra += (", " if extra else "") + "MiB/s runs " + " ".join(
                "%.0f" % x for x in r["throughput_runs_mibs"])
        if r.get("throughput_cpu_s"):
            extra += ", CPU s per run " + " ".join("%.3f" % x for x in r["throughput_cpu_s"])
        if extra:
            notes.append("- %s: %s" % (name, extra))
    header = ("gossh bench: %s N=%d connections (connect+auth+exec true+EOF+exit status+close), "
              "throughput = median of %d execs of `head -c %d /dev/zero` (%.0f MiB), each on its own "
              "connection (connect not timed; ssh: one process each, timed whole), in rounds: every "
              "client's first exec, then every client's second, ..., MiB = 1048576 bytes\n"
              "sshd 127.0.0.1:%s, ed25519 key auth, %d CPUs, %s, Python %s; total %.0f s\n"
              % (time.strftime("%Y-%m-%d %H:%M:%S"), N, RUNS, SIZE, SIZE / 1048576, E["GOSSH_TEST_PORT"],
                 os.cpu_count() or 0, platform.platform(terse=True), platform.python_version(),
                 time.monotonic() - t_start))
    body = table(results)
    footer = ("\nLatency is measured inside each client process (per connection) except "
              "openssh-ssh, which is one `ssh ... true` process per connection timed by this "
              "driver (fork+exec included). Ratios: latency = client median / reference "
              "median (lower is better); throughput = client MiB/s / reference MiB/s "
              "(higher is better); CPU = client CPU s/GiB / reference CPU s/GiB (lower is "
              "better). CPU s/GiB is user+sys of the client process over a throughput exec, "
              "median of the runs, scaled to 1 GiB: in-process clients measure their own "
              "rusage around the exec (threads and Go runtime included; connect excluded); "
              "openssh-ssh is its whole process (connect, auth and exit included), from "
              "RUSAGE_CHILDREN. The negotiated algorithms come from a separate "
              "one-connection probe through a KEXINIT-sniffing proxy.\n" + "\n".join(notes) + "\n")
    text = header + "\n" + body + "\n" + footer
    idle = idle_table()
    if idle:
        text += "\n## Node: idle channels and wake latency\n\n" + idle
    conc = concurrent_table()
    if conc:
        text += "\n## Node: many at once over a %s ms link\n\n%s" % (E.get("BENCH_CONC_RTT_MS", "50"), conc)
    print(text)
    os.makedirs(BUILD, exist_ok=True)
    with open(RESULTS, "w") as f:
        f.write("# gossh bench\n\n" + text)
    log("wrote " + os.path.relpath(RESULTS, ROOT))
    ok = [r for r in results.values() if "skipped" not in r]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
