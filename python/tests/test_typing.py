"""The types: gossh's annotations seen from a typed user program.

``typecheck/uses_gossh.py`` must pass ``mypy --strict`` (the project's
configuration, python/pyproject.toml) and then run against the test sshd;
``typecheck/bad_types.py`` must fail it with exactly the errors its
``# E: <code>`` comments mark, so the check is shown able to fail.  (`make
typecheck-python` checks the package and the examples themselves.)
"""

import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
ROOT = os.path.dirname(PYDIR)
TYPECHECK = os.path.join(HERE, "typecheck")

needs_mypy = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (.ci/run installs the pinned version: "
           "python3 -m pip install mypy==2.4.1)")


def _mypy(path):
    """Runs mypy --strict with the project's configuration on one file;
    returns (exit status, output)."""
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict",
         "--config-file", os.path.join(PYDIR, "pyproject.toml"), path],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    return proc.returncode, proc.stdout


def _marked_errors(path):
    """{(line, code)} of the "# E: code" comments in path."""
    out = set()
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.search(r"#\s*E:\s*([a-z-]+)\s*$", line)
            if m:
                out.add((n, m.group(1)))
    return out


def _reported_errors(output, path):
    """{(line, code)} of the errors mypy reported in path."""
    name = re.escape(os.path.basename(path))
    return {(int(m.group(1)), m.group(2))
            for m in re.finditer(r"^.*" + name + r":(\d+): error: .*\[([a-z-]+)\]$",
                                 output, re.M)}


@needs_mypy
def test_typed_program_passes_mypy_strict():
    rc, out = _mypy(os.path.join(TYPECHECK, "uses_gossh.py"))
    assert rc == 0, out
    assert "Success: no issues found" in out, out


@needs_mypy
def test_type_errors_are_reported():
    path = os.path.join(TYPECHECK, "bad_types.py")
    expected = _marked_errors(path)
    assert len(expected) >= 8, "the file lost its marked errors"
    rc, out = _mypy(path)
    assert rc == 1, out
    assert _reported_errors(out, path) == expected, out
    # The first one, spelled out: an int where connect() wants a host name.
    assert re.search(r'bad_types\.py:\d+: error: Argument 1 to "connect" of "SSHClient" has '
                     r'incompatible type "int"; expected "str"', out), out


def _oldest_python():
    """The python3.X named by pyproject.toml's requires-python (">=3.X")."""
    with open(os.path.join(PYDIR, "pyproject.toml")) as f:
        m = re.search(r'^requires-python\s*=\s*">=\s*(3\.\d+)"', f.read(), re.M)
    assert m, "requires-python not found in pyproject.toml"
    return "python" + m.group(1)


def _find_python(name):
    """A runnable interpreter called name (on the PATH, or pyenv's), or None."""
    version = name[len("python"):]
    candidates = [shutil.which(name)] + sorted(glob.glob(os.path.expanduser(
        "~/.pyenv/versions/{}.*/bin/{}".format(version, name))))
    for exe in candidates:
        if exe is None:
            continue
        try:
            proc = subprocess.run([exe, "-c", "import sys; print(sys.version_info[:2])"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, timeout=60)
        except OSError:
            continue
        if proc.returncode == 0 and proc.stdout.strip() == str(
                tuple(int(x) for x in version.split("."))):
            return exe
    return None


def test_annotations_import_on_the_oldest_python():
    """The annotations are never evaluated at import (mypy checks them as
    3.10, the oldest it supports): every module imports on the oldest
    Python pyproject.toml allows, where X | Y would fail if evaluated."""
    exe = _find_python(_oldest_python())
    if exe is None:
        pytest.skip("{} is not installed".format(_oldest_python()))
    code = ("import importlib, os, gossh\n"
            "names = [f[:-3] for f in os.listdir(gossh.__path__[0])\n"
            "         if f.endswith('.py') and f != '__init__.py']\n"
            "for n in names: importlib.import_module('gossh.' + n)\n"
            "print(len(names))\n")
    proc = subprocess.run([exe, "-c", code], cwd=ROOT, env=dict(os.environ, PYTHONPATH=PYDIR),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout
    assert int(proc.stdout.split()[-1]) >= 30, proc.stdout


def _load_typed_program():
    spec = importlib.util.spec_from_file_location(
        "uses_gossh", os.path.join(TYPECHECK, "uses_gossh.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_typed_program_runs(env):
    """The typed program does what its types say against the real sshd."""
    prog = _load_typed_program()
    key_path = env.key("id_ed25519")
    client = prog.connect(env.host, env.port, env.user, key_path, env.known_hosts)
    try:
        status, out, err = prog.run_command(client, "echo typed; echo oops >&2; exit 3")
        assert (status, out, err) == (3, "typed\n", b"oops\n")
        assert prog.lines_of(client, "printf 'a\\nb\\n'") == ["a", "b"]
        data = os.urandom(300 * 1024)
        back, size, listed = prog.sftp_round_trip(client, data)
        assert back == data and size == len(data) and len(listed) == 1
    finally:
        client.close()
    name, fingerprint, found = prog.keys()
    assert name == "ssh-ed25519" and fingerprint.startswith("SHA256:") and found is True
    assert prog.bad_password(env.host, env.port, env.user, env.known_hosts) == \
        "AuthenticationException"
    assert prog.over_socket(env.host, env.port, env.user, key_path, env.known_hosts) == \
        "over-sock hand-built 0"
    seen = prog.unknown_host(env.host, env.port, env.user, key_path)
    assert len(seen) == 1 and seen[0][1].startswith(("ssh-", "ecdsa-"))
    fanned = prog.fan_out(env.host, env.port, env.user, key_path, env.known_hosts)
    assert fanned == [
        ("first", 0, ["a"], ["err"], False), (env.host, 1, ["b"], ["err"], False),
        (env.host, 2, ["c"], ["err"], False),
        ("first", 3, ["d"], ["err"], True), (env.host, 4, ["e"], ["err"], True),
        (env.host, 5, ["f"], ["err"], True)]
