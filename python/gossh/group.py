"""Fan-out shaped like Fabric's ``fabric.group`` (Fabric 3.2):
``ThreadingGroup(*hosts, **connection_kwargs).run(cmd)`` returns a
``GroupResult`` (a dict of host to ``Result`` or exception) and raises
``GroupException`` when any host failed.

paramiko has no such module: it is Fabric's API, on libgossh's group
(gossh.h, "Fan-out: one command on many hosts"). The library works on the
hosts with its own bounded pool of threads (no GIL held, no thread per
host); this module only translates. gossh's additions: ``run_iter`` (each
host's result as it finishes, in completion order), ``pool_size``,
``known_hosts`` and ``missing_host_key_policy``, ``cancel``.

Differences from Fabric, on purpose:

- Host keys are checked: ``~/.ssh/known_hosts`` (or ``known_hosts=``) under
  RejectPolicy unless ``missing_host_key_policy`` says otherwise (Fabric
  auto-adds every unknown host).
- The keys of a GroupResult are the group's ``Host`` objects, equal only to
  themselves: two entries for one ``user@host:port`` are two keys, so no
  result is lost (Fabric's equal Connections would share one key).
- A group's members are fixed when it is made (a read-only sequence, not a
  list to append to).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import weakref
from typing import Any, Callable, Iterator, Mapping, Sequence, Union, overload

from . import _algorithms
from . import _lib
from ._lib import call, lib
from ._grouphosts import HostAdder, HostOptions, read_result
from ._grouppolicy import set_group_policy
from .policy import MissingHostKeyPolicy
from .ssh_exception import SSHException

__all__ = ["CommandTimedOut", "Failure", "GroupException", "GroupResult", "Host", "Result",
           "ThreadingGroup", "UnexpectedExit"]

_DEFAULT_POOL = 100

# Fabric run() keywords gossh's group does not carry out (Invoke's local
# streams, watchers, sudo...): a clear NotImplementedError, not a TypeError.
_UNSUPPORTED_RUN = frozenset([
    "asynchronous", "disown", "dry", "echo_format", "echo_stdin", "err_stream", "fallback",
    "in_stream", "out_stream", "replace_env", "shell", "watchers",
])

_CONNECT_KWARGS = frozenset([
    "allow_agent", "auth_timeout", "banner_timeout", "disabled_algorithms", "key_filename",
    "look_for_keys", "passphrase", "password", "pkey", "timeout",
])


class Host:
    """One member of a group (Fabric's ``Connection``, for naming only:
    it runs nothing by itself): ``host``, ``user``, ``port``,
    ``original_host`` (as written, before the ``user@host:port`` shorthand
    was split) and ``index`` (its place in the group). Hashes and compares
    by identity."""

    def __init__(self, original_host: str, host: str, user: str | None, port: int,
                 index: int) -> None:
        self.original_host, self.host, self.user, self.port = original_host, host, user, port
        self.index = index

    def __repr__(self) -> str:
        bits = "host={!r}".format(self.host)
        if self.user is not None:
            bits += " user={!r}".format(self.user)
        if self.port != 22:
            bits += " port={}".format(self.port)
        return "<Host {}>".format(bits)


class Result:
    """One host's finished command (Invoke's and Fabric's ``Result``):
    ``stdout``, ``stderr`` (text), ``exited`` (the exit status; -1 when
    none arrived, e.g. killed by ``signal``), ``command``, ``encoding``,
    ``pty``, ``hide``, ``connection`` (the Host; also ``host``). ``ok`` is
    ``exited == 0``; a Result is true when ok."""

    def __init__(self, connection: Host, command: str, stdout: str, stderr: str, exited: int,
                 encoding: str = "utf-8", pty: bool = False, hide: tuple[str, ...] = (),
                 signal: str | None = None) -> None:
        self.connection = connection
        self.command, self.stdout, self.stderr = command, stdout, stderr
        self.exited, self.encoding, self.pty, self.hide = exited, encoding, pty, hide
        self.signal = signal

    @property
    def host(self) -> Host:
        """The Host this ran on (the same as ``connection``)."""
        return self.connection

    @property
    def return_code(self) -> int:
        """An alias for ``exited``."""
        return self.exited

    @property
    def ok(self) -> bool:
        """True when the command exited with status 0."""
        return self.exited == 0

    @property
    def failed(self) -> bool:
        """The opposite of ``ok``."""
        return not self.ok

    def __bool__(self) -> bool:
        return self.ok

    def tail(self, stream: str, count: int = 10) -> str:
        """The last count lines of stream ("stdout" or "stderr"), as Invoke's."""
        text: str = getattr(self, stream)
        return "\n\n" + "\n".join(text.splitlines()[-count:])

    def __str__(self) -> str:
        desc = ("Command exited with status {}.".format(self.exited) if self.signal is None
                else "Command was killed by signal {}.".format(self.signal))
        parts = [desc]
        for name in ("stdout", "stderr"):
            text: str = getattr(self, name)
            parts.append("=== {} ===\n{}".format(name, text.rstrip("\n")) if text
                         else "(no {})".format(name))
        return "\n".join(parts) + "\n"

    def __repr__(self) -> str:
        return "<Result cmd={!r} exited={}>".format(self.command, self.exited)


