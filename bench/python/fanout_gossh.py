#!/usr/bin/env python3
"""Fan-out bench, gossh's Python binding: one gossh.ParallelSSHClient over
BENCH_FANOUT_N hosts, pool_size = N (every host at once, on the library's
threads), run_command("true") without stop_on_errors, join. Host keys are
checked against BENCH_FANOUT_KNOWN_HOSTS (RejectPolicy). The timer runs
from building the client to the last exit status; closing the kept
connections is timed apart. Prints one JSON line (fanout_common.py)."""

import gossh
import fanout_common as F

key = gossh.Ed25519Key.from_private_key_file(F.KEY)  # loads the library too
version = getattr(gossh, "__version__", "?")
if F.N == 0:
    F.baseline("gossh-python", version)
    raise SystemExit(0)

tally = F.Tally()
t0 = F.now()
client = gossh.ParallelSSHClient(
    [F.HOST] * F.N, user=F.USER, pkey=key, pool_size=F.N, timeout=F.HOST_TIMEOUT,
    allow_agent=False, look_for_keys=False, known_hosts=F.KNOWN_HOSTS,
    host_config=[gossh.HostConfig(port=F.port(i)) for i in range(F.N)])
output = client.run_command(F.COMMAND, stop_on_errors=False)
client.join(output)
for o in output:
    if o.exception is not None:
        tally.error(o.exception)
    else:
        tally.exit_status(o.exit_code)
wall = F.now() - t0
t1 = F.now()
client.close()
F.report("gossh-python", version, "known_hosts (RejectPolicy)", F.N, tally, wall, F.now() - t1)
