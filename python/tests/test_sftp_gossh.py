"""gossh's SFTP beyond paramiko's own tests: errors as paramiko raises them,
progress callbacks, a callback that raises, concurrent transfers, round
trips checked by hash, paramiko-style programs and the additions
(makedirs, rmtree, glob, copy, statvfs, hardlink, put_dir/get_dir,
resume)."""

import errno
import gc
import hashlib
import io
import os
import socket
import threading

import pytest

import gossh
from conftest import HANG_GUARD, run_with_deadline
from sftp_fixtures import own_ssh, sftp, ssh  # noqa: F401 - fixtures


def sha(data):
    return hashlib.sha256(data).hexdigest()


def local_sha(path):
    with open(path, "rb") as f:
        return sha(f.read())


def make_local(tmp_path, name, size, seed=1):
    data = os.urandom(size) if seed is None else _pseudo(size, seed)
    p = tmp_path / name
    p.write_bytes(data)
    return str(p), data


def _pseudo(size, seed):
    # fast, reproducible, incompressible-enough bytes
    out = bytearray()
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])


# -- round trips --------------------------------------------------------------


def test_text_round_trip(sftp):
    text = "grüße, 世界\nzweite Zeile\r\nlast line without end"
    path = sftp.FOLDER + "/text.txt"
    with sftp.open(path, "w") as f:
        f.write(text)
    raw = text.encode("utf-8")
    with open(os.path.join(sftp.LOCAL, "text.txt"), "rb") as f:
        assert sha(f.read()) == sha(raw)
    with sftp.open(path, "r") as f:
        lines = list(f)
    assert all(isinstance(x, str) for x in lines)
    assert "".join(lines) == text
    with sftp.open(path, "rb") as f:
        blines = f.readlines()
    assert all(isinstance(x, bytes) for x in blines)
    assert b"".join(blines) == raw
    with sftp.open(path, "r") as f:
        data = f.read()
    assert isinstance(data, bytes) and data == raw  # paramiko: read() is bytes
    with sftp.open(path, "rU") as f:
        assert f.readline() == "grüße, 世界\n"
        assert f.readline() == "zweite Zeile\n"


def test_binary_round_trips(sftp, tmp_path):
    local, data = make_local(tmp_path, "bin", 3 * 1024 * 1024 + 17)
    want = sha(data)
    # put / get
    sftp.put(local, sftp.FOLDER + "/bin")
    assert local_sha(os.path.join(sftp.LOCAL, "bin")) == want
    back = str(tmp_path / "back")
    sftp.get(sftp.FOLDER + "/bin", back)
    assert local_sha(back) == want
    # open / write / read
    with sftp.open(sftp.FOLDER + "/bin2", "wb") as f:
        f.write(data)
    with sftp.open(sftp.FOLDER + "/bin2", "rb") as f:
        assert sha(f.read()) == want
    # putfo / getfo
    attrs = sftp.putfo(io.BytesIO(data), sftp.FOLDER + "/bin3")
    assert attrs.st_size == len(data)
    buf = io.BytesIO()
    assert sftp.getfo(sftp.FOLDER + "/bin3", buf) == len(data)
    assert sha(buf.getvalue()) == want


def test_big_put_get_over_several_channels(sftp, tmp_path):
    # 8 MiB and more are split over "transfer_channels" channels.
    local, data = make_local(tmp_path, "big", 20 * 1024 * 1024 + 5, seed=7)
    sftp.put(local, sftp.FOLDER + "/big")
    assert local_sha(os.path.join(sftp.LOCAL, "big")) == sha(data)
    back = str(tmp_path / "big.back")
    sftp.get(sftp.FOLDER + "/big", back)
    assert local_sha(back) == sha(data)


def test_empty_file_round_trip(sftp, tmp_path):
    local, _ = make_local(tmp_path, "empty", 0)
    calls = []
    attrs = sftp.put(local, sftp.FOLDER + "/empty", lambda a, b: calls.append((a, b)))
    assert attrs.st_size == 0
    back = str(tmp_path / "empty.back")
    sftp.get(sftp.FOLDER + "/empty", back, lambda a, b: calls.append((a, b)))
    assert os.path.getsize(back) == 0
    assert calls == []  # paramiko never reports 0 bytes


# -- errors ---------------------------------------------------------------------


