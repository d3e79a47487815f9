"""paramiko's Channel over gossh: session requests step by step, files,
non-blocking reads, fileno with select/selectors/asyncio, and closing from
another thread."""

import asyncio
import os
import select
import selectors
import socket
import struct
import threading
import time

import pytest

import gossh
from conftest import HANG_GUARD, run_with_deadline


def read_all(chan, timeout=HANG_GUARD):
    """recv() until EOF, with a deadline."""
    chan.settimeout(timeout)
    out = b""
    while True:
        data = chan.recv(65536)
        if not data:
            return out
        out += data


# -- exec_command with pty and environment ------------------------------------


def test_exec_command_get_pty(connected):
    _, out, _ = connected.exec_command("test -t 0 && echo tty || echo notty", get_pty=True)
    assert out.read() == b"tty\r\n"
    _, out, _ = connected.exec_command("test -t 0 && echo tty || echo notty")
    assert out.read() == b"notty\n"


def test_exec_command_environment(connected):
    env = {"GOSSH_A": "one", "GOSSH_B": "two words \u00e9"}
    _, out, _ = connected.exec_command('printf "%s|%s" "$GOSSH_A" "$GOSSH_B"', environment=env)
    assert out.read() == "one|two words \u00e9".encode()
    assert out.channel.recv_exit_status() == 0


def test_exec_command_files(connected):
    stdin, stdout, stderr = connected.exec_command("cat; echo done >&2")
    assert stdin.channel is stdout.channel is stderr.channel
    stdin.write("line one\n")
    stdin.write(b"line two\n")
    stdin.flush()
    stdin.channel.shutdown_write()
    assert list(stdout) == ["line one\n", "line two\n"]
    assert stderr.readlines() == ["done\n"]
    assert stdout.channel.recv_exit_status() == 0


# -- step by step ---------------------------------------------------------------


def test_open_session_step_by_step(connected):
    chan = connected.get_transport().open_session()
    assert isinstance(chan, gossh.Channel)
    assert chan.active and not chan.closed
    assert chan.exit_status == -1
    chan.set_environment_variable("GOSSH_X", "x1")
    chan.update_environment({"GOSSH_Y": "y2"})
    chan.exec_command('echo "$GOSSH_X $GOSSH_Y"; echo err >&2; exit 5')
    assert read_all(chan) == b"x1 y2\n"
    assert chan.eof_received
    assert chan.recv_stderr(100) == b"err\n"
    assert chan.recv_exit_status() == 5
    assert chan.exit_status_ready()
    assert chan.exit_status == 5
    assert chan.closed and not chan.active  # output ended and exit status arrived
    assert chan.recv(10) == b""
    chan.close()


def test_pty_size_and_resize(connected):
    chan = connected.get_transport().open_session()
    chan.get_pty("xterm", 100, 40)
    chan.exec_command("stty size; sleep 1; stty size")
    chan.settimeout(HANG_GUARD)
    first = b""
    while b"\n" not in first:
        first += chan.recv(100)
    assert first.split()[:2] == [b"40", b"100"]
    chan.resize_pty(width=120, height=50)
    rest = read_all(chan)
    assert (first + rest).split() == [b"40", b"100", b"50", b"120"]
    assert chan.recv_exit_status() == 0


def test_get_pty_term(connected):
    chan = connected.get_transport().open_session()
    chan.get_pty(term="xterm-256color")
    chan.exec_command("echo $TERM")
    assert read_all(chan) == b"xterm-256color\r\n"


def test_invoke_shell(connected):
    chan = connected.invoke_shell(width=132, height=43, environment={"GOSSH_SHELL": "yes"})
    chan.settimeout(HANG_GUARD)
    chan.send("echo $((6*7)) $GOSSH_SHELL; stty size; exit 3\n")
    out = read_all(chan)
    assert b"42 yes" in out
    assert b"43 132" in out
    assert chan.recv_exit_status() == 3


def test_channel_invoke_shell_without_pty(connected):
    chan = connected.get_transport().open_session()
    chan.invoke_shell()
    chan.sendall(b"echo no pty here\n")
    chan.shutdown_write()
    assert b"no pty here\n" in read_all(chan)


def test_invoke_subsystem_sftp(connected):
    chan = connected.get_transport().open_session()
    chan.invoke_subsystem("sftp")
    # SSH_FXP_INIT version 3 -> SSH_FXP_VERSION
    chan.sendall(struct.pack(">IBI", 5, 1, 3))
    chan.settimeout(HANG_GUARD)
    head = b""
    while len(head) < 9:
        head += chan.recv(9 - len(head))
    length, kind, version = struct.unpack(">IBI", head)
    assert kind == 2 and version == 3
    chan.close()


def test_refused_subsystem(connected):
    chan = connected.get_transport().open_session()
    with pytest.raises(gossh.SSHException):
        chan.invoke_subsystem("no-such-subsystem")


def test_combine_stderr(connected):
    chan = connected.get_transport().open_session()
    assert chan.set_combine_stderr(True) is False
    assert chan.combine_stderr
    chan.exec_command("echo out; sleep 0.1; echo err >&2")
    assert read_all(chan) == b"out\nerr\n"
    assert chan.recv_stderr(10) == b""


