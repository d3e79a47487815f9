#!/usr/bin/env bash
# tests/snippets/run.sh — runs every code block of the READMEs as written
# (make test-snippets; part of make test). Run under testenv/with-sshd.sh.
#
# The snippets name example.org (and example.com), user "me" and
# /home/me/.ssh/... . So that they run unchanged but for the user name and
# home directory, this script makes a private network and mount namespace
# (unshare, as root) in which example.org and example.com are 127.0.0.1, a
# second sshd of the harness's configuration listens on port 22, and HOME is
# a scratch home whose .ssh has the harness's key and a known_hosts entry for
# example.org. tests/snippets/run.py extracts and runs the blocks there.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${GOSSH_TEST_KEYDIR:?run under testenv/with-sshd.sh}"
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
  echo "test-snippets: skipped: needs root and unshare for a private network namespace" >&2
  exit 0
fi
if [ "${GOSSH_SNIPPETS_INSIDE:-}" != 1 ]; then
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  mkdir -p "$T/home/.ssh"
  cp "$GOSSH_TEST_KEYDIR/id_ed25519" "$GOSSH_TEST_KEYDIR/id_ed25519.pub" "$T/home/.ssh/"
  # The harness's host keys under the snippets' host names (port 22).
  sed -nE 's/^\[127\.0\.0\.1\]:[0-9]+ /example.org /p' "$GOSSH_TEST_KNOWN_HOSTS" >"$T/home/.ssh/known_hosts"
  sed -nE 's/^\[127\.0\.0\.1\]:[0-9]+ /example.com /p' "$GOSSH_TEST_KNOWN_HOSTS" >>"$T/home/.ssh/known_hosts"
  printf '127.0.0.1 localhost example.org example.com\n::1 localhost\n' >"$T/hosts"
  exec env GOSSH_SNIPPETS_INSIDE=1 SNIPPETS_TMP="$T" unshare --net --mount "$0" "$@"
fi

# Inside the namespaces.
T=$SNIPPETS_TMP
ip link set lo up
mount --bind "$T/hosts" /etc/hosts
"$ROOT/testenv/extra-sshd.sh" 22 "$T/kh22" >/dev/null 2>&1 &
sshd=$!
trap 'kill "$sshd" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && break
  sleep 0.1
done
(exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null || { cat "$T/kh22.log" >&2; echo "test-snippets: sshd on :22 did not start" >&2; exit 1; }
HOME=$T/home python3 "$ROOT/tests/snippets/run.py" "$@"
