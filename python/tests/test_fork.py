"""Fork safety: importing gossh does not load libgossh (and so does not start
a Go runtime), so a program may import it and fork (Ansible's controller
does); in a child forked after the library was loaded, every call raises
LibraryForkedError at once instead of hanging.

Each case runs in a fresh interpreter (subprocess, bounded by HANG_GUARD so a
hang fails the test instead of stalling the suite)."""

import os
import subprocess
import sys
import textwrap

from conftest import HANG_GUARD

PYDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PRELUDE = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {pydir!r})

    def maps_has_lib():
        with open("/proc/self/maps") as f:
            return "libgossh" in f.read()

    def connect_and_run(gossh, word):
        e = os.environ
        c = gossh.SSHClient()
        c.load_host_keys(e["GOSSH_TEST_KNOWN_HOSTS"])
        c.connect(e["GOSSH_TEST_HOST"], port=int(e["GOSSH_TEST_PORT"]),
                  username=e["GOSSH_TEST_USER"],
                  key_filename=os.path.join(e["GOSSH_TEST_KEYDIR"], "id_ed25519"),
                  allow_agent=False, look_for_keys=False, timeout=10)
        try:
            _, out, _ = c.exec_command("echo " + word)
            return out.read().decode().strip()
        finally:
            c.close()
    """
).format(pydir=PYDIR)


def run_script(body):
    script = PRELUDE + textwrap.dedent(body)
    try:
        p = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=HANG_GUARD,
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError("hung: {}\n{}".format(e.stdout, e.stderr))
    assert p.returncode == 0, "rc={}\nstdout:\n{}\nstderr:\n{}".format(
        p.returncode, p.stdout, p.stderr)
    return p.stdout


def test_import_does_not_load_the_library():
    out = run_script(
        """
        import gossh, gossh.client, gossh.transport, gossh.channel, gossh.pkey
        import gossh.sftp_client, gossh.hostkeys
        from gossh import _lib
        assert not _lib.loaded()
        assert not maps_has_lib(), "libgossh mapped by import"
        # One thread: no Go runtime started.
        assert len(os.listdir("/proc/self/task")) == 1, os.listdir("/proc/self/task")
        # Building an exception or a policy object needs no library either.
        gossh.AutoAddPolicy(); gossh.SSHException("x")
        assert not _lib.loaded()
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_import_then_fork_child_uses_gossh():
    # The Ansible pattern: import in the parent, fork workers, use in each.
    out = run_script(
        """
        import gossh
        from gossh import _lib
        pids = []
        for i in range(4):
            pid = os.fork()
            if pid == 0:
                try:
                    ok = connect_and_run(gossh, "child%d" % i) == "child%d" % i
                except BaseException as e:
                    print("child error:", repr(e), file=sys.stderr)
                    ok = False
                os._exit(0 if ok else 1)
            pids.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids]
        assert codes == [0, 0, 0, 0], codes
        assert not _lib.loaded()
        # The parent may still use gossh afterwards.
        assert connect_and_run(gossh, "parent") == "parent"
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_fork_after_load_raises_clear_error_in_child():
    out = run_script(
        """
        import logging
        logging.basicConfig(level=logging.DEBUG)  # the log callback is installed
        import gossh
        from gossh import _lib
        assert connect_and_run(gossh, "before") == "before"
        kept = gossh.SSHClient()  # an object made before the fork
        assert _lib.loaded()
        pid = os.fork()
        if pid == 0:
            failures = []
            for what, fn in [
                ("SSHClient()", gossh.SSHClient),
                ("connect", lambda: connect_and_run(gossh, "x")),
                ("old object", lambda: kept.load_host_keys(os.environ["GOSSH_TEST_KNOWN_HOSTS"])),
                ("key", lambda: gossh.Ed25519Key.generate()),
            ]:
                try:
                    fn()
                    failures.append(what + ": no error")
                except gossh.LibraryForkedError as e:
                    msg = str(e)
                    if "fork" not in msg or str(os.getppid()) not in msg:
                        failures.append(what + ": unclear message " + msg)
                    if not isinstance(e, gossh.SSHException):
                        failures.append(what + ": not an SSHException")
                except BaseException as e:
                    failures.append(what + ": " + repr(e))
            assert _lib.forked_after_load() and not _lib.loaded()
            if failures:
                print("\\n".join(failures), file=sys.stderr)
            # Exit through the interpreter's normal shutdown (atexit, __del__):
            # it must not hang or print errors either.
            sys.stderr.flush()
            sys.exit(1 if failures else 0)
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        assert status == 0, status
        # The parent is unaffected.
        assert connect_and_run(gossh, "after") == "after"
        kept.close()
        print("ok")
        """
    )
    assert out.strip().endswith("ok")


def test_multiprocessing_fork_pool_after_import():
    out = run_script(
        """
        import multiprocessing as mp
        import gossh

        def work(i):
            return connect_and_run(gossh, "w%d" % i)

        if __name__ == "__main__":
            with mp.get_context("fork").Pool(2) as pool:
                got = pool.map(work, range(6))
            assert got == ["w%d" % i for i in range(6)], got
            print("ok")
        """
    )
    assert out.strip() == "ok"


def test_first_use_from_many_threads_at_once():
    # The library loads once, under a lock, whichever thread comes first;
    # the others wait and then see every function.  Repeated in fresh
    # interpreters, since only the first use races.
    for _ in range(12):
        out = run_script(
            """
            import threading
            import gossh
            from gossh import _lib
            go = threading.Event()
            errors = []

            def first_use(i):
                go.wait()
                try:
                    if i % 3 == 0:
                        gossh.SSHClient().close()
                    elif i % 3 == 1:
                        assert _lib.E_AUTH < 0 and _lib.code_name(_lib.E_AUTH) == "GOSSH_E_AUTH"
                    else:
                        gossh.Ed25519Key.generate().get_fingerprint()
                except BaseException as e:
                    errors.append(repr(e))

            ts = [threading.Thread(target=first_use, args=(i,)) for i in range(16)]
            for t in ts:
                t.start()
            go.set()
            for t in ts:
                t.join()
            assert not errors, errors
            assert _lib.loaded()
            print("ok")
            """
        )
        assert out.strip() == "ok"
