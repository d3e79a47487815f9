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

from __future__ import annotations

import types as _types
from typing import TYPE_CHECKING, Any, Optional, Sequence

from ._lib import LibraryForkedError
from .channel import Channel, ChannelFile, ChannelStderrFile, ChannelStdinFile
from .hostkeys import HostKeyEntry, HostKeys, InvalidHostKey
from .client import SSHClient
from .config import SSHConfig, SSHConfigDict
from .transport import SecurityOptions, Transport
from .pkey import DSSKey, ECDSAKey, Ed25519Key, PKey, PublicBlob, RSAKey, UnknownKeyType
from .proxy import ProxyCommand
from .agent import Agent, AgentKey, AgentRequestHandler
from .policy import AutoAddPolicy, MissingHostKeyPolicy, RejectPolicy, WarningPolicy
from .fanout import HostConfig, HostOutput, ParallelSSHClient
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
from .transport import ServiceRequestingTransport
from .auth_strategy import (
    AuthFailure,
    AuthResult,
    AuthSource,
    AuthStrategy,
    InMemoryPrivateKey,
    NoneAuth,
    OnDiskPrivateKey,
    Password,
    PrivateKey,
    SourceResult,
)
from .auth_handler import AuthHandler
from .ssh_gss import GSS_AUTH_AVAILABLE, GSS_EXCEPTIONS, GSSAuth
from .server import InteractiveQuery, ServerInterface, SubsystemHandler
from .sftp_server import SFTPServer
from .sftp_handle import SFTPHandle
from .sftp_si import SFTPServerInterface
from .message import Message
from .packet import Packetizer
from .common import (
    AUTH_FAILED,
    AUTH_PARTIALLY_SUCCESSFUL,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_FAILED_CONNECT_FAILED,
    OPEN_FAILED_RESOURCE_SHORTAGE,
    OPEN_FAILED_UNKNOWN_CHANNEL_TYPE,
    OPEN_SUCCEEDED,
    io_sleep,
)
from . import util  # noqa: F401 - paramiko.util, as `import paramiko; paramiko.util` finds it
from . import ssh_exception as _ssh_exception
from .ssh_exception import *  # noqa: F401,F403 - paramiko's exceptions, listed in its __all__

__version__ = "0.1.0"
__version_info__ = (0, 1, 0)

__all__ = [
    "SSHClient",
    "Transport",
    "SSHConfig",
    "SSHConfigDict",
    "SecurityOptions",
    "ProxyCommand",
    "Agent",
    "AgentKey",
    "AgentRequestHandler",
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
__all__ += [
    "ServiceRequestingTransport", "AuthFailure", "AuthResult", "AuthSource", "AuthStrategy",
    "InMemoryPrivateKey", "NoneAuth", "OnDiskPrivateKey", "Password", "PrivateKey",
    "SourceResult", "AuthHandler", "GSSAuth", "GSS_AUTH_AVAILABLE", "GSS_EXCEPTIONS",
    "ServerInterface", "SubsystemHandler", "InteractiveQuery", "SFTPServer", "SFTPHandle",
    "SFTPServerInterface", "Message", "Packetizer", "AUTH_SUCCESSFUL",
    "AUTH_PARTIALLY_SUCCESSFUL", "AUTH_FAILED", "OPEN_SUCCEEDED",
    "OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED", "OPEN_FAILED_CONNECT_FAILED",
    "OPEN_FAILED_UNKNOWN_CHANNEL_TYPE", "OPEN_FAILED_RESOURCE_SHORTAGE", "io_sleep",
    "SFTP_OK", "SFTP_EOF", "SFTP_NO_SUCH_FILE", "SFTP_PERMISSION_DENIED", "SFTP_FAILURE",
    "SFTP_BAD_MESSAGE", "SFTP_NO_CONNECTION", "SFTP_CONNECTION_LOST", "SFTP_OP_UNSUPPORTED",
    "LibraryForkedError", "install_as_paramiko",
    "ParallelSSHClient", "HostConfig", "HostOutput",
]

# paramiko's list of the key classes it tries when reading an unknown key.
key_classes = [RSAKey, Ed25519Key, ECDSAKey]

# paramiko's module layout: every module a paramiko program imports, under
# the same name.  install_as_paramiko() registers each as paramiko.<name>.
PARAMIKO_MODULES = (
    "client", "ssh_exception", "channel", "transport", "hostkeys", "pkey", "rsakey",
    "ecdsakey", "ed25519key", "dsskey", "util", "auth_strategy", "common", "message",
    "proxy", "file", "sftp", "sftp_client", "sftp_file", "sftp_attr", "server",
    "sftp_server", "sftp_si", "sftp_handle", "auth_handler", "packet", "ssh_gss",
    "config", "agent",
)

# Names of the top-level package that live in modules other branches of
# gossh provide (gossh.config, gossh.agent): imported on first use, so that
# the package works (and imports) without them.
_OPTIONAL_NAMES = {
    "SSHConfig": "config",
    "SSHConfigDict": "config",
    "Agent": "agent",
    "AgentKey": "agent",
}


def _import_optional(module: str) -> Optional[_types.ModuleType]:
    """gossh.<module>, or None when this build of gossh has no such module
    (an ImportError raised inside an existing module propagates)."""
    import importlib

    name = __name__ + "." + module
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return None
        raise


# Hidden from type checkers: a module __getattr__ would make every misspelt
# gossh.<name> type-check as Any.  _library_path and _library_version are
# private; the optional names are imported above.
if not TYPE_CHECKING:
    def __getattr__(name):
        if name in _OPTIONAL_NAMES:
            mod = _import_optional(_OPTIONAL_NAMES[name])
            if mod is None or not hasattr(mod, name):
                raise AttributeError(
                    "gossh has no {} yet (paramiko.{}.{}): this build lacks gossh.{}".format(
                        name, _OPTIONAL_NAMES[name], name, _OPTIONAL_NAMES[name]))
            return getattr(mod, name)
        # Loading libgossh starts a Go runtime: only on first use (see _lib).
        if name == "_library_path":
            from ._lib import library_path
            return library_path
        if name == "_library_version":
            from ._lib import version_string
            return version_string
        raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))



