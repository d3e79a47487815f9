"""The wheel carries libgossh.so, a native library: mark the distribution
as binary so the wheel gets a platform tag rather than py3-none-any.
Everything else is in pyproject.toml."""

import os

from setuptools import setup
from setuptools.dist import Distribution

_LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gossh", "libgossh.so")
if not os.path.exists(_LIB):
    raise SystemExit("gossh/libgossh.so is missing: run `make` in the repository root first")


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(distclass=BinaryDistribution)
