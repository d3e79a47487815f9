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

SCRIPT_NAME=with-demo-server.sh
# shellcheck source=testenv/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
make_tmp gossh-demo


BIN=${GOSSH_DEMO_SERVER_BIN:-}
if [ -z "$BIN" ]; then
    BIN=$TMP/gossh-demo-server
    (cd "$ROOT" && ${GO:-go} build -o "$BIN" ./cmd/gossh-demo-server) || die "build failed"
fi

mkdir -p "$TMP/state"
"$BIN" -dir "$TMP/state" </dev/null >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    [ -f "$TMP/state/env.sh" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
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
run_cmd "$@"
