"""exec_command, channels and their files."""

import socket
import threading
import time

import pytest

import gossh
from conftest import HANG_GUARD, run_with_deadline


def test_stdout_and_exit_status(connected):
    stdin, stdout, stderr = connected.exec_command("echo hello; echo oops 1>&2; exit 7")
    assert stdout.read() == b"hello\n"
    assert stderr.read() == b"oops\n"
    assert stdout.channel.recv_exit_status() == 7
    assert stdout.channel.exit_status_ready()
    assert stdout.channel is stderr.channel is stdin.channel


def test_exit_status_before_reading(connected):
    _, stdout, _ = connected.exec_command("printf 'a\\nb\\n'; exit 3")
    assert stdout.channel.recv_exit_status() == 3
    assert stdout.read() == b"a\nb\n"  # output not yet read stays readable


def test_readline_and_iteration(connected):
    _, stdout, _ = connected.exec_command("printf 'one\\ntwo\\nthree'")
    assert stdout.readline() == "one\n"
    assert list(stdout) == ["two\n", "three"]
    assert stdout.readline() == ""


def test_readlines_utf8(connected):
    _, stdout, stderr = connected.exec_command("printf 'h\\303\\251\\nx\\n'; printf 'e1\\ne2\\n' >&2")
    assert stdout.readlines() == ["h\u00e9\n", "x\n"]
    assert stderr.readlines() == ["e1\n", "e2\n"]


def test_read_size(connected):
    _, stdout, _ = connected.exec_command("printf 0123456789")
    assert stdout.read(4) == b"0123"
    assert stdout.read(100) == b"456789"
    assert stdout.read(1) == b""


def test_stdin_round_trip(connected):
    stdin, stdout, _ = connected.exec_command("cat")
    stdin.write(b"bytes line\n")
    stdin.write("str line \u00e9\n")
    stdin.flush()
    stdin.close()  # sends EOF
    assert stdout.read() == b"bytes line\nstr line \xc3\xa9\n"
    assert stdout.channel.recv_exit_status() == 0


def test_channel_send_recv(connected):
    _, stdout, _ = connected.exec_command("cat")
    ch = stdout.channel
    assert ch.send(b"abc") == 3
    ch.sendall(b"def")
    ch.shutdown_write()
    got = b""
    while True:
        data = ch.recv(1024)
        if not data:
            break
        got += data
    assert got == b"abcdef"
    assert ch.recv_exit_status() == 0
    ch.close()
    ch.close()
    assert ch.closed


def test_recv_stderr_and_ready(connected):
    _, stdout, _ = connected.exec_command("echo err >&2; exit 0")
    ch = stdout.channel
    ch.recv_exit_status()
    deadline = time.monotonic() + HANG_GUARD  # ends as soon as stderr is there
    while not ch.recv_stderr_ready() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ch.recv_stderr_ready()
    assert ch.recv_stderr(100) == b"err\n"


def test_large_output_both_streams_no_deadlock(connected):
    n = 10 * 1024 * 1024
    _, stdout, stderr = connected.exec_command(
        "head -c {0} /dev/zero; head -c {0} /dev/zero 1>&2".format(n))

    def work():
        out = stdout.read()
        err = stderr.read()
        return len(out), len(err), out.count(0), err.count(0), stdout.channel.recv_exit_status()

    assert run_with_deadline(work, 60) == (n, n, n, n, 0)


def test_channel_read_timeout(connected):
    _, stdout, _ = connected.exec_command("sleep 5", timeout=0.5)
    assert stdout.channel.gettimeout() == 0.5
    # Ends by the timeout: without it read() would wait for the end, b"".
    with pytest.raises(socket.timeout):
        stdout.read()
    stdout.channel.close()


def test_settimeout_recv(connected):
    _, stdout, _ = connected.exec_command("sleep 5")
    ch = stdout.channel
    ch.settimeout(0.3)
    with pytest.raises(socket.timeout):
        ch.recv(10)
    with pytest.raises(gossh.SSHException):  # SSHTimeout is both
        ch.recv(10)
    ch.close()


def test_many_threads_each_with_own_client(env):
    results, errors = {}, []

    def worker(i):
        try:
            with gossh.SSHClient() as c:
                c.load_host_keys(env.known_hosts)
                c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
                _, out, _ = c.exec_command("echo worker {}; sleep 0.2".format(i))
                results[i] = (out.read(), out.channel.recv_exit_status())
        except Exception as e:  # noqa: BLE001
            errors.append((i, e))

    def run_all():
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    run_with_deadline(run_all, 120)
    assert not errors, errors
    assert results == {i: ("worker {}\n".format(i).encode(), 0) for i in range(20)}


def test_many_channels_on_one_client(connected):
    chans = [connected.exec_command("echo {}".format(i)) for i in range(10)]
    for i, (_, out, _) in enumerate(chans):
        assert out.read() == "{}\n".format(i).encode()


def test_exec_options_pty_and_environment(connected):
    # get_pty and environment are supported now (test_channel.py covers more).
    _, out, _ = connected.exec_command("test -t 1 && echo tty; echo $A", get_pty=True,
                                       environment={"A": "1"})
    assert out.read() == b"tty\r\n1\r\n"
