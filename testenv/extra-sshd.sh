#!/bin/sh
# extra-sshd.sh PORT KNOWN_HOSTS_OUT [SSHD_ARGS...]
#
# For tests that need a server configured differently from the one
# testenv/with-sshd.sh started (TrustedUserCAKeys, extra key algorithms, ...):
# run inside with-sshd.sh, it writes a known_hosts file for 127.0.0.1:PORT
# (the same host keys) to KNOWN_HOSTS_OUT, then execs a second sshd in the
# foreground with the harness's sshd_config, on PORT, with SSHD_ARGS added
# (e.g. -o TrustedUserCAKeys=/path/ca.pub). sshd's -o options take
# precedence over the config file. The caller owns the process: it is sshd
# itself (exec), so killing the pid it spawned stops the server. The log
# goes to KNOWN_HOSTS_OUT.log.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 PORT KNOWN_HOSTS_OUT [SSHD_ARGS...]" >&2; exit 2; }
port=$1 kh=$2
shift 2
: "${GOSSH_TEST_DIR:?run inside testenv/with-sshd.sh}"
conf=$GOSSH_TEST_DIR/sshd_config
[ -f "$conf" ] || { echo "$0: $conf missing (harness changed?)" >&2; exit 2; }
sed -E "s/^\[127\.0\.0\.1\]:[0-9]+ /[127.0.0.1]:$port /" "$GOSSH_TEST_KNOWN_HOSTS" >"$kh"
exec "${GOSSH_SSHD:-/usr/sbin/sshd}" -D -f "$conf" -p "$port" -o PidFile=none -E "$kh.log" "$@"