def test_missing_file(sftp, tmp_path):
    missing = sftp.FOLDER + "/no-such-file"
    for fn in (lambda: sftp.stat(missing), lambda: sftp.lstat(missing),
               lambda: sftp.open(missing), lambda: sftp.remove(missing),
               lambda: sftp.listdir(missing), lambda: sftp.readlink(missing),
               lambda: sftp.rename(missing, missing + "2")):
        with pytest.raises(FileNotFoundError) as ei:
            fn()
        e = ei.value
        assert isinstance(e, IOError)
        assert e.errno == errno.ENOENT
        assert e.args[0] == errno.ENOENT and len(e.args) == 2  # paramiko's args
        assert e.sftp_status == gossh.sftp.SFTP_NO_SUCH_FILE
        assert "No such file" in str(e)
    # get: nothing appears locally
    dst = tmp_path / "never"
    with pytest.raises(FileNotFoundError):
        sftp.get(missing, str(dst))
    assert os.listdir(str(tmp_path)) == []
    # put of a missing local file: as Python's open() raises it
    with pytest.raises(FileNotFoundError) as ei:
        sftp.put(str(tmp_path / "nothing"), sftp.FOLDER + "/x")
    assert ei.value.args == (errno.ENOENT, os.strerror(errno.ENOENT))
    assert ei.value.filename == str(tmp_path / "nothing")
    assert "x" not in sftp.listdir(sftp.FOLDER)


def test_permission_denied(sftp):
    path = sftp.FOLDER + "/secret"
    with sftp.open(path, "w") as f:
        f.write("hidden")
    sftp.chmod(path, 0)
    with pytest.raises(PermissionError) as ei:
        sftp.open(path, "r")
    assert ei.value.errno == errno.EACCES
    assert ei.value.sftp_status == gossh.sftp.SFTP_PERMISSION_DENIED
    with pytest.raises(PermissionError):
        sftp.open("/etc/shadow", "r")
    with pytest.raises(PermissionError):
        sftp.mkdir("/gossh-should-not-exist")
    sftp.mkdir(sftp.FOLDER + "/locked")
    sftp.chmod(sftp.FOLDER + "/locked", 0o500)
    with pytest.raises(PermissionError):
        sftp.open(sftp.FOLDER + "/locked/f", "w")


def test_directory_where_a_file_is_expected(sftp, tmp_path):
    sftp.mkdir(sftp.FOLDER + "/adir")
    d = sftp.FOLDER + "/adir"
    with pytest.raises(IOError):
        sftp.open(d, "w")
    with pytest.raises(IOError):
        with sftp.open(d, "r") as f:
            f.read()
    with pytest.raises(IOError):
        sftp.remove(d)
    with pytest.raises(IOError):
        sftp.get(d, str(tmp_path / "x"))
    assert os.listdir(str(tmp_path)) == []
    src = tmp_path / "src"
    src.write_bytes(b"data")
    with pytest.raises(IOError):
        sftp.put(str(src), d)
    assert sftp.stat(d).st_mode & 0o170000 == 0o040000  # still the directory
    with sftp.open(sftp.FOLDER + "/file", "w") as f:
        f.write("x")
    with pytest.raises(IOError):
        sftp.get(sftp.FOLDER + "/file", str(tmp_path))  # a local directory as target
    assert sorted(os.listdir(str(tmp_path))) == ["src"]
    with pytest.raises(IOError):
        sftp.rmdir(sftp.FOLDER)  # not empty
    assert sorted(sftp.listdir(sftp.FOLDER)) == ["adir", "file"]


def test_file_errors_after_close(sftp):
    f = sftp.open(sftp.FOLDER + "/f", "w")
    f.close()
    f.close()  # twice is fine
    with pytest.raises(IOError, match="closed"):
        f.write(b"x")
    with pytest.raises(IOError, match="closed"):
        f.read()
    r = sftp.open(sftp.FOLDER + "/f", "r")
    with pytest.raises(IOError, match="not open for writing"):
        r.write(b"x")
    r.close()


def test_session_closed_under_open_file(sftp):
    f = sftp.open(sftp.FOLDER + "/f", "w")
    sftp.close()
    with pytest.raises((socket.error, gossh.SSHException)):
        f.write(b"data")
        f.flush()
    # a written file closing without its data is an error, never quiet
    with pytest.raises((socket.error, gossh.SSHException)):
        f.close()
    with pytest.raises(socket.error, match="Socket is closed"):
        sftp.stat(".")


