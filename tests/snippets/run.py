#!/usr/bin/env python3
"""Extracts the fenced code blocks of the READMEs and runs each as written.

Run by tests/snippets/run.sh inside a namespace where example.org is a real
sshd on port 22 and HOME holds the test key. The only changes made to a
block: the user name "me" becomes the test user, /home/me becomes HOME, and
the Node binding is where `require('gossh')` / `import ... from 'gossh'`
finds it. Languages: python, js (CommonJS, or an ES module when it uses
import/export or top-level await: written as .mjs), c (a fragment without
main() is wrapped in one). sh blocks and blocks without a language are not
run; a block preceded by `<!-- snippet: skip REASON -->` is not run either
(the reason is printed). Exits non-zero if any block fails.
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = ["README.md", "python/README.md", "bindings/node/README.md"]
USER = os.environ["GOSSH_TEST_USER"]
HOME = os.environ["HOME"]
TIMEOUT = 60


def blocks(path):
    """(line, lang, code, skip reason) of each fenced block."""
    out, lang, buf, start, skip = [], None, [], 0, None
    last_comment = None
    for i, line in enumerate(open(path, encoding="utf-8"), 1):
        if lang is None:
            m = re.match(r"^```(\w*)\s*$", line)
            if m:
                lang, buf, start, skip = m.group(1), [], i, last_comment
                continue
            s = line.strip()
            if s:
                c = re.match(r"<!--\s*snippet:\s*skip\s*(.*?)\s*-->", s)
                last_comment = (c.group(1) or "no reason given") if c else None
        elif line.startswith("```"):
            out.append((start, lang, "".join(buf), skip))
            lang, last_comment = None, None
        else:
            buf.append(line)
    return out


def personalise(code):
    code = re.sub(r"""(["'])me\1""", lambda m: m.group(1) + USER + m.group(1), code)
    return code.replace("/home/me", HOME)


def run_python(code, work):
    f = os.path.join(work, "snippet.py")
    open(f, "w").write(code)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    return [sys.executable, f], env


def run_js(code, work):
    nm = os.path.join(work, "node_modules")
    os.makedirs(nm, exist_ok=True)
    os.symlink(os.path.join(ROOT, "bindings", "node"), os.path.join(nm, "gossh"))
    esm = re.search(r"^\s*(import|export)\s", code, re.M) or re.search(r"^await\s|^const .*= await\s", code, re.M)
    f = os.path.join(work, "snippet.mjs" if esm else "snippet.js")
    open(f, "w").write(code)
    return ["node", f], dict(os.environ)


def run_c(code, work):
    if not re.search(r"\bmain\s*\(", code):
        pre = "".join(l for l in code.splitlines(True) if l.startswith("#"))
        body = "".join(l for l in code.splitlines(True) if not l.startswith("#"))
        code = pre + "#include <stdio.h>\n\nint main(void) {\n" + body + "    return 0;\n}\n"
    src, exe = os.path.join(work, "snippet.c"), os.path.join(work, "snippet")
    open(src, "w").write(code)
    build = os.path.join(ROOT, "build")
    r = subprocess.run([os.environ.get("CC", "cc"), "-Wall", "-Wextra", "-Werror", "-std=c11",
                        "-I" + os.path.join(ROOT, "include"), src, "-L" + build, "-lgossh",
                        "-Wl,-rpath," + build, "-o", exe], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("does not compile:\n" + r.stderr[-2000:])
    return [exe], dict(os.environ)


RUNNERS = {"python": run_python, "py": run_python, "js": run_js, "javascript": run_js,
           "c": run_c}


def main():
    only = sys.argv[1:]
    failed = ran = 0
    for rel in FILES:
        if only and rel not in only:
            continue
        for line, lang, code, skip in blocks(os.path.join(ROOT, rel)):
            where = "%s:%d (%s)" % (rel, line, lang)
            if lang not in RUNNERS:
                continue
            if skip:
                print("snippet %s: not run: %s" % (where, skip))
                continue
            ran += 1
            with tempfile.TemporaryDirectory() as work:
                try:
                    cmd, env = RUNNERS[lang](personalise(code), work)
                    r = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                                       timeout=TIMEOUT, stdin=subprocess.DEVNULL)
                    ok = r.returncode == 0
                    detail = (r.stderr or r.stdout)[-2000:]
                except subprocess.TimeoutExpired:
                    ok, detail = False, "did not finish within %d s" % TIMEOUT
                except RuntimeError as e:
                    ok, detail = False, str(e)
            print("snippet %s: %s" % (where, "ok" if ok else "FAILED"))
            if not ok:
                failed += 1
                print("  " + detail.replace("\n", "\n  "))
    print("snippets: %d run, %d failed" % (ran, failed))
    return 1 if failed or not ran else 0


if __name__ == "__main__":
    sys.exit(main())
