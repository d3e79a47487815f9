"""Writes and reads at the edges (issue 7): lengths past 2^32, timed-out
writes that must not duplicate data when retried, timeout 0."""

import socket

import pytest


def _wc(connected, data, timeout=None):
    """Sends data to `sleep 0.3; wc -c` with send() and the given channel
    timeout, retrying whatever was not sent; returns wc's count and the
    number of socket.timeouts seen."""
    stdin, stdout, _ = connected.exec_command("sleep 0.3; wc -c")
    chan = stdin.channel
    chan.settimeout(timeout)
    view, timeouts = memoryview(data), 0
    while len(view):
        try:
            n = chan.send(view)
        except socket.timeout:
            timeouts += 1
            continue
        assert 0 < n <= len(view)
        view = view[n:]
    chan.settimeout(None)
    chan.shutdown_write()
    return int(stdout.read()), timeouts


def test_sendall_past_2_gib_arrives_whole(connected):
    # The length used to be cast to a C int: 2**31 + 16 bytes raised an
    # internal error, 2**32 + 16 sent 16 bytes (the C suite writes that).
    size = 2**31 + 16
    stdin, stdout, _ = connected.exec_command("wc -c")
    data = bytes(size)
    stdin.channel.sendall(data)
    del data
    stdin.channel.shutdown_write()
    assert int(stdout.read()) == size


def test_send_with_timeout_retried_never_duplicates(connected):
    # A timed-out write reports how much it sent; the rest is not sent, so
    # sending it again sends every byte once.
    data = b"0123456789abcdef" * (4 << 16)  # 4 MiB
    for _ in range(5):
        count, timeouts = _wc(connected, data, timeout=0.02)
        assert count == len(data), f"wc counted {count} of {len(data)} ({timeouts} timeouts)"


def test_non_blocking_send_is_accepted(connected):
    # timeout 0: a small send is accepted at once (it used to raise
    # socket.timeout although the bytes arrived).
    stdin, stdout, _ = connected.exec_command("cat")
    chan = stdin.channel
    chan.setblocking(False)
    assert chan.send(b"zero\n") == 5
    chan.setblocking(True)
    chan.shutdown_write()
    assert stdout.read() == b"zero\n"


def test_non_blocking_sends_all_arrive(connected):
    count, _ = _wc(connected, b"y" * (3 << 20), timeout=0)
    assert count == 3 << 20