# -- progress callbacks -------------------------------------------------------------


def test_callbacks_monotonic_and_end_at_total(sftp, tmp_path):
    size = 9 * 1024 * 1024 + 3
    local, data = make_local(tmp_path, "cb", size)
    for direction in ("put", "get"):
        calls = []
        if direction == "put":
            sftp.put(local, sftp.FOLDER + "/cb", lambda a, b: calls.append((a, b)))
        else:
            sftp.get(sftp.FOLDER + "/cb", str(tmp_path / "cb.back"),
                     lambda a, b: calls.append((a, b)))
        assert calls, direction
        done = [a for a, _ in calls]
        assert all(t == size for _, t in calls), direction
        assert done == sorted(done) and len(set(done)) == len(done), direction
        assert done[0] > 0 and calls[-1] == (size, size), direction
    assert local_sha(str(tmp_path / "cb.back")) == sha(data)


def test_putfo_getfo_callbacks(sftp):
    data = b"x" * (3 * 1024 * 1024 + 1)
    calls = []
    sftp.putfo(io.BytesIO(data), sftp.FOLDER + "/fo", len(data),
               lambda a, b: calls.append((a, b)))
    assert calls[-1] == (len(data), len(data))
    calls = []
    sftp.getfo(sftp.FOLDER + "/fo", io.BytesIO(), lambda a, b: calls.append((a, b)))
    assert calls[-1] == (len(data), len(data))
    assert [a for a, _ in calls] == sorted(a for a, _ in calls)


class Stop(Exception):
    pass


def test_callback_that_raises_put(sftp, tmp_path):
    size = 12 * 1024 * 1024
    local, _ = make_local(tmp_path, "big", size)

    def cb(done, total):
        raise Stop("stop at {}".format(done))

    with pytest.raises(Stop):
        sftp.put(local, sftp.FOLDER + "/big", cb)
    # the session still works
    sftp.put(local, sftp.FOLDER + "/big")
    assert sftp.stat(sftp.FOLDER + "/big").st_size == size


def test_cancelled_put_leaves_no_complete_looking_file(sftp, tmp_path):
    # More than the library keeps in flight (16 MiB: 4 channels x 4 MiB), so
    # that a cancel at the first report stops it short.  The remote file is
    # cut to the part that arrived in order: a true prefix, no holes.
    size = 40 * 1024 * 1024
    local, data = make_local(tmp_path, "big", size)

    def cb(done, total):
        raise Stop()

    with pytest.raises(Stop):
        sftp.put(local, sftp.FOLDER + "/big", cb)
    try:
        got = sftp.stat(sftp.FOLDER + "/big").st_size
    except FileNotFoundError:
        return
    assert got < size
    with open(os.path.join(sftp.LOCAL, "big"), "rb") as f:
        assert sha(f.read()) == sha(data[:got])


def test_callback_that_raises_get(sftp, tmp_path):
    size = 12 * 1024 * 1024
    local, _ = make_local(tmp_path, "big", size)
    sftp.put(local, sftp.FOLDER + "/big")
    seen = []

    def cb(done, total):
        seen.append(done)
        if len(seen) == 2:
            raise KeyError("second call")

    dst = tmp_path / "out" / "big"
    dst.parent.mkdir()
    with pytest.raises(KeyError, match="second call"):
        sftp.get(sftp.FOLDER + "/big", str(dst), cb)
    assert len(seen) == 2
    assert os.listdir(str(dst.parent)) == []  # neither the file nor a part file


def test_callback_that_raises_putfo(sftp):
    def cb(done, total):
        raise Stop()

    with pytest.raises(Stop):
        sftp.putfo(io.BytesIO(b"y" * (3 << 20)), sftp.FOLDER + "/fo", 3 << 20, cb)


# -- concurrency ------------------------------------------------------------------------


def test_32_concurrent_transfers_one_client(sftp, tmp_path):
    n = 32
    files = [make_local(tmp_path, "src%d" % i, 200 * 1024 + 4099 * i, seed=i) for i in range(n)]
    errors = []
    results = {}

    def work(i):
        try:
            local, data = files[i]
            remote = "{}/t{}".format(sftp.FOLDER, i)
            calls = []
            sftp.put(local, remote, lambda a, b: calls.append(a))
            back = str(tmp_path / ("back%d" % i))
            sftp.get(remote, back)
            with sftp.open(remote, "rb") as f:
                via_file = f.read()
            results[i] = (local_sha(back), sha(via_file), calls[-1])
        except Exception as e:  # noqa: BLE001
            errors.append((i, repr(e)))

    def run():
        threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    run_with_deadline(run, HANG_GUARD * 3)
    assert errors == []
    for i in range(n):
        want = sha(files[i][1])
        assert results[i] == (want, want, len(files[i][1])), i
    assert len(sftp.listdir(sftp.FOLDER)) == n


