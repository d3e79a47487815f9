#!/usr/bin/env python3
"""Fan-out bench, asyncssh with asyncio.gather: BENCH_FANOUT_N hosts, all
at once, each connect (host key checked against BENCH_FANOUT_KNOWN_HOSTS;
the key loaded once) + run("true"). The timer runs from starting the
gather to the last exit status; closing the connections is timed apart.
Prints one JSON line (fanout_common.py)."""

import asyncio

import asyncssh
import fanout_common as F

key = asyncssh.read_private_key(F.KEY)
if F.N == 0:
    F.baseline("asyncssh", asyncssh.__version__)
    raise SystemExit(0)


async def one(i, conns):
    conn = await asyncssh.connect(F.HOST, port=F.port(i), username=F.USER, client_keys=[key],
                                  known_hosts=F.KNOWN_HOSTS, agent_path=None, config=None,
                                  connect_timeout=F.HOST_TIMEOUT, login_timeout=F.HOST_TIMEOUT)
    conns.append(conn)
    r = await conn.run(F.COMMAND)
    return r.exit_status


async def main():
    tally = F.Tally()
    conns = []
    t0 = F.now()
    results = await asyncio.gather(*(one(i, conns) for i in range(F.N)), return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            tally.error(r)
        else:
            tally.exit_status(r)
    wall = F.now() - t0
    t1 = F.now()
    for c in conns:
        c.close()
    await asyncio.gather(*(c.wait_closed() for c in conns), return_exceptions=True)
    F.report("asyncssh", asyncssh.__version__, "known_hosts", "all (asyncio)", tally, wall,
             F.now() - t1)


asyncio.run(main())
