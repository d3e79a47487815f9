"""Loads libgossh and declares its C API (include/gossh.h) for ctypes.

Everything that touches ctypes directly lives here: the one table of
prototypes, the opaque handle types, the error-object translation
(``call``/``_check``) and the string-ownership helpers.  The rest of the
package calls ``lib.gossh_*`` through ``call()``.

``ctypes.CDLL`` releases the GIL for the duration of each call, so blocking
calls (connect, exec, read) let other Python threads run.
"""

from __future__ import annotations

import ctypes
import errno
import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from typing_extensions import Self

    from .pkey import PKey

from ctypes import POINTER, c_char_p, c_int, c_int64, c_size_t, c_uint32, c_uint64, c_void_p

from . import ssh_exception as _exc

EXPECTED_MAJOR = 0

# The GOSSH_E_* codes (OK, E_INVALID, ... E_IO) are not copied here: they
# are read from the library with gossh_code_name() once it is loaded (see
# "Codes" below).

POLICY_REJECT = 0
POLICY_AUTOADD = 1
POLICY_WARNING = 2

HOSTKEY_REJECT = 0
HOSTKEY_ACCEPT = 1
HOSTKEY_ACCEPT_ADD = 2

STREAM_STDOUT = 0
STREAM_STDERR = 1

CHANNEL_STDOUT_EOF = 1
CHANNEL_STDERR_EOF = 2
CHANNEL_REMOTE_CLOSED = 4
CHANNEL_EXIT_READY = 8
CHANNEL_CLOSED = 16

# --------------------------------------------------------------------------
# Opaque handle types: a distinct pointer type per kind, so that passing a
# channel where a client is expected fails in ctypes, before reaching C.
# --------------------------------------------------------------------------


class _gossh_client(ctypes.Structure):
    pass


class _gossh_channel(ctypes.Structure):
    pass


class _gossh_options(ctypes.Structure):
    pass


class _gossh_key(ctypes.Structure):
    pass


class _gossh_error(ctypes.Structure):
    pass


class _gossh_hostkeys(ctypes.Structure):
    pass


class _gossh_session_spec(ctypes.Structure):
    pass


class _gossh_sshconfig(ctypes.Structure):
    pass


client_p = POINTER(_gossh_client)
channel_p = POINTER(_gossh_channel)
options_p = POINTER(_gossh_options)
key_p = POINTER(_gossh_key)
error_p = POINTER(_gossh_error)
hostkeys_p = POINTER(_gossh_hostkeys)
session_spec_p = POINTER(_gossh_session_spec)
sshconfig_p = POINTER(_gossh_sshconfig)


class _gossh_sftp(ctypes.Structure):
    pass


class _gossh_sftp_file(ctypes.Structure):
    pass


class _gossh_sftp_dir(ctypes.Structure):
    pass


class _gossh_group(ctypes.Structure):
    pass


class _gossh_group_result(ctypes.Structure):
    pass


group_p = POINTER(_gossh_group)
group_result_p = POINTER(_gossh_group_result)

sftp_p = POINTER(_gossh_sftp)
sftp_file_p = POINTER(_gossh_sftp_file)
sftp_dir_p = POINTER(_gossh_sftp_dir)

# --------------------------------------------------------------------------
# SFTP structs (gossh.h, "SFTP"): plain structs with a fixed layout.
# --------------------------------------------------------------------------

SFTP_ATTR_SIZE = 0x1
SFTP_ATTR_UIDGID = 0x2
SFTP_ATTR_PERMISSIONS = 0x4
SFTP_ATTR_ACMODTIME = 0x8

SFTP_RENAME_POSIX = 1

SFTP_READ = 0x01
SFTP_WRITE = 0x02
SFTP_APPEND = 0x04
SFTP_CREAT = 0x08
SFTP_TRUNC = 0x10
SFTP_EXCL = 0x20

SFTP_RESUME = 0x1
SFTP_PRESERVE = 0x2
SFTP_NOVERIFY = 0x4


class sftp_attrs(ctypes.Structure):
    """gossh_sftp_attrs"""

    _fields_ = [
        ("flags", c_uint32),
        ("mode", c_uint32),
        ("size", c_uint64),
        ("uid", c_uint32),
        ("gid", c_uint32),
        ("atime", c_int64),
        ("mtime", c_int64),
    ]


class sftp_entry(ctypes.Structure):
    """gossh_sftp_entry: name and longname belong to the caller
    (gossh_sftp_entries_free); c_char_p fields read as bytes copies."""

    _fields_ = [
        ("name", c_char_p),
        ("longname", c_char_p),
        ("attrs", sftp_attrs),
    ]


class group_result_info(ctypes.Structure):
    """gossh_group_result_info (gossh_group_result_read): the pointers
    belong to the result (valid until gossh_group_result_free), so they
    are c_void_p, copied out before it is freed."""

    _fields_ = [
        ("size", c_size_t),
        ("index", c_size_t),
        ("code", c_int),
        ("exit_status", c_int),
        ("reused", c_int),
        ("reserved", c_int),
        ("connect_us", c_int64),
        ("run_us", c_int64),
        ("transferred", c_uint64),
        ("name", c_void_p),
        ("exit_signal", c_void_p),
        ("stdout_data", c_void_p),
        ("stdout_len", c_size_t),
        ("stderr_data", c_void_p),
        ("stderr_len", c_size_t),
        ("error_message", c_void_p),
        ("error_details", POINTER(c_char_p)),
        ("error_ndetails", c_size_t),
    ]


