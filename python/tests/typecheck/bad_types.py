"""Deliberate type errors: python/tests/test_typing.py asserts that
``mypy --strict`` reports exactly the errors marked ``# E: <code>`` (on
their lines) and no other, so the check is shown able to fail.  Never run.
"""

from __future__ import annotations

import gossh

client = gossh.SSHClient()
client.connect(42)  # E: arg-type
client.exec_command(123)  # E: arg-type
stdin, stdout, stderr = client.exec_command("true")
status: str = stdout.channel.recv_exit_status()  # E: assignment
data: str = stdout.read()  # E: assignment
client.set_missing_host_key_policy("reject")  # E: arg-type
sftp = client.open_sftp()


def one_argument(done: int) -> None:
    pass


sftp.put("local", "remote", callback=one_argument)  # E: arg-type
size: int = sftp.stat("x").st_size  # E: assignment
key = gossh.Ed25519Key.generate()
name: bytes = key.get_name()  # E: assignment
client.conect("host")  # E: attr-defined
client.connect("host", sock=22)  # E: arg-type
gossh.Transport(22)  # E: arg-type
fan = gossh.ParallelSSHClient(["a", "b"], host_config=gossh.HostConfig())  # E: arg-type
code: int = fan.run_command("true")[0].exit_code  # E: assignment
