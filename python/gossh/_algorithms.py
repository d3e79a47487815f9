"""The algorithm options of connect() and Transport() in the library's text
form: paramiko's ``disabled_algorithms`` dict becomes
"ciphers=a,b;kex=c", and the explicit lists (a list or a comma string)
become comma lists.  The library checks every name (ValueError for one it
does not implement)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

_CATEGORIES = ("ciphers", "macs", "keys", "pubkeys", "kex")


def _names(value: Any, what: str) -> str:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    if isinstance(value, str):
        return value
    try:
        names = [n.decode() if isinstance(n, (bytes, bytearray)) else n for n in value]
    except TypeError:
        raise TypeError("gossh: {} takes a list of algorithm names".format(what)) from None
    for n in names:
        if not isinstance(n, str):
            raise TypeError("gossh: {} takes a list of algorithm names".format(what))
    return ",".join(names)


def disabled_text(disabled_algorithms: Mapping[str, Iterable[str]] | None) -> str:
    """paramiko's dict as "category=a,b;..." ("" for None or empty)."""
    if not disabled_algorithms:
        return ""
    if not hasattr(disabled_algorithms, "items"):
        raise TypeError("gossh: disabled_algorithms is a dict such as {'ciphers': ['aes128-cbc']}")
    parts: list[str] = []
    for cat, names in disabled_algorithms.items():
        if cat not in _CATEGORIES:
            raise ValueError("gossh: disabled_algorithms: unknown category {!r}; the categories are {}".format(
                cat, ", ".join(_CATEGORIES)))
        parts.append("{}={}".format(cat, _names(names, "disabled_algorithms[{!r}]".format(cat))))
    return ";".join(parts)


def options(
    disabled_algorithms: Mapping[str, Iterable[str]] | None = None,
    ciphers: str | Iterable[str] | None = None,
    kex: str | Iterable[str] | None = None,
    macs: str | Iterable[str] | None = None,
    host_key_algorithms: str | Iterable[str] | None = None,
    pubkey_algorithms: str | Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """(name, value) option pairs for what is set."""
    out: list[tuple[str, str]] = []

    text = disabled_text(disabled_algorithms)
    if text:
        out.append(("disabled_algorithms", text))
    for name, value in (("ciphers", ciphers), ("kex", kex), ("macs", macs),
                        ("host_key_algorithms", host_key_algorithms),
                        ("pubkey_algorithms", pubkey_algorithms)):
        if value is not None:
            out.append((name, _names(value, name)))
    return out