class sftp_statvfs(ctypes.Structure):
    """gossh_sftp_statvfs_t"""

    _fields_ = [(n, c_uint64) for n in (
        "bsize", "frsize", "blocks", "bfree", "bavail", "files", "ffree", "favail", "fsid",
        "flag", "namemax")]

# char * handed over by the library (freed with gossh_free): declared as
# POINTER(c_char) so that ctypes does not convert it (and lose the pointer).
owned_str_p = POINTER(ctypes.c_char)

# int (*gossh_hostkey_cb)(hostname, key_type, key_base64, fingerprint, userdata)
HOSTKEY_CB = ctypes.CFUNCTYPE(c_int, c_char_p, c_char_p, c_char_p, c_char_p, c_void_p)

# void (*gossh_log_cb)(level, name, message, userdata)
LOG_CB = ctypes.CFUNCTYPE(None, c_int, c_char_p, c_char_p, c_void_p)

# int (*gossh_progress_cb)(uint64_t done, uint64_t total, void *userdata)
PROGRESS_CB = ctypes.CFUNCTYPE(c_int, c_uint64, c_uint64, c_void_p)

# void (*gossh_group_output_cb)(index, name, stream, data, len, userdata)
GROUP_OUTPUT_CB = ctypes.CFUNCTYPE(None, c_size_t, c_char_p, c_int, c_void_p, c_size_t, c_void_p)

_err_pp = POINTER(error_p)

# --------------------------------------------------------------------------
# The prototypes: (name, argtypes, restype), copied from gossh.h.
# --------------------------------------------------------------------------

