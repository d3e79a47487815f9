#!/usr/bin/env python3
"""Fan-out bench, paramiko with a thread pool: BENCH_FANOUT_N hosts, a
ThreadPoolExecutor of N workers (every host at once), each an SSHClient
that connects (host key checked against BENCH_FANOUT_KNOWN_HOSTS,
RejectPolicy; the key loaded once), runs "true" and waits for its exit
status. The timer runs from submitting the first host to the last exit
status; closing the clients is timed apart. Prints one JSON line
(fanout_common.py)."""

import concurrent.futures
import threading

import paramiko
import fanout_common as F

key = paramiko.Ed25519Key.from_private_key_file(F.KEY)
if F.N == 0:
    F.baseline("paramiko", paramiko.__version__)
    raise SystemExit(0)

clients = []
lock = threading.Lock()


def one(i):
    c = paramiko.SSHClient()
    with lock:
        clients.append(c)
    c.load_host_keys(F.KNOWN_HOSTS)
    c.set_missing_host_key_policy(paramiko.RejectPolicy())
    c.connect(F.HOST, port=F.port(i), username=F.USER, pkey=key, timeout=F.HOST_TIMEOUT,
              banner_timeout=F.HOST_TIMEOUT, auth_timeout=F.HOST_TIMEOUT,
              allow_agent=False, look_for_keys=False)
    _, stdout, _ = c.exec_command(F.COMMAND)
    return stdout.channel.recv_exit_status()


tally = F.Tally()
t0 = F.now()
with concurrent.futures.ThreadPoolExecutor(max_workers=F.N) as pool:
    futures = [pool.submit(one, i) for i in range(F.N)]
    for f in futures:
        try:
            tally.exit_status(f.result())
        except Exception as e:  # noqa: BLE001 - counted per host
            tally.error(e)
wall = F.now() - t0
t1 = F.now()
for c in clients:
    c.close()
F.report("paramiko", paramiko.__version__, "known_hosts (RejectPolicy)", F.N, tally, wall,
         F.now() - t1)
