"""gossh — an SSH client with a Go core (golang.org/x/crypto/ssh), with
paramiko's client API, so that a paramiko program moves over by changing its
import::

    import gossh as paramiko

    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.connect("example.com", username="me")
    stdin, stdout, stderr = client.exec_command("uname -a")
    print(stdout.read().decode())

The work happens in libgossh.so with the GIL released, so threads run
connections in parallel.  Loading the library starts a Go runtime, so it is
loaded on first use, not by ``import gossh``: a process may import gossh and
then fork.  After the first use, do not ``fork()`` without ``exec`` (use the
"spawn" or "forkserver" multiprocessing start methods): in such a child every
gossh call raises ``gossh.LibraryForkedError`` instead of hanging.

Logging goes to the standard ``logging`` module under paramiko's logger
name, "paramiko.transport".
"""

from ._lib import LibraryForkedError
from .channel import Channel, ChannelFile, ChannelStderrFile, ChannelStdinFile
from .hostkeys import HostKeyEntry, HostKeys, InvalidHostKey
from .client import SSHClient
from .transport import SecurityOptions, Transport
from .pkey import DSSKey, ECDSAKey, Ed25519Key, PKey, PublicBlob, RSAKey, UnknownKeyType
from .proxy import ProxyCommand
from .policy import AutoAddPolicy, MissingHostKeyPolicy, RejectPolicy, WarningPolicy
from .file import BufferedFile
from .sftp import (
    SFTP_BAD_MESSAGE,
    SFTP_CONNECTION_LOST,
    SFTP_EOF,
    SFTP_FAILURE,
    SFTP_NO_CONNECTION,
    SFTP_NO_SUCH_FILE,
    SFTP_OK,
    SFTP_OP_UNSUPPORTED,
    SFTP_PERMISSION_DENIED,
    BaseSFTP,
    SFTPError,
)
from .sftp_attr import SFTPAttributes
from .sftp_client import SFTP, SFTPClient
from .sftp_file import SFTPFile
from . import ssh_exception as _ssh_exception
from .ssh_exception import *  # noqa: F401,F403 - paramiko's exceptions, listed in its __all__

__version__ = "0.1.0"
__version_info__ = (0, 1, 0)

__all__ = [
    "SSHClient",
    "Transport",
    "SecurityOptions",
    "ProxyCommand",
    "Channel",
    "ChannelFile",
    "ChannelStderrFile",
    "ChannelStdinFile",
    "MissingHostKeyPolicy",
    "AutoAddPolicy",
    "RejectPolicy",
    "WarningPolicy",
    "HostKeys",
    "HostKeyEntry",
    "InvalidHostKey",
    "PKey",
    "RSAKey",
    "ECDSAKey",
    "Ed25519Key",
    "DSSKey",
    "PublicBlob",
    "UnknownKeyType",
    "BufferedFile",
    "SFTP",
    "SFTPClient",
    "SFTPFile",
    "SFTPAttributes",
    "SFTPError",
    "BaseSFTP",
]
__all__ += _ssh_exception.__all__


def __getattr__(name):
    # Loading libgossh starts a Go runtime: only on first use (see _lib).
    if name == "_library_path":
        from ._lib import library_path
        return library_path
    if name == "_library_version":
        from ._lib import version_string
        return version_string
    raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))
