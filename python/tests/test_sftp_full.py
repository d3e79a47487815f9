"""A full disk over SFTP (gossh): testenv/with-sshd.sh starts a second sshd
whose GOSSH_TEST_FULL_DIR is a small tmpfs (GOSSH_TEST_FULL_SIZE bytes) that
only it sees.  A put or writes past it raise IOError with errno ENOSPC,
never report success, leave no remote file that looks complete, and the
session stays usable."""

import errno
import os

import pytest

import gossh

FULL_WHY = os.environ.get("GOSSH_TEST_FULL_WHY")
pytestmark = pytest.mark.skipif(
    bool(FULL_WHY) or not os.environ.get("GOSSH_TEST_FULL_PORT"),
    reason="no full-disk server: %s" % (FULL_WHY or "no GOSSH_TEST_FULL_PORT (old harness)"))


def _empty(sftp, d):
    for name in sftp.listdir(d):
        sftp.remove(d + "/" + name)


@pytest.fixture
def full(env):
    """(sftp, directory, size) on the full-disk server; the tmpfs emptied
    before and after."""
    c = gossh.SSHClient()
    c.load_host_keys(os.environ["GOSSH_TEST_FULL_KNOWN_HOSTS"])
    c.connect(**env.connect_kwargs(port=int(os.environ["GOSSH_TEST_FULL_PORT"]),
                                   key_filename=env.key("id_ed25519")))
    s = c.open_sftp()
    d = os.environ["GOSSH_TEST_FULL_DIR"]
    _empty(s, d)
    yield s, d, int(os.environ["GOSSH_TEST_FULL_SIZE"])
    try:
        _empty(s, d)
    finally:
        s.close()
        c.close()


def _want_enospc(e, path):
    assert isinstance(e, IOError)
    assert e.errno == errno.ENOSPC, (e, e.errno)
    assert "no space left on device" in str(e) and path in str(e), str(e)
    assert e.sftp_status_name == "failure"


def _want_prefix(sftp, path, data):
    """The remote file is shorter than data (or gone) and a prefix of it."""
    try:
        size = sftp.stat(path).st_size
    except FileNotFoundError:
        return
    assert size < len(data), "%s is %d bytes after a failed transfer of %d" % (path, size, len(data))
    with sftp.open(path, "rb") as f:
        got = f.read()
    assert len(got) == size
    assert got == data[:size], "not a prefix of the data (a hole or stray bytes)"


def test_put_full_disk_enospc_repeated(full, tmp_path):
    sftp, d, size = full
    data = os.urandom(2 * size)
    src = tmp_path / "src"
    src.write_bytes(data)
    fits = tmp_path / "fits"
    fits.write_bytes(data[: size // 4])
    # A put that fits succeeds: the server does not refuse everything.
    assert sftp.put(str(fits), d + "/fits").st_size == size // 4
    sftp.remove(d + "/fits")
    for i in range(30):
        remote = "%s/put-%d" % (d, i)
        with pytest.raises(IOError) as ei:
            sftp.put(str(src), remote)
        _want_enospc(ei.value, remote)
        _want_prefix(sftp, remote, data)
        sftp.stat(d)  # the session still works
        try:
            sftp.remove(remote)
        except FileNotFoundError:
            pass


def test_write_loop_full_disk_raises(full):
    sftp, d, size = full
    data = os.urandom(2 * size)
    for i in range(8):
        remote = "%s/write-%d" % (d, i)
        f = sftp.open(remote, "wb")
        raised = None
        try:
            for off in range(0, len(data), 65536):
                f.write(data[off:off + 65536])
            f.flush()
        except IOError as e:
            raised = e
        finally:
            try:
                f.close()
            except IOError as e:
                raised = raised or e
        assert raised is not None, "writing %d bytes into a %d-byte disk raised nothing" % (len(data), size)
        _want_enospc(raised, remote)
        _want_prefix(sftp, remote, data)
        sftp.remove(remote)
    sftp.stat(d)