def test_ids_names_repr_context_manager(connected):
    t = connected.get_transport()
    with t.open_session() as a, t.open_session() as b:
        assert a.get_id() != b.get_id()
        assert a.get_name() == str(a.get_id())
        a.set_name("mine")
        assert a.get_name() == "mine"
        assert "gossh.Channel" in repr(a)
        assert a.get_transport() is t
    assert a.closed and b.closed
    assert "closed" in repr(a)


def test_makefile_variants(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("cat; printf 'e1\\ne2\\n' >&2")
    stdin = chan.makefile_stdin("wb")
    stdout = chan.makefile("rb")
    stderr = chan.makefile_stderr("r")
    stdin.write(b"a\nb\n")
    stdin.close()  # sends EOF
    assert chan.eof_sent
    assert stdout.readlines() == [b"a\n", b"b\n"]
    assert stderr.read() == b"e1\ne2\n"


def test_shutdown(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("cat")
    chan.sendall(b"xyz")
    chan.shutdown(1)  # EOF: cat ends
    assert read_all(chan) == b"xyz"
    with pytest.raises(socket.error):
        chan.send(b"more")
    assert chan.recv_exit_status() == 0

    chan = connected.get_transport().open_session()
    chan.exec_command("echo hi")
    chan.shutdown_read()
    assert chan.recv(10) == b""
    assert chan.eof_received
    chan.shutdown(2)


def test_send_ready_and_exit_status_ready(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("cat")
    assert chan.send_ready()
    assert not chan.exit_status_ready()
    chan.shutdown_write()
    assert not chan.send_ready()
    assert chan.recv_exit_status() == 0
    assert chan.exit_status_ready()


def test_send_exit_status_is_server_side(connected):
    chan = connected.get_transport().open_session()
    with pytest.raises(NotImplementedError):
        chan.send_exit_status(0)
    chan.close()


# -- timeouts and non-blocking ------------------------------------------------


def test_setblocking_zero(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("sleep 1; echo late")
    chan.setblocking(0)
    assert chan.gettimeout() == 0.0
    # Raises at once: a recv that waited would get "late" instead.
    with pytest.raises(socket.timeout):
        chan.recv(10)
    assert not chan.recv_ready()
    chan.setblocking(1)
    assert chan.gettimeout() is None
    assert chan.recv(10) == b"late\n"


def test_recv_timeout(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("sleep 5")
    chan.settimeout(0.3)
    # Both end by the 0.3 s timeout: without it they would wait for the
    # command's end and return b"".
    with pytest.raises(socket.timeout):
        chan.recv(10)
    with pytest.raises(gossh.SSHTimeout):
        chan.recv_stderr(10)
    chan.close()


def test_exec_command_timeout_holds_for_reads(connected):
    _, out, _ = connected.exec_command("sleep 5", timeout=0.4, get_pty=True)
    assert out.channel.gettimeout() == 0.4
    # Ends by the timeout: without it readline would wait for the end, "".
    with pytest.raises(socket.timeout):
        out.readline()


def test_channel_timeout_is_open_timeout(env, client):
    # The library applies channel_timeout to opens and requests that give
    # none (it was the binding's _open_timeout).
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), channel_timeout=7))
    chan = client.get_transport().open_session()
    chan.exec_command("echo ok")
    assert read_all(chan) == b"ok\n"


# -- fileno ---------------------------------------------------------------------


def test_fileno_select(connected):
    chan = connected.get_transport().open_session()
    # The command waits for our line before it writes, so that "nothing
    # yet" does not depend on how fast this test gets to its select.
    chan.exec_command("read go; echo one; sleep 0.3; echo two")
    fd = chan.fileno()
    assert fd == chan.fileno()
    r, _, _ = select.select([chan], [], [], 0)
    assert r == []  # nothing yet
    chan.sendall(b"go\n")
    got = b""
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline:
        r, _, _ = select.select([chan], [], [], HANG_GUARD)
        assert r == [chan]
        data = chan.recv(100)
        if not data:
            break
        got += data
    assert got == b"one\ntwo\n"


def test_fileno_selectors(connected):
    chans = []
    for i in range(5):
        c = connected.get_transport().open_session()
        c.exec_command("sleep 0.{}; echo chan{}".format(i, i))
        chans.append(c)
    sel = selectors.DefaultSelector()
    for c in chans:
        sel.register(c, selectors.EVENT_READ)
    got = {c: b"" for c in chans}
    open_ = set(chans)
    deadline = time.monotonic() + HANG_GUARD
    while open_ and time.monotonic() < deadline:
        for key, _ in sel.select(HANG_GUARD):
            c = key.fileobj
            data = c.recv(100)
            if data:
                got[c] += data
            else:
                sel.unregister(c)
                open_.discard(c)
    sel.close()
    assert not open_
    assert [got[c] for c in chans] == ["chan{}\n".format(i).encode() for i in range(5)]


def test_fileno_asyncio_add_reader(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("for i in 1 2 3; do echo $i; sleep 0.1; done")
    chan.setblocking(0)

    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        chunks = []

        def on_readable():
            try:
                data = chan.recv(100)
            except socket.timeout:
                return  # spurious wake-up: not ready after all
            if data:
                chunks.append(data)
            else:
                loop.remove_reader(chan.fileno())
                done.set_result(b"".join(chunks))

        loop.add_reader(chan.fileno(), on_readable)
        return await asyncio.wait_for(done, HANG_GUARD)

    assert asyncio.run(main()) == b"1\n2\n3\n"
    assert chan.recv_exit_status() == 0


def test_fileno_stays_valid_and_readable_after_close(connected):
    chan = connected.get_transport().open_session()
    # Never writes and never ends by itself: only the close can wake the
    # selector (it ends when its stdin closes with the channel).
    chan.exec_command("cat >/dev/null")
    fd = chan.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    assert sel.select(0) == []
    threading.Timer(0.2, chan.close).start()
    events = sel.select(HANG_GUARD)
    assert [k.fd for k, _ in events] == [fd]  # woken by the close, no EBADF
    assert chan.recv(10) == b""
    sel.unregister(fd)
    sel.close()
    os.fstat(fd)  # still ours until the Channel goes


def test_fileno_of_closed_channel(connected):
    chan = connected.get_transport().open_session()
    chan.close()
    r, _, _ = select.select([chan], [], [], HANG_GUARD)
    assert r == [chan]


# -- closing from another thread ----------------------------------------------


def test_client_close_ends_blocked_read(connected):
    _, out, _ = connected.exec_command("sleep 30")
    box = {}

    def reader():
        try:
            box["data"] = out.read()
        except Exception as e:  # noqa: BLE001
            box["error"] = e

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    time.sleep(0.5)
    assert t.is_alive()
    connected.close()
    t.join(HANG_GUARD)
    assert not t.is_alive(), "read still blocked after client.close()"
    # An error, where the command's own end would have given the data (b"").
    assert isinstance(box.get("error"), gossh.SSHException), box
    assert out.channel.closed


def test_client_close_ends_blocked_recv_and_exit_status(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("sleep 30")
    results = {}

    def recv():
        try:
            results["recv"] = chan.recv(10)
        except Exception as e:  # noqa: BLE001
            results["recv"] = e

    def status():
        results["status"] = chan.recv_exit_status()

    threads = [threading.Thread(target=f, daemon=True) for f in (recv, status)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    connected.close()
    for t in threads:
        t.join(HANG_GUARD)
        assert not t.is_alive(), "still blocked after client.close()"
    # An error and -1, where the command's own end would give b"" and 0.
    assert isinstance(results["recv"], gossh.SSHException)
    assert results["status"] == -1


def test_channel_close_ends_blocked_recv_with_eof(connected):
    chan = connected.get_transport().open_session()
    # Never writes and never ends by itself, so only the close can end the
    # recv (the command ends when its stdin closes with the channel).
    chan.exec_command("cat >/dev/null")
    threading.Timer(0.3, chan.close).start()
    assert run_with_deadline(chan.recv, HANG_GUARD, 10) == b""
    assert chan.closed
    with pytest.raises(socket.error):
        chan.send(b"x")


def test_operations_after_client_close(connected):
    chan = connected.get_transport().open_session()
    connected.close()
    assert chan.closed
    with pytest.raises(gossh.SSHException):
        chan.exec_command("true")
    assert chan.recv_exit_status() == -1


# -- paramiko's polling loops end -----------------------------------------------


def test_poll_loop_exit_status_or_recv_ready(connected):
    # A loop found in many paramiko programs; it must end at EOF.
    _, stdout, _ = connected.exec_command("for i in 1 2 3; do echo $i; sleep 0.05; done")
    ch = stdout.channel

    def loop():
        out = b""
        while not ch.exit_status_ready() or ch.recv_ready():
            if ch.recv_ready():
                out += ch.recv(1024)
            else:
                time.sleep(0.01)
        return out + ch.recv(1024)

    out = run_with_deadline(loop, HANG_GUARD)
    assert out == b"1\n2\n3\n"
    assert not ch.recv_ready()


def test_poll_loop_recv_ready_false_after_eof(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("echo x")
    assert read_all(chan) == b"x\n"
    assert not chan.recv_ready()
    assert chan.recv_stderr(10) == b""  # stderr's end was not read yet
    assert not chan.recv_stderr_ready()


def test_poll_loop_until_closed(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("echo a; sleep 0.2; echo b")

    def loop():
        out = b""
        while not chan.closed:
            if chan.recv_ready():
                out += chan.recv(1024)
            else:
                time.sleep(0.01)
        return out

    assert run_with_deadline(loop, HANG_GUARD) == b"a\nb\n"


def test_exit_status_ready_after_client_close(connected):
    chan = connected.get_transport().open_session()
    chan.exec_command("sleep 30")
    assert not chan.exit_status_ready()
    connected.close()
    assert chan.exit_status_ready()
    assert chan.recv_exit_status() == -1
    assert chan.exit_status == -1
