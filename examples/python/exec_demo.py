#!/usr/bin/env python3
"""Run a command over SSH with gossh, written as a paramiko program.

    GOSSH_DEMO_HOST=host GOSSH_DEMO_PORT=22 GOSSH_DEMO_USER=me \
    GOSSH_DEMO_KEY=~/.ssh/id_ed25519 GOSSH_DEMO_KNOWN_HOSTS=~/.ssh/known_hosts \
    PYTHONPATH=python python3 examples/python/exec_demo.py

Falls back to the test server's GOSSH_TEST_* variables, so it runs under
`testenv/with-sshd.sh python3 examples/python/exec_demo.py` (with
PYTHONPATH=python after `make`).
"""

from __future__ import annotations

import os
import sys

import gossh as paramiko  # the only line that differs from a paramiko program


def setting(name: str, default: str | None = None) -> str | None:
    for prefix in ("GOSSH_DEMO_", "GOSSH_TEST_"):
        value = os.environ.get(prefix + name)
        if value:
            return value
    return default


def main() -> None:
    host = setting("HOST")
    if not host:
        sys.exit("set GOSSH_DEMO_HOST (or run under testenv/with-sshd.sh)")
    port = int(setting("PORT") or "22")
    user = setting("USER")
    key = setting("KEY")
    keydir = setting("KEYDIR")
    if not key and keydir:
        key = os.path.join(keydir, "id_ed25519")
    known_hosts = setting("KNOWN_HOSTS") or os.path.expanduser("~/.ssh/known_hosts")

    client = paramiko.SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(host, port=port, username=user,
                       key_filename=os.path.expanduser(key) if key else None,
                       timeout=10)
        stdin, stdout, stderr = client.exec_command("uname -a; echo hello from gossh")
        sys.stdout.write(stdout.read().decode())
        sys.stderr.write(stderr.read().decode())
        print("exit status:", stdout.channel.recv_exit_status())
    except paramiko.SSHException as e:
        sys.exit("ssh error: %s" % e)
    finally:
        client.close()


if __name__ == "__main__":
    main()
