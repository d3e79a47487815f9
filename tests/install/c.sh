#!/bin/sh
# tests/install/c.sh — make install as a C user would use it, run under
# testenv/with-sshd.sh (make test-install):
#   1. a staged install (DESTDIR) has the files and links the Makefile
#      promises, and make uninstall removes them all;
#   2. into a scratch prefix: examples/c/exec_demo.c built with
#      `pkg-config --cflags --libs gossh` runs against the test sshd;
#   3. as root, into /usr/local when no libgossh is installed there: the
#      program built with pkg-config runs WITHOUT LD_LIBRARY_PATH or an
#      rpath (ldconfig made the library findable), then make uninstall.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${GOSSH_TEST_HOST:?run under testenv/with-sshd.sh}"
CC=${CC:-cc}
T=$(mktemp -d)
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "test-install (C): FAIL: $*" >&2; exit 1; }
v=$(sed -n 's/^#define GOSSH_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$ROOT/include/gossh.h" | paste -sd.)

export GOSSH_DEMO_HOST=$GOSSH_TEST_HOST GOSSH_DEMO_PORT=$GOSSH_TEST_PORT \
  GOSSH_DEMO_USER=$GOSSH_TEST_USER GOSSH_DEMO_KEY=$GOSSH_TEST_KEYDIR/id_ed25519 \
  GOSSH_DEMO_KNOWN_HOSTS=$GOSSH_TEST_KNOWN_HOSTS

# 1. staged
make -s -C "$ROOT" install DESTDIR="$T/stage" PREFIX=/usr >/dev/null
for f in lib/libgossh.so.$v include/gossh.h lib/pkgconfig/gossh.pc; do
  [ -f "$T/stage/usr/$f" ] || fail "staged install lacks /usr/$f"
done
[ "$(readlink "$T/stage/usr/lib/libgossh.so.0")" = "libgossh.so.$v" ] || fail "libgossh.so.0 does not link to libgossh.so.$v"
[ "$(readlink "$T/stage/usr/lib/libgossh.so")" = "libgossh.so.0" ] || fail "libgossh.so does not link to libgossh.so.0"
grep -qx "Version: $v" "$T/stage/usr/lib/pkgconfig/gossh.pc" || fail "gossh.pc version is not $v"
grep -qx "prefix=/usr" "$T/stage/usr/lib/pkgconfig/gossh.pc" || fail "gossh.pc prefix is not /usr (DESTDIR leaked in?)"
make -s -C "$ROOT" uninstall DESTDIR="$T/stage" PREFIX=/usr >/dev/null
left=$(find "$T/stage" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "test-install (C): staged install and uninstall: ok"

# 2. scratch prefix, pkg-config
make -s -C "$ROOT" install PREFIX="$T/prefix" >/dev/null
export PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig"
[ "$(pkg-config --modversion gossh)" = "$v" ] || fail "pkg-config --modversion gossh"
# shellcheck disable=SC2046 # word splitting of pkg-config's flags is intended
$CC -Wall -Wextra -Werror $(pkg-config --cflags gossh) "$ROOT/examples/c/exec_demo.c" \
  $(pkg-config --libs gossh) -Wl,-rpath,"$T/prefix/lib" -o "$T/demo"
out=$("$T/demo" "echo installed-ok")
echo "$out" | grep -qx "installed-ok" || fail "the program built against the scratch prefix printed: $out"
echo "test-install (C): pkg-config build against PREFIX=$T/prefix runs: ok"

# 3. a standard prefix, no LD_LIBRARY_PATH, no rpath
if [ "$(id -u)" -eq 0 ] && [ ! -e /usr/local/lib/libgossh.so.0 ] && [ ! -e /usr/local/include/gossh.h ]; then
  trap 'make -s -C "$ROOT" uninstall PREFIX=/usr/local >/dev/null 2>&1 || true; cleanup' EXIT
  make -s -C "$ROOT" install PREFIX=/usr/local >/dev/null
  PKG_CONFIG_PATH=/usr/local/lib/pkgconfig
  # shellcheck disable=SC2046
  $CC -Wall -Wextra -Werror $(pkg-config --cflags gossh) "$ROOT/examples/c/exec_demo.c" \
    $(pkg-config --libs gossh) -o "$T/demo-std"
  out=$(env -u LD_LIBRARY_PATH "$T/demo-std" "echo system-ok")
  echo "$out" | grep -qx "system-ok" || fail "the program built against /usr/local printed: $out"
  make -s -C "$ROOT" uninstall PREFIX=/usr/local >/dev/null
  [ ! -e /usr/local/lib/libgossh.so.0 ] || fail "make uninstall left /usr/local/lib/libgossh.so.0"
  echo "test-install (C): PREFIX=/usr/local, run without LD_LIBRARY_PATH, uninstall: ok"
else
  echo "test-install (C): PREFIX=/usr/local part skipped (not root, or a libgossh is installed there already)"
fi
