"""The host-key policy of a libgossh group, set once for both fan-out
facades (``ParallelSSHClient`` in fanout.py, ``ThreadingGroup`` in group.py)."""

from __future__ import annotations

import inspect
import weakref
from typing import Any

from . import _lib
from ._lib import call, lib
from .pkey import PKey
from .policy import AutoAddPolicy, MissingHostKeyPolicy, RejectPolicy


def set_group_policy(
    handle: Any, policy: MissingHostKeyPolicy | type[MissingHostKeyPolicy] | None, owner: object
) -> Any:
    """Sets group ``handle``'s missing-host-key policy and returns the
    callback object the caller must keep alive while the library may call
    it (None for a built-in policy).

    RejectPolicy (also for None) and AutoAddPolicy are the library's; any
    other policy (WarningPolicy included) is asked on the library's threads
    for each unknown host key, as paramiko's ``missing_host_key(client,
    hostname, key)`` with ``owner`` (held weakly; None once collected) as
    the client: returning accepts the key (without adding it), raising
    rejects it."""
    if inspect.isclass(policy):
        policy = policy()
    if policy is None or type(policy) is RejectPolicy:
        call(lib.gossh_group_set_policy, handle, _lib.POLICY_REJECT)
        return None
    if type(policy) is AutoAddPolicy:
        call(lib.gossh_group_set_policy, handle, _lib.POLICY_AUTOADD)
        return None
    if not hasattr(policy, "missing_host_key"):
        raise TypeError("policy must have a missing_host_key method")
    ref = weakref.ref(owner)
    # missing_host_key is typed for paramiko's SSHClient; a group hands it
    # the facade that owns the group.
    chosen: Any = policy

    def on_missing_host_key(
        hostname: bytes, key_type: bytes, key_base64: bytes, fingerprint: bytes, userdata: Any
    ) -> int:
        # Never let an exception reach C: anything raised rejects.
        try:
            key = PKey.from_public_text("{} {}".format(key_type.decode("ascii"),
                                                       key_base64.decode("ascii")))
            chosen.missing_host_key(ref(), hostname.decode("utf-8", "replace"), key)
            return int(_lib.HOSTKEY_ACCEPT)
        except BaseException:  # noqa: BLE001
            return int(_lib.HOSTKEY_REJECT)

    cb = _lib.HOSTKEY_CB(on_missing_host_key)
    call(lib.gossh_group_set_policy_callback, handle, cb, None)
    return cb