class _ParamikoFinder:
    """Answers ``import paramiko.<name>`` once gossh is installed as
    paramiko: gossh.<name> when it exists, else a ModuleNotFoundError saying
    gossh lacks it.  Without it the import system would load gossh's files a
    second time under paramiko's names (two copies of every class)."""

    @classmethod
    def find_spec(
        cls,
        fullname: str,
        path: Optional[Sequence[str]] = None,
        target: Optional[_types.ModuleType] = None,
    ) -> Any:
        """gossh.<name> for paramiko.<name> once gossh is installed as paramiko."""
        if not fullname.startswith("paramiko."):
            return None
        import sys

        if sys.modules.get("paramiko") is not sys.modules[__name__]:
            return None  # the real paramiko is in charge
        rest = fullname[len("paramiko."):]
        mod = _import_optional(rest)
        if mod is None:
            raise ModuleNotFoundError(
                "No module named {!r}: gossh (installed as paramiko) does not provide "
                "paramiko.{}".format(fullname, rest), name=fullname)
        sys.modules[fullname] = mod
        import importlib.util

        return importlib.util.spec_from_loader(fullname, _Alias(mod))  # type: ignore[arg-type]


class _Alias:
    """Loads an already-imported gossh module under a paramiko. name,
    leaving its own __spec__/__loader__ as they were."""

    def __init__(self, mod: _types.ModuleType) -> None:
        self.mod = mod
        self.saved = (getattr(mod, "__spec__", None), getattr(mod, "__loader__", None))

    def create_module(self, spec: Any) -> _types.ModuleType:
        """The gossh module itself."""
        return self.mod

    def exec_module(self, module: _types.ModuleType) -> None:
        """Puts back the module's own __spec__ and __loader__."""
        module.__spec__, module.__loader__ = self.saved


def install_as_paramiko(force: bool = False) -> _types.ModuleType:
    """Makes ``import paramiko`` (and ``import paramiko.client``,
    ``from paramiko.ssh_exception import ...``, every module of paramiko's
    layout that gossh has) give gossh, so libraries that import paramiko
    themselves (Fabric, sshtunnel, netmiko, ...) run on gossh unchanged.

    Call it before those libraries import paramiko, e.g. from
    ``sitecustomize.py``::

        import gossh; gossh.install_as_paramiko()

    It does not load libgossh.  If the real paramiko is already imported
    it raises RuntimeError (modules holding it would mix the two), unless
    ``force`` is true.  Returns the gossh module."""
    import sys

    me = sys.modules[__name__]
    current = sys.modules.get("paramiko")
    if current is not None and current is not me and not force:
        raise RuntimeError(
            "gossh.install_as_paramiko(): paramiko is already imported (from {}); "
            "call it before anything imports paramiko (e.g. in sitecustomize.py)".format(
                getattr(current, "__file__", "?")))
    if current is not None and current is not me:
        for name in [n for n in sys.modules if n.startswith("paramiko.")]:
            del sys.modules[name]
    sys.modules["paramiko"] = me
    for name in PARAMIKO_MODULES:
        mod = _import_optional(name)
        if mod is not None:
            sys.modules["paramiko." + name] = mod
    if not any(f is _ParamikoFinder for f in sys.meta_path):
        sys.meta_path.insert(0, _ParamikoFinder)
    return me
