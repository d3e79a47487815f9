#!/usr/bin/env python3
"""make bench-sftp: whole-file SFTP get and put, gossh (C, Python, Node) and
its peers (OpenSSH sftp, paramiko, asyncssh, Node ssh2's fastGet/fastPut)
against the SAME loopback sshd (internal-sftp), one after another, with
ratios; then the same through a proxy that delays each direction by
BENCH_SFTP_DELAY_MS/2 (a link with that round-trip time).

Run under testenv/with-sshd.sh from the repository root (make bench-sftp
does; make bench runs it after bench/run.py):

    testenv/with-sshd.sh python3 bench/sftp.py

Environment: BENCH_SFTP_BYTES (file size on loopback, default 512 MiB),
BENCH_SFTP_DELAY_BYTES (file size through the delaying proxy, default
256 MiB; 0 skips that part), BENCH_SFTP_DELAY_MS (round trip, default 50),
BENCH_TPUT_RUNS (transfers per direction and client, median reported,
default 3; 1 through the proxy), BENCH_ONLY (comma-separated client names),
BENCH_TIMEOUT (seconds per client and part, default 300), BENCH_SFTP_ORDER
("get,put", the default, or "put,get": which direction each program runs
first; the second one's peak RSS growth is over a process the first has
grown already, so run both orders to see each direction's own).
The issue 9 memory claim (a 1 GiB get or put grows RSS by well under 64
MiB) is checked with BENCH_SFTP_BYTES=1073741824 BENCH_SFTP_DELAY_BYTES=0
BENCH_ONLY=gossh-c,gossh-python,gossh-node, in both orders.

Each client moves the files with its own whole-file call and its defaults;
each transfer's size is checked. CPU s/GiB is user+sys of the client
process over the transfers (RUSAGE_CHILDREN for sftp, whose process is
timed whole, connect included). "get/put peak RSS +MiB" is the client
process's peak resident memory during that direction's transfers over its
resident memory before them: each program resets the kernel's peak
(/proc/self/clear_refs 5) before a direction and reads VmHWM after it (n/a
for sftp, one process per transfer). The table goes to stdout and to
build/bench-sftp-results.md. Standard library only.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402 - the exec bench's setup helpers

E = os.environ
SIZE = int(E.get("BENCH_SFTP_BYTES", str(512 << 20)))
DELAY_SIZE = int(E.get("BENCH_SFTP_DELAY_BYTES", str(256 << 20)))
DELAY_MS = float(E.get("BENCH_SFTP_DELAY_MS", "50"))
RUNS = int(E.get("BENCH_TPUT_RUNS", "3"))
TIMEOUT = float(E.get("BENCH_TIMEOUT", "300"))
RESULTS = os.path.join(R.BUILD, "bench-sftp-results.md")


def setup_c():
    if not os.path.exists(os.path.join(R.BUILD, "libgossh.so")):
        raise R.Skip("build/libgossh.so missing (run make lib)")
    os.makedirs(R.OUT, exist_ok=True)
    exe = os.path.join(R.OUT, "gossh-bench-sftp-c")
    R.sh([E.get("CC", "cc"), "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-std=c11",
          "-Iinclude", "bench/c/sftp.c", "-Lbuild", "-lgossh", "-Wl,-rpath,$ORIGIN/..",
          "-o", exe])
    return [exe]


def setup_gossh_python():
    R.setup_gossh_python()
    try:
        py = R.venv_python()
    except R.Skip:
        py = sys.executable
    return [py, "bench/python/bench_sftp.py", "gossh", "--read-loop"]


def setup_paramiko():
    return [R.venv_has("paramiko"), "bench/python/bench_sftp.py", "paramiko"]


def setup_asyncssh():
    return [R.venv_has("asyncssh"), "bench/python/bench_sftp.py", "asyncssh"]


def setup_gossh_node():
    return R.setup_gossh_node()[:1] + ["bench/node/bench_sftp.js", "gossh"]


def setup_ssh2():
    return R.setup_ssh2()[:1] + ["bench/node/bench_sftp.js", "ssh2"]


def setup_sftp():
    exe = shutil.which("sftp")
    if not exe:
        raise R.Skip("sftp (openssh-client) not found")
    return [exe]


def run_sftp(cmd, env, runs, timeout):
    """OpenSSH sftp in batch mode, one process per transfer, timed whole."""
    # ssh's options; sftp takes the port as -P, not -p
    base = [cmd[0], "-q", "-b", "-"] + ["-P" if a == "-p" else a for a in R.ssh_args("ssh", env)[1:]]
    out = {}
    for name, batch, path, want in (
            ("get", "get %s %s\n" % (env["SFTP_SRC_REMOTE"], env["SFTP_DST_LOCAL"]),
             env["SFTP_DST_LOCAL"], os.path.getsize(env["SFTP_SRC_REMOTE"])),
            ("put", "put %s %s\n" % (env["SFTP_SRC_LOCAL"], env["SFTP_DST_REMOTE"]),
             env["SFTP_DST_REMOTE"], os.path.getsize(env["SFTP_SRC_LOCAL"]))):
        mibs, cpus = [], []
        for _ in range(runs):
            c0 = R.children_cpu()
            t0 = time.perf_counter()
            r = subprocess.run(base, input=batch.encode(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=timeout)
            secs = time.perf_counter() - t0
            cpus.append(R.children_cpu() - c0)
            if r.returncode != 0:
                raise RuntimeError("sftp %s exited %d: %s" % (name, r.returncode,
                                                               r.stderr.decode().strip()[-200:]))
            if os.path.getsize(path) != want:
                raise RuntimeError("sftp %s moved %d bytes, want %d" % (name, os.path.getsize(path), want))
            mibs.append(want / 1048576 / secs)
        out[name + "_mibs"], out[name + "_cpu_s"] = mibs, cpus
    ver = subprocess.run(["ssh", "-V"], stderr=subprocess.PIPE).stderr.decode().split(",")[0].strip()
    out.update(client="openssh-sftp", version=ver)
    return out


def run_program(cmd, env, runs, timeout):
    return R.run_json(cmd, dict(env, BENCH_TPUT_RUNS=str(runs)), timeout)


CLIENTS = [
    ("openssh-sftp", setup_sftp, run_sftp),
    ("gossh-c", setup_c, run_program),
    ("gossh-python", setup_gossh_python, run_program),
    ("gossh-node", setup_gossh_node, run_program),
    ("paramiko", setup_paramiko, run_program),
    ("asyncssh", setup_asyncssh, run_program),
    ("node-ssh2", setup_ssh2, run_program),
]


def make_file(path, size):
    """A file of size bytes that does not compress or repeat (a 1 MiB random
    block, each copy with its offset stamped in)."""
    block = bytearray(os.urandom(1 << 20))
    with open(path, "wb") as f:
        for off in range(0, size, len(block)):
            block[:8] = off.to_bytes(8, "little")
            f.write(block[:min(len(block), size - off)])


def part(label, size, runs, env, cmds):
    """Runs every client on one file size; returns {name: result}."""
    work = env["SFTP_WORK"]
    src_remote = os.path.join(work, "remote", "src.bin")
    src_local = os.path.join(work, "local", "src.bin")
    make_file(src_remote, size)
    shutil.copyfile(src_remote, src_local)
    os.chmod(src_remote, 0o644)
    env = dict(env, SFTP_SRC_REMOTE=src_remote, SFTP_SRC_LOCAL=src_local,
               SFTP_DST_LOCAL=os.path.join(work, "local", "dst.bin"),
               SFTP_DST_REMOTE=os.path.join(work, "remote", "dst.bin"))
    results = {}
    for name, cmd, runner in cmds:
        if isinstance(cmd, R.Skip):
            results[name] = {"skipped": str(cmd)}
            continue
        R.log("%s: %s (%d MiB, %d run(s) each way)" % (label, name, size >> 20, runs))
        try:
            r = runner(cmd, env, runs, TIMEOUT)
            for d in ("get", "put"):
                r[d] = statistics.median(r[d + "_mibs"])
                r[d + "_cpu"] = statistics.median(r[d + "_cpu_s"]) / (size / (1 << 30))
            R.log("%s: get %.0f MiB/s, put %.0f MiB/s" % (name, r["get"], r["put"]))
        except subprocess.TimeoutExpired:
            r = {"skipped": "did not finish within %.0f s" % TIMEOUT}
        except Exception as e:  # noqa: BLE001 - reported as a row
            r = {"skipped": "failed: %s" % str(e)[:200]}
        for f in ("dst.bin",):
            for d in ("local", "remote"):
                try:
                    os.unlink(os.path.join(work, d, f))
                except FileNotFoundError:
                    pass
        results[name] = r
    return results


def table(results, refs):
    cols = ["client", "get MiB/s", "put MiB/s"]
    for ref in refs:
        cols += ["get vs %s" % ref, "put vs %s" % ref]
    cols += ["get CPU s/GiB", "put CPU s/GiB", "get peak RSS +MiB", "put peak RSS +MiB"]
    rows = []
    for name, r in results.items():
        if "skipped" in r:
            rows.append([name, r["skipped"]] + [""] * (len(cols) - 2))
            continue
        row = [name, "%.0f" % r["get"], "%.0f" % r["put"]]
        for ref in refs:
            rr = results.get(ref, {})
            for d in ("get", "put"):
                row.append("%.2fx" % (r[d] / rr[d]) if rr.get(d) else "n/a")
        row += ["%.2f" % r["get_cpu"], "%.2f" % r["put_cpu"]]
        row += ["%.0f" % r[d + "_rss_peak_mib"] if d + "_rss_peak_mib" in r else "n/a" for d in ("get", "put")]
        rows.append(row)
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(cols))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def main():
    R.need_env()
    os.chdir(R.ROOT)
    t_start = time.monotonic()
    cmds = []
    for name, setup, runner in CLIENTS:
        if R.ONLY and name not in R.ONLY:
            continue
        try:
            cmds.append((name, setup(), runner))
        except R.Skip as e:
            R.log("%s skipped: %s" % (name, e))
            cmds.append((name, e, runner))
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    work = tempfile.mkdtemp(prefix="gossh-sftp-bench-", dir=base)
    text = []
    try:
        for d in ("remote", "local"):
            os.makedirs(os.path.join(work, d))
        os.chmod(work, 0o755)
        os.chmod(os.path.join(work, "remote"), 0o777)  # the sshd's test user writes here
        env = dict(E, SFTP_WORK=work)
        loop = part("loopback", SIZE, RUNS, env, cmds)
        text.append("## Loopback, %d MiB file, median of %d transfers each way\n\n%s\n"
                    % (SIZE >> 20, RUNS, table(loop, ["openssh-sftp", "paramiko"])))
        if DELAY_SIZE > 0:
            proxy = R.DelayProxy(DELAY_MS, work)
            try:
                denv = dict(env, GOSSH_TEST_PORT=proxy.port, GOSSH_TEST_KNOWN_HOSTS=proxy.known_hosts)
                slow = part("%g ms RTT" % DELAY_MS, DELAY_SIZE, 1, denv, cmds)
            finally:
                proxy.close()
            text.append("## %g ms round trip (gossh-faultproxy -delay), %d MiB file, one transfer each way\n\n%s\n"
                        % (DELAY_MS, DELAY_SIZE >> 20, table(slow, ["openssh-sftp", "paramiko"])))
        notes = []
        for name, r in loop.items():
            if "get_mibs" in r:
                extra = "get runs " + " ".join("%.0f" % x for x in r["get_mibs"]) + \
                    ", put runs " + " ".join("%.0f" % x for x in r["put_mibs"])
                if "read32k_mibs" in r:
                    extra += ", SFTPFile.read(32768) loop %.0f MiB/s (%.2fx its get)" % (
                        statistics.median(r["read32k_mibs"]), statistics.median(r["read32k_mibs"]) / r["get"])
                if "version" in r:
                    extra += ", version %s" % r["version"]
                notes.append("- %s: %s" % (name, extra))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    header = ("gossh SFTP bench: %s, sshd 127.0.0.1:%s (internal-sftp), files in %s, %d CPUs, %s first; total %.0f s\n"
              % (time.strftime("%Y-%m-%d %H:%M:%S"), E["GOSSH_TEST_PORT"], base or "/tmp",
                 os.cpu_count() or 0, "puts" if E.get("BENCH_SFTP_ORDER", "").startswith("put") else "gets",
                 time.monotonic() - t_start))
    out = header + "\n" + "\n".join(text) + "\nRatios: client MiB/s / reference MiB/s (higher is better). " \
        "Each client uses its own whole-file call with its defaults (gossh get/put, paramiko " \
        "get/put, asyncssh get/put, ssh2 fastGet/fastPut, sftp's batch get/put). MiB = 1048576 bytes.\n" + \
        "\n".join(notes) + "\n"
    print(out)
    with open(RESULTS, "w") as f:
        f.write("# gossh SFTP bench\n\n" + out)
    R.log("wrote " + os.path.relpath(RESULTS, R.ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
