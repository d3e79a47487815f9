# lib.sh — what the testenv scripts share. Source it after setting
# SCRIPT_NAME; then call make_tmp PREFIX, set SERVER_PID once the server
# runs, and end with run_cmd "$@".
#
# It gives: die; a temporary directory $TMP removed at exit (kept with
# GOSSH_TEST_KEEP=1); the server (SERVER_PID) and any pid appended to the
# EXTRA_PIDS array stopped at exit; and CMD run as a
# child, so that INT/TERM/HUP sent to the script reach CMD at once.

die() { echo "$SCRIPT_NAME: $*" >&2; exit 2; }

SERVER_PID=
EXTRA_PIDS=()   # more servers (by pid) that cleanup stops too
CMD_PID=

# stop_pid PID: TERM, up to a second's grace, then KILL; reaps it.
stop_pid() {
    kill -0 "$1" 2>/dev/null || return 0
    kill "$1" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

cleanup() {
    [ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
    local p
    for p in "${EXTRA_PIDS[@]}"; do stop_pid "$p"; done
    [ -n "${TMP:-}" ] || return 0
    if [ "${GOSSH_TEST_KEEP:-0}" = 1 ]; then
        echo "$SCRIPT_NAME: kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}

on_signal() { # $1 = signal name, $2 = exit status
    if [ -n "$CMD_PID" ]; then
        kill -"$1" "$CMD_PID" 2>/dev/null
        wait "$CMD_PID" 2>/dev/null
    fi
    exit "$2"
}

# make_tmp PREFIX: a fresh $TMP, cleaned up (with the server) at exit.
make_tmp() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || die "mktemp failed"
    trap cleanup EXIT
    trap 'on_signal INT 130' INT
    trap 'on_signal TERM 143' TERM
    trap 'on_signal HUP 129' HUP
}

# run_cmd CMD [ARGS...]: runs CMD as a child we wait for and exits with its
# status. `<&0` keeps our stdin (a non-interactive shell would otherwise give
# a background command /dev/null) and `trap -` undoes the SIGINT/SIGQUIT
# ignore bash applies to background commands, so Ctrl-C reaches CMD as usual.
run_cmd() {
    ( trap - INT QUIT; exec "$@" ) <&0 &
    CMD_PID=$!
    wait "$CMD_PID"
    local rc=$?
    CMD_PID=
    exit "$rc"
}
