#!/usr/bin/env python3
"""SFTP benchmark of a paramiko-API client, or asyncssh, against the test sshd.

    bench_sftp.py gossh      # import gossh as paramiko
    bench_sftp.py paramiko   # import paramiko
    bench_sftp.py asyncssh

One connection, then BENCH_TPUT_RUNS gets of SFTP_SRC_REMOTE to
SFTP_DST_LOCAL and as many puts of SFTP_SRC_LOCAL to SFTP_DST_REMOTE, each
checked for size. The paramiko-API clients run the same code (get/put with
their defaults: paramiko prefetches gets and confirms puts). With
--read-loop they also read SFTP_SRC_REMOTE with SFTPFile.read(32768)
in a loop. Host keys checked against GOSSH_TEST_KNOWN_HOSTS. Prints one
JSON line.
"""

import importlib
import json
import os
import resource
import sys
import time

which = sys.argv[1] if len(sys.argv) > 1 else "gossh"
E = os.environ
HOST, PORT, USER = E["GOSSH_TEST_HOST"], int(E["GOSSH_TEST_PORT"]), E["GOSSH_TEST_USER"]
KEY = os.path.join(E["GOSSH_TEST_KEYDIR"], "id_ed25519")
KNOWN_HOSTS = E["GOSSH_TEST_KNOWN_HOSTS"]
RUNS = int(E.get("BENCH_TPUT_RUNS", "3"))
SRC_REMOTE, DST_LOCAL = E["SFTP_SRC_REMOTE"], E["SFTP_DST_LOCAL"]
SRC_LOCAL, DST_REMOTE = E["SFTP_SRC_LOCAL"], E["SFTP_DST_REMOTE"]


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def status_mib(field):
    """A field of /proc/self/status ("VmRSS", "VmHWM") in MiB, 0 if missing."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_reset():
    """Resets the kernel's peak RSS of this process (VmHWM; clear_refs 5,
    Linux >= 4.0) and returns the RSS now in MiB: VmHWM minus it, after a
    direction's transfers, is that direction's peak growth. Where the reset
    is refused the peak is the process's lifetime one (an over-estimate)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return status_mib("VmRSS")


def timed(fn, want):
    t0, c0 = time.perf_counter(), cpu()
    got = fn()
    secs, used = time.perf_counter() - t0, cpu() - c0
    if got != want:
        raise SystemExit("%s: moved %d bytes, want %d" % (which, got, want))
    return want / 1048576 / secs, used


def paramiko_api():
    paramiko = importlib.import_module(which)
    c = paramiko.SSHClient()
    c.load_host_keys(KNOWN_HOSTS)
    c.set_missing_host_key_policy(paramiko.RejectPolicy())
    c.connect(HOST, port=PORT, username=USER, key_filename=KEY,
              allow_agent=False, look_for_keys=False, timeout=10)
    s = c.open_sftp()
    size = s.stat(SRC_REMOTE).st_size

    def get():
        s.get(SRC_REMOTE, DST_LOCAL)
        return os.path.getsize(DST_LOCAL)

    def put():
        return s.put(SRC_LOCAL, DST_REMOTE).st_size

    def read_loop():
        n = 0
        with s.open(SRC_REMOTE, "rb") as f:
            while True:
                b = f.read(32768)
                if not b:
                    return n
                n += len(b)

    out = measure(get, put, size, os.path.getsize(SRC_LOCAL))
    if "--read-loop" in sys.argv:
        out["read32k_mibs"] = [timed(read_loop, size)[0] for _ in range(RUNS)]
    s.close()
    c.close()
    return out


def measure(get, put, get_size, put_size):
    out = {}
    dirs = [("get", get, get_size), ("put", put, put_size)]
    if E.get("BENCH_SFTP_ORDER", "get,put").startswith("put"):
        dirs.reverse()  # the puts' peak RSS growth from a fresh process
    for name, fn, want in dirs:
        rss0 = peak_reset()
        runs = [timed(fn, want) for _ in range(RUNS)]
        out[name + "_rss_peak_mib"] = status_mib("VmHWM") - rss0
        out[name + "_mibs"] = [r[0] for r in runs]
        out[name + "_cpu_s"] = [r[1] for r in runs]
    return out


def asyncssh_api():
    import asyncio
    import asyncssh

    async def main():
        async with asyncssh.connect(HOST, port=PORT, username=USER, client_keys=[KEY],
                                    known_hosts=KNOWN_HOSTS, agent_path=None) as conn:
            async with conn.start_sftp_client() as s:
                size = (await s.stat(SRC_REMOTE)).size
                loop = asyncio.get_running_loop()

                def run(coro_fn):
                    return asyncio.run_coroutine_threadsafe(coro_fn(), loop).result()

                async def get():
                    await s.get(SRC_REMOTE, DST_LOCAL)
                    return os.path.getsize(DST_LOCAL)

                async def put():
                    await s.put(SRC_LOCAL, DST_REMOTE)
                    return (await s.stat(DST_REMOTE)).size

                # measure() is synchronous: run it in a thread, the transfers on this loop
                return await loop.run_in_executor(None, lambda: measure(
                    lambda: run(get), lambda: run(put), size, os.path.getsize(SRC_LOCAL)))

    return asyncio.run(main())


out = asyncssh_api() if which == "asyncssh" else paramiko_api()
out["client"] = {"gossh": "gossh-python"}.get(which, which)
mod = importlib.import_module(which)
out["version"] = getattr(mod, "__version__", "?")
print(json.dumps(out))
