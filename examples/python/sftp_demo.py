#!/usr/bin/env python3
"""Upload, list, read back and download over SFTP with gossh, written as a
paramiko program.

    GOSSH_DEMO_HOST=host GOSSH_DEMO_PORT=22 GOSSH_DEMO_USER=me \
    GOSSH_DEMO_KEY=~/.ssh/id_ed25519 GOSSH_DEMO_KNOWN_HOSTS=~/.ssh/known_hosts \
    PYTHONPATH=python python3 examples/python/sftp_demo.py

Falls back to the test server's GOSSH_TEST_* variables, so it runs under
`testenv/with-sshd.sh python3 examples/python/sftp_demo.py` (with
PYTHONPATH=python after `make`).  It works in a new directory in the remote
home and removes it at the end.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import uuid

import gossh as paramiko  # the only line that differs from a paramiko program


def setting(name: str, default: str | None = None) -> str | None:
    for prefix in ("GOSSH_DEMO_", "GOSSH_TEST_"):
        value = os.environ.get(prefix + name)
        if value:
            return value
    return default


def progress(done: int, total: int) -> None:
    print("  {:>9} / {} bytes".format(done, total))


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
    workdir = "gossh-sftp-demo-" + uuid.uuid4().hex[:8]
    try:
        client.connect(host, port=port, username=user,
                       key_filename=os.path.expanduser(key) if key else None,
                       timeout=10)
        sftp = client.open_sftp()
        print("remote home:", sftp.normalize("."))
        sftp.mkdir(workdir)
        sftp.chdir(workdir)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                src = os.path.join(tmp, "data.bin")
                with open(src, "wb") as f:
                    f.write(os.urandom(3 * 1024 * 1024))
                print("put data.bin:")
                attrs = sftp.put(src, "data.bin", callback=progress)
                print("remote size:", attrs.st_size)
                with sftp.open("hello.txt", "w") as f:
                    f.write("hello from gossh\n")
                for attr in sftp.listdir_attr("."):
                    print(" ", attr)
                with sftp.open("hello.txt") as f:
                    print("hello.txt says:", f.readline().strip())
                dst = os.path.join(tmp, "back.bin")
                sftp.get("data.bin", dst)
                same = _sha(src) == _sha(dst)
                print("downloaded copy matches:", same)
                try:
                    sftp.stat("no-such-file")
                except FileNotFoundError as e:
                    print("missing file:", e)
        finally:
            sftp.chdir(None)
            sftp.rmtree(workdir)
            sftp.close()
        if not same:
            sys.exit("the downloaded copy differs")
    except (paramiko.SSHException, IOError) as e:
        sys.exit("error: %s" % e)
    finally:
        client.close()


def _sha(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


if __name__ == "__main__":
    main()
