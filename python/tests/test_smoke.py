"""`import gossh as paramiko` runs a paramiko program."""

import os
import subprocess
import sys

import gossh as paramiko


def test_names():
    for name in ("SSHClient", "AutoAddPolicy", "RejectPolicy", "WarningPolicy",
                 "MissingHostKeyPolicy", "PKey", "RSAKey", "ECDSAKey", "Ed25519Key",
                 "DSSKey", "SSHException", "AuthenticationException",
                 "PasswordRequiredException", "BadAuthenticationType",
                 "BadHostKeyException", "ChannelException", "NoValidConnectionsError",
                 "Transport", "Channel", "ChannelFile"):
        assert hasattr(paramiko, name), name
    assert paramiko.__version__
    assert issubclass(paramiko.AuthenticationException, paramiko.SSHException)
    assert issubclass(paramiko.BadAuthenticationType, paramiko.AuthenticationException)
    assert issubclass(paramiko.PasswordRequiredException, paramiko.AuthenticationException)
    assert issubclass(paramiko.BadHostKeyException, paramiko.SSHException)
    assert issubclass(paramiko.NoValidConnectionsError, OSError)
    e = paramiko.BadAuthenticationType("nope", ["publickey"])
    assert e.allowed_types == ["publickey"]


def test_paramiko_program(env):
    client = paramiko.SSHClient()
    client.load_host_keys(env.known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(env.host, port=env.port, username=env.user,
                   key_filename=env.key("id_ed25519"), allow_agent=False,
                   look_for_keys=False)
    stdin, stdout, stderr = client.exec_command("echo hello from gossh")
    assert stdout.read().decode() == "hello from gossh\n"
    assert stdout.channel.recv_exit_status() == 0
    client.close()


def test_example_runs(env):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    example = os.path.join(root, "examples", "python", "exec_demo.py")
    pyenv = dict(os.environ, PYTHONPATH=os.path.join(root, "python"))
    r = subprocess.run([sys.executable, example], capture_output=True, text=True,
                       env=pyenv, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "hello from gossh" in r.stdout
    assert "exit status: 0" in r.stdout


def test_conftest_fails_without_server(tmp_path):
    # Without the test server's environment the suite must fail loudly.
    here = os.path.dirname(os.path.abspath(__file__))
    pyenv = {k: v for k, v in os.environ.items() if not k.startswith("GOSSH_TEST_")}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        os.path.join(here, "test_smoke.py")],
                       capture_output=True, text=True, env=pyenv, timeout=60, cwd=str(tmp_path))
    assert r.returncode != 0
    assert "with-sshd.sh" in r.stdout + r.stderr
