#!/usr/bin/env bash
# with-sshd.sh CMD [ARGS...]
#
# Starts a real OpenSSH sshd on 127.0.0.1 on a free port with freshly generated
# host and client keys in a temporary directory, exports GOSSH_TEST_* variables
# describing it, runs CMD, stops sshd and exits with CMD's exit status.
#
# Exported to CMD (and written to $GOSSH_TEST_DIR/env.sh):
#   GOSSH_TEST_HOST         127.0.0.1
#   GOSSH_TEST_PORT         sshd's port
#   GOSSH_TEST_USER         gosshtest when run as root, else the current user
#   GOSSH_TEST_PASSWORD     the user's password (empty when not root: password
#                           auth is impossible without root)
#   GOSSH_TEST_PASSPHRASE   passphrase of id_ed25519_enc
#   GOSSH_TEST_KEYDIR       client keys: id_ed25519 id_ecdsa id_rsa id_ed25519_enc
#                           id_rsa_pem id_wrong (+ .pub), known_hosts,
#                           known_hosts_wrong
#   GOSSH_TEST_KNOWN_HOSTS  $GOSSH_TEST_KEYDIR/known_hosts
#   GOSSH_TEST_SSHD_LOG     sshd's log file
#   GOSSH_TEST_DIR          the temporary directory (removed at exit unless
#                           GOSSH_TEST_KEEP=1)
#   GOSSH_TEST_SSHD_PID     the sshd listener's pid
#
# A second sshd whose disk is full (for ENOSPC tests): the same host keys and
# config, on its own port, started under `unshare --mount` with a small tmpfs
# mounted at $GOSSH_TEST_FULL_DIR (owned by the test user) that only it (and
# its internal-sftp) sees; writes past GOSSH_TEST_FULL_SIZE bytes fail on the
# server with ENOSPC. Outside that server the directory is an empty one on the
# ordinary file system: reach it over SFTP on GOSSH_TEST_FULL_PORT only.
#   GOSSH_TEST_FULL_PORT         its port
#   GOSSH_TEST_FULL_DIR          the tmpfs's mount point ($GOSSH_TEST_DIR/full)
#   GOSSH_TEST_FULL_SIZE         the tmpfs's size in bytes (1 MiB)
#   GOSSH_TEST_FULL_KNOWN_HOSTS  a known_hosts file for 127.0.0.1:FULL_PORT
#   GOSSH_TEST_FULL_WHY          set (and the four above unset) only when that
#                                server could not be started: the reason, for
#                                the tests to skip with
#
# With no CMD it prints the environment and exits (useful with GOSSH_TEST_KEEP=1,
# but sshd is stopped then; to keep a server for manual work run e.g.
# `testenv/with-sshd.sh bash`).
set -u

SSHD=${GOSSH_SSHD:-/usr/sbin/sshd}
TEST_PASSWORD_FIXED='gossh-test-pw'
TEST_PASSPHRASE='gossh-test-passphrase'
TEST_USER_ROOT='gosshtest'

SCRIPT_NAME=with-sshd.sh
# shellcheck source=testenv/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1

# --- sshd present? ----------------------------------------------------------
if [ ! -x "$SSHD" ]; then
    if [ "$is_root" -eq 1 ] && command -v apt-get >/dev/null 2>&1; then
        echo "with-sshd.sh: $SSHD missing, installing openssh-server" >&2
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update && apt-get install -y --no-install-recommends openssh-server openssh-client; } >&2 \
            || die "apt-get install openssh-server failed"
        [ -x "$SSHD" ] || die "openssh-server installed but $SSHD still missing"
    else
        die "$SSHD not found; install openssh-server (apt-get install openssh-server) or run as root"
    fi
fi
command -v ssh-keygen >/dev/null 2>&1 || die "ssh-keygen not found (install openssh-client)"

# --- temp dir and cleanup -----------------------------------------------------
make_tmp gossh-sshd

chmod 755 "$TMP"
KEYDIR=$TMP/keys
HOSTKEYDIR=$TMP/hostkeys
mkdir -p "$KEYDIR" "$HOSTKEYDIR"
chmod 755 "$KEYDIR"
chmod 700 "$HOSTKEYDIR"

