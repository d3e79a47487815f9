"""paramiko's tests/test_sftp.py, ported to gossh and the real test sshd.

All of its tests are here but test_write_buffer (Python 2's buffer()).

Each test keeps paramiko's name and what it checks; the changes are the
fixtures (a real OpenSSH server instead of paramiko's stub server, so the
session starts in the test user's home, not "/") and the few places where
OpenSSH differs from the stub (noted at each).
"""

import os
import socket
from io import StringIO
from tempfile import mkstemp

import pytest

from sftp_fixtures import impl, sftp, ssh  # noqa: F401 - fixtures

SFTPAttributes = impl.SFTPAttributes

o777, o600, o666, o644 = 0o777, 0o600, 0o666, 0o644

ARTICLE = """
Insulin sensitivity and liver insulin receptor structure in ducks from two
genera

T. Constantine, B. Chevalier, M. Derouet and J. Simon
Station de Recherches Avicoles, Institut National de la Recherche Agronomique,
Nouzilly, France.

Insulin sensitivity and liver insulin receptor structure were studied in
5-wk-old ducks from two genera (Muscovy and Pekin). In the fasting state, both
duck types were equally resistant to exogenous insulin compared with chicken.
Despite the low potency of duck insulin, the number of insulin receptors was
lower in Muscovy duck and similar in Pekin duck and chicken liver membranes.
After 125I-insulin cross-linking, the size of the alpha-subunit of the
receptors from the three species was 135,000. Wheat germ agglutinin-purified
receptors from the three species were contaminated by an active and unusual
adenosinetriphosphatase (ATPase) contaminant (highest activity in Muscovy
duck). Sequential purification of solubilized receptor from both duck types on
lentil and then wheat germ agglutinin lectins led to a fraction of receptors
very poor in ATPase activity that exhibited a beta-subunit size (95,000) and
tyrosine kinase activity similar to those of ATPase-free chicken insulin
receptors. Therefore the ducks from the two genera exhibit an alpha-beta-
structure for liver insulin receptors and a clear difference in the number of
liver insulin receptors. Their sensitivity to insulin is, however, similarly
decreased compared with chicken.
"""

NON_UTF8_DATA = b"\xC3\xC3"

unicode_folder = "\u00fcnic\u00f8de"
utf8_folder = b"/\xc3\xbcnic\xc3\xb8\x64\x65"


