#!/bin/sh
# split-packages.sh OUTDIR — the npm packages as a publisher would ship them
# (esbuild/swc style, no install scripts): `gossh` with the JavaScript only
# and an optional dependency on `@gossh/<os>-<cpu>-gnu`, which carries
# libgossh.so and declares os/cpu/libc so that npm installs only the one that
# fits. lib/native.js finds the library in that package. Run from make dist.
set -eu
out=$1
here=$(cd "$(dirname "$0")/.." && pwd)
ver=$(node -p "require('$here/package.json').version")
case "$(uname -m)" in x86_64) cpu=x64 ;; aarch64) cpu=arm64 ;; *) cpu=$(uname -m) ;; esac
plat="linux-$cpu-gnu"
rm -rf "$out" && mkdir -p "$out/$plat" "$out/gossh"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# @gossh/linux-<cpu>-gnu: the library alone
cp "$here/native/libgossh.so" "$out/$plat/libgossh.so"
cat >"$out/$plat/package.json" <<JSON
{
  "name": "@gossh/$plat",
  "version": "$ver",
  "description": "libgossh.so for gossh on Linux $cpu (glibc >= 2.34)",
  "license": "MIT",
  "os": ["linux"],
  "cpu": ["$cpu"],
  "libc": ["glibc"],
  "files": ["libgossh.so"]
}
JSON
(cd "$out/$plat" && npm pack --silent --pack-destination "$out" >/dev/null)

# gossh: the JavaScript, no native/, the platform package as optional dependency
(cd "$here" && tar -cf - index.js index.mjs index.d.ts lib README.md package.json) | tar -xf - -C "$out/gossh"
node -e "
const fs = require('fs');
const p = JSON.parse(fs.readFileSync('$out/gossh/package.json'));
delete p.scripts; delete p.devDependencies; delete p.os; delete p.cpu; delete p.libc;
p.files = p.files.filter((f) => f !== 'native/' && f !== 'scripts/prepack.js');
p.optionalDependencies = { '@gossh/$plat': '$ver' };
fs.writeFileSync('$out/gossh/package.json', JSON.stringify(p, null, 2) + '\n');
"
(cd "$out/gossh" && npm pack --silent --pack-destination "$out" >/dev/null)
rm -rf "$out/gossh" "$out/$plat"
ls "$out"