# --- keys (generated in parallel; RSA is the slow one) ------------------------
kg() { ssh-keygen -q "$@" </dev/null >/dev/null || { echo "ssh-keygen $* failed" >&2; return 1; }; }
pids=()
kg -t ed25519 -N '' -C hostkey -f "$HOSTKEYDIR/ssh_host_ed25519_key" & pids+=($!)
kg -t ecdsa -b 256 -N '' -C hostkey -f "$HOSTKEYDIR/ssh_host_ecdsa_key" & pids+=($!)
kg -t rsa -b 3072 -N '' -C hostkey -f "$HOSTKEYDIR/ssh_host_rsa_key" & pids+=($!)
kg -t ed25519 -N '' -C gossh-test -f "$KEYDIR/id_ed25519" & pids+=($!)
kg -t ecdsa -b 256 -N '' -C gossh-test -f "$KEYDIR/id_ecdsa" & pids+=($!)
kg -t rsa -b 3072 -N '' -C gossh-test -f "$KEYDIR/id_rsa" & pids+=($!)
kg -t ed25519 -N "$TEST_PASSPHRASE" -C gossh-test-enc -f "$KEYDIR/id_ed25519_enc" & pids+=($!)
kg -t rsa -b 2048 -m PEM -N '' -C gossh-test-pem -f "$KEYDIR/id_rsa_pem" & pids+=($!)
kg -t ed25519 -N '' -C gossh-test-wrong -f "$KEYDIR/id_wrong" & pids+=($!)
kg -t ed25519 -N '' -C wrong-hostkey -f "$TMP/wrong_hostkey" & pids+=($!)
for p in "${pids[@]}"; do wait "$p" || die "key generation failed"; done
chmod 600 "$KEYDIR"/id_* "$HOSTKEYDIR"/*_key
chmod 644 "$KEYDIR"/*.pub

cat "$KEYDIR/id_ed25519.pub" "$KEYDIR/id_ecdsa.pub" "$KEYDIR/id_rsa.pub" \
    "$KEYDIR/id_ed25519_enc.pub" "$KEYDIR/id_rsa_pem.pub" >"$TMP/authorized_keys"
chmod 644 "$TMP/authorized_keys"

# --- test user ----------------------------------------------------------------
if [ "$is_root" -eq 1 ]; then
    TEST_USER=$TEST_USER_ROOT
    TEST_PASSWORD=$TEST_PASSWORD_FIXED
    if ! id "$TEST_USER" >/dev/null 2>&1; then
        # Another concurrent run may create it at the same time: re-check on failure.
        useradd -m -s /bin/sh "$TEST_USER" >/dev/null 2>&1 || id "$TEST_USER" >/dev/null 2>&1 \
            || die "useradd $TEST_USER failed"
    fi
    # chpasswd fails if another run holds the shadow lock; retry a few times.
    ok=0
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        if echo "$TEST_USER:$TEST_PASSWORD" | chpasswd 2>/dev/null; then ok=1; break; fi
        sleep 0.2
    done
    [ "$ok" -eq 1 ] || die "chpasswd for $TEST_USER failed"
    CUR_USER=root
    mkdir -p /run/sshd && chmod 755 /run/sshd
else
    TEST_USER=$(id -un)
    TEST_PASSWORD=
    CUR_USER=$TEST_USER
fi

# --- config + start, retrying on a port collision --------------------------------
LOG=$TMP/sshd.log
CONF=$TMP/sshd_config

pick_port() {
    local p
    if command -v python3 >/dev/null 2>&1; then
        p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null)
        [ -n "$p" ] && { echo "$p"; return; }
    fi
    # Fallback: a random high port not currently listening.
    while :; do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
}

write_config() {
    {
        echo "ListenAddress 127.0.0.1"
        echo "Port $PORT"
        echo "PidFile $TMP/sshd.pid"
        echo "HostKey $HOSTKEYDIR/ssh_host_ed25519_key"
        echo "HostKey $HOSTKEYDIR/ssh_host_ecdsa_key"
        echo "HostKey $HOSTKEYDIR/ssh_host_rsa_key"
        echo "LogLevel VERBOSE"
        echo "UsePAM no"
        echo "PubkeyAuthentication yes"
        echo "KbdInteractiveAuthentication no"
        if [ "$is_root" -eq 1 ]; then
            echo "PasswordAuthentication yes"
        else
            echo "PasswordAuthentication no"
        fi
        echo "PermitEmptyPasswords no"
        echo "StrictModes no"
        echo "AuthorizedKeysFile $TMP/authorized_keys"
        echo "MaxSessions 200"
        echo "MaxStartups 200:30:300"
        echo "MaxAuthTries 20"
        echo "LoginGraceTime 60"
        echo "PermitUserEnvironment no"
        echo "AcceptEnv *"   # any name: env-request tests can pick their own
        echo "AllowTcpForwarding yes"
        echo "AllowStreamLocalForwarding yes"
        echo "GatewayPorts no"
        echo "X11Forwarding no"
        echo "PrintMotd no"
        echo "PrintLastLog no"
        echo "UseDNS no"
        echo "Subsystem sftp internal-sftp"
        if [ "$CUR_USER" = "$TEST_USER" ]; then
            echo "AllowUsers $TEST_USER"
        else
            echo "AllowUsers $TEST_USER $CUR_USER"
        fi
    } >"$CONF"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=0
for attempt in 1 2 3 4 5; do
    PORT=$(pick_port)
    write_config
    "$SSHD" -t -f "$CONF" >"$LOG" 2>&1 || { cat "$LOG" >&2; die "sshd rejected its config ($CONF)"; }
    : >"$LOG"
    "$SSHD" -D -f "$CONF" -E "$LOG" </dev/null >/dev/null 2>&1 &
    SERVER_PID=$!
    # Poll up to ~10 s for the port.
    for _ in $(seq 1 100); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        if port_open "$PORT"; then started=1; break; fi
        sleep 0.1
    done
    [ "$started" -eq 1 ] && break
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
    else
        wait "$SERVER_PID" 2>/dev/null
    fi
    SERVER_PID=
    if grep -qi 'address already in use' "$LOG"; then
        echo "with-sshd.sh: port $PORT taken, retrying" >&2
        continue
    fi
    break
done
if [ "$started" -ne 1 ]; then
    echo "with-sshd.sh: sshd did not start; log ($LOG):" >&2
    cat "$LOG" >&2
    die "sshd failed to start"
fi

# --- known_hosts ---------------------------------------------------------------
for t in ed25519 ecdsa rsa; do
    read -r kt kb _ <"$HOSTKEYDIR/ssh_host_${t}_key.pub"
    echo "[127.0.0.1]:$PORT $kt $kb"
done >"$KEYDIR/known_hosts"
read -r kt kb _ <"$TMP/wrong_hostkey.pub"
echo "[127.0.0.1]:$PORT $kt $kb" >"$KEYDIR/known_hosts_wrong"
chmod 644 "$KEYDIR/known_hosts" "$KEYDIR/known_hosts_wrong"

# --- the full-disk sshd ----------------------------------------------------------
FULL_DIR=$TMP/full
FULL_SIZE=$((1024 * 1024))
FULL_LOG=$TMP/sshd_full.log
FULL_PORT=
FULL_WHY=
FULL_KH=
# start_full: starts it, or sets FULL_WHY.
start_full() {
    if [ "$is_root" -ne 1 ]; then FULL_WHY="not root: mounting a tmpfs needs root"; return; fi
    command -v unshare >/dev/null 2>&1 || { FULL_WHY="unshare not found (util-linux)"; return; }
    command -v mount >/dev/null 2>&1 || { FULL_WHY="mount not found (mount/util-linux)"; return; }
    local uid gid pid ok
    uid=$(id -u "$TEST_USER") && gid=$(id -g "$TEST_USER") || { FULL_WHY="no uid for $TEST_USER"; return; }
    mkdir -p "$FULL_DIR" && chown "$uid:$gid" "$FULL_DIR" || { FULL_WHY="cannot make $FULL_DIR"; return; }
    for _ in 1 2 3 4 5; do
        FULL_PORT=$(pick_port)
        : >"$FULL_LOG"
        # unshare and sh exec: the pid is sshd's own.
        unshare --mount --propagation private sh -c \
            'mount -t tmpfs -o "size=$1,uid=$2,gid=$3,mode=0755" gossh-full "$4" || exit 3; shift 4; exec "$@"' \
            sh "$FULL_SIZE" "$uid" "$gid" "$FULL_DIR" \
            "$SSHD" -D -f "$CONF" -p "$FULL_PORT" -o PidFile=none -E "$FULL_LOG" </dev/null >>"$FULL_LOG" 2>&1 &
        pid=$!
        ok=0
        for _ in $(seq 1 100); do
            if ! kill -0 "$pid" 2>/dev/null; then break; fi
            if port_open "$FULL_PORT"; then ok=1; break; fi
            sleep 0.1
        done
        if [ "$ok" -eq 1 ]; then
            EXTRA_PIDS+=("$pid")
            FULL_KH=$KEYDIR/known_hosts_full
            sed -E "s/^\[127\.0\.0\.1\]:[0-9]+ /[127.0.0.1]:$FULL_PORT /" "$KEYDIR/known_hosts" >"$FULL_KH"
            chmod 644 "$FULL_KH"
            return
        fi
        stop_pid "$pid"
        grep -qi 'address already in use' "$FULL_LOG" && continue
        break
    done
    FULL_PORT=
    FULL_WHY="the full-disk sshd did not start (unshare --mount + tmpfs): $(tr '\n' ' ' <"$FULL_LOG" | cut -c1-300)"
}
start_full
[ -n "$FULL_WHY" ] && echo "with-sshd.sh: no full-disk server: $FULL_WHY" >&2

# --- environment -----------------------------------------------------------------
export GOSSH_TEST_HOST=127.0.0.1
export GOSSH_TEST_PORT=$PORT
export GOSSH_TEST_USER=$TEST_USER
export GOSSH_TEST_PASSWORD=$TEST_PASSWORD
export GOSSH_TEST_PASSPHRASE=$TEST_PASSPHRASE
export GOSSH_TEST_KEYDIR=$KEYDIR
export GOSSH_TEST_KNOWN_HOSTS=$KEYDIR/known_hosts
export GOSSH_TEST_SSHD_LOG=$LOG
export GOSSH_TEST_DIR=$TMP
export GOSSH_TEST_SSHD_PID=$SERVER_PID
if [ -z "$FULL_WHY" ]; then
    export GOSSH_TEST_FULL_PORT=$FULL_PORT GOSSH_TEST_FULL_DIR=$FULL_DIR \
        GOSSH_TEST_FULL_SIZE=$FULL_SIZE GOSSH_TEST_FULL_KNOWN_HOSTS=$FULL_KH
    unset GOSSH_TEST_FULL_WHY
else
    export GOSSH_TEST_FULL_WHY=$FULL_WHY
    unset GOSSH_TEST_FULL_PORT GOSSH_TEST_FULL_DIR GOSSH_TEST_FULL_SIZE GOSSH_TEST_FULL_KNOWN_HOSTS
fi

for v in GOSSH_TEST_HOST GOSSH_TEST_PORT GOSSH_TEST_USER GOSSH_TEST_PASSWORD \
    GOSSH_TEST_PASSPHRASE GOSSH_TEST_KEYDIR GOSSH_TEST_KNOWN_HOSTS \
    GOSSH_TEST_SSHD_LOG GOSSH_TEST_DIR GOSSH_TEST_SSHD_PID GOSSH_TEST_FULL_PORT \
    GOSSH_TEST_FULL_DIR GOSSH_TEST_FULL_SIZE GOSSH_TEST_FULL_KNOWN_HOSTS GOSSH_TEST_FULL_WHY; do
    [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
done >"$TMP/env.sh"

if [ "$#" -eq 0 ]; then
    cat "$TMP/env.sh"
    exit 0
fi

run_cmd "$@"