class Failure(Exception):
    """A command that did not end as asked (Invoke's ``Failure``):
    ``result`` is its Result."""

    def __init__(self, result: Result, reason: object = None) -> None:
        super().__init__(result, reason)
        self.result, self.reason = result, reason

    def __str__(self) -> str:
        return "{!r} on {!r}".format(self.result, self.result.connection)


class UnexpectedExit(Failure):
    """The command exited with a non-zero status and ``warn`` was false
    (Invoke's ``UnexpectedExit``)."""

    def __str__(self) -> str:
        r = self.result
        why = ("Exit code: {}".format(r.exited) if r.signal is None
               else "Killed by signal: {}".format(r.signal))
        out = "".join("\n\n{}:{}".format(name.capitalize(), r.tail(name))
                      for name in ("stdout", "stderr")
                      if getattr(r, name) and name not in r.hide)
        return "Encountered a bad command exit code on {!r}!\n\nCommand: {!r}\n\n{}{}\n".format(
            r.connection, r.command, why, out)


class CommandTimedOut(Failure):
    """The command ran past run(timeout=) (Invoke's ``CommandTimedOut``):
    ``timeout`` is the limit in seconds; ``result`` has the output that
    arrived before it."""

    def __init__(self, result: Result, timeout: float) -> None:
        super().__init__(result, timeout)
        self.timeout = timeout

    def __str__(self) -> str:
        return "Command did not complete within {} seconds on {!r}!\n\nCommand: {!r}\n".format(
            self.timeout, self.result.connection, self.result.command)


_Outcome = Union[Result, BaseException]


class GroupResult(dict[Host, _Outcome]):
    """Each host's Result, or the exception that ended it (Fabric's
    ``GroupResult``); ``succeeded`` and ``failed`` are the sub-dicts of
    each kind. Its order is the group's order."""

    @property
    def succeeded(self) -> dict[Host, Result]:
        """The hosts whose value is a Result."""
        return {k: v for k, v in self.items() if not isinstance(v, BaseException)}

    @property
    def failed(self) -> dict[Host, BaseException]:
        """The hosts whose value is an exception."""
        return {k: v for k, v in self.items() if isinstance(v, BaseException)}


class GroupException(Exception):
    """Raised by ThreadingGroup.run when any host failed (Fabric's
    ``GroupException``): ``result`` is the GroupResult it would have
    returned."""

    def __init__(self, result: GroupResult) -> None:
        super().__init__(result)
        self.result = result

    def __str__(self) -> str:
        failed = self.result.failed
        lines = ["{} of {} hosts failed:".format(len(failed), len(self.result))]
        lines += ["  {!r}: {}: {}".format(h, type(e).__name__, str(e).splitlines()[0] if str(e) else "")
                  for h, e in failed.items()]
        return "\n".join(lines)