def b(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def u(s):
    return s.decode("utf-8") if isinstance(s, bytes) else s


def test_file(sftp):
    f = sftp.open(sftp.FOLDER + "/test", "w")
    try:
        assert f.stat().st_size == 0
    finally:
        f.close()
        sftp.remove(sftp.FOLDER + "/test")


def test_close(sftp):
    sftp.close()
    with pytest.raises(socket.error, match="Socket is closed"):
        sftp.open(sftp.FOLDER + "/test2", "w")


def test_sftp_can_be_used_as_context_manager(sftp):
    with sftp:
        pass
    with pytest.raises(socket.error, match="Socket is closed"):
        sftp.open(sftp.FOLDER + "/test2", "w")


def test_write(sftp):
    try:
        with sftp.open(sftp.FOLDER + "/duck.txt", "w") as f:
            f.write(ARTICLE)
        assert sftp.stat(sftp.FOLDER + "/duck.txt").st_size == 1486
    finally:
        sftp.remove(sftp.FOLDER + "/duck.txt")


def test_sftp_file_can_be_used_as_context_manager(sftp):
    try:
        with sftp.open(sftp.FOLDER + "/duck.txt", "w") as f:
            f.write(ARTICLE)
        assert f.closed
        assert sftp.stat(sftp.FOLDER + "/duck.txt").st_size == 1486
    finally:
        sftp.remove(sftp.FOLDER + "/duck.txt")


def test_listdir_in_locale(sftp):
    # paramiko runs it under a non-ASCII locale only; gossh never looks at
    # the locale (names are UTF-8), so it runs always.
    sftp.open(sftp.FOLDER + "/canard.txt", "w").close()
    assert ["canard.txt"] == sftp.listdir(sftp.FOLDER)


def test_append(sftp):
    try:
        with sftp.open(sftp.FOLDER + "/append.txt", "w") as f:
            f.write("first line\nsecond line\n")
            assert f.tell() == 23

        with sftp.open(sftp.FOLDER + "/append.txt", "a+") as f:
            f.write("third line!!!\n")
            assert f.tell() == 37
            assert f.stat().st_size == 37
            f.seek(-26, f.SEEK_CUR)
            assert f.readline() == "second line\n"
    finally:
        sftp.remove(sftp.FOLDER + "/append.txt")


def test_rename(sftp):
    try:
        with sftp.open(sftp.FOLDER + "/first.txt", "w") as f:
            f.write("content!\n")
        sftp.rename(sftp.FOLDER + "/first.txt", sftp.FOLDER + "/second.txt")
        with pytest.raises(IOError, match="No such file"):
            sftp.open(sftp.FOLDER + "/first.txt", "r")
        with sftp.open(sftp.FOLDER + "/second.txt", "r") as f:
            f.seek(-6, f.SEEK_END)
            assert u(f.read(4)) == "tent"
    finally:
        for name in ("first.txt", "second.txt"):
            try:
                sftp.remove(sftp.FOLDER + "/" + name)
            except IOError:
                pass


def testa_posix_rename(sftp):
    with sftp.open(sftp.FOLDER + "/a", "w") as f:
        f.write("one")
    sftp.rename(sftp.FOLDER + "/a", sftp.FOLDER + "/b")
    with sftp.open(sftp.FOLDER + "/a", "w") as f:
        f.write("two")
    with pytest.raises(IOError):
        sftp.rename(sftp.FOLDER + "/a", sftp.FOLDER + "/b")
    sftp.posix_rename(sftp.FOLDER + "/a", sftp.FOLDER + "/b")
    with sftp.open(sftp.FOLDER + "/b", "r") as f:
        data = u(f.read())
    assert "two" == data


def test_folder(sftp):
    sftp.mkdir(sftp.FOLDER + "/subfolder")
    sftp.open(sftp.FOLDER + "/subfolder/test", "w").close()
    sftp.remove(sftp.FOLDER + "/subfolder/test")
    sftp.rmdir(sftp.FOLDER + "/subfolder")
    with pytest.raises(IOError, match="No such file"):
        sftp.open(sftp.FOLDER + "/subfolder/test")


def test_listdir(sftp):
    sftp.open(sftp.FOLDER + "/duck.txt", "w").close()
    sftp.open(sftp.FOLDER + "/fish.txt", "w").close()
    sftp.open(sftp.FOLDER + "/tertiary.py", "w").close()
    x = sftp.listdir(sftp.FOLDER)
    assert len(x) == 3
    assert "duck.txt" in x
    assert "fish.txt" in x
    assert "tertiary.py" in x
    assert "random" not in x


def test_listdir_iter(sftp):
    sftp.open(sftp.FOLDER + "/duck.txt", "w").close()
    sftp.open(sftp.FOLDER + "/fish.txt", "w").close()
    sftp.open(sftp.FOLDER + "/tertiary.py", "w").close()
    x = [x.filename for x in sftp.listdir_iter(sftp.FOLDER)]
    assert sorted(x) == ["duck.txt", "fish.txt", "tertiary.py"]


def test_listdir_attr_longname(sftp):
    with sftp.open(sftp.FOLDER + "/duck.txt", "w") as f:
        f.write("quack")
    (a,) = sftp.listdir_attr(sftp.FOLDER)
    assert a.filename == "duck.txt"
    assert a.st_size == 5
    assert a.longname.startswith("-") and a.longname.endswith("duck.txt")
    assert str(a).startswith("-rw") and str(a).endswith(" duck.txt")


def test_listdir_many_entries(sftp):
    # More entries than one gossh_sftp_dir_read batch, and than one
    # SSH_FXP_NAME packet of OpenSSH's (100).
    names = {"f%04d" % i for i in range(700)}
    for n in names:
        sftp.open(sftp.FOLDER + "/" + n, "w").close()
    assert set(sftp.listdir(sftp.FOLDER)) == names
    assert {a.filename for a in sftp.listdir_iter(sftp.FOLDER)} == names


def test_setstat(sftp):
    with sftp.open(sftp.FOLDER + "/special", "w") as f:
        f.write("x" * 1024)
    stat = sftp.stat(sftp.FOLDER + "/special")
    sftp.chmod(sftp.FOLDER + "/special", (stat.st_mode & ~o777) | o600)
    stat = sftp.stat(sftp.FOLDER + "/special")
    assert stat.st_mode & o777 == o600
    assert stat.st_size == 1024

    mtime = stat.st_mtime - 3600
    atime = stat.st_atime - 1800
    sftp.utime(sftp.FOLDER + "/special", (atime, mtime))
    stat = sftp.stat(sftp.FOLDER + "/special")
    assert stat.st_mtime == mtime
    assert stat.st_atime == atime

    # chown to our own uid/gid: allowed, and it goes through
    sftp.chown(sftp.FOLDER + "/special", stat.st_uid, stat.st_gid)

    sftp.truncate(sftp.FOLDER + "/special", 512)
    stat = sftp.stat(sftp.FOLDER + "/special")
    assert stat.st_size == 512


def test_utime_none_is_now(sftp):
    import time

    path = sftp.FOLDER + "/now"
    sftp.open(path, "w").close()
    sftp.utime(path, (1000000000, 1000000000))
    assert sftp.stat(path).st_mtime == 1000000000
    before = int(time.time()) - 5
    sftp.utime(path, None)
    assert sftp.stat(path).st_mtime >= before


def test_fsetstat(sftp):
    with sftp.open(sftp.FOLDER + "/special", "w") as f:
        f.write("x" * 1024)
    with sftp.open(sftp.FOLDER + "/special", "r+") as f:
        stat = f.stat()
        f.chmod((stat.st_mode & ~o777) | o600)
        stat = f.stat()
        assert stat.st_mode & o777 == o600
        assert stat.st_size == 1024

        mtime = stat.st_mtime - 3600
        atime = stat.st_atime - 1800
        f.utime((atime, mtime))
        stat = f.stat()
        assert stat.st_mtime == mtime
        assert stat.st_atime == atime

        f.chown(stat.st_uid, stat.st_gid)

        f.truncate(512)
        stat = f.stat()
        assert stat.st_size == 512


def test_readline_seek(sftp):
    with sftp.open(sftp.FOLDER + "/duck.txt", "w") as f:
        f.write(ARTICLE)
    with sftp.open(sftp.FOLDER + "/duck.txt", "r+") as f:
        line_number = 0
        loc = 0
        pos_list = []
        for line in f:
            line_number += 1
            pos_list.append(loc)
            loc = f.tell()
        assert line_number == 25
        assert f.seekable()
        f.seek(pos_list[6], f.SEEK_SET)
        assert f.readline() == "Nouzilly, France.\n"
        f.seek(pos_list[17], f.SEEK_SET)
        assert f.readline()[:4] == "duck"
        f.seek(pos_list[10], f.SEEK_SET)
        expected = "duck types were equally resistant to exogenous insulin compared with chicken.\n"  # noqa
        assert f.readline() == expected


def test_write_seek(sftp):
    with sftp.open(sftp.FOLDER + "/testing.txt", "w") as f:
        f.write("hello kitty.\n")
        f.seek(-5, f.SEEK_CUR)
        f.write("dd")
    assert sftp.stat(sftp.FOLDER + "/testing.txt").st_size == 13
    with sftp.open(sftp.FOLDER + "/testing.txt", "r") as f:
        data = f.read(20)
    assert data == b"hello kiddy.\n"


def test_symlink(sftp):
    with sftp.open(sftp.FOLDER + "/original.txt", "w") as f:
        f.write("original\n")
    sftp.symlink("original.txt", sftp.FOLDER + "/link.txt")
    assert sftp.readlink(sftp.FOLDER + "/link.txt") == "original.txt"

    with sftp.open(sftp.FOLDER + "/link.txt", "r") as f:
        assert f.readlines() == ["original\n"]

    cwd = sftp.normalize(".")
    if cwd[-1] == "/":
        cwd = cwd[:-1]
    abs_path = cwd + "/" + sftp.FOLDER + "/original.txt"
    sftp.symlink(abs_path, sftp.FOLDER + "/link2.txt")
    assert abs_path == sftp.readlink(sftp.FOLDER + "/link2.txt")

    assert sftp.lstat(sftp.FOLDER + "/link.txt").st_size == 12
    assert sftp.stat(sftp.FOLDER + "/link.txt").st_size == 9
    assert sftp.lstat(sftp.FOLDER + "/link2.txt").st_size >= len(abs_path)
    assert sftp.stat(sftp.FOLDER + "/link2.txt").st_size == 9
    assert sftp.stat(sftp.FOLDER + "/original.txt").st_size == 9
    # the link itself, checked on this machine
    assert os.readlink(os.path.join(sftp.LOCAL, "link.txt")) == "original.txt"


def test_flush_seek(sftp):
    with sftp.open(sftp.FOLDER + "/happy.txt", "w", 1) as f:
        f.write("full line.\n")
        f.write("partial")
        f.seek(9, f.SEEK_SET)
        f.write("?\n")
    with sftp.open(sftp.FOLDER + "/happy.txt", "r") as f:
        assert f.readline() == u("full line?\n")
        assert f.read(7) == b"partial"


def test_realpath(sftp):
    pwd = sftp.normalize(".")
    assert len(pwd) > 0
    f = sftp.normalize("./" + sftp.FOLDER)
    assert len(f) > 0
    assert os.path.join(pwd, sftp.FOLDER) == f


def test_mkdir(sftp):
    sftp.mkdir(sftp.FOLDER + "/subfolder")
    with pytest.raises(IOError):
        sftp.mkdir(sftp.FOLDER + "/subfolder")
    sftp.rmdir(sftp.FOLDER + "/subfolder")
    with pytest.raises(IOError, match="No such file"):
        sftp.rmdir(sftp.FOLDER + "/subfolder")


def test_chdir(sftp):
    root = sftp.normalize(".")
    if root[-1] != "/":
        root += "/"
    try:
        sftp.mkdir(sftp.FOLDER + "/alpha")
        sftp.chdir(sftp.FOLDER + "/alpha")
        sftp.mkdir("beta")
        assert root + sftp.FOLDER + "/alpha" == sftp.getcwd()
        assert ["beta"] == sftp.listdir(".")

        sftp.chdir("beta")
        with sftp.open("fish", "w") as f:
            f.write("hello\n")
        sftp.chdir("..")
        assert ["fish"] == sftp.listdir("beta")
        sftp.chdir("..")
        assert ["fish"] == sftp.listdir("alpha/beta")
    finally:
        sftp.chdir(root)


def test_chdir_not_a_directory(sftp):
    import errno

    sftp.open(sftp.FOLDER + "/plain", "w").close()
    with pytest.raises(impl.SFTPError) as ei:
        sftp.chdir(sftp.FOLDER + "/plain")
    assert ei.value.args[0] == errno.ENOTDIR
    with pytest.raises(IOError, match="No such file"):
        sftp.chdir(sftp.FOLDER + "/nothing-here")
    assert sftp.getcwd() is None


def test_get_put(sftp):
    fd, localname = mkstemp()
    os.close(fd)
    text = b"All I wanted was a plastic bunny rabbit.\n"
    with open(localname, "wb") as f:
        f.write(text)
    saved_progress = []

    def progress_callback(x, y):
        saved_progress.append((x, y))

    attrs = sftp.put(localname, sftp.FOLDER + "/bunny.txt", progress_callback)
    assert attrs.st_size == 41

    with sftp.open(sftp.FOLDER + "/bunny.txt", "rb") as f:
        assert text == f.read(128)
    assert [(41, 41)] == saved_progress

    os.unlink(localname)
    fd, localname = mkstemp()
    os.close(fd)
    saved_progress = []
    sftp.get(sftp.FOLDER + "/bunny.txt", localname, progress_callback)

    with open(localname, "rb") as f:
        assert text == f.read(128)
    assert [(41, 41)] == saved_progress

    os.unlink(localname)
    sftp.unlink(sftp.FOLDER + "/bunny.txt")


def test_get_without_prefetch(sftp, tmp_path):
    sftp_filename = sftp.FOLDER + "/dummy_file"
    num_chars = 1024 * 1024 * 4
    localname = str(tmp_path / "src")
    with open(localname, "wb") as f:
        f.write(b"0" * num_chars)
    sftp.put(localname, sftp_filename)
    localname = str(tmp_path / "dst")
    sftp.get(sftp_filename, localname, prefetch=False)
    assert os.stat(localname).st_size == num_chars


def test_check(sftp):
    # OpenSSH has no check-file extension: paramiko raises IOError then.
    with sftp.open(sftp.FOLDER + "/kitty.txt", "w") as f:
        f.write("here kitty kitty" * 64)
    with sftp.open(sftp.FOLDER + "/kitty.txt", "r") as f:
        with pytest.raises(IOError):
            f.check("sha1")


def test_x_flag(sftp):
    sftp.open(sftp.FOLDER + "/unusual.txt", "wx").close()
    with pytest.raises(IOError):
        sftp.open(sftp.FOLDER + "/unusual.txt", "wx")


def test_utf8(sftp):
    with sftp.open(sftp.FOLDER + "/something", "w") as f:
        f.write("okay")
    sftp.rename(sftp.FOLDER + "/something", sftp.FOLDER + "/" + unicode_folder)
    sftp.open(b(sftp.FOLDER) + utf8_folder, "r").close()
    assert sftp.listdir(sftp.FOLDER) == [unicode_folder]
    sftp.unlink(b(sftp.FOLDER) + utf8_folder)


def test_utf8_chdir(sftp):
    sftp.mkdir(sftp.FOLDER + "/" + unicode_folder)
    try:
        sftp.chdir(sftp.FOLDER + "/" + unicode_folder)
        with sftp.open("something", "w") as f:
            f.write("okay")
        sftp.unlink("something")
    finally:
        sftp.chdir()
        sftp.rmdir(sftp.FOLDER + "/" + unicode_folder)


def test_bad_readv(sftp):
    sftp.open(sftp.FOLDER + "/zero", "w").close()
    with sftp.open(sftp.FOLDER + "/zero", "r") as f:
        assert list(f.readv([(0, 12)])) == [b""]
    with sftp.open(sftp.FOLDER + "/zero", "r") as f:
        file_size = f.stat().st_size
        f.prefetch(file_size)
        assert f.read(100) == b""


def test_put_without_confirm(sftp):
    fd, localname = mkstemp()
    os.close(fd)
    text = b"All I wanted was a plastic bunny rabbit.\n"
    with open(localname, "wb") as f:
        f.write(text)
    saved_progress = []

    def progress_callback(x, y):
        saved_progress.append((x, y))

    res = sftp.put(localname, sftp.FOLDER + "/bunny.txt", progress_callback, False)
    assert SFTPAttributes().attr == res.attr
    assert res.st_size is None
    with sftp.open(sftp.FOLDER + "/bunny.txt", "r") as f:
        assert text == f.read(128)
    assert (41, 41) == saved_progress[-1]
    os.unlink(localname)


def test_getcwd(sftp):
    assert sftp.getcwd() is None
    root = sftp.normalize(".")
    if root[-1] != "/":
        root += "/"
    try:
        sftp.mkdir(sftp.FOLDER + "/alpha")
        sftp.chdir(sftp.FOLDER + "/alpha")
        # paramiko's stub server starts in "/"; OpenSSH in the home directory
        assert sftp.getcwd() == root + sftp.FOLDER + "/alpha"
    finally:
        sftp.chdir(root)


def test_seek_append(sftp):
    # paramiko's note says OpenSSH fails this one; it does not here (the
    # server opens the file O_APPEND, where Linux's pwrite appends).
    with sftp.open(sftp.FOLDER + "/append.txt", "a") as f:
        f.write("first line\nsecond line\n")
        f.seek(11, f.SEEK_SET)
        f.write("third line\n")
    with sftp.open(sftp.FOLDER + "/append.txt", "r") as f:
        assert f.stat().st_size == 34
        assert f.readline() == "first line\n"
        assert f.readline() == "second line\n"
        assert f.readline() == "third line\n"


def test_putfo_empty_file(sftp):
    target = sftp.FOLDER + "/empty file.txt"
    stream = StringIO()
    attrs = sftp.putfo(stream, target)
    assert attrs is not None
    assert attrs.st_size == 0


def test_file_with_percent(sftp):
    f = sftp.open(sftp.FOLDER + "/test%file", "w")
    try:
        assert f.stat().st_size == 0
    finally:
        f.close()
        sftp.remove(sftp.FOLDER + "/test%file")


def test_non_utf8_data(sftp):
    with sftp.open(f"{sftp.FOLDER}/nonutf8data", "w") as f:
        f.write(NON_UTF8_DATA)
    with sftp.open(f"{sftp.FOLDER}/nonutf8data", "r") as f:
        data = f.read()
    assert data == NON_UTF8_DATA
    with sftp.open(f"{sftp.FOLDER}/nonutf8data", "wb") as f:
        f.write(NON_UTF8_DATA)
    with sftp.open(f"{sftp.FOLDER}/nonutf8data", "rb") as f:
        data = f.read()
    assert data == NON_UTF8_DATA


def test_sftp_attributes_locale_time(sftp):
    some_stat = os.stat(sftp.LOCAL)
    sftp_attributes = SFTPAttributes.from_stat(some_stat, u("a_directory"))
    assert b"a_directory" in sftp_attributes.asbytes()


def test_sftp_attributes_empty_str(sftp):
    sftp_attributes = SFTPAttributes()
    assert str(sftp_attributes) == "?---------   1 0        0               0 (unknown date) ?"


def test_write_memoryview(sftp):
    data = 3 * b"A potentially large block of data to chunk up.\n"
    with sftp.open(f"{sftp.FOLDER}/write_memoryview", "wb") as f:
        view = memoryview(data)
        for offset in range(0, len(data), 8):
            f.write(view[offset: offset + 8])
    with sftp.open(f"{sftp.FOLDER}/write_memoryview", "rb") as f:
        assert f.read() == data
