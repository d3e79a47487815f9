#!/usr/bin/env python3
"""Fan-out bench, parallel-ssh (pssh.clients.ParallelSSHClient: libssh2
through ssh2-python, with gevent): BENCH_FANOUT_N hosts, pool_size = N
(every host at once), run_command("true") without stop_on_errors, join.
parallel-ssh checks no host key. num_retries=1 (no retry: the other
clients do not retry either), no agent, no identity files: the key only.
The timer runs from building the client to the last exit status;
disconnecting is timed apart. Prints one JSON line (fanout_common.py)."""

import gc
from importlib import metadata

from pssh.clients import ParallelSSHClient
from pssh.config import HostConfig
import fanout_common as F

with open(F.KEY, "rb") as f:
    key = f.read()
version = metadata.version("parallel-ssh")
if F.N == 0:
    F.baseline("parallel-ssh", version)
    raise SystemExit(0)

tally = F.Tally()
t0 = F.now()
client = ParallelSSHClient(
    [F.HOST] * F.N, user=F.USER, pkey=key, pool_size=F.N, num_retries=1,
    timeout=F.HOST_TIMEOUT, allow_agent=False, identity_auth=False,
    host_config=[HostConfig(port=F.port(i)) for i in range(F.N)])
output = client.run_command(F.COMMAND, stop_on_errors=False)
client.join(output)
for o in output:
    if o.exception is not None:
        tally.error(o.exception)
    else:
        tally.exit_status(o.exit_code)
wall = F.now() - t0
t1 = F.now()
del client, output, o  # the host clients disconnect as they are collected
gc.collect()
F.report("parallel-ssh", version, "none (parallel-ssh checks no host key)", F.N, tally, wall,
         F.now() - t1)