def test_close_from_another_thread_ends_transfer(own_ssh, tmp_path):
    s = own_ssh.open_sftp()
    folder = "gossh-sftp-close-" + os.urandom(4).hex()
    s.mkdir(folder)
    try:
        local, _ = make_local(tmp_path, "big", 32 * 1024 * 1024)
        started = threading.Event()
        closed = threading.Event()

        def cb(done, total):
            # Hold the transfer until the session is closed (bounded, in
            # case close waited for the transfer: a hang guard then fails).
            started.set()
            closed.wait(HANG_GUARD / 2)

        def closer():
            started.wait(HANG_GUARD)
            s.close()
            closed.set()

        t = threading.Thread(target=closer)
        t.start()
        with pytest.raises((socket.error, gossh.SSHException)):
            run_with_deadline(s.put, HANG_GUARD, local, folder + "/big", cb)
        t.join()
    finally:
        s2 = own_ssh.open_sftp()
        s2.rmtree(folder)
        s2.close()


# -- paramiko-style programs --------------------------------------------------------------


def test_import_gossh_as_paramiko(env, tmp_path):
    import gossh as paramiko
    from gossh.sftp import SFTP_NO_SUCH_FILE, SFTPError  # noqa: F401
    from gossh.sftp_attr import SFTPAttributes
    from gossh.sftp_client import SFTP, SFTPClient
    from gossh.sftp_file import SFTPFile
    from gossh.file import BufferedFile

    assert paramiko.SFTPClient is SFTPClient and paramiko.SFTP is SFTP
    assert paramiko.SFTPFile is SFTPFile and issubclass(SFTPFile, BufferedFile)
    assert paramiko.SFTPAttributes is SFTPAttributes
    assert paramiko.SFTPError is SFTPError and paramiko.sftp.SFTPError is SFTPError

    client = paramiko.SSHClient()
    client.load_host_keys(env.known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(env.host, port=env.port, username=env.user,
                   key_filename=env.key("id_ed25519"), allow_agent=False,
                   look_for_keys=False)
    try:
        sftp = client.open_sftp()
        assert isinstance(sftp, paramiko.SFTPClient)
        sftp.get_channel().settimeout(30)
        assert sftp.get_channel().gettimeout() == 30
        assert sftp.get_channel().get_transport() is client.get_transport()
        folder = "gossh-paramiko-" + os.urandom(4).hex()
        sftp.mkdir(folder)
        sftp.chdir(folder)
        with sftp.file("hello.txt", "w") as f:
            f.write("hello from gossh\n")
        src = tmp_path / "up.txt"
        src.write_text("uploaded\n")
        sftp.put(str(src), "up.txt")
        for attr in sftp.listdir_attr("."):
            assert attr.filename in ("hello.txt", "up.txt")
        sftp.get("hello.txt", str(tmp_path / "hello.txt"))
        assert (tmp_path / "hello.txt").read_text() == "hello from gossh\n"
        try:
            sftp.stat("missing")
        except IOError as e:
            assert e.errno == errno.ENOENT
        else:
            raise AssertionError("stat of a missing file succeeded")
        sftp.chdir(None)
        sftp.rmtree(folder)
        sftp.close()

        t = client.get_transport()
        with paramiko.SFTPClient.from_transport(t, window_size=1 << 20,
                                                max_packet_size=32768) as s2:
            assert s2.normalize(".")
        s3 = t.open_sftp_client()
        assert isinstance(s3, paramiko.SFTPClient)
        s3.close()
        s3.close()
        with paramiko.SFTP.from_transport(t) as s4:
            assert isinstance(s4, paramiko.SFTP)
    finally:
        client.close()


def test_open_sftp_needs_a_connection():
    c = gossh.SSHClient()
    with pytest.raises(gossh.SSHException):
        c.open_sftp()
    c.close()


def test_file_garbage_collected_unclosed_writes_its_buffer(sftp):
    f = sftp.open(sftp.FOLDER + "/gc.txt", "w", 8192)
    f.write("buffered, never flushed")
    del f
    gc.collect()
    assert sftp.stat(sftp.FOLDER + "/gc.txt").st_size == len("buffered, never flushed")


def test_sftp_attributes_fields(sftp):
    with sftp.open(sftp.FOLDER + "/f", "w") as f:
        f.write("12345")
    a = sftp.stat(sftp.FOLDER + "/f")
    st = os.stat(os.path.join(sftp.LOCAL, "f"))
    assert (a.st_size, a.st_uid, a.st_gid, a.st_mode) == (5, st.st_uid, st.st_gid, st.st_mode)
    assert a.st_mtime == int(st.st_mtime) and a.st_atime == int(st.st_atime)
    assert a._flags & 0xF == 0xF
    assert a.attr == {}
    assert "size=5" in repr(a)
    d = sftp.stat(sftp.FOLDER)
    assert str(d).startswith("d")


# -- beyond paramiko ----------------------------------------------------------------------


def test_makedirs_rmtree(sftp):
    sftp.makedirs(sftp.FOLDER + "/a/b/c")
    sftp.makedirs(sftp.FOLDER + "/a/b/c")  # exists: fine
    with sftp.open(sftp.FOLDER + "/a/b/c/f", "w") as f:
        f.write("x")
    sftp.symlink("/etc", sftp.FOLDER + "/a/link")
    with pytest.raises(IOError):
        sftp.makedirs(sftp.FOLDER + "/a/b/c/f/g")
    sftp.rmtree(sftp.FOLDER + "/a")
    assert sftp.listdir(sftp.FOLDER) == []
    assert os.path.isdir("/etc")
    with pytest.raises(FileNotFoundError):
        sftp.rmtree(sftp.FOLDER + "/a")


def test_glob(sftp):
    for name in ("a.txt", "b.txt", "c.log", ".hidden.txt"):
        sftp.open("{}/{}".format(sftp.FOLDER, name), "w").close()
    sftp.mkdir(sftp.FOLDER + "/sub")
    sftp.open(sftp.FOLDER + "/sub/d.txt", "w").close()
    assert sftp.glob(sftp.FOLDER + "/*.txt") == [sftp.FOLDER + "/a.txt", sftp.FOLDER + "/b.txt"]
    assert sftp.glob(sftp.FOLDER + "/*/*.txt") == [sftp.FOLDER + "/sub/d.txt"]
    sftp.chdir(sftp.FOLDER)
    assert sftp.glob("?.log") == ["c.log"]
    assert sftp.glob("nothing*") == []


def test_copy_hardlink_statvfs(sftp):
    with sftp.open(sftp.FOLDER + "/orig", "w") as f:
        f.write("copy me")
    sftp.chmod(sftp.FOLDER + "/orig", 0o640)
    sftp.copy(sftp.FOLDER + "/orig", sftp.FOLDER + "/copied")
    with sftp.open(sftp.FOLDER + "/copied") as f:
        assert f.read() == b"copy me"
    assert sftp.stat(sftp.FOLDER + "/copied").st_mode & 0o777 == 0o640
    sftp.hardlink(sftp.FOLDER + "/orig", sftp.FOLDER + "/linked")
    assert os.stat(os.path.join(sftp.LOCAL, "linked")).st_nlink == 2
    v = sftp.statvfs(sftp.FOLDER)
    local = os.statvfs(sftp.LOCAL)
    assert v.f_bsize == local.f_bsize and v.f_blocks == local.f_blocks
    assert v.f_namemax == local.f_namemax


def test_put_dir_get_dir(sftp, tmp_path):
    src = tmp_path / "tree"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "top.txt").write_bytes(b"top")
    (src / "sub" / "mid.bin").write_bytes(_pseudo(300000, 3))
    (src / "sub" / "deeper" / "low.txt").write_bytes(b"low")
    os.symlink("top.txt", str(src / "link"))
    calls = []
    sftp.put_dir(str(src), sftp.FOLDER + "/tree", lambda a, b: calls.append((a, b)))
    total = 3 + 300000 + 3
    assert calls and calls[-1] == (total, total)
    assert sftp.readlink(sftp.FOLDER + "/tree/link") == "top.txt"
    dst = tmp_path / "back"
    sftp.get_dir(sftp.FOLDER + "/tree", str(dst))
    for rel in ("top.txt", "sub/mid.bin", "sub/deeper/low.txt"):
        assert (dst / rel).read_bytes() == (src / rel).read_bytes(), rel
    assert os.readlink(str(dst / "link")) == "top.txt"


