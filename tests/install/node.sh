#!/bin/sh
# tests/install/node.sh — the npm packages installed as users install them,
# run under testenv/with-sshd.sh (make test-install, after make dist):
#   1. dist/gossh-VERSION.tgz (npm pack of bindings/node, library inside) in
#      a scratch project: a CommonJS script and an ES module with named
#      imports run a command on the test sshd;
#   2. the split packages of dist/npm-split (gossh + @gossh/<platform>), as a
#      publisher would ship them: the library comes from the platform package.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${GOSSH_TEST_HOST:?run under testenv/with-sshd.sh}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test-install (Node): FAIL: $*" >&2; exit 1; }
v=$(node -p "require('$ROOT/bindings/node/package.json').version")
tgz=$ROOT/dist/gossh-$v.tgz
[ -f "$tgz" ] || fail "$tgz missing (run make dist)"

cat >"$T/check.cjs" <<'JS'
const { Client } = require('gossh');
const e = process.env;
(async () => {
  const c = await new Client().connect({ host: e.GOSSH_TEST_HOST, port: Number(e.GOSSH_TEST_PORT),
    username: e.GOSSH_TEST_USER, privateKey: `${e.GOSSH_TEST_KEYDIR}/id_ed25519`,
    knownHosts: e.GOSSH_TEST_KNOWN_HOSTS, agent: false, lookForKeys: false });
  const r = await c.exec(`echo ${process.argv[2]}`);
  await c.close();
  console.log(r.stdout.trim(), require('gossh').libraryPath);
})().catch((err) => { console.error(err); process.exit(1); });
JS
cat >"$T/check.mjs" <<'JS'
import { Client, HostKeyError, SSHError } from 'gossh';
const e = process.env;
if (!(new HostKeyError('x') instanceof SSHError)) throw new Error('error classes');
const c = await new Client().connect({ host: e.GOSSH_TEST_HOST, port: Number(e.GOSSH_TEST_PORT),
  username: e.GOSSH_TEST_USER, privateKey: `${e.GOSSH_TEST_KEYDIR}/id_ed25519`,
  knownHosts: e.GOSSH_TEST_KNOWN_HOSTS, agent: false, lookForKeys: false });
const r = await c.exec(`echo ${process.argv[2]}`);
await c.close();
console.log(r.stdout.trim());
JS

for p in a b; do
  mkdir "$T/$p" && cp "$T/check.cjs" "$T/check.mjs" "$T/$p/"
  (cd "$T/$p" && npm init -y >/dev/null)
done
(cd "$T/a" && npm install --no-audit --no-fund --silent "$tgz" >/dev/null 2>&1) || fail "npm install $tgz"
out=$(cd "$T/a" && node check.cjs cjs-ok)
case "$out" in "cjs-ok $T/a/node_modules/gossh/native/libgossh.so") ;; *) fail "CommonJS printed: $out" ;; esac
out=$(cd "$T/a" && node check.mjs esm-ok)
[ "$out" = "esm-ok" ] || fail "the ES module printed: $out"
echo "test-install (Node): $(basename "$tgz") in a scratch project, CommonJS and ESM: ok"

split=$ROOT/dist/npm-split
(cd "$T/b" && npm install --no-audit --no-fund --silent "$split"/gossh-linux-*-gnu-"$v".tgz "$split/gossh-$v.tgz" >/dev/null 2>&1) \
  || fail "npm install of the split packages"
[ ! -e "$T/b/node_modules/gossh/native" ] || fail "the split gossh package carries native/"
out=$(cd "$T/b" && node check.cjs split-ok)
case "$out" in "split-ok $T/b/node_modules/@gossh/linux-"*"-gnu/libgossh.so") ;; *) fail "the split packages printed: $out" ;; esac
echo "test-install (Node): the split packages (gossh + @gossh/<platform>): ok"