def derive_shorthand(host_string: str) -> tuple[str | None, str, int | None]:
    """(user, host, port) of ``user@host:port`` (each of user and port
    optional), as Fabric splits it: a host with more than one ":" is an
    IPv6 address without a port. ValueError for an empty host or a port
    that is not a number."""
    user, _, hostport = host_string.rpartition("@")
    port: int | None = None
    host = hostport
    if hostport.count(":") == 1:
        host, _, p = hostport.partition(":")
        if p:
            try:
                port = int(p)
            except ValueError:
                raise ValueError("gossh: {!r}: the port is not a number".format(host_string)) from None
    if not host:
        raise ValueError("gossh: {!r} names no host".format(host_string))
    return (user or None), host, port


def _hide_streams(hide: object) -> tuple[str, ...]:
    """Invoke's hide values as the streams hidden."""
    if hide in (None, False):
        return ()
    if hide in (True, "both"):
        return ("stdout", "stderr")
    if hide in ("out", "stdout"):
        return ("stdout",)
    if hide in ("err", "stderr"):
        return ("stderr",)
    raise ValueError("gossh: hide is None, False, True, 'both', 'out'/'stdout' or "
                     "'err'/'stderr'")


def _ms(seconds: float) -> str:
    return str(max(0, int(round(float(seconds) * 1000))))


def _seconds(v: float) -> str:
    return repr(float(v))


