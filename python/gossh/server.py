"""paramiko.server: ``ServerInterface``, ``SubsystemHandler`` and
``InteractiveQuery``.  gossh has no server side: the classes import and
subclass (programs define servers for their tests), ``ServerInterface``
keeps paramiko's defaults, and running one (``Transport.start_server``,
``SubsystemHandler(...)``) raises NotImplementedError."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .common import AUTH_FAILED, OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
from ._unsupported import Unsupported

if TYPE_CHECKING:
    from .channel import Channel
    from .message import Message
    from .pkey import PKey

__all__ = ["ServerInterface", "SubsystemHandler", "InteractiveQuery"]


class ServerInterface:
    """paramiko's server interface, with its refusing defaults."""

    # paramiko's refusing defaults; gossh never calls them (no server side).

    def check_channel_request(self, kind: str, chanid: int) -> int:
        """Refuses (OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)."""
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def get_allowed_auths(self, username: str) -> str:
        """"password"."""
        return "password"

    def check_auth_none(self, username: str) -> int:
        """AUTH_FAILED."""
        return AUTH_FAILED

    def check_auth_password(self, username: str, password: str) -> int:
        """AUTH_FAILED."""
        return AUTH_FAILED

    def check_auth_publickey(self, username: str, key: PKey) -> int:
        """AUTH_FAILED."""
        return AUTH_FAILED

    def check_auth_interactive(self, username: str, submethods: str) -> int | InteractiveQuery:
        """AUTH_FAILED."""
        return AUTH_FAILED

    def check_auth_interactive_response(self, responses: list[str]) -> int | InteractiveQuery:
        """AUTH_FAILED."""
        return AUTH_FAILED

    def check_auth_gssapi_with_mic(
        self, username: str, gss_authenticated: int = AUTH_FAILED, cc_file: str | None = None
    ) -> int:
        """AUTH_FAILED."""
        return AUTH_FAILED

    def check_auth_gssapi_keyex(
        self, username: str, gss_authenticated: int = AUTH_FAILED, cc_file: str | None = None
    ) -> int:
        """AUTH_FAILED."""
        return AUTH_FAILED

    def enable_auth_gssapi(self) -> bool:
        """False."""
        return False

    def check_port_forward_request(self, address: str, port: int) -> int | bool:
        """False."""
        return False

    def cancel_port_forward_request(self, address: str, port: int) -> None:
        """Nothing."""
        pass

    def check_global_request(self, kind: str, msg: Message) -> bool | tuple[Any, ...]:
        """False."""
        return False

    def check_channel_pty_request(
        self,
        channel: Channel,
        term: bytes,
        width: int,
        height: int,
        pixelwidth: int,
        pixelheight: int,
        modes: bytes,
    ) -> bool:
        """False."""
        return False

    def check_channel_shell_request(self, channel: Channel) -> bool:
        """False."""
        return False

    def check_channel_exec_request(self, channel: Channel, command: bytes) -> bool:
        """False."""
        return False

    def check_channel_subsystem_request(self, channel: Channel, name: str) -> bool:
        """False."""
        return False

    def check_channel_window_change_request(
        self, channel: Channel, width: int, height: int, pixelwidth: int, pixelheight: int
    ) -> bool:
        """False."""
        return False

    def check_channel_x11_request(
        self,
        channel: Channel,
        single_connection: bool,
        auth_protocol: str,
        auth_cookie: bytes,
        screen_number: int,
    ) -> bool:
        """False."""
        return False

    def check_channel_forward_agent_request(self, channel: Channel) -> bool:
        """False."""
        return False

    def check_channel_direct_tcpip_request(
        self, chanid: int, origin: tuple[str, int], destination: tuple[str, int]
    ) -> int:
        """Refuses (OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)."""
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_env_request(self, channel: Channel, name: bytes, value: bytes) -> bool:
        """False."""
        return False

    def get_banner(self) -> tuple[str | None, str | None]:
        """(None, None): no banner."""
        return (None, None)


class InteractiveQuery:
    """A keyboard-interactive query (prompts), as paramiko's."""

    def __init__(
        self, name: str = "", instructions: str = "", *prompts: str | tuple[str, bool]
    ) -> None:
        self.name = name
        self.instructions = instructions
        self.prompts: list[tuple[str, bool]] = []
        for x in prompts:
            if isinstance(x, str):
                self.add_prompt(x)
            else:
                self.add_prompt(x[0], x[1])

    def add_prompt(self, prompt: str, echo: bool = True) -> None:
        """Adds a prompt (echo: whether the answer is shown as typed)."""
        self.prompts.append((prompt, echo))


class SubsystemHandler(Unsupported, threading.Thread):
    _what = "SubsystemHandler (a server-side subsystem)"
