#!/bin/sh
# tests/install/python.sh — the Python package installed as users install it,
# run under testenv/with-sshd.sh (make test-install, after make dist):
#   1. dist/'s wheel into a fresh venv: `import gossh` from outside the
#      repository runs a command on the test sshd, and the wheel's tags are
#      py3-none-manylinux (one wheel for every CPython 3);
#   2. `pip install ./python` in a copy of the tracked files (a fresh clone:
#      no library built yet), which builds libgossh itself.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${GOSSH_TEST_HOST:?run under testenv/with-sshd.sh}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test-install (Python): FAIL: $*" >&2; exit 1; }

whl=$(ls "$ROOT"/dist/gossh-*-py3-none-manylinux_*.whl 2>/dev/null | head -1)
[ -n "$whl" ] || fail "no py3-none-manylinux wheel in dist/ (run make dist)"
# PEP 561: the wheel marks the package as typed.
python3 -c 'import sys, zipfile; sys.exit("gossh/py.typed" not in zipfile.ZipFile(sys.argv[1]).namelist())' \
  "$whl" || fail "$(basename "$whl") lacks gossh/py.typed"

cat >"$T/check.py" <<'PY'
import os, sys
import gossh as paramiko
here = os.path.dirname(os.path.abspath(paramiko.__file__))
assert "site-packages" in here, "gossh imported from %s, not the venv" % here
c = paramiko.SSHClient()
c.load_host_keys(os.environ["GOSSH_TEST_KNOWN_HOSTS"])
c.connect(os.environ["GOSSH_TEST_HOST"], port=int(os.environ["GOSSH_TEST_PORT"]),
          username=os.environ["GOSSH_TEST_USER"],
          key_filename=os.path.join(os.environ["GOSSH_TEST_KEYDIR"], "id_ed25519"),
          allow_agent=False, look_for_keys=False)
_, out, _ = c.exec_command("echo " + sys.argv[1])
print(out.read().decode().strip(), paramiko.__version__)
c.close()
PY

python3 -m venv "$T/venv1"
"$T/venv1/bin/pip" install -q --disable-pip-version-check --no-index "$whl"
out=$(cd "$T" && env -u PYTHONPATH "$T/venv1/bin/python" check.py wheel-ok)
echo "$out" | grep -q "^wheel-ok " || fail "the installed wheel printed: $out"
echo "test-install (Python): $(basename "$whl") in a fresh venv: ok"

mkdir "$T/src"
(cd "$ROOT" && git ls-files -z | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$T/src"
[ ! -e "$T/src/python/gossh/libgossh.so" ] || fail "the copy already has a library"
python3 -m venv "$T/venv2"
"$T/venv2/bin/pip" install -q --disable-pip-version-check "$T/src/python" >"$T/pip.log" 2>&1 \
  || { tail -20 "$T/pip.log"; fail "pip install ./python on a fresh copy"; }
out=$(cd "$T" && env -u PYTHONPATH "$T/venv2/bin/python" check.py source-ok)
echo "$out" | grep -q "^source-ok " || fail "pip install ./python gave a package that printed: $out"
echo "test-install (Python): pip install ./python on a fresh copy (builds libgossh): ok"
