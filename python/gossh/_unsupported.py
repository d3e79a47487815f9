"""Stand-ins for paramiko's server-side and internal classes: gossh is a
client library (its SSH work happens in libgossh), so these exist to be
imported and subclassed, and raise NotImplementedError when used."""


def unsupported(what):
    return NotImplementedError(
        "gossh: {} is not supported: gossh is an SSH client library (paramiko's "
        "server side and protocol internals have no gossh equivalent)".format(what)
    )


class Unsupported:
    """A class whose instances cannot be made: __init__ raises."""

    _what = None

    def __init__(self, *args, **kwargs):
        raise unsupported(self._what or type(self).__name__)
