#!/usr/bin/env python3
"""make bench-fanout: one command on many hosts at once (issue 13). For each
N in BENCH_FANOUT_NS, every client runs connect+auth+exec `true`+exit status
on N hosts concurrently, against loopback sshds, one client after another,
each in its own process: gossh (C through gossh_group, Python's
ParallelSSHClient, Node's Group) beside parallel-ssh, asyncssh
(asyncio.gather), paramiko (a thread pool of N) and Node ssh2
(Promise.all). Pool size: N for every client (all hosts at once).

Run under testenv/with-sshd.sh from the repository root (make bench-fanout
does; make bench runs it after bench/run.py and bench/sftp.py):

    testenv/with-sshd.sh python3 bench/fanout.py

The harness's sshd is not used (its MaxStartups is 200:30:300): this
driver starts BENCH_FANOUT_SSHDS more with testenv/extra-sshd.sh (the
harness's config, host keys and user) with MaxStartups 2000:30:4000,
MaxSessions 1000 and LogLevel ERROR, and spreads the N hosts over their
ports in turn (sshd's listen backlog is 128, so one port per ~125
concurrent connects keeps SYNs from being dropped). It raises its soft
RLIMIT_NOFILE to the hard limit (sshds and clients inherit it).

Environment: BENCH_FANOUT_NS (comma-separated host counts, default
100,500,1000), BENCH_FANOUT_RUNS (runs of each client at each N, in rounds
across the clients, medians reported; default 3), BENCH_FANOUT_SSHDS (sshds to spread over, default
max(2, ceil(largest N / 125))), BENCH_FANOUT_TIMEOUT (seconds per client
run, default 900), BENCH_FANOUT_HOST_TIMEOUT (seconds each host may take to
connect, default 120), BENCH_ONLY (comma-separated client names, as
bench/run.py), BENCH_FANOUT_WRAP (a command prefix for each client run, for
profiling, e.g. "perf stat -e context-switches -o FILE"; its CPU counts).

Measured per client and N: wall (inside the client: from building its
client(s) to the last exit status, closing timed apart), CPU (user+sys of
the child process, from wait4's rusage, startup included; the ratios and
goals use it minus the CPU of the same client run with N=0), peak RSS
(VmHWM of the child, which it reads at its end) minus the peak RSS of
the same client run with N=0 (set up, library and key loaded, nothing
connected; median of 3 runs), per host; and the
hosts that succeeded (exit status 0): a row with failures says how many and
why. The table goes to stdout and to build/bench-fanout-results.md.
Standard library only.
"""

import json
import math
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402 - the exec bench's setup helpers

E = os.environ
NS = [int(x) for x in E.get("BENCH_FANOUT_NS", "100,500,1000").split(",") if x.strip()]
TIMEOUT = float(E.get("BENCH_FANOUT_TIMEOUT", "900"))
HOST_TIMEOUT = E.get("BENCH_FANOUT_HOST_TIMEOUT", "120")
SSHDS = int(E.get("BENCH_FANOUT_SSHDS", "0")) or max(2, math.ceil(max(NS or [1]) / 125))
RUNS = max(1, int(E.get("BENCH_FANOUT_RUNS", "3")))
RESULTS = os.path.join(R.BUILD, "bench-fanout-results.md")
SSHD_OPTS = ["-o", "MaxStartups=2000:30:4000", "-o", "MaxSessions=1000", "-o", "LogLevel=ERROR"]


# ------------------------------------------------------------------ setup ----

def setup_c():
    if not os.path.exists(os.path.join(R.BUILD, "libgossh.so")):
        raise R.Skip("build/libgossh.so missing (run make lib)")
    os.makedirs(R.OUT, exist_ok=True)
    exe = os.path.join(R.OUT, "gossh-bench-fanout-c")
    R.sh([E.get("CC", "cc"), "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-std=c11",
          "-Iinclude", "bench/c/fanout.c", "-Lbuild", "-lgossh", "-Wl,-rpath,$ORIGIN/..",
          "-o", exe])
    return [exe]


def setup_gossh_python():
    return R.setup_gossh_python()[:1] + ["bench/python/fanout_gossh.py"]


def setup_gossh_node():
    return R.setup_gossh_node()[:1] + ["bench/node/fanout_gossh.js"]


def setup_pssh():
    return [R.venv_has("pssh.clients"), "bench/python/fanout_pssh.py"]


