"""Many channels on one connection and many connections at once, all
correct (the test sshd allows MaxSessions 200 and MaxStartups 200)."""

import hashlib
import threading

import gossh
from conftest import run_with_deadline


def test_100_concurrent_channels_one_connection(connected):
    n = 100
    t = connected.get_transport()
    # Open all of them first: 100 channels are live on the connection at once.
    chans = []
    for i in range(n):
        c = t.open_session(timeout=30)
        c.exec_command("cat; echo exit{} >&2; exit {}".format(i, i % 256))
        chans.append(c)
    payloads = [("chan %d " % i).encode() * (1000 + 37 * i) for i in range(n)]
    results, errors = {}, []

    def drive(i):
        try:
            c = chans[i]
            c.settimeout(60)
            c.sendall(payloads[i])
            c.shutdown_write()
            out = c.makefile("rb").read()
            err = c.makefile_stderr("rb").read()
            results[i] = (hashlib.sha256(out).hexdigest(), err, c.recv_exit_status())
        except Exception as e:  # noqa: BLE001
            errors.append((i, repr(e)))

    def run_all():
        threads = [threading.Thread(target=drive, args=(i,)) for i in range(n)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()

    run_with_deadline(run_all, 120)
    assert not errors, errors[:5]
    for i in range(n):
        assert results[i] == (hashlib.sha256(payloads[i]).hexdigest(),
                              "exit{}\n".format(i).encode(), i % 256), i
    ids = {c.get_id() for c in chans}
    assert len(ids) == n
    for c in chans:
        c.close()
    assert t.is_active()


def test_50_threads_50_clients(env):
    n = 50
    results, errors = {}, []
    start = threading.Barrier(n)

    def worker(i):
        try:
            start.wait(30)  # connect all at once
            with gossh.SSHClient() as c:
                c.load_host_keys(env.known_hosts)
                c.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519"), timeout=30,
                                               banner_timeout=30, auth_timeout=30))
                stdin, out, err = c.exec_command("read x; echo \"$x\" {}; echo e{} >&2".format(i, i),
                                                 timeout=60)
                stdin.write("client\n")
                stdin.close()
                results[i] = (out.read(), err.read(), out.channel.recv_exit_status())
        except Exception as e:  # noqa: BLE001
            errors.append((i, repr(e)))

    def run_all():
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()

    run_with_deadline(run_all, 180)
    assert not errors, errors[:5]
    assert results == {
        i: ("client {}\n".format(i).encode(), "e{}\n".format(i).encode(), 0) for i in range(n)
    }
