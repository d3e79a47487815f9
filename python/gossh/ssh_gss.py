"""paramiko.ssh_gss: GSS-API is not available in gossh (paramiko 4 also
made it optional; x/crypto/ssh has no GSS-API key exchange).
``GSS_AUTH_AVAILABLE`` is False, so programs that test it skip GSS;
``GSSAuth(...)`` raises NotImplementedError."""

from __future__ import annotations

from typing import NoReturn

from ._unsupported import unsupported

__all__ = ["GSSAuth", "GSS_AUTH_AVAILABLE", "GSS_EXCEPTIONS"]

GSS_AUTH_AVAILABLE = False
GSS_EXCEPTIONS: tuple[type[Exception], ...] = ()


def GSSAuth(auth_method: str, gss_deleg_creds: bool = True) -> NoReturn:
    """Not supported: raises NotImplementedError."""
    raise unsupported("GSS-API")
