"""SFTP through gossh-faultproxy: a transfer cut off by a lost connection
raises (never a short file that looks complete), and a stalled server ends
in socket.timeout or, for whole-file transfers (which no request timeout
bounds), when the keepalives go unanswered.  Nothing hangs.

    make && testenv/with-sshd.sh python3 -m pytest python/tests/test_sftp_faults.py -q
"""

import os
import socket

import pytest

import gossh
from conftest import HANG_GUARD, run_with_deadline
from sftp_fixtures import sftp, ssh  # noqa: F401 - fixtures
from test_faults import Proxy

SIZE = 4 * 1024 * 1024
CUT_AT = 1024 * 1024  # server->client bytes before the fault
LOST = (gossh.SSHException, EOFError, OSError)



@pytest.fixture
def remote_file(sftp):
    data = os.urandom(SIZE)
    with sftp.open(sftp.FOLDER + "/data", "wb") as f:
        f.write(data)
    return sftp.HOME + "/" + sftp.FOLDER + "/data", data


def connect_via(env, port, keepalive=None):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    c.connect(**env.connect_kwargs(port=port, key_filename=env.key("id_ed25519"),
                                   timeout=5, banner_timeout=5, auth_timeout=10))
    if keepalive:
        c.get_transport().set_keepalive(keepalive)
    return c


@pytest.mark.parametrize("fault", ["close", "rst", "fin", "flip"])
def test_get_cut_off_raises_and_leaves_no_file(env, remote_file, tmp_path, fault, monkeypatch):
    monkeypatch.setattr("test_faults.offset", lambda i: CUT_AT)
    proxy = Proxy(env, fault)
    try:
        c = connect_via(env, proxy.port)
        try:
            s = c.open_sftp()
            dst = tmp_path / "out"
            with pytest.raises(LOST):
                run_with_deadline(s.get, HANG_GUARD, remote_file[0], str(dst))
            assert os.listdir(str(tmp_path)) == []
        finally:
            c.close()
    finally:
        proxy.close()


@pytest.mark.parametrize("fault", ["close", "rst"])
def test_file_read_cut_off_raises(env, remote_file, fault, monkeypatch):
    monkeypatch.setattr("test_faults.offset", lambda i: CUT_AT)
    proxy = Proxy(env, fault)
    try:
        c = connect_via(env, proxy.port)
        try:
            s = c.open_sftp()

            def read_all():
                with s.open(remote_file[0], "rb") as f:
                    return f.read()

            with pytest.raises(LOST):
                run_with_deadline(read_all, HANG_GUARD)
        finally:
            c.close()
    finally:
        proxy.close()


def test_file_read_stalled_times_out(env, remote_file, monkeypatch):
    monkeypatch.setattr("test_faults.offset", lambda i: CUT_AT)
    proxy = Proxy(env, "stall")
    try:
        c = connect_via(env, proxy.port)
        try:
            s = c.open_sftp()
            s.get_channel().settimeout(1.0)

            def read_all():
                with s.open(remote_file[0], "rb") as f:
                    return f.read()

            with pytest.raises((socket.timeout, gossh.SSHException)):
                run_with_deadline(read_all, HANG_GUARD)
            # every request of the stalled session times out, none hangs
            # (also the directory handle's and the file's closes)
            folder = os.path.dirname(remote_file[0])
            for call in (lambda: s.stat(folder), lambda: s.listdir(folder),
                         lambda: s.open(remote_file[0]).close()):
                with pytest.raises((socket.timeout, gossh.SSHException)):
                    run_with_deadline(call, HANG_GUARD)
        finally:
            c.close()
    finally:
        proxy.close()


def test_get_stalled_ends_by_keepalive(env, remote_file, tmp_path, monkeypatch):
    monkeypatch.setattr("test_faults.offset", lambda i: CUT_AT)
    proxy = Proxy(env, "stall")
    try:
        c = connect_via(env, proxy.port, keepalive=0.3)
        try:
            s = c.open_sftp()
            with pytest.raises(LOST):
                run_with_deadline(s.get, HANG_GUARD, remote_file[0], str(tmp_path / "out"))
            assert os.listdir(str(tmp_path)) == []
        finally:
            c.close()
    finally:
        proxy.close()


def test_drip_delivers_everything(env, remote_file, tmp_path, monkeypatch):
    monkeypatch.setattr("test_faults.offset", lambda i: CUT_AT)
    proxy = Proxy(env, "drip")
    try:
        c = connect_via(env, proxy.port)
        try:
            s = c.open_sftp()
            run_with_deadline(s.get, HANG_GUARD, remote_file[0], str(tmp_path / "out"))
            assert (tmp_path / "out").read_bytes() == remote_file[1]
        finally:
            c.close()
    finally:
        proxy.close()
