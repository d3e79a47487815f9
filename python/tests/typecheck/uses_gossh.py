"""A typed user program: it uses gossh's public API as a program checked
with ``mypy --strict`` would, and must type-check with no error
(python/tests/test_typing.py runs mypy on it, then runs it against the test
sshd, so the types it relies on are also the ones that run).

Every value is annotated with the type the program expects, so a wrong
annotation in gossh (a str where bytes come back, an Optional that is not
one) fails the check here.
"""

from __future__ import annotations

import io
import os
import socket
import tempfile
from typing import Optional

import gossh
from gossh import (
    AuthenticationException,
    BadHostKeyException,
    Channel,
    ChannelFile,
    ChannelStderrFile,
    ChannelStdinFile,
    Ed25519Key,
    HostConfig,
    HostKeys,
    HostOutput,
    MissingHostKeyPolicy,
    ParallelSSHClient,
    PKey,
    SFTPAttributes,
    SFTPClient,
    SFTPFile,
    SSHClient,
    SSHException,
    Transport,
)


class RecordingPolicy(MissingHostKeyPolicy):
    """A policy of one's own, as users write them: accepts and records."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def missing_host_key(self, client: SSHClient, hostname: str, key: PKey) -> None:
        self.seen.append((hostname, key.get_name()))


def connect(host: str, port: int, user: str, key_path: str, known_hosts: str) -> SSHClient:
    """A client connected with a key file, its host key checked."""
    client = SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(gossh.RejectPolicy())
    client.connect(host, port=port, username=user, key_filename=key_path,
                   allow_agent=False, look_for_keys=False, timeout=10)
    return client


def run_command(client: SSHClient, command: str) -> tuple[int, str, bytes]:
    """(exit status, stdout text, stderr bytes)."""
    streams: tuple[ChannelStdinFile, ChannelFile, ChannelStderrFile] = client.exec_command(
        command, timeout=10)
    stdin, stdout, stderr = streams
    stdin.close()
    out: bytes = stdout.read()
    err: bytes = stderr.read()
    status: int = stdout.channel.recv_exit_status()
    return status, out.decode(), err


def lines_of(client: SSHClient, command: str) -> list[str]:
    """Text lines, through iteration of a ChannelFile."""
    _, stdout, _ = client.exec_command(command)
    return [str(line).rstrip("\n") for line in stdout]


def sftp_round_trip(client: SSHClient, data: bytes) -> tuple[bytes, int, list[str]]:
    """put / stat / open / listdir / get / remove over SFTP."""
    sftp: SFTPClient = client.open_sftp()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "up.bin")
            with open(src, "wb") as f:
                f.write(data)
            progress: list[int] = []

            def on_progress(done: int, total: int) -> None:
                progress.append(done)

            name = "gossh-typing-{}.bin".format(os.getpid())
            attrs: SFTPAttributes = sftp.put(src, name, callback=on_progress)
            size: Optional[int] = attrs.st_size
            listing: list[str] = sftp.listdir(".")
            f2: SFTPFile
            with sftp.open(name, "rb") as f2:
                back: bytes = f2.read()
            dst = os.path.join(tmp, "down.bin")
            sftp.get(name, dst)
            with open(dst, "rb") as f3:
                got = f3.read()
            sftp.remove(name)
            assert got == back
            return back, size or 0, [n for n in listing if n == name]
    finally:
        sftp.close()


def keys() -> tuple[str, str, bool]:
    """Generate a key, write and load it back, and look it up in HostKeys."""
    key: Ed25519Key = Ed25519Key.generate()
    text = io.StringIO()
    key.write_private_key(text)
    text.seek(0)
    again: Ed25519Key = Ed25519Key.from_private_key(text)
    hk = HostKeys()
    hk.add("example.com", key.get_name(), key)
    found: bool = hk.check("example.com", again)
    fingerprint: str = key.fingerprint
    return key.get_name(), fingerprint, found


def bad_password(host: str, port: int, user: str, known_hosts: str) -> str:
    """A wrong password: the exception classes and their attributes."""
    client = SSHClient()
    client.load_host_keys(known_hosts)
    try:
        client.connect(host, port=port, username=user, password="not the password",
                       allow_agent=False, look_for_keys=False, timeout=10)
    except AuthenticationException as e:
        return type(e).__name__
    except BadHostKeyException as e:
        got: Optional[PKey] = e.key
        return "bad host key {}".format(got)
    except (SSHException, socket.timeout) as e:
        return "other: {}".format(e)
    finally:
        client.close()
    return "connected"


def over_socket(host: str, port: int, user: str, key_path: str, known_hosts: str) -> str:
    """connect(sock=) with a socket of one's own, and a hand-built Transport
    over another; both are what SocketLike takes."""
    sock = socket.create_connection((host, port), timeout=10)
    client = SSHClient()
    client.load_host_keys(known_hosts)
    client.connect(host, port=port, username=user, key_filename=key_path, sock=sock,
                   allow_agent=False, look_for_keys=False, timeout=10)
    try:
        _, out, _ = client.exec_command("echo over-sock")
        first = out.read().decode().strip()
    finally:
        client.close()
        sock.close()
    t = Transport((host, port))
    try:
        t.connect(username=user, pkey=PKey.from_path(key_path))
        chan: Channel = t.open_session()
        chan.exec_command("echo hand-built")
        second = chan.makefile("rb").read().decode().strip()
        status: int = chan.recv_exit_status()
    finally:
        t.close()
    return "{} {} {}".format(first, second, status)


def unknown_host(host: str, port: int, user: str, key_path: str) -> list[tuple[str, str]]:
    """An empty known_hosts and a policy of one's own."""
    policy = RecordingPolicy()
    client = SSHClient()
    client.set_missing_host_key_policy(policy)
    client.connect(host, port=port, username=user, key_filename=key_path,
                   allow_agent=False, look_for_keys=False, timeout=10)
    transport: Optional[Transport] = client.get_transport()
    assert transport is not None and transport.is_active()
    client.close()
    return policy.seen


def fan_out(host: str, port: int, user: str, key_path: str,
            known_hosts: str) -> list[tuple[str, Optional[int], list[str], list[str], bool]]:
    """ParallelSSHClient: one command on three "hosts" (the same sshd),
    per-host arguments and settings (a PKey for one, an alias for another),
    the outputs' lines, exit codes and exceptions; run twice, the second run
    on the kept connections."""
    configs = [HostConfig(alias="first"), HostConfig(port=port),
               HostConfig(private_key=PKey.from_path(key_path), timeout=10.0)]
    results: list[tuple[str, Optional[int], list[str], list[str], bool]] = []
    with ParallelSSHClient([host] * 3, user=user, port=port, pkey=key_path, allow_agent=False,
                           known_hosts=known_hosts, timeout=10, pool_size=2,
                           host_config=configs) as client:
        for args in ([("a", 0), ("b", 1), ("c", 2)], [("d", 3), ("e", 4), ("f", 5)]):
            outputs: list[HostOutput] = client.run_command("echo %s; echo err >&2; exit %d",
                                                           host_args=args, timeout=30)
            client.join(outputs, timeout=60)
            for out in outputs:
                exc: Optional[Exception] = out.exception
                if exc is not None:
                    raise exc
                code: Optional[int] = out.exit_code
                seconds: Optional[float] = out.connect_time
                assert seconds is not None and seconds >= 0
                reused: bool = out.reused
                results.append((out.alias or out.host, code, list(out.stdout), list(out.stderr),
                                reused))
    return results