def setup_asyncssh():
    return [R.venv_has("asyncssh"), "bench/python/fanout_asyncssh.py"]


def setup_paramiko():
    return [R.venv_has("paramiko"), "bench/python/fanout_paramiko.py"]


def setup_ssh2():
    return R.setup_ssh2()[:1] + ["bench/node/fanout_ssh2.js"]


CLIENTS = [
    ("gossh-c", setup_c),
    ("gossh-python", setup_gossh_python),
    ("gossh-node", setup_gossh_node),
    ("parallel-ssh", setup_pssh),
    ("asyncssh", setup_asyncssh),
    ("paramiko", setup_paramiko),
    ("node-ssh2", setup_ssh2),
]
PEERS = ["parallel-ssh", "asyncssh", "paramiko", "node-ssh2"]


# ---------------------------------------------------------------- servers ----

def raise_nofile():
    """Raises the soft open-files limit to the hard one (children inherit
    it); returns (soft before, soft now, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    new = soft
    if hard == resource.RLIM_INFINITY or hard > soft:
        new = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            new = soft
    return soft, new, hard


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class Sshds:
    """count sshds started by testenv/extra-sshd.sh on free ports, and one
    known_hosts file naming every port."""

    def __init__(self, count, workdir):
        self.procs, self.ports = [], []
        self.known_hosts = os.path.join(workdir, "known_hosts")
        try:
            for i in range(count):
                self._start(os.path.join(workdir, "known_hosts_%d" % i))
        except BaseException:
            self.close()
            raise
        with open(self.known_hosts, "w") as out:
            for i in range(count):
                with open(os.path.join(workdir, "known_hosts_%d" % i)) as f:
                    out.write(f.read())

    def _start(self, kh):
        for _ in range(5):  # a port taken between free_port and sshd's bind: another
            port = free_port()
            p = subprocess.Popen(["testenv/extra-sshd.sh", str(port), kh] + SSHD_OPTS,
                                 cwd=R.ROOT, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if p.poll() is not None:
                    break
                if port_open(port):
                    self.procs.append(p)
                    self.ports.append(port)
                    return
                time.sleep(0.1)
            if p.poll() is None:
                p.kill()
            p.wait()
        log = ""
        try:
            with open(kh + ".log") as f:
                log = f.read().strip()[-300:]
        except OSError:
            pass
        raise RuntimeError("extra sshd did not start: " + (log or "no log"))

    def established(self):
        """Connections to the sshds still established (either end)."""
        want = {"%04X" % p for p in self.ports}
        n = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    next(f)
                    for line in f:
                        fields = line.split()
                        local, remote, state = fields[1], fields[2], fields[3]
                        if state == "01" and (local.split(":")[1] in want or remote.split(":")[1] in want):
                            n += 1
            except OSError:
                pass
        return n

    def settle(self, limit=60):
        """Waits (up to limit seconds) until no connection to the sshds is
        left from the previous client, so that its teardown does not load
        the next one's run."""
        deadline = time.monotonic() + limit
        while self.established() and time.monotonic() < deadline:
            time.sleep(0.2)

    def close(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# ------------------------------------------------------------------- runs ----

def run_child(cmd, env, timeout):
    """Runs cmd in its own process; returns (its last JSON line, user+sys
    CPU seconds from wait4's rusage of that very child, its peak RSS in
    KiB, seconds from spawn to exit). The peak RSS is the VmHWM the client
    read at its end: wait4's ru_maxrss is no use on Linux, where a child's
    starts at its parent's peak RSS (exec takes it over from the mm it
    leaves, which after vfork is this driver's)."""
    env = dict(env, PYTHONPATH=os.path.join(R.ROOT, "python"))
    env.pop("SSH_AUTH_SOCK", None)
    cmd = E.get("BENCH_FANOUT_WRAP", "").split() + list(cmd)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=R.ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            p.kill()
        watchdog = threading.Timer(timeout, kill)
        watchdog.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            watchdog.cancel()
        secs = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if timed_out.is_set():
        raise RuntimeError("did not finish within %.0f s" % timeout)
    if p.returncode != 0:
        last = (stderr.strip().splitlines() or ["(no stderr)"])[-1]
        raise RuntimeError("exit %d: %s" % (p.returncode, last[-300:]))
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError("no JSON line in output: %r" % stdout[-200:])
    r = json.loads(lines[-1])
    if not r.get("vmhwm_kib"):
        raise RuntimeError("the client did not report its VmHWM")
    return r, ru.ru_utime + ru.ru_stime, r["vmhwm_kib"], secs


def client_env(sshds, n):
    return dict(E, BENCH_FANOUT_N=str(n), BENCH_FANOUT_PORTS=",".join(map(str, sshds.ports)),
                BENCH_FANOUT_KNOWN_HOSTS=sshds.known_hosts, BENCH_FANOUT_HOST_TIMEOUT=HOST_TIMEOUT)


def measure(name, cmd, sshds, n, base):
    """One run of a client on n hosts; base is its N=0 run's measurement."""
    sshds.settle()
    r, cpu, rss_kib, secs = run_child(cmd, client_env(sshds, n), TIMEOUT)
    if r.get("n") != n:
        raise RuntimeError("the client ran %r hosts, not %d" % (r.get("n"), n))
    r.update(cpu_s=cpu, rss_kib=rss_kib, process_s=secs, base_cpu_s=base["cpu_s"],
             base_rss_kib=base["rss_kib"], net_cpu_s=max(0.0, cpu - base["cpu_s"]),
             kib_per_host=max(0, rss_kib - base["rss_kib"]) / n)
    return r


BASE_RUNS = 3

# The measures of a run that combine() reports as medians over the runs.
MEDIANS = ("wall_s", "close_s", "cpu_s", "net_cpu_s", "rss_kib", "kib_per_host", "process_s")


def combine(runs):
    """One client's runs at one N as one result: the median of each measure
    in MEDIANS, the fewest hosts that succeeded, and the failures of the
    run with the most; a failed run makes the whole a failure."""
    failed = [r for r in runs if "skipped" in r]
    if failed:
        return failed[0]
    out = dict(min(runs, key=lambda r: r["ok"]))
    for k in MEDIANS:
        vals = [r[k] for r in runs if r.get(k) is not None]
        if vals:
            out[k] = statistics.median(vals)
    out["runs"] = len(runs)
    return out


def baseline(cmd, sshds):
    """The client run with N=0 (set up, nothing connected), BASE_RUNS
    times: the median of each measure (a start-up's CPU varies by a tenth
    of a second on a loaded machine, as much as a small N's fan-out)."""
    runs = []
    for _ in range(BASE_RUNS):
        r, cpu, rss_kib, secs = run_child(cmd, client_env(sshds, 0), TIMEOUT)
        if r.get("n") != 0:
            raise RuntimeError("the baseline run did not report n=0: %r" % r)
        runs.append((cpu, rss_kib, secs))
    return {"cpu_s": statistics.median(x[0] for x in runs),
            "rss_kib": statistics.median(x[1] for x in runs),
            "process_s": statistics.median(x[2] for x in runs), "version": r.get("version")}


# ------------------------------------------------------------------ table ----

def complete(r):
    return r is not None and "skipped" not in r and r["ok"] == r["n"]


def best_peer(results, key):
    """(name, value) of the peer with the lowest value of key among those
    whose every host succeeded, or (None, None)."""
    vals = [(results[p][key], p) for p in PEERS if complete(results.get(p))]
    if not vals:
        return None, None
    v, p = min(vals)
    return p, v


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return "%.2fx" % (a / b)


def goals(r, results):
    """Issue 13's goals for a gossh row: wall <= the best peer's, CPU <=
    0.5x parallel-ssh's and <= 0.3x paramiko's, <= 100 KB per host."""
    out = []
    _, best_wall = best_peer(results, "wall_s")
    pssh, pmk = results.get("parallel-ssh"), results.get("paramiko")

    def mark(label, ok):
        out.append("%s %s" % (label, "n/a" if ok is None else ("yes" if ok else "NO")))
    mark("wall<=best", None if best_wall is None else r["wall_s"] <= best_wall)
    mark("CPU<=0.5 pssh", r["net_cpu_s"] <= 0.5 * pssh["net_cpu_s"] if complete(pssh) else None)
    mark("CPU<=0.3 paramiko", r["net_cpu_s"] <= 0.3 * pmk["net_cpu_s"] if complete(pmk) else None)
    mark("<=100KB/host", r["kib_per_host"] * 1024 <= 100 * 1000)
    return ", ".join(out)


def table(results):
    head = ["client", "ok", "wall s", "CPU s", "CPU s - N=0", "peak RSS MiB", "KiB/host",
            "wall vs pssh", "wall vs paramiko", "wall vs best peer",
            "CPU vs pssh", "CPU vs paramiko", "CPU vs best peer", "KiB/host vs best peer", "host keys",
            "goals"]
    rows = []
    pssh, pmk = results.get("parallel-ssh") or {}, results.get("paramiko") or {}
    bw, bwv = best_peer(results, "wall_s")
    bc, bcv = best_peer(results, "net_cpu_s")
    bm, bmv = best_peer(results, "kib_per_host")
    for name, _ in CLIENTS:
        r = results.get(name)
        if r is None:
            continue
        if "skipped" in r:
            rows.append([name, "skipped: " + " ".join(r["skipped"].split())[:300]])
            continue
        ok = "%d/%d" % (r["ok"], r["n"])
        if r["ok"] != r["n"]:
            ok += " (%d FAILED)" % (r["n"] - r["ok"])
        rows.append([name, ok, "%.2f" % r["wall_s"], "%.2f" % r["cpu_s"], "%.2f" % r["net_cpu_s"],
                     "%.1f" % (r["rss_kib"] / 1024),
                     "%.1f" % r["kib_per_host"],
                     ratio(r["wall_s"], pssh.get("wall_s")), ratio(r["wall_s"], pmk.get("wall_s")),
                     ratio(r["wall_s"], bwv), ratio(r["net_cpu_s"], pssh.get("net_cpu_s")),
                     ratio(r["net_cpu_s"], pmk.get("net_cpu_s")), ratio(r["net_cpu_s"], bcv),
                     ratio(r["kib_per_host"], bmv), r.get("host_key_check", "?").split(" ")[0],
                     goals(r, results) if name.startswith("gossh") else ""])
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i in (0, len(head) - 2, len(head) - 1) else "---:"
                          for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    out.append("\nBest peer (every host ok): wall %s, CPU %s, KiB/host %s." % (bw or "none", bc or "none",
                                                                            bm or "none"))
    return "\n".join(out)


def notes(all_results, bases):
    lines = []
    for name, _ in CLIENTS:
        runs = [(n, res[name]) for n, res in all_results if name in res]
        if not runs:
            continue
        first = next((r for _, r in runs if "skipped" not in r), None)
        if first is None:
            continue
        b = bases[name]
        pool = "N" if first.get("pool") == first["n"] else first.get("pool", "?")
        version = first.get("version") or b.get("version") or "?"
        lines.append("- %s %s: host keys: %s; pool: %s; baseline (N=0, medians of %d runs) "
                     "%.1f MiB RSS, %.2f s CPU, %.2f s process"
                     % (name, version, first.get("host_key_check", "?"), pool, BASE_RUNS,
                        b["rss_kib"] / 1024, b["cpu_s"], b["process_s"]))
        for n, r in runs:
            if "skipped" in r:
                continue
            extra = "  - N=%d: process %.2f s (spawn to exit), close %.2f s" % (n, r["process_s"],
                                                                                  r.get("close_s") or 0)
            if r.get("errors"):
                extra += "; failures: " + "; ".join("%d x %s" % (c, m) for m, c in r["errors"].items())
            lines.append(extra)
    return "\n".join(lines)


def main():
    R.need_env()
    os.chdir(R.ROOT)
    t_start = time.monotonic()
    before, soft, hard = raise_nofile()
    R.log("RLIMIT_NOFILE soft %d -> %d (hard %s)" % (before, soft, hard))
    fd_warning = ""
    if NS and soft < 2 * max(NS) + 256:
        # A client needs a socket per host (paramiko and ssh2 more), and so
        # do the sshds' listeners for their unauthenticated children.
        fd_warning = ("WARNING: RLIMIT_NOFILE %d may be too low for N=%d (hard limit %s): "
                      "failures below may be EMFILE\n" % (soft, max(NS), hard))
        R.log(fd_warning.strip())
    cmds = []
    for name, setup in CLIENTS:
        if R.ONLY and name not in R.ONLY:
            continue
        try:
            cmds.append((name, setup()))
        except R.Skip as e:
            R.log("%s skipped: %s" % (name, e))
            cmds.append((name, e))
    work = tempfile.mkdtemp(prefix="gossh-fanout-bench-")
    all_results, bases = [], {}
    try:
        try:
            sshds = Sshds(SSHDS, work)
        except (RuntimeError, OSError) as e:
            sys.exit("bench/fanout.py: %s" % e)
        R.log("%d sshds on ports %s" % (SSHDS, ",".join(map(str, sshds.ports))))
        try:
            for name, cmd in cmds:
                if isinstance(cmd, R.Skip):
                    continue
                try:
                    bases[name] = baseline(cmd, sshds)
                except Exception as e:  # noqa: BLE001 - reported as a row
                    bases[name] = {"skipped": "baseline failed: %s" % str(e)[:200]}
            for n in NS:
                runs = {}
                for rnd in range(RUNS):
                    for name, cmd in cmds:
                        if isinstance(cmd, R.Skip) or "skipped" in bases[name]:
                            continue
                        if any("skipped" in r for r in runs.get(name, [])):
                            continue
                        R.log("N=%d: %s, run %d of %d" % (n, name, rnd + 1, RUNS))
                        try:
                            r = measure(name, cmd, sshds, n, bases[name])
                            R.log("%s: %d/%d ok, wall %.2f s, CPU %.2f s, %.1f KiB/host%s"
                                  % (name, r["ok"], n, r["wall_s"], r["cpu_s"], r["kib_per_host"],
                                     "" if not r["errors"] else "; " + "; ".join(
                                         "%d x %s" % (c, m) for m, c in r["errors"].items())))
                        except Exception as e:  # noqa: BLE001 - reported as a row
                            r = {"skipped": "failed: %s" % str(e)[:300]}
                            R.log("%s: %s" % (name, r["skipped"]))
                        runs.setdefault(name, []).append(r)
                results = {}
                for name, cmd in cmds:
                    if isinstance(cmd, R.Skip):
                        results[name] = {"skipped": str(cmd)}
                    elif "skipped" in bases[name]:
                        results[name] = bases[name]
                    else:
                        results[name] = combine(runs[name])
                all_results.append((n, results))
        finally:
            sshds.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    header = ("gossh fan-out bench: %s, N concurrent connect+auth+exec `true`+exit status per client, "
              "medians of %d runs per client and N (in rounds across the clients), "
              "hosts spread over %d loopback sshds (MaxStartups 2000:30:4000, MaxSessions 1000), "
              "RLIMIT_NOFILE %d (hard %s), %d CPUs, %s, Python %s; total %.0f s\n"
              % (time.strftime("%Y-%m-%d %H:%M:%S"), RUNS, SSHDS, soft, hard, os.cpu_count() or 0,
                 platform.platform(terse=True), platform.python_version(), time.monotonic() - t_start))
    body = "\n".join("## N = %d hosts\n\n%s\n" % (n, table(res)) for n, res in all_results)
    footer = ("Wall: inside the client, from building its client(s) to the last exit status "
              "(closing not included). CPU: user+sys of the client's process from spawn to exit "
              "(wait4 rusage: startup, imports and closing included); 'CPU s - N=0' subtracts the CPU of the "
              "same client run with N=0 (interpreter start, imports, key load), and the CPU ratios "
              "and goals use it. Peak RSS: the process's "
              "VmHWM (read by the client at its end; wait4's ru_maxrss on Linux starts at the "
              "parent's peak); KiB/host = (peak RSS - peak RSS of the same client run with N=0) / N "
              "(1 KiB = 1024 bytes). Ratios: client / reference, lower is better; best peer = the "
              "lowest among parallel-ssh, asyncssh, paramiko and node-ssh2 rows whose every host "
              "succeeded. Goals (issue 13): wall <= best peer's, CPU <= 0.5x parallel-ssh's and "
              "<= 0.3x paramiko's, <= 100 KB (100,000 bytes) of client memory per host.\n"
              + notes(all_results, bases) + "\n")
    text = header + fd_warning + "\n" + body + "\n" + footer
    print(text)
    os.makedirs(R.BUILD, exist_ok=True)
    with open(RESULTS, "w") as f:
        f.write("# gossh fan-out bench\n\n" + text)
    R.log("wrote " + os.path.relpath(RESULTS, R.ROOT))
    ok = [r for _, res in all_results for r in res.values() if "skipped" not in r]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
