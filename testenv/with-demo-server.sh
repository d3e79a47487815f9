#!/usr/bin/env bash
# with-demo-server.sh CMD [ARGS...]
#
# Builds and starts cmd/gossh-demo-server (the in-process Go SSH server used by
# `make demo`, no sshd needed) in a fresh temporary directory, sources its
# env.sh, runs CMD, stops the server and exits with CMD's exit status.
#
# Exported to CMD: GOSSH_DEMO_HOST GOSSH_DEMO_PORT GOSSH_DEMO_USER
# GOSSH_DEMO_PASSWORD GOSSH_DEMO_KEY GOSSH_DEMO_KNOWN_HOSTS GOSSH_DEMO_DIR.
# GOSSH_TEST_KEEP=1 keeps the directory. GOSSH_DEMO_SERVER_BIN uses a prebuilt
# binary instead of building one.
set -u

die() { echo "with-demo-server.sh: $*" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gossh-demo.XXXXXX") || die "mktemp failed"
SRV_PID=
CMD_PID=

cleanup() {
    if [ -n "$SRV_PID" ] && kill -0 "$SRV_PID" 2>/dev/null; then
        kill "$SRV_PID" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$SRV_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
    fi
    if [ "${GOSSH_TEST_KEEP:-0}" = 1 ]; then
        echo "with-demo-server.sh: kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
on_signal() {
    if [ -n "$CMD_PID" ]; then
        kill -"$1" "$CMD_PID" 2>/dev/null
        wait "$CMD_PID" 2>/dev/null
    fi
    exit "$2"
}
trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

BIN=${GOSSH_DEMO_SERVER_BIN:-}
if [ -z "$BIN" ]; then
    BIN=$TMP/gossh-demo-server
    (cd "$ROOT" && ${GO:-go} build -o "$BIN" ./cmd/gossh-demo-server) || die "build failed"
fi

mkdir -p "$TMP/state"
"$BIN" -dir "$TMP/state" </dev/null >"$TMP/server.out" 2>"$TMP/server.err" &
SRV_PID=$!
for _ in $(seq 1 100); do
    [ -f "$TMP/state/env.sh" ] && break
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.1
done
if [ ! -f "$TMP/state/env.sh" ]; then
    cat "$TMP/server.err" >&2
    die "demo server did not start"
fi
# shellcheck disable=SC1091
. "$TMP/state/env.sh"

if [ "$#" -eq 0 ]; then
    cat "$TMP/state/env.sh"
    exit 0
fi
( trap - INT QUIT; exec "$@" ) <&0 &
CMD_PID=$!
wait "$CMD_PID"
rc=$?
CMD_PID=
exit "$rc"