def test_resume(sftp, tmp_path):
    local, data = make_local(tmp_path, "r", 5 * 1024 * 1024 + 11)
    with sftp.open(sftp.FOLDER + "/r", "wb") as f:
        f.write(data[:2 * 1024 * 1024])
    calls = []
    sftp.put(local, sftp.FOLDER + "/r", lambda a, b: calls.append(a), resume=True)
    assert local_sha(os.path.join(sftp.LOCAL, "r")) == sha(data)
    # get: a partial part-file is continued
    dst = str(tmp_path / "dst")
    with open(dst + ".gossh-part", "wb") as f:
        f.write(data[:1000000])
    sftp.get(sftp.FOLDER + "/r", dst, resume=True)
    assert local_sha(dst) == sha(data)
    assert not os.path.exists(dst + ".gossh-part")


def test_get_channel_timeout_applies(sftp):
    ch = sftp.get_channel()
    assert ch.gettimeout() is None
    ch.settimeout(20)
    with sftp.open(sftp.FOLDER + "/t", "w") as f:
        assert f.gettimeout() == 20
        f.settimeout(None)
    assert ch.gettimeout() is None
    assert sftp.sock is ch


def test_example_runs(env):
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    example = os.path.join(root, "examples", "python", "sftp_demo.py")
    pyenv = dict(os.environ, PYTHONPATH=os.path.join(root, "python"))
    r = subprocess.run([sys.executable, example], capture_output=True, text=True,
                       env=pyenv, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "hello.txt says: hello from gossh" in r.stdout
    assert "downloaded copy matches: True" in r.stdout


def test_top_level_names_as_paramiko():
    import gossh as paramiko

    for name in ("SFTP", "SFTPClient", "SFTPFile", "SFTPAttributes", "SFTPError", "BaseSFTP",
                 "BufferedFile", "SFTP_OK", "SFTP_EOF", "SFTP_NO_SUCH_FILE",
                 "SFTP_PERMISSION_DENIED", "SFTP_FAILURE", "SFTP_BAD_MESSAGE",
                 "SFTP_NO_CONNECTION", "SFTP_CONNECTION_LOST", "SFTP_OP_UNSUPPORTED"):
        assert hasattr(paramiko, name), name
    assert paramiko.SFTP_NO_SUCH_FILE == 2 and paramiko.SFTP_PERMISSION_DENIED == 3
    assert issubclass(paramiko.SFTPClient, paramiko.BaseSFTP)


def test_sftp_client_over_a_channel_is_refused(sftp, ssh):
    chan = ssh.get_transport().open_session()
    try:
        with pytest.raises(NotImplementedError, match="open_sftp"):
            gossh.SFTPClient(chan)
    finally:
        chan.close()


def test_client_close_ends_its_sftp_sessions(own_ssh):
    s = own_ssh.open_sftp()
    home = s.normalize(".")
    probe = os.path.join(home, "gossh-probe-" + os.urandom(4).hex())
    f = s.open(probe, "w")
    own_ssh.close()
    try:
        _client_closed_checks(s, f, home)
    finally:
        if os.path.exists(probe):
            os.remove(probe)


def _client_closed_checks(s, f, home):
    for call in (lambda: s.stat(home), lambda: s.listdir(home), lambda: f.write(b"x")):
        with pytest.raises((socket.error, gossh.SSHException)) as ei:
            run_with_deadline(call, HANG_GUARD)
        assert isinstance(ei.value, socket.error) and isinstance(ei.value, gossh.SSHException)
    with pytest.raises((socket.error, gossh.SSHException)):
        f.close()  # it was written to: its loss is an error
    s.close()
    with pytest.raises(socket.error, match="Socket is closed"):
        s.stat(home)


def test_path_like_and_bytes_paths(sftp, tmp_path):
    from pathlib import Path, PurePosixPath

    local = tmp_path / "p.txt"
    local.write_bytes(b"pathlike")
    remote = PurePosixPath(sftp.FOLDER) / "p.txt"
    sftp.put(local, remote)
    assert sftp.stat(remote).st_size == 8
    assert sftp.listdir(sftp.FOLDER.encode()) == ["p.txt"]
    sftp.get(str(remote).encode(), Path(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_bytes() == b"pathlike"
