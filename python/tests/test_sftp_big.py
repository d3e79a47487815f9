"""paramiko's tests/test_sftp_big.py, ported to gossh and the real test sshd.

Left out: test_big_file_renegotiate (it sets paramiko's packetizer
REKEY_BYTES; x/crypto rekeys on its own schedule) and test_prefetch_limit
(it counts paramiko's private _prefetch_extents; gossh reads ahead in the
library).  No timings are asserted.
"""

import random
import struct

from sftp_fixtures import sftp, ssh  # noqa: F401 - fixtures

o660 = 0o660


def test_lots_of_files(sftp):
    numfiles = 100
    for i in range(numfiles):
        target = f"{sftp.FOLDER}/file{i}.txt"
        with sftp.open(target, "w", 1) as f:
            f.write(f"this is file #{i}.\n")
        sftp.chmod(target, o660)
    numlist = list(range(numfiles))
    while len(numlist) > 0:
        r = numlist[random.randint(0, len(numlist) - 1)]
        with sftp.open(f"{sftp.FOLDER}/file{r}.txt") as f:
            assert f.readline() == f"this is file #{r}.\n"
        numlist.remove(r)


def test_big_file(sftp):
    kblob = 1024 * b"x"
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "w") as f:
        for n in range(1024):
            f.write(kblob)
    assert sftp.stat(f"{sftp.FOLDER}/hongry.txt").st_size == 1024 * 1024
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "r") as f:
        for n in range(1024):
            data = f.read(1024)
            assert data == kblob
        assert f.read(1) == b""


def _write_kblob_file(sftp):
    kblob = bytes().join([struct.pack(">H", n) for n in range(512)])
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "wb") as f:
        f.set_pipelined(True)
        for n in range(1024):
            f.write(kblob)
    assert sftp.stat(f"{sftp.FOLDER}/hongry.txt").st_size == 1024 * 1024
    return kblob


def test_big_file_pipelined(sftp):
    kblob = _write_kblob_file(sftp)
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "rb") as f:
        file_size = f.stat().st_size
        f.prefetch(file_size)
        n = 0
        k2blob = kblob + kblob
        chunk = 629
        size = 1024 * 1024
        while n < size:
            if n + chunk > size:
                chunk = size - n
            data = f.read(chunk)
            offset = n % 1024
            assert data == k2blob[offset: offset + chunk]
            n += chunk


def test_prefetch_seek(sftp):
    kblob = _write_kblob_file(sftp)
    k2blob = kblob + kblob
    chunk = 793
    for i in range(10):
        with sftp.open(f"{sftp.FOLDER}/hongry.txt", "rb") as f:
            file_size = f.stat().st_size
            f.prefetch(file_size)
            base_offset = (512 * 1024) + 17 * random.randint(1000, 2000)
            offsets = [base_offset + j * chunk for j in range(100)]
            for j in range(100):
                offset = offsets[random.randint(0, len(offsets) - 1)]
                offsets.remove(offset)
                f.seek(offset)
                data = f.read(chunk)
                n_offset = offset % 1024
                assert data == k2blob[n_offset: n_offset + chunk]


def test_readv_seek(sftp):
    kblob = _write_kblob_file(sftp)
    k2blob = kblob + kblob
    chunk = 793
    for i in range(10):
        with sftp.open(f"{sftp.FOLDER}/hongry.txt", "rb") as f:
            base_offset = (512 * 1024) + 17 * random.randint(1000, 2000)
            offsets = [base_offset + j * chunk for j in range(100)]
            readv_list = []
            for j in range(100):
                o = offsets[random.randint(0, len(offsets) - 1)]
                offsets.remove(o)
                readv_list.append((o, chunk))
            ret = f.readv(readv_list)
            for i in range(len(readv_list)):
                offset = readv_list[i][0]
                n_offset = offset % 1024
                assert next(ret) == k2blob[n_offset: n_offset + chunk]


def test_lots_of_prefetching(sftp):
    kblob = 1024 * b"x"
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "w") as f:
        f.set_pipelined(True)
        for n in range(1024):
            f.write(kblob)
    assert sftp.stat(f"{sftp.FOLDER}/hongry.txt").st_size == 1024 * 1024
    for i in range(10):
        with sftp.open(f"{sftp.FOLDER}/hongry.txt", "r") as f:
            file_size = f.stat().st_size
            f.prefetch(file_size)
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "r") as f:
        file_size = f.stat().st_size
        f.prefetch(file_size)
        for n in range(1024):
            data = f.read(1024)
            assert data == kblob


def test_prefetch_readv(sftp):
    kblob = _write_kblob_file(sftp)
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "rb") as f:
        file_size = f.stat().st_size
        f.prefetch(file_size)
        data = f.read(1024)
        assert data == kblob
        chunk_size = 793
        base_offset = 512 * 1024
        k2blob = kblob + kblob
        chunks = [(base_offset + (chunk_size * i), chunk_size) for i in range(20)]
        for data in f.readv(chunks):
            offset = base_offset % 1024
            assert chunk_size == len(data)
            assert k2blob[offset: offset + chunk_size] == data
            base_offset += chunk_size


def test_large_readv(sftp):
    _write_kblob_file(sftp)
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "rb") as f:
        data = list(f.readv([(23 * 1024, 128 * 1024)]))
        assert len(data) == 1
        data = data[0]
        assert len(data) == 128 * 1024


def test_big_file_big_buffer(sftp):
    mblob = 1024 * 1024 * "x"
    with sftp.open(f"{sftp.FOLDER}/hongry.txt", "w", 128 * 1024) as f:
        f.write(mblob)
    assert sftp.stat(f"{sftp.FOLDER}/hongry.txt").st_size == 1024 * 1024


def test_big_file_read_all(sftp):
    # read() with no size over several library calls
    blob = bytes(random.getrandbits(8) for _ in range(4096)) * 1024  # 4 MiB
    with sftp.open(f"{sftp.FOLDER}/big.bin", "wb") as f:
        f.write(blob)
    with sftp.open(f"{sftp.FOLDER}/big.bin", "rb") as f:
        assert f.read() == blob
        assert f.tell() == len(blob)
