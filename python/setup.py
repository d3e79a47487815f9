"""Builds the gossh wheel (PEP 517, through setuptools).

libgossh.so is built from the Go sources of the repository this directory
sits in, by the repository's Makefile (`make python/gossh/libgossh.so`: one
place says how the library is built), so `pip install ./python` works on a
fresh clone with Go and a C compiler installed. Outside a source checkout
(an unpacked sdist) a libgossh.so already in gossh/ is used as it is.

The wheel is tagged py3-none-<platform>: the package is ctypes-only, so one
wheel serves every CPython 3; only the library ties it to a platform.
`make dist` has auditwheel turn linux_x86_64 into the manylinux tag that
the library's glibc needs. Everything else is in pyproject.toml.
"""

import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
except ImportError:  # older setuptools: the wheel package's
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LIB = os.path.join(HERE, "gossh", "libgossh.so")


def build_library():
    """Brings gossh/libgossh.so up to date with the Go sources, or explains
    what is missing."""
    checkout = all(os.path.exists(os.path.join(ROOT, p)) for p in ("go.mod", "capi", "Makefile"))
    if not checkout:
        if os.path.exists(LIB):
            return
        raise SystemExit("gossh: gossh/libgossh.so is missing and this is not a gossh source "
                         "checkout to build it from: install from the repository "
                         "(pip install ./python) or from a wheel")
    missing = [t for t in (os.environ.get("GO", "go"), "make", os.environ.get("CC", "gcc"))
               if not shutil.which(t)]
    if missing:
        raise SystemExit("gossh: building libgossh needs %s on the PATH: Go >= 1.26 "
                         "(https://go.dev/dl/), GNU make and a C compiler for cgo (Debian: "
                         "apt-get install golang make gcc, or Go from go.dev)" % ", ".join(missing))
    subprocess.check_call(["make", "-C", ROOT, "--no-print-directory", "python/gossh/libgossh.so"])


class BuildPy(build_py):
    def run(self):
        build_library()
        super().run()


class BinaryDistribution(Distribution):
    """Carries a native library: installed to platlib, as auditwheel requires."""

    def has_ext_modules(self):
        return True


class BdistWheel(bdist_wheel):
    def get_tag(self):
        _python, _abi, plat = super().get_tag()
        return "py3", "none", plat


setup(distclass=BinaryDistribution, cmdclass={"build_py": BuildPy, "bdist_wheel": BdistWheel})
