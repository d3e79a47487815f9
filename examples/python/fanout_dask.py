#!/usr/bin/env python3
"""Fan-out past one machine: shard a host list over a Dask ``distributed``
cluster; each worker runs gossh's fan-out (ParallelSSHClient) on its share,
and every host's result comes back to the caller.

    python3 examples/python/fanout_dask.py [--scheduler ADDRESS] \
        [--command CMD] [--repeat N] [--json] [HOST ...]

HOSTs are ``user@host:port`` strings (user and port optional). With none,
the demo host (GOSSH_DEMO_HOST/PORT/USER, else the test server's GOSSH_TEST_*
variables) is used ``--repeat`` times. The private key is GOSSH_DEMO_KEY
(else $GOSSH_TEST_KEYDIR/id_ed25519) and known_hosts GOSSH_DEMO_KNOWN_HOSTS
(else ~/.ssh/known_hosts): both are paths that must exist on the workers, and
no password is sent through the cluster.

The cluster: ``--scheduler`` (or GOSSH_DASK_SCHEDULER) is the address of a
running scheduler (``tcp://host:8786``); its workers need gossh importable.
With none, a LocalCluster is started here: processes=True, n_workers=2,
threads_per_worker=1. The host list is cut into one shard per worker and
each shard is pinned to its worker (so that the load is spread, not left to
the scheduler's stealing). Within a shard the library's own threads work on
the hosts (pool ``--pool-size``).

Workers are started with ``spawn``: a Go shared library cannot survive
fork() (a forked child hangs on its first blocking call), so
``distributed.worker.multiprocessing-method`` is set to ``spawn`` (dask
2026.8's default, set explicitly so that a config file cannot turn it to
fork). Each worker loads libgossh itself, on first use.

Prints one line per host in the order given (or, with --json, a JSON list
of results) and exits 1 when any host failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TypedDict

import dask
from distributed import Client, LocalCluster


class HostResult(TypedDict):
    """One host's outcome, as plain data (it crosses processes)."""
    index: int
    host: str
    exit_code: int | None
    stdout: list[str]
    stderr: list[str]
    error: str | None
    worker_pid: int


def setting(name: str, default: str | None = None) -> str | None:
    for prefix in ("GOSSH_DEMO_", "GOSSH_TEST_"):
        value = os.environ.get(prefix + name)
        if value:
            return value
    return default


def run_shard(shard: list[tuple[int, str]], command: str, key: str | None, known_hosts: str,
              pool_size: int, timeout: float) -> list[HostResult]:
    """Runs on a worker: command on each (index, host string) of shard with
    one ParallelSSHClient, and every host's result as plain data."""
    # Imported here, in the worker process: its library is loaded there.
    from gossh.fanout import HostConfig, ParallelSSHClient
    from gossh.group import derive_shorthand

    configs, names = [], []
    for _, spec in shard:
        user, host, port = derive_shorthand(spec)
        names.append(host)
        configs.append(HostConfig(user=user, port=port))
    client = ParallelSSHClient(names, host_config=configs, pkey=key, allow_agent=False,
                               known_hosts=known_hosts, timeout=timeout, pool_size=pool_size)
    try:
        outputs = client.run_command(command, stop_on_errors=False)
        client.join(outputs)
        results: list[HostResult] = []
        for (index, spec), out in zip(shard, outputs):
            exc = out.exception
            results.append(HostResult(
                index=index, host=spec, exit_code=out.exit_code,
                stdout=list(out.stdout), stderr=list(out.stderr),
                error="{}: {}".format(type(exc).__name__, exc) if exc is not None else None,
                worker_pid=os.getpid()))
        return results
    finally:
        client.close()


def fan_out(client: Client, hosts: list[str], command: str, key: str | None, known_hosts: str,
            pool_size: int, timeout: float) -> list[HostResult]:
    """Every host's result, in the order of hosts: one shard per worker."""
    workers = sorted(client.scheduler_info()["workers"])
    if not workers:
        raise SystemExit("the Dask cluster has no workers")
    indexed = list(enumerate(hosts))
    shards = [indexed[i::len(workers)] for i in range(len(workers))]
    futures = [client.submit(run_shard, shard, command, key, known_hosts, pool_size, timeout,
                             workers=[w], allow_other_workers=False, pure=False)
               for shard, w in zip(shards, workers) if shard]
    results: list[HostResult] = [r for shard in client.gather(futures) for r in shard]
    results.sort(key=lambda r: r["index"])
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("hosts", nargs="*", help="user@host:port (user and port optional)")
    ap.add_argument("--scheduler", default=os.environ.get("GOSSH_DASK_SCHEDULER"),
                    help="a Dask scheduler's address; default: a LocalCluster started here")
    ap.add_argument("--command", default="echo hello from $(hostname)")
    ap.add_argument("--repeat", type=int, default=8,
                    help="with no HOST: how many times to list the demo host")
    ap.add_argument("--pool-size", type=int, default=20, help="hosts at once in each worker")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per connect phase")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()

    hosts: list[str] = args.hosts
    if not hosts:
        host = setting("HOST")
        if not host:
            sys.exit("give hosts, or set GOSSH_DEMO_HOST (or run under testenv/with-sshd.sh)")
        user, port = setting("USER"), setting("PORT") or "22"
        hosts = ["{}{}:{}".format(user + "@" if user else "", host, port)] * args.repeat
    key = setting("KEY")
    keydir = setting("KEYDIR")
    if not key and keydir:
        key = os.path.join(keydir, "id_ed25519")
    known_hosts = setting("KNOWN_HOSTS") or os.path.expanduser("~/.ssh/known_hosts")

    # Never fork a process that may have loaded libgossh: spawn the workers.
    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
        cluster: LocalCluster | None = None
        if args.scheduler:
            client = Client(args.scheduler)
            client.wait_for_workers(1, timeout=60)
        else:
            cluster = LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            results = fan_out(client, hosts, args.command, key, known_hosts, args.pool_size,
                              args.timeout)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    failed = [r for r in results if r["error"] is not None or r["exit_code"] != 0]
    if args.json:
        json.dump(results, sys.stdout, indent=1)
        print()
    else:
        for r in results:
            what = r["error"] or "exit {}: {}".format(r["exit_code"], " | ".join(r["stdout"]))
            print("{:4d} {:30s} [worker {}] {}".format(r["index"], r["host"], r["worker_pid"], what))
        print("{} hosts, {} failed".format(len(results), len(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