class ThreadingGroup(_lib.NativeHandle, Sequence[Host]):
    """Runs a command on many hosts at once (Fabric's ``ThreadingGroup``).

    ``hosts`` are Fabric's host strings (``host``, ``user@host``,
    ``host:port``, ``user@host:port``); ``user`` and ``port`` apply to
    those that do not give their own (giving both is a ValueError, as in
    Fabric). ``connect_kwargs`` are SSHClient.connect's: password, pkey,
    key_filename (a path or a list), passphrase, allow_agent, look_for_keys,
    timeout, banner_timeout, auth_timeout, disabled_algorithms.
    ``connect_timeout`` (seconds) limits each connect phase of every host.
    gossh's: ``pool_size`` hosts are worked on at a time (default 100, by
    the library's threads), ``known_hosts`` (a path; default
    ~/.ssh/known_hosts) and ``missing_host_key_policy`` (RejectPolicy by
    default; AutoAddPolicy, WarningPolicy or any MissingHostKeyPolicy,
    asked per unknown host). Fabric's gateway, forward_agent, config and
    inline_ssh_env are not supported (NotImplementedError). Connections are
    kept between runs and reused; close() closes them."""

    _close_fn = "gossh_group_close"
    _free_fn = "gossh_group_free"

    def __init__(self, *hosts: str, user: str | None = None, port: int | None = None,
                 connect_timeout: float | None = None,
                 connect_kwargs: Mapping[str, Any] | None = None,
                 pool_size: int = _DEFAULT_POOL,
                 known_hosts: str | os.PathLike[str] | None = None,
                 missing_host_key_policy: MissingHostKeyPolicy | type[MissingHostKeyPolicy] | None = None,
                 config: object = None, gateway: object = None, forward_agent: object = None,
                 inline_ssh_env: object = None) -> None:
        unsupported = [name for name, v in (("config", config), ("gateway", gateway),
                                             ("forward_agent", forward_agent),
                                             ("inline_ssh_env", inline_ssh_env)) if v]
        if unsupported:
            raise NotImplementedError("gossh: ThreadingGroup does not support "
                                      + ", ".join(unsupported))
        kwargs = dict(connect_kwargs or {})
        unknown = sorted(set(kwargs) - _CONNECT_KWARGS)
        if unknown:
            raise TypeError("gossh: ThreadingGroup does not take connect_kwargs " + ", ".join(unknown))
        members: list[Host] = []
        for i, spec in enumerate(hosts):
            if not isinstance(spec, str):
                raise TypeError("gossh: a host is a string such as 'user@host:port'")
            u, h, p = derive_shorthand(spec)
            if u is not None and user is not None:
                raise ValueError("You supplied the user via both shorthand and kwarg! "
                                 "Please pick one.")
            if p is not None and port is not None:
                raise ValueError("You supplied the port via both shorthand and kwarg! "
                                 "Please pick one.")
            members.append(Host(spec, h, u if u is not None else user,
                                p if p is not None else (port if port is not None else 22), i))
        self._hosts: tuple[Host, ...] = tuple(members)
        self._lock = threading.Lock()
        self._run_id = 0  # which run the results being handed out belong to
        self._pending = 0  # that run's values not yet handed out
        self._policy_cb: Any = None
        self._output_cb: Any = None
        self._echo: dict[int, bytearray] = {}
        self._echo_streams: tuple[str, ...] = ()
        self._echo_encoding = "utf-8"
        handle = _lib.group_p()
        call(lib.gossh_group_new, ctypes.byref(handle))
        self._handle = handle
        call(lib.gossh_group_set, handle, b"pool_size", str(int(pool_size)).encode())
        if connect_timeout is not None:
            call(lib.gossh_group_set, handle, b"connect_timeout_ms", _ms(connect_timeout).encode())
        self._policy_cb = set_group_policy(self._handle, missing_host_key_policy, self)
        if known_hosts is None:
            call(lib.gossh_group_load_system_host_keys, handle, None)
        else:
            call(lib.gossh_group_load_host_keys, handle, _lib.enc(os.fspath(known_hosts)))
        with HostAdder(handle) as adder:
            for m in members:
                adder.add(m.original_host, self._host_options(m, kwargs))

    # -- the members, as Fabric's Group (a list) ---------------------------------

    @overload
    def __getitem__(self, i: int) -> Host: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Host]: ...

    def __getitem__(self, i: int | slice) -> Host | Sequence[Host]:
        return self._hosts[i]

    def __len__(self) -> int:
        return len(self._hosts)

    def __repr__(self) -> str:
        return "<ThreadingGroup of {} hosts>".format(len(self._hosts))

    # -- setting up ----------------------------------------------------------------

    @staticmethod
    def _host_options(m: Host, kw: Mapping[str, Any]) -> HostOptions:
        """A member's options: its user and port, and the connect_kwargs."""
        o = HostOptions()
        o.set("hostname", m.host)
        o.set("port", str(int(m.port)))
        if m.user is not None:
            o.set("username", m.user)
        for name in ("password", "passphrase"):
            if kw.get(name) is not None:
                o.set(name, kw[name])
        files = kw.get("key_filename")
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        for path in files or ():
            o.set("key_filename", os.fspath(path))
        pkey = kw.get("pkey")
        if pkey is not None:
            if getattr(pkey, "_handle", None) is None:
                raise SSHException("gossh: pkey has no private key loaded")
            o.key(pkey)
        for name in ("allow_agent", "look_for_keys"):
            if name in kw:
                o.set(name, "1" if kw[name] else "0")
        if kw.get("allow_agent", True) and os.environ.get("SSH_AUTH_SOCK"):
            o.set("agent_socket", os.environ["SSH_AUTH_SOCK"])
        for name in ("timeout", "banner_timeout", "auth_timeout"):
            if kw.get(name) is not None:
                o.set(name, _seconds(kw[name]))
        for name, value in _algorithms.options(kw.get("disabled_algorithms")):
            o.set(name, value)
        return o

    def _h(self) -> Any:
        if self._handle is None:
            raise SSHException("ThreadingGroup is closed")
        return self._handle

    # -- running -------------------------------------------------------------------

    def run(self, command: str, hide: object = None, warn: bool = False, pty: bool = False,
            timeout: float | None = None, env: Mapping[str, str] | None = None,
            echo: bool = False, encoding: str = "utf-8", **kwargs: Any) -> GroupResult:
        """Runs command on every host and waits for all of them (Fabric's
        Group.run). Returns a GroupResult: each host's Result, or the
        exception that ended it (the one SSHClient.connect or exec_command
        would raise; UnexpectedExit for a non-zero exit unless ``warn``;
        CommandTimedOut past ``timeout`` seconds). Raises GroupException,
        carrying that GroupResult, when any host's value is an exception
        (``warn`` makes a non-zero exit a Result, not an exception; it does
        not hide a host that could not connect, as in Fabric).

        Unless ``hide`` (True/"both", "out"/"stdout", "err"/"stderr") hides
        it, each host's output is written to sys.stdout/sys.stderr as it
        arrives, a whole line at a time. ``echo`` prints the command first.
        ``env`` variables are sent to each session (the server must accept
        them); ``pty`` asks for a terminal."""
        # A host whose value never arrives (the group closed under the run)
        # keeps this: never reported as run.
        results = GroupResult(
            (m, SSHException("gossh: no result arrived for this host")) for m in self._hosts)
        for host, value in self.run_iter(command, hide=hide, warn=warn, pty=pty, timeout=timeout,
                                         env=env, echo=echo, encoding=encoding, **kwargs):
            results[host] = value
        if results.failed:
            raise GroupException(results)
        return results

    def run_iter(self, command: str, hide: object = None, warn: bool = False, pty: bool = False,
                 timeout: float | None = None, env: Mapping[str, str] | None = None,
                 echo: bool = False, encoding: str = "utf-8",
                 **kwargs: Any) -> Iterator[tuple[Host, Result | BaseException]]:
        """Starts command on every host and yields ``(host, value)`` as each
        host finishes, in the order they finish; the values are those run()
        puts in its GroupResult, and nothing is raised for a failed host.
        Stopping early (break, or closing the iterator) cancels the hosts
        still running. Takes run()'s arguments. One run at a time per
        group."""
        for name in kwargs:
            if name in _UNSUPPORTED_RUN or name in ("pty_width", "sudo", "user", "password"):
                raise NotImplementedError("gossh: ThreadingGroup.run does not support " + name)
            raise TypeError("run() got an unexpected keyword argument {!r}".format(name))
        if not isinstance(command, str):
            raise TypeError("gossh: the command is a str")
        hidden = _hide_streams(hide)
        h = self._h()
        with self._lock:
            if self._pending and lib.gossh_group_wait(h, 0, None) != 0:
                raise SSHException("gossh: the previous run is still running: iterate its "
                                   "run_iter to the end, close it, or cancel() it first")
            call(lib.gossh_group_set, h, b"command_timeout_ms",
                 _ms(timeout).encode() if timeout is not None else b"0")
            self._echo, self._echo_encoding = {}, encoding
            self._echo_streams = tuple(s for s in ("stdout", "stderr") if s not in hidden)
            if self._echo_streams:
                if self._output_cb is None:
                    self._output_cb = _lib.GROUP_OUTPUT_CB(self._output_callback())
                call(lib.gossh_group_set_output_callback, h, self._output_cb, None)
            else:
                call(lib.gossh_group_set_output_callback, h, _lib.GROUP_OUTPUT_CB(), None)
            spec = _lib.session_spec_p()
            call(lib.gossh_session_spec_new, ctypes.byref(spec))
            try:
                call(lib.gossh_session_spec_set, spec, b"command", _lib.enc(command))
                if pty:
                    call(lib.gossh_session_spec_set, spec, b"pty", b"1")
                for k, v in (env or {}).items():
                    call(lib.gossh_session_spec_set_env, spec, _lib.enc(k), _lib.enc(v))
                if echo:
                    print(command, flush=True)
                call(lib.gossh_group_run, h, spec)
            finally:
                lib.gossh_session_spec_free(spec)
            self._run_id += 1
            self._pending = len(self._hosts)
            run_id = self._run_id
        return self._results(h, run_id, command, hidden, warn, pty, timeout, encoding)

    def _results(self, h: Any, run_id: int, command: str, hidden: tuple[str, ...], warn: bool,
                 pty: bool, timeout: float | None,
                 encoding: str) -> Iterator[tuple[Host, _Outcome]]:
        taken = 0
        try:
            while taken < len(self._hosts):
                if self._run_id != run_id:
                    # Its run ended untaken and a later one started: the
                    # library's results now are the later run's.
                    raise SSHException("gossh: this run_iter's run was replaced by a later run "
                                       "before its results were taken")
                r = _lib.group_result_p()
                call(lib.gossh_group_next, h, -1, ctypes.byref(r))
                if not r:
                    return
                taken += 1
                self._pending -= 1
                try:
                    host, value = self._outcome(r, command, hidden, warn, pty, timeout, encoding)
                finally:
                    lib.gossh_group_result_free(r)
                yield host, value
        finally:
            if taken < len(self._hosts) and self._handle is not None and self._run_id == run_id:
                # Abandoned: end the run so that the next one can start.
                lib.gossh_group_cancel(h, None)
                lib.gossh_group_wait(h, -1, None)

    def _outcome(self, r: Any, command: str, hidden: tuple[str, ...], warn: bool, pty: bool,
                 timeout: float | None, encoding: str) -> tuple[Host, _Outcome]:
        res = read_result(r)
        host = self._hosts[res.index]
        self._flush_echo(res.index)
        result = Result(host, command, res.stdout.decode(encoding, "replace"),
                        res.stderr.decode(encoding, "replace"), res.exit_status, encoding, pty,
                        hidden, res.signal)
        if res.code != 0:
            exc = res.exception or SSHException("gossh: the host failed")
            if timeout is not None and getattr(exc, "stage", None) == "command":
                return host, CommandTimedOut(result, timeout)
            return host, exc
        if result.exited != 0 and not warn:
            return host, UnexpectedExit(result)
        return host, result

    # -- output as it arrives ------------------------------------------------------

    def _output_callback(self) -> Callable[[int, bytes, int, Any, int, Any], None]:
        """The output callback, holding the group weakly (a cycle through
        it would keep a dropped group's connections open until the cyclic
        GC ran)."""
        ref = weakref.ref(self)

        def on_output(index: int, name: bytes, stream: int, data: Any, length: int,
                      userdata: Any) -> None:
            g = ref()
            if g is not None:
                g._on_output(index, stream, data, length)

        return on_output

    def _on_output(self, index: int, stream: int, data: Any, length: int) -> None:
        # On the host's library thread (one at a time per host): never let
        # an exception reach C. Whole lines only, so hosts do not interleave
        # within a line.
        try:
            which = "stdout" if stream == 0 else "stderr"
            if which not in self._echo_streams:
                return
            buf = self._echo.setdefault(index * 2 + stream, bytearray())
            buf += ctypes.string_at(data, length)
            end = buf.rfind(b"\n")
            if end >= 0:
                chunk = bytes(buf[:end + 1])
                del buf[:end + 1]
                self._write(which, chunk)
        except BaseException:  # noqa: BLE001
            pass

    def _flush_echo(self, index: int) -> None:
        for stream, which in ((0, "stdout"), (1, "stderr")):
            buf = self._echo.pop(index * 2 + stream, None)
            if buf:
                self._write(which, bytes(buf) + b"\n")

    def _write(self, which: str, chunk: bytes) -> None:
        f = sys.stdout if which == "stdout" else sys.stderr
        f.write(chunk.decode(self._echo_encoding, "replace"))
        f.flush()

    # -- ending --------------------------------------------------------------------

    def cancel(self) -> None:
        """Ends the current run: hosts not started are not run and running
        ones are closed; their value is gossh's cancelled error."""
        call(lib.gossh_group_cancel, self._h())

    def close(self) -> None:
        """Cancels a run in progress and closes every kept connection
        (Fabric's Group.close). A second close does nothing."""
        if self._handle is not None:
            self._close_native()
            self._free_native()