_PROTOTYPES: list[tuple[str, list[Any], Any]] = [
    ("gossh_version", [POINTER(c_char_p)], c_int),
    ("gossh_free", [c_void_p], None),
    ("gossh_code_name", [c_int], c_char_p),
    # errors
    ("gossh_error_code", [error_p], c_int),
    ("gossh_error_message", [error_p], c_char_p),
    ("gossh_error_detail", [error_p, c_char_p], c_char_p),
    ("gossh_error_free", [error_p], None),
    # keys
    ("gossh_key_from_file", [c_char_p, c_char_p, POINTER(key_p), _err_pp], c_int),
    ("gossh_key_from_data", [c_char_p, c_size_t, c_char_p, POINTER(key_p), _err_pp], c_int),
    ("gossh_key_type", [key_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_key_public_text", [key_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_key_fingerprint", [key_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_key_generate", [c_char_p, c_int, POINTER(key_p), _err_pp], c_int),
    ("gossh_key_from_public", [c_char_p, c_char_p, c_size_t, POINTER(key_p), _err_pp], c_int),
    ("gossh_key_bits", [key_p, POINTER(c_int), _err_pp], c_int),
    ("gossh_key_can_sign", [key_p], c_int),
    ("gossh_key_blob", [key_p, POINTER(c_void_p), POINTER(c_size_t), _err_pp], c_int),
    ("gossh_key_fingerprint_md5", [key_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_key_sign",
     [key_p, c_char_p, c_size_t, c_char_p, POINTER(c_void_p), POINTER(c_size_t), _err_pp], c_int),
    ("gossh_key_verify", [key_p, c_char_p, c_size_t, c_char_p, c_size_t, _err_pp], c_int),
    ("gossh_key_write_private", [key_p, c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_key_write_private_file", [key_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_key_load_certificate", [key_p, c_char_p, _err_pp], c_int),
    ("gossh_key_certificate", [key_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_key_free", [key_p], None),
    # options
    ("gossh_options_new", [POINTER(options_p), _err_pp], c_int),
    ("gossh_options_set", [options_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_options_set_list",
     [options_p, POINTER(c_char_p), POINTER(c_char_p), c_size_t, _err_pp], c_int),
    ("gossh_options_add_key", [options_p, key_p, _err_pp], c_int),
    ("gossh_options_add_key_data", [options_p, c_char_p, c_size_t, _err_pp], c_int),
    ("gossh_options_free", [options_p], None),
    # client
    ("gossh_client_new", [POINTER(client_p), _err_pp], c_int),
    ("gossh_client_set_policy", [client_p, c_int, _err_pp], c_int),
    ("gossh_client_set_policy_callback", [client_p, HOSTKEY_CB, c_void_p, _err_pp], c_int),
    ("gossh_client_load_system_host_keys", [client_p, c_char_p, _err_pp], c_int),
    ("gossh_client_load_host_keys", [client_p, c_char_p, _err_pp], c_int),
    ("gossh_client_save_host_keys", [client_p, c_char_p, _err_pp], c_int),
    ("gossh_client_connect", [client_p, options_p, _err_pp], c_int),
    ("gossh_client_connect_fd", [client_p, c_int, options_p, _err_pp], c_int),
    ("gossh_client_connect_via", [client_p, client_p, options_p, _err_pp], c_int),
    ("gossh_client_connect_channel", [client_p, channel_p, options_p, _err_pp], c_int),
    ("gossh_socketpair", [POINTER(c_int), _err_pp], c_int),
    ("gossh_client_auth_none", [client_p, c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_client_auth_password", [client_p, c_char_p, c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_client_auth_publickey", [client_p, c_char_p, key_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_client_is_active", [client_p], c_int),
    ("gossh_client_is_authenticated", [client_p], c_int),
    ("gossh_client_exec", [client_p, c_char_p, c_int, POINTER(channel_p), _err_pp], c_int),
    ("gossh_client_close", [client_p, _err_pp], c_int),
    ("gossh_client_free", [client_p], None),
    # channels
    ("gossh_channel_read",
     [channel_p, c_int, c_void_p, c_size_t, c_int, POINTER(c_size_t), _err_pp], c_int),
    ("gossh_channel_read_any",
     [channel_p, c_void_p, c_size_t, c_int, POINTER(c_int), POINTER(c_size_t), _err_pp], c_int),
    ("gossh_channel_read_ready", [channel_p, c_int, _err_pp], c_int64),
    ("gossh_channel_write", [channel_p, c_char_p, c_size_t, c_int, POINTER(c_size_t), _err_pp], c_int),
    ("gossh_channel_send_eof", [channel_p, _err_pp], c_int),
    ("gossh_channel_exit_status", [channel_p, c_int, POINTER(c_int), _err_pp], c_int),
    ("gossh_channel_exit_status_ready", [channel_p], c_int),
    ("gossh_channel_close", [channel_p, _err_pp], c_int),
    ("gossh_channel_free", [channel_p], None),
    ("gossh_channel_id", [channel_p], c_int),
    ("gossh_channel_info", [channel_p, c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_channel_state", [channel_p], c_int),
    # starting a session in one call
    ("gossh_session_spec_new", [POINTER(session_spec_p), _err_pp], c_int),
    ("gossh_session_spec_set", [session_spec_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_session_spec_set_env", [session_spec_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_session_spec_free", [session_spec_p], None),
    ("gossh_client_start", [client_p, session_spec_p, POINTER(channel_p), _err_pp], c_int),
    # session channels step by step
    ("gossh_client_open_session", [client_p, c_int, POINTER(channel_p), _err_pp], c_int),
    ("gossh_channel_request_pty",
     [channel_p, c_char_p, c_int, c_int, c_int, c_int, c_int, _err_pp], c_int),
    ("gossh_channel_resize_pty", [channel_p, c_int, c_int, c_int, c_int, _err_pp], c_int),
    ("gossh_channel_set_env", [channel_p, c_char_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_channel_exec", [channel_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_channel_shell", [channel_p, c_int, _err_pp], c_int),
    ("gossh_channel_subsystem", [channel_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_channel_signal", [channel_p, c_char_p, _err_pp], c_int),
    ("gossh_channel_set_combine_stderr", [channel_p, c_int, POINTER(c_int), _err_pp], c_int),
    ("gossh_channel_fileno", [channel_p, POINTER(c_int), _err_pp], c_int),
    # the agent
    ("gossh_agent_list", [c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_agent_sign",
     [c_char_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, POINTER(c_void_p), POINTER(c_size_t),
      _err_pp], c_int),
    ("gossh_channel_request_forward_agent", [channel_p, c_int, POINTER(c_int), _err_pp], c_int),
    ("gossh_agent_key", [c_char_p, c_char_p, c_size_t, POINTER(key_p), _err_pp], c_int),
    # transport
    ("gossh_client_info", [client_p, c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_client_set_keepalive", [client_p, c_int, _err_pp], c_int),
    ("gossh_client_send_ignore", [client_p, _err_pp], c_int),
    ("gossh_client_open_direct_tcpip",
     [client_p, c_char_p, c_int, c_char_p, c_int, c_int, POINTER(channel_p), _err_pp], c_int),
    ("gossh_client_request_port_forward", [client_p, c_char_p, c_int, POINTER(c_int), _err_pp],
     c_int),
    ("gossh_client_accept_forward", [client_p, c_int, POINTER(channel_p), _err_pp], c_int),
    ("gossh_client_cancel_port_forward", [client_p, c_char_p, c_int, _err_pp], c_int),
    # host keys
    ("gossh_hostkeys_new", [POINTER(hostkeys_p), _err_pp], c_int),
    ("gossh_hostkeys_free", [hostkeys_p], None),
    ("gossh_hostkeys_load", [hostkeys_p, c_char_p, _err_pp], c_int),
    ("gossh_hostkeys_save", [hostkeys_p, c_char_p, _err_pp], c_int),
    ("gossh_hostkeys_add", [hostkeys_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_hostkeys_add_line", [hostkeys_p, c_char_p, _err_pp], c_int),
    ("gossh_hostkeys_remove", [hostkeys_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_hostkeys_clear", [hostkeys_p, _err_pp], c_int),
    ("gossh_hostkeys_lookup", [hostkeys_p, c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_hostkeys_check", [hostkeys_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_hostkeys_count", [hostkeys_p], c_int),
    ("gossh_hostkeys_entries", [hostkeys_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_hostkeys_hostnames", [hostkeys_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_hostkeys_hash_host", [c_char_p, c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_client_get_host_keys", [client_p, POINTER(hostkeys_p), _err_pp], c_int),
    ("gossh_client_get_system_host_keys", [client_p, POINTER(hostkeys_p), _err_pp], c_int),
    # ssh_config
    ("gossh_sshconfig_from_path", [c_char_p, POINTER(sshconfig_p), _err_pp], c_int),
    ("gossh_sshconfig_from_text", [c_char_p, POINTER(sshconfig_p), _err_pp], c_int),
    ("gossh_sshconfig_add_text", [sshconfig_p, c_char_p, _err_pp], c_int),
    ("gossh_sshconfig_lookup",
     [sshconfig_p, c_char_p, c_char_p, c_int, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_sshconfig_hostnames", [sshconfig_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_sshconfig_multi_keywords", [POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_sshconfig_free", [sshconfig_p], None),
    # SFTP
    ("gossh_client_open_sftp", [client_p, c_int, POINTER(sftp_p), _err_pp], c_int),
    ("gossh_sftp_set", [sftp_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_sftp_info", [sftp_p, c_char_p, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_sftp_close", [sftp_p, _err_pp], c_int),
    ("gossh_sftp_free", [sftp_p], None),
    ("gossh_sftp_stat", [sftp_p, c_char_p, c_int, POINTER(sftp_attrs), _err_pp], c_int),
    ("gossh_sftp_lstat", [sftp_p, c_char_p, c_int, POINTER(sftp_attrs), _err_pp], c_int),
    ("gossh_sftp_setstat", [sftp_p, c_char_p, POINTER(sftp_attrs), c_int, _err_pp], c_int),
    ("gossh_sftp_mkdir", [sftp_p, c_char_p, c_uint32, c_int, _err_pp], c_int),
    ("gossh_sftp_makedirs", [sftp_p, c_char_p, c_uint32, c_int, _err_pp], c_int),
    ("gossh_sftp_rmdir", [sftp_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_sftp_remove", [sftp_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_sftp_rmtree", [sftp_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_sftp_rename", [sftp_p, c_char_p, c_char_p, c_int, c_int, _err_pp], c_int),
    ("gossh_sftp_symlink", [sftp_p, c_char_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_sftp_hardlink", [sftp_p, c_char_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_sftp_readlink", [sftp_p, c_char_p, c_int, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_sftp_realpath", [sftp_p, c_char_p, c_int, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_sftp_statvfs", [sftp_p, c_char_p, c_int, POINTER(sftp_statvfs), _err_pp], c_int),
    ("gossh_sftp_copy", [sftp_p, c_char_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_sftp_glob", [sftp_p, c_char_p, c_int, POINTER(sftp_dir_p), _err_pp], c_int),
    ("gossh_sftp_opendir", [sftp_p, c_char_p, c_int, POINTER(sftp_dir_p), _err_pp], c_int),
    ("gossh_sftp_dir_read",
     [sftp_dir_p, POINTER(sftp_entry), c_size_t, c_int, POINTER(c_size_t), _err_pp], c_int),
    ("gossh_sftp_entries_free", [POINTER(sftp_entry), c_size_t], None),
    ("gossh_sftp_dir_free", [sftp_dir_p], None),
    ("gossh_sftp_open",
     [sftp_p, c_char_p, c_int, c_uint32, c_int, POINTER(sftp_file_p), _err_pp], c_int),
    ("gossh_sftp_file_read",
     [sftp_file_p, c_void_p, c_size_t, c_int, POINTER(c_size_t), _err_pp], c_int),
    ("gossh_sftp_file_write",
     [sftp_file_p, c_char_p, c_size_t, c_int, POINTER(c_size_t), _err_pp], c_int),
    ("gossh_sftp_file_pread",
     [sftp_file_p, c_void_p, c_size_t, c_uint64, c_int, POINTER(c_size_t), _err_pp], c_int),
    ("gossh_sftp_file_pwrite",
     [sftp_file_p, c_char_p, c_size_t, c_uint64, c_int, POINTER(c_size_t), _err_pp], c_int),
    ("gossh_sftp_file_seek",
     [sftp_file_p, c_int64, c_int, c_int, POINTER(c_uint64), _err_pp], c_int),
    ("gossh_sftp_file_flush", [sftp_file_p, c_int, _err_pp], c_int),
    ("gossh_sftp_file_stat", [sftp_file_p, c_int, POINTER(sftp_attrs), _err_pp], c_int),
    ("gossh_sftp_file_setstat", [sftp_file_p, POINTER(sftp_attrs), c_int, _err_pp], c_int),
    ("gossh_sftp_file_sync", [sftp_file_p, c_int, _err_pp], c_int),
    ("gossh_sftp_file_check",
     [sftp_file_p, c_char_p, c_uint64, c_uint64, c_int, POINTER(owned_str_p), _err_pp], c_int),
    ("gossh_sftp_file_close", [sftp_file_p, c_int, _err_pp], c_int),
    ("gossh_sftp_file_free", [sftp_file_p], None),
    ("gossh_sftp_get",
     [sftp_p, c_char_p, c_char_p, c_int, PROGRESS_CB, c_void_p, c_int, POINTER(c_uint64), _err_pp],
     c_int),
    ("gossh_sftp_put",
     [sftp_p, c_char_p, c_char_p, c_int, PROGRESS_CB, c_void_p, c_int, POINTER(c_uint64), _err_pp],
     c_int),
    ("gossh_sftp_get_dir",
     [sftp_p, c_char_p, c_char_p, c_int, PROGRESS_CB, c_void_p, c_int, _err_pp], c_int),
    ("gossh_sftp_put_dir",
     [sftp_p, c_char_p, c_char_p, c_int, PROGRESS_CB, c_void_p, c_int, _err_pp], c_int),
    # fan-out (gossh.h, "Fan-out: one command on many hosts")
    ("gossh_group_new", [POINTER(group_p), _err_pp], c_int),
    ("gossh_group_set", [group_p, c_char_p, c_char_p, _err_pp], c_int),
    ("gossh_group_set_policy", [group_p, c_int, _err_pp], c_int),
    ("gossh_group_set_policy_callback", [group_p, HOSTKEY_CB, c_void_p, _err_pp], c_int),
    ("gossh_group_load_host_keys", [group_p, c_char_p, _err_pp], c_int),
    ("gossh_group_load_system_host_keys", [group_p, c_char_p, _err_pp], c_int),
    ("gossh_group_add_host", [group_p, c_char_p, options_p, POINTER(c_size_t), _err_pp], c_int),
    ("gossh_group_set_host_command", [group_p, c_size_t, c_char_p, _err_pp], c_int),
    ("gossh_group_set_output_callback", [group_p, GROUP_OUTPUT_CB, c_void_p, _err_pp], c_int),
    ("gossh_group_run", [group_p, session_spec_p, _err_pp], c_int),
    ("gossh_group_run_transfer", [group_p, c_int, c_char_p, c_char_p, c_int, _err_pp], c_int),
    ("gossh_group_next", [group_p, c_int, POINTER(group_result_p), _err_pp], c_int),
    ("gossh_group_wait", [group_p, c_int, _err_pp], c_int),
    ("gossh_group_cancel", [group_p, _err_pp], c_int),
    ("gossh_group_close", [group_p, _err_pp], c_int),
    ("gossh_group_free", [group_p], None),
    ("gossh_group_result_name", [group_result_p, POINTER(c_char_p), _err_pp], c_int),
    ("gossh_group_result_error", [group_result_p, POINTER(error_p), _err_pp], c_int),
    ("gossh_group_result_get", [group_result_p, c_char_p, POINTER(c_int64), _err_pp], c_int),
    ("gossh_group_result_exit_signal", [group_result_p, POINTER(c_char_p), _err_pp], c_int),
    ("gossh_group_result_output",
     [group_result_p, c_int, POINTER(c_void_p), POINTER(c_size_t), _err_pp], c_int),
    ("gossh_group_result_free", [group_result_p], None),
    ("gossh_group_result_read", [group_result_p, POINTER(group_result_info), _err_pp], c_int),
    ("gossh_group_add_host_list",
     [group_p, c_char_p, options_p, POINTER(c_char_p), POINTER(c_char_p), c_size_t,
      POINTER(c_size_t), _err_pp], c_int),
    # logging
    ("gossh_set_log_callback", [LOG_CB, c_int, c_void_p, _err_pp], c_int),
    ("gossh_client_set_log_channel", [client_p, c_char_p, _err_pp], c_int),
]

# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates() -> list[str]:
    env = os.environ.get("GOSSH_LIBRARY")
    if env:
        return [env]
    repo_build = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "build")
    return [
        os.path.join(_HERE, "libgossh.so"),
        os.path.join(repo_build, "libgossh.so"),
        os.path.join(repo_build, "libgossh.so.0"),
    ]


class LibraryForkedError(_exc.SSHException):
    """Raised by every gossh call in a child process forked (``os.fork()``,
    multiprocessing's "fork" start method) after libgossh was loaded in the
    parent: the Go runtime inside it does not survive fork() (its threads
    are gone in the child), so the call would hang.  Load gossh only in the
    child (the library loads on first use, not at import), or use the
    "spawn"/"forkserver" start methods."""


class _State:
    """What loading the library found (set once, under _load_lock)."""

    path: str | None = None
    version_number: int | None = None
    version_string: str | None = None
    codes: dict[str, int] | None = None  # {"GOSSH_OK": 0, "GOSSH_E_INVALID": -1, ...}
    missing: list[str] | None = None  # header functions the loaded library lacks
    loaded_in: int | None = None  # pid of the process that loaded it
    loading_in: int | None = None  # pid of a process inside dlopen() right now
    forked_from: int | None = None  # in a child forked after loading: the parent's pid


_state = _State()
_load_lock = threading.Lock()


def _open() -> tuple[ctypes.CDLL, str]:
    tried = []
    for path in _candidates():
        if not os.path.exists(path) and not os.environ.get("GOSSH_LIBRARY"):
            tried.append(path + " (missing)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("{} ({})".format(path, e))
            if os.environ.get("GOSSH_LIBRARY"):
                break
    raise ImportError(
        "gossh: cannot load libgossh.so; tried: {}. Build it with `make` in the "
        "repository root, or set GOSSH_LIBRARY to its path.".format("; ".join(tried))
    )


class _Missing:
    """Stands in for a function the loaded library does not export: calling
    it raises NotImplementedError naming the function."""

    def __init__(self, name: str, path: str) -> None:
        self.__name__ = name
        self._path = path

    def __call__(self, *args: Any) -> Any:
        raise NotImplementedError(
            "gossh: {} does not export {}".format(self._path, self.__name__)
        )


def _forked_error() -> LibraryForkedError:
    return LibraryForkedError(
        "gossh: this process (pid {}) was forked from pid {} after libgossh was "
        "loaded there; the Go runtime in libgossh does not survive fork() and any "
        "call would hang. Use gossh only in processes that load it themselves: "
        "fork before gossh's first use (importing gossh does not load it), or use "
        "multiprocessing's 'spawn' or 'forkserver' start method.".format(
            os.getpid(), _state.forked_from)
    )


def _load_now() -> ctypes.CDLL:
    """Loads libgossh and declares the prototypes (once); returns the CDLL."""
    if _state.forked_from is not None:
        raise _forked_error()
    with _load_lock:
        if _state.forked_from is not None:
            raise _forked_error()
        if _state.path is not None:
            return _cdll[0]
        _state.loading_in = os.getpid()
        try:
            cdll, path = _open()
        finally:
            _state.loading_in = None
        missing_: list[str] = []
        fns: dict[str, Any] = {}
        for name, argtypes, restype in _PROTOTYPES:
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                missing_.append(name)
                fns[name] = _Missing(name, path)
                continue
            fn.argtypes = argtypes
            fn.restype = restype
            # Positions of the C int parameters, range-checked by call().
            fn._int_args = tuple(
                i for i, t in enumerate(argtypes) if t is c_int)
            fns[name] = fn
        s = c_char_p()
        n = fns["gossh_version"](ctypes.byref(s))
        vs = s.value.decode() if s.value else "%d.%d.%d" % (n // 10000, n // 100 % 100, n % 100)
        if n // 10000 != EXPECTED_MAJOR:
            raise ImportError(
                "gossh: {} is version {}, this binding needs major version {}".format(
                    path, vs, EXPECTED_MAJOR))
        # The codes are consecutive from 0 down (gossh.h).
        codes: dict[str, int] = {}
        code = 0
        while code > -1000:
            cn = fns["gossh_code_name"](code)
            if not cn or cn == b"GOSSH_E_UNKNOWN":
                break
            codes[cn.decode()] = code
            code -= 1
        _cdll[:] = [cdll]
        _state.version_number, _state.version_string = n, vs
        _state.codes, _state.missing = codes, missing_
        _state.loaded_in = os.getpid()
        # Publish the functions on the proxy last: from here on lib.gossh_x is
        # a plain attribute lookup.
        lib.__dict__.update(fns)
        _state.path = path
        return cdll


_cdll: list[ctypes.CDLL] = []


class _LazyLib:
    """``lib``: libgossh's functions, loaded on first use.

    Importing gossh does not load libgossh (and so does not start a Go
    runtime): the first ``lib.gossh_*`` lookup does, and then stores every
    declared function on this object so later lookups cost a plain
    attribute read.  In a child forked after loading, the functions are
    taken off again (os.register_at_fork) and every lookup raises
    LibraryForkedError instead of hanging."""

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("gossh_"):
            raise AttributeError(name)
        _load_now()
        try:
            return self.__dict__[name]
        except KeyError:
            # Not in the table: the raw symbol, undeclared (as ctypes gives it).
            return getattr(_cdll[0], name)


lib = _LazyLib()


def _after_fork_in_child() -> None:
    global _load_lock
    # A thread of the parent may have held the lock at fork(): the child's
    # copy would stay locked for ever.
    _load_lock = threading.Lock()
    if _state.forked_from is not None:
        return
    if _state.path is not None or _state.loading_in is not None:
        _state.forked_from = _state.loaded_in or _state.loading_in
        lib.__dict__.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def loaded() -> bool:
    """True once libgossh is loaded in this process (False in a child forked
    after the parent loaded it)."""
    return _state.path is not None and _state.forked_from is None


def forked_after_load() -> bool:
    """True in a child forked after libgossh was loaded in its parent."""
    return _state.forked_from is not None


def _codes() -> dict[str, int]:
    if _state.codes is None:
        _load_now()
    return _state.codes  # type: ignore[return-value]  # set by _load_now()


# Added with SFTP: a library built before it lacks their names, so the
# header's numbers stand in (they are fixed for this major version).
_CODE_FALLBACK = {"GOSSH_E_SFTP": -17, "GOSSH_E_CANCELLED": -18}


def _code(name: str) -> int:
    """The number of GOSSH_<name> ("E_AUTH"), from the library."""
    full = "GOSSH_" + name
    codes = _codes()
    if full in codes:
        return codes[full]
    if full in _CODE_FALLBACK:
        return _CODE_FALLBACK[full]
    raise AttributeError("gossh: the library has no code " + full)


def __getattr__(name: str) -> Any:
    # PEP 562: the values that come from the library load it on first use,
    # so that importing the package does not.
    if name == "library_path":
        _load_now()
        return _state.path
    if name in ("version_number", "version_string"):
        _load_now()
        return getattr(_state, name)
    if name == "missing":
        _load_now()
        return _state.missing
    if name == "CODES":
        return _codes()
    if name == "OK" or name.startswith("E_"):
        return _code(name)
    raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))


def code_name(code: object) -> str:
    """The GOSSH_* name of a code ("GOSSH_E_AUTH"), "GOSSH_E_UNKNOWN" for
    a value that is no code."""
    # ctypes would wrap a number that does not fit a C int (2**32 is 0).
    if type(code) is not int or not -(2 ** 31) <= code < 2 ** 31:
        return "GOSSH_E_UNKNOWN"
    name = lib.gossh_code_name(code)
    return str(name.decode()) if name else "GOSSH_E_UNKNOWN"


# --------------------------------------------------------------------------
# Strings
# --------------------------------------------------------------------------


def enc(s: object) -> bytes | None:
    """str/bytes/PathLike/None -> bytes or None for a const char * argument."""
    if s is None:
        return None
    if isinstance(s, bytes):
        return s
    if isinstance(s, os.PathLike):
        return os.fsencode(s)
    return str(s).encode("utf-8")


def take_string(p: Any) -> str | None:
    """Copies a library-owned char * into a str and releases it with gossh_free."""
    if not p:
        return None
    try:
        return ctypes.string_at(p).decode("utf-8", "replace")
    finally:
        lib.gossh_free(ctypes.cast(p, c_void_p))


def take_bytes(p: Any, n: int) -> bytes:
    """Copies n library-owned bytes at p and releases them with gossh_free."""
    if not p:
        return b""
    try:
        return ctypes.string_at(p, n)
    finally:
        lib.gossh_free(p)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def _detail(err: Any, name: str) -> str | None:
    v = lib.gossh_error_detail(err, name.encode())
    return str(v.decode("utf-8", "replace")) if v is not None else None


def _public_key(text: str | None) -> PKey | None:
    from .pkey import PKey

    if not text:
        return None
    try:
        return PKey.from_public_text(text)
    except Exception:
        return None


def _connect_error(
    message: str, host: str | None, port: str | None
) -> _exc.NoValidConnectionsError:
    host = host or "?"
    try:
        portnum = int(port or 0)
    except ValueError:
        portnum = 0
    cause = ConnectionRefusedError(errno.ECONNREFUSED, message)
    return _exc.NoValidConnectionsError({(host, portnum): cause})


# details(name) -> the error object's detail of that name, or None.
_Details = Callable[[str], Optional[str]]


def _errno_number(name: str | None) -> int | None:
    """errno.ENOENT for "ENOENT"; None for "", None or a name this
    platform lacks."""
    num = getattr(errno, name, None) if name and name.startswith("E") else None
    return num if isinstance(num, int) else None


def sftp_exception(message: str, details: _Details) -> OSError | EOFError:
    """The exception for GOSSH_E_SFTP, as paramiko's SFTPClient._convert_status
    raises it: the "eof" status is EOFError; "no such file" is
    IOError(errno.ENOENT, text) (Python makes it a FileNotFoundError) and
    "permission denied" IOError(errno.EACCES, text) (a PermissionError), with
    the server's text as strerror (args stay paramiko's (errno, text)) and
    the path(s) as filename/filename2; any other status is IOError(message).
    gossh adds, without changing type, args or str(): ``errno`` where the
    library names one (EEXIST, ENOTDIR, ...), ``sftp_status`` (the SSH_FX_*
    number) and ``sftp_status_name``."""
    status_name = details("status_name") or ""
    errno_name = details("errno_name") or ""
    text = details("message") or message
    path = details("path") or None
    path2 = details("path2") or None
    num = _errno_number(errno_name)
    exc: OSError | EOFError
    if status_name == "eof":
        exc = EOFError(text)
    elif num in (errno.ENOENT, errno.EACCES):
        if path2:
            exc = OSError(num, text, path, None, path2)
        elif path:
            exc = OSError(num, text, path)
        else:
            exc = OSError(num, text)
    else:
        # paramiko: IOError(text) for every other status.  The library's
        # message (which names the request and path) says more than the
        # server's bare "Failure".  errno is set without strerror, so str(exc)
        # stays the message.
        exc = IOError(message)
        if num:
            exc.errno = num
    try:
        setattr(exc, "sftp_status", int(details("status") or -1))
    except ValueError:
        setattr(exc, "sftp_status", -1)
    setattr(exc, "sftp_status_name", status_name)
    return exc


def make_exception(code: int, message: str, details: _Details) -> Exception:
    """Builds the paramiko-style exception for a GOSSH_E_* code.

    ``details`` is a callable name -> str or None.
    """
    if code == _code("E_AUTH"):
        # paramiko's words where the library says which case it is (programs
        # match on them); the library's message, which names the methods the
        # server allows, stays on the exception as .detail.
        words = {"failed": "Authentication failed.",
                 "no_methods": "No authentication methods available"}.get(details("reason") or "")
        e = _exc.AuthenticationException(words or message)
        e.detail = message
        return e
    if code == _code("E_BADAUTHTYPE"):
        types = [t for t in (details("allowed_types") or "").split(",") if t]
        # paramiko's explanation (str() adds the types); the library's message
        # stays on the exception as .detail.
        e = _exc.BadAuthenticationType("Bad authentication type", types)
        e.detail = message
        return e
    if code == _code("E_PASSWORD_REQUIRED"):
        return _exc.PasswordRequiredException(message)
    if code == _code("E_HOSTKEY_UNKNOWN"):
        host = details("hostname")
        if host:
            return _exc.SSHException("Server {!r} not found in known_hosts".format(host))
        return _exc.SSHException(message)
    if code == _code("E_HOSTKEY_MISMATCH"):
        bhk = _exc.BadHostKeyException(
            details("hostname"),  # type: ignore[arg-type]
            _public_key(details("key")),
            _public_key(details("expected_key")),
        )
        setattr(bhk, "message", message)
        return bhk
    if code == _code("E_CONNECT") and details("reason") in ("agent", "no_agent"):
        se = _exc.SSHException(message)  # no agent: not a network address
        setattr(se, "reason", details("reason"))
        return se
    if code == _code("E_CONNECT") and details("reason") == "proxy_command":
        return _exc.ProxyCommandFailure(details("command") or "", message)
    if code == _code("E_CONNECT"):
        return _connect_error(message, details("host"), details("port"))
    if code == _code("E_TIMEOUT") and details("stage") == "auth":
        # paramiko's words for it (programs match on them); the library's
        # message (which names the limit) stays on the exception.
        at = _exc.AuthenticationTimeout()
        at.stage = "auth"
        at.detail = message
        return at
    if code == _code("E_TIMEOUT"):
        st = _exc.SSHTimeout(message)
        st.stage = details("stage")
        return st
    if code == _code("E_CHANNEL"):
        return _exc.ChannelException(code, message)
    if code == _code("E_KEY") and details("reason") == "unknown_key_type":
        # paramiko's UnknownKeyType (an Exception, not an SSHException).
        from .pkey import UnknownKeyType

        uk = UnknownKeyType(details("key_type"))
        setattr(uk, "detail", message)
        return uk
    if code == _code("E_INVALID"):
        return ValueError(message)
    if code == _code("E_IO"):
        # A local file: the errno a local call gave, as an OSError subclass
        # (FileNotFoundError, PermissionError, ...) when the library names it.
        # As Python's own calls raise it (paramiko's put/get open local
        # files with open()): OSError(errno, strerror, path).
        num = _errno_number(details("errno_name"))
        path = details("path")
        if num and path:
            return OSError(num, os.strerror(num), path)
        return OSError(num, message) if num else IOError(message)
    if code == _code("E_SFTP"):
        return sftp_exception(message, details)
    # CLOSED, PROTOCOL, KEY, BADHANDLE, INTERNAL, NOT_CONNECTED and unknown
    return _exc.SSHException(message)


def _check(rc: int, err: Any) -> int:
    """Raises the exception for a failed call (rc < 0) and frees err."""
    if rc >= 0:
        if err:
            lib.gossh_error_free(err)
        return rc
    if not err:
        exc = make_exception(rc, "gossh error %s (%d)" % (code_name(rc), rc), lambda name: None)
        setattr(exc, "gossh_code", rc)
        raise exc
    try:
        code: int = lib.gossh_error_code(err)
        if code >= 0 or code == _code("E_BADHANDLE") and rc != _code("E_BADHANDLE"):
            code = rc
        raw = lib.gossh_error_message(err)
        msg: str = (raw.decode("utf-8", "replace") if raw
                    else "gossh error %s (%d)" % (code_name(rc), rc))
        exc = make_exception(code, msg, lambda name: _detail(err, name))
        setattr(exc, "gossh_code", code)
    finally:
        lib.gossh_error_free(err)
    raise exc


_C_INT_MIN, _C_INT_MAX = -(2 ** 31), 2 ** 31 - 1


def _check_int_args(fn: Any, args: tuple[Any, ...]) -> None:
    """ctypes silently wraps a Python int that does not fit a C int
    (2**32 + 22 arrives as 22), so such a number never reaches the library:
    it gets the library's own answer to an out-of-range number,
    GOSSH_E_INVALID.  The value is not repeated in the message."""
    for i in getattr(fn, "_int_args", ()):
        v = args[i] if i < len(args) else None
        if type(v) is int and not _C_INT_MIN <= v <= _C_INT_MAX:
            exc = make_exception(
                _code("E_INVALID"),
                "{}: argument {} is out of range (it does not fit a C int)".format(
                    getattr(fn, "__name__", "gossh"), i + 1),
                lambda name: None,
            )
            setattr(exc, "gossh_code", _code("E_INVALID"))
            raise exc


def exception_of(err: Any) -> Exception | None:
    """The exception for error object err (not NULL), which it frees."""
    try:
        _check(lib.gossh_error_code(err), err)
    except Exception as e:  # noqa: BLE001 - handed back to the caller
        return e
    return None


def call(fn: Any, *args: Any) -> int:
    """Calls a gossh function whose last parameter is ``gossh_error **err``.

    Returns its (non-negative) result or raises the matching exception.
    """
    _check_int_args(fn, args)
    err = error_p()
    rc = fn(*args, ctypes.byref(err))
    return _check(rc, err)


def call_code(fn: Any, *args: Any) -> tuple[int, Exception | None]:
    """As call(), but returns (rc, exception-or-None) instead of raising."""
    try:
        return call(fn, *args), None
    except Exception as e:  # noqa: BLE001 - handed back to the caller
        return getattr(e, "gossh_code", -1), e


def free_quietly(fn_name: str | None, h: Any) -> None:
    """Releases handle h with lib.<fn_name>, ignoring errors (it runs from
    __del__, possibly during interpreter shutdown)."""
    if h is not None:
        try:
            getattr(lib, fn_name)(h)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class NativeHandle:
    """Owns one libgossh handle in ``self._handle``: ``_close_native()``
    closes it ignoring errors (close is idempotent), ``__del__`` frees it as
    a backstop, and the object works as a context manager around
    ``close()``.  Subclasses name their C functions in ``_close_fn`` and
    ``_free_fn``."""

    _close_fn: str | None = None
    _free_fn: str | None = None
    _handle: Any = None

    if TYPE_CHECKING:
        def close(self) -> None:
            """Every subclass defines it."""

    def _close_native(self) -> None:
        h = self._handle
        if h is not None and self._close_fn:
            err = error_p()
            getattr(lib, self._close_fn)(h, ctypes.byref(err))
            if err:
                lib.gossh_error_free(err)

    def _free_native(self) -> None:
        h, self._handle = self._handle, None
        free_quietly(self._free_fn, h)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self._free_native()
