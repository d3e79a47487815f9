"""Fan-out: one command on many hosts, shaped like parallel-ssh's
``ParallelSSHClient`` (``pssh.clients.ParallelSSHClient``), on libgossh's
group (gossh.h, "Fan-out: one command on many hosts").

Unlike parallel-ssh, host keys are checked: known_hosts (``~/.ssh/known_hosts``
unless ``known_hosts=`` names another file) and the reject policy unless
``missing_host_key_policy`` says otherwise, for every host, by the library.
The library does the work on its own threads (no GIL held, no gevent); this
module only translates.
"""

from __future__ import annotations

import collections
import ctypes
import enum
import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Final, Iterable, Iterator, Sequence

from . import _lib
from ._lib import call, lib
from ._grouphosts import HostAdder, HostOptions, read_result
from ._grouppolicy import set_group_policy
from .pkey import PKey
from .policy import MissingHostKeyPolicy
from .ssh_exception import SSHException

if TYPE_CHECKING:
    from _typeshed import StrOrBytesPath

__all__ = ["HostConfig", "HostOutput", "ParallelSSHClient", "Timeout"]


class _Sentinel(enum.Enum):
    """A stream's end marker: an enum member, so that ``is _END`` narrows
    a stream's chunks to bytes for the type checker."""

    END = 0


_END: Final = _Sentinel.END

GROUP_PUT = 1  # GOSSH_GROUP_PUT
GROUP_GET = 2  # GOSSH_GROUP_GET


class Timeout(SSHException):
    """join(timeout=) expired before every host finished (parallel-ssh's
    pssh.exceptions.Timeout)."""


class HostConfig:
    """Per-host settings (parallel-ssh's pssh.config.HostConfig): any left
    None takes the client's."""

    def __init__(
        self,
        user: str | None = None,
        port: int | None = None,
        password: str | None = None,
        private_key: str | os.PathLike[str] | bytes | PKey | None = None,
        allow_agent: bool | None = None,
        timeout: float | None = None,
        alias: str | None = None,
    ) -> None:
        self.user, self.port, self.password = user, port, password
        self.private_key, self.allow_agent, self.timeout = private_key, allow_agent, timeout
        self.alias = alias


class _Stream:
    """The lines of one host's stream as they arrive (an iterator; parallel-
    ssh's HostOutput.stdout). Iterating waits for the host's output. The
    chunks wait in a deque under the run's one condition (cond), shared by
    every host's streams and completion: a Queue and an Event per stream
    and host were some 7 KB of a host's 10 KB of Python objects."""

    __slots__ = ("_cond", "_chunks", "_encoding", "_it")

    def __init__(self, cond: threading.Condition, encoding: str) -> None:
        self._cond = cond
        self._chunks: collections.deque[bytes | _Sentinel] = collections.deque()
        self._encoding = encoding
        self._it = self._lines()

    def _put(self, data: bytes | _Sentinel) -> None:
        with self._cond:
            self._chunks.append(data)
            self._cond.notify_all()

    def _get(self) -> bytes | _Sentinel:
        with self._cond:
            while not self._chunks:
                self._cond.wait()
            return self._chunks.popleft()

    def _lines(self) -> Iterator[str]:
        pending = b""
        while True:
            chunk = self._get()
            if chunk is _END:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.decode(self._encoding, "replace")
        if pending:
            yield pending.decode(self._encoding, "replace")

    def __iter__(self) -> _Stream:
        return self

    def __next__(self) -> str:
        return next(self._it)


class HostOutput:
    """One host's outcome of run_command (parallel-ssh's HostOutput):
    ``host`` (its name), ``stdout``/``stderr`` (iterators of lines, as they
    arrive), ``exit_code`` (None until the host has finished, and when no
    status arrived), ``exception`` (None, or what ended the host: the same
    exception class SSHClient.connect or exec would raise), ``alias``,
    and gossh's extras: ``signal``, ``reused``, ``connect_time`` and
    ``run_time`` (seconds). The hosts of one run share cond (one is made
    when none is given)."""

    def __init__(self, host: str, alias: str | None, encoding: str,
                 cond: threading.Condition | None = None) -> None:
        self._cond = cond if cond is not None else threading.Condition()
        self.host, self.alias = host, alias
        self.stdout, self.stderr = _Stream(self._cond, encoding), _Stream(self._cond, encoding)
        self.stdin: None = None  # parallel-ssh's attributes, not given by gossh
        self.client: None = None
        self.exit_code: int | None = None
        self.exception: Exception | None = None
        self.signal: str | None = None
        self.reused = False
        self.connect_time: float | None = None
        self.run_time: float | None = None
        self.transferred = 0
        self._finished = False

    def _done(self) -> bool:
        """Whether the host has finished (its result is in)."""
        return self._finished

    def _set_done(self) -> None:
        with self._cond:
            self._finished = True
            self._cond.notify_all()

    def _wait_done(self, timeout: float | None) -> bool:
        """Waits until the host has finished, at most timeout seconds (None:
        no limit); returns whether it has."""
        with self._cond:
            return self._cond.wait_for(lambda: self._finished, timeout)

    def __repr__(self) -> str:
        return "HostOutput(host={!r}, exit_code={!r}, exception={!r})".format(
            self.host, self.exit_code, self.exception)


def _literal(path: str) -> str:
    """path with its "%" escaped from the library's %h/%i expansion."""
    return path.replace("%", "%%")


def _ms(seconds: float) -> str:
    return str(max(0, int(round(float(seconds) * 1000))))


class ParallelSSHClient(_lib.NativeHandle):
    """Runs commands on many hosts at once (parallel-ssh's
    ParallelSSHClient). ``hosts`` are host names or addresses (duplicates
    allowed); ``host_config`` is a list of HostConfig, one per host, for
    per-host user, port, password, key and timeout. ``pool_size`` hosts are
    worked on at a time. ``timeout`` (seconds) limits each connect phase.
    ``pkey`` is a key file's path, a PKey, or private key text (bytes).
    Host keys: ``known_hosts`` (a path; default ~/.ssh/known_hosts) and
    ``missing_host_key_policy`` (RejectPolicy by default; AutoAddPolicy,
    WarningPolicy or any MissingHostKeyPolicy, called per unknown host).
    Connections are kept between run_command calls and reused."""

    _close_fn = "gossh_group_close"
    _free_fn = "gossh_group_free"

    def __init__(
        self,
        hosts: Iterable[str],
        user: str | None = None,
        password: str | None = None,
        port: int = 22,
        pkey: str | os.PathLike[str] | bytes | PKey | None = None,
        num_retries: int | None = None,
        timeout: float | None = None,
        pool_size: int = 100,
        allow_agent: bool = True,
        host_config: Sequence[HostConfig] | None = None,
        known_hosts: StrOrBytesPath | None = None,
        missing_host_key_policy: type[MissingHostKeyPolicy] | MissingHostKeyPolicy | None = None,
        look_for_keys: bool | None = None,
    ) -> None:
        hosts = list(hosts)
        if host_config is not None and len(host_config) != len(hosts):
            raise ValueError("host_config must have one HostConfig per host")
        self.hosts = hosts
        self._outputs: list[HostOutput] | None = None
        self._lock = threading.Lock()
        h = _lib.group_p()
        call(lib.gossh_group_new, ctypes.byref(h))
        self._handle = h
        call(lib.gossh_group_set, h, b"pool_size", str(int(pool_size)).encode())
        if timeout is not None:
            call(lib.gossh_group_set, h, b"connect_timeout_ms", _ms(timeout).encode())
        # Output reaches Python through the callback only: kept once.
        call(lib.gossh_group_set, h, b"collect_output", b"0")
        self._policy_cb: Any = None  # the CFUNCTYPE object, kept alive for Go
        self._policy_cb = set_group_policy(self._handle, missing_host_key_policy, self)
        if known_hosts is None:
            call(lib.gossh_group_load_system_host_keys, h, None)
        else:
            call(lib.gossh_group_load_host_keys, h, _lib.enc(os.fspath(known_hosts)))
        self._aliases: list[str | None] = []
        with HostAdder(h) as adder:
            for i, host in enumerate(hosts):
                hc = host_config[i] if host_config is not None else HostConfig()
                self._aliases.append(hc.alias)
                adder.add(hc.alias if hc.alias is not None else host,
                          self._host_options(host, hc, user, password, port, pkey, allow_agent,
                                             look_for_keys))
        self._on_output = _lib.GROUP_OUTPUT_CB(self._output)  # kept alive while Go may call it
        call(lib.gossh_group_set_output_callback, h, self._on_output, None)

    @staticmethod
    def _host_options(
        host: str,
        hc: HostConfig,
        user: str | None,
        password: str | None,
        port: int,
        pkey: str | os.PathLike[str] | bytes | PKey | None,
        allow_agent: bool,
        look_for_keys: bool | None,
    ) -> HostOptions:
        """One host's options: its HostConfig over the client's."""
        o = HostOptions()
        o.set("hostname", host)
        o.set("port", str(int(hc.port if hc.port is not None else port)))
        u = hc.user if hc.user is not None else user
        if u is not None:
            o.set("username", u)
        pw = hc.password if hc.password is not None else password
        if pw is not None:
            o.set("password", pw)
        key = hc.private_key if hc.private_key is not None else pkey
        if isinstance(key, (str, os.PathLike)):
            o.set("key_filename", os.fspath(key))
        elif key is not None:
            o.key(key)
        agent = hc.allow_agent if hc.allow_agent is not None else allow_agent
        o.set("allow_agent", "1" if agent else "0")
        if look_for_keys is not None:
            o.set("look_for_keys", "1" if look_for_keys else "0")
        elif key is not None:
            o.set("look_for_keys", "0")
        if agent and os.environ.get("SSH_AUTH_SOCK"):
            o.set("agent_socket", os.environ["SSH_AUTH_SOCK"])
        if hc.timeout is not None:
            for name in ("timeout", "banner_timeout", "auth_timeout"):
                o.set(name, str(float(hc.timeout)))
        return o

    def _h(self) -> Any:
        if self._handle is None:
            raise SSHException("ParallelSSHClient is closed")
        return self._handle

    def _output(self, index: int, name: bytes, stream: int, data: int | None, length: int,
                userdata: Any) -> None:
        # Runs on a library thread: never let an exception reach C.
        try:
            outs = self._outputs
            if outs is not None and 0 <= index < len(outs):
                s = outs[index].stdout if stream == 0 else outs[index].stderr
                # ctypes gives a NULL c_void_p as None (string_at(None, 0) is b"")
                s._put(ctypes.string_at(data, length))  # type: ignore[arg-type]
        except BaseException:  # noqa: BLE001
            pass

    def run_command(
        self,
        command: str,
        sudo: bool = False,
        user: str | None = None,
        stop_on_errors: bool = True,
        use_pty: bool = False,
        host_args: Sequence[object] | None = None,
        shell: str | None = None,
        encoding: str = "utf-8",
        timeout: float | None = None,
        return_list: bool = True,
    ) -> list[HostOutput]:
        """Starts command on every host and returns one HostOutput per host,
        in the order of ``hosts``, at once; their stdout/stderr fill as the
        hosts run. ``host_args`` (one per host) makes each host run
        ``command % host_args[i]``. ``timeout`` (seconds) limits each
        command. With ``stop_on_errors`` (the default) no host is started
        after one fails, run_command waits for the run to end, and raises
        the first host's exception; without, errors are only in the
        outputs' ``exception``."""
        if sudo or user is not None or shell is not None:
            raise NotImplementedError("sudo, user and shell are not supported by gossh's "
                                      "ParallelSSHClient yet; put them in the command")
        h = self._h()
        if host_args is not None and len(host_args) != len(self.hosts):
            raise ValueError("host_args must have one entry per host")
        def start(h: Any) -> None:
            for i in range(len(self.hosts)):
                cmd = None
                if host_args is not None:
                    cmd = _lib.enc(command % host_args[i])
                call(lib.gossh_group_set_host_command, h, i, cmd)
            spec = _lib.session_spec_p()
            call(lib.gossh_session_spec_new, ctypes.byref(spec))
            try:
                call(lib.gossh_session_spec_set, spec, b"command", _lib.enc(command))
                if use_pty:
                    call(lib.gossh_session_spec_set, spec, b"pty", b"1")
                call(lib.gossh_group_run, h, spec)
            finally:
                lib.gossh_session_spec_free(spec)

        return self._run(start, stop_on_errors, timeout, encoding)

    def _run(self, start: Callable[[Any], object], stop_on_errors: bool, timeout: float | None,
             encoding: str = "utf-8") -> list[HostOutput]:
        """Starts a run with start(handle), hands its results to HostOutputs
        from a collector thread, and with stop_on_errors waits for the end
        and raises the failing host's exception."""
        h = self._h()
        with self._lock:
            prev = getattr(self, "_collector", None)
            if prev is not None:
                if not all(o._done() for o in self._outputs or ()):
                    raise SSHException("the previous run is still running; join() it first")
                prev.join()  # it has handed out its last result and is returning
            call(lib.gossh_group_set, h, b"stop_on_errors", b"1" if stop_on_errors else b"0")
            call(lib.gossh_group_set, h, b"command_timeout_ms",
                 _ms(timeout).encode() if timeout is not None else b"0")
            cond = threading.Condition()
            outputs = [HostOutput(host, alias, encoding, cond) for host, alias in zip(self.hosts, self._aliases)]
            self._outputs = outputs
            start(h)
            t = threading.Thread(target=self._collect, args=(h, outputs), daemon=True,
                                 name="gossh-fanout-results")
            t.start()
            self._collector = t
        if stop_on_errors:
            self.join(outputs)
            # The host that failed, before those its failure left unrun.
            cancelled = _lib._code("E_CANCELLED")
            failed = [o.exception for o in outputs if o.exception is not None]
            failed.sort(key=lambda e: getattr(e, "gossh_code", 0) == cancelled)
            if failed:
                raise failed[0]
        return outputs

    def copy_file(self, local_file: str | os.PathLike[str], remote_file: str, recurse: bool = False,
                  stop_on_errors: bool = True, timeout: float | None = None) -> list[HostOutput]:
        """Copies local_file to remote_file on every host by SFTP
        (parallel-ssh's copy_file), and waits for every host. Returns one
        HostOutput per host (``transferred``: the size; ``exception``);
        with stop_on_errors raises the failing host's exception."""
        if recurse:
            raise NotImplementedError("recurse is not supported by gossh's ParallelSSHClient yet")
        # parallel-ssh's paths are literal: "%" is escaped from the library's %h/%i
        local, remote = _literal(os.fspath(local_file)), _literal(remote_file)
        out = self._run(lambda h: call(lib.gossh_group_run_transfer, h, GROUP_PUT,
                                       _lib.enc(local), _lib.enc(remote), 0),
                        stop_on_errors, timeout)
        self.join(out)
        return out

    def copy_remote_file(self, remote_file: str, local_file: str | os.PathLike[str],
                         recurse: bool = False, suffix_separator: str = "_",
                         stop_on_errors: bool = True,
                         timeout: float | None = None) -> list[HostOutput]:
        """Copies remote_file from every host to ``local_file +
        suffix_separator + host`` (the host's alias when its HostConfig
        has one; parallel-ssh's copy_remote_file; a "/" in it becomes "_"),
        and waits for every host. Returns one
        HostOutput per host; with stop_on_errors raises the failing host's
        exception."""
        if recurse:
            raise NotImplementedError("recurse is not supported by gossh's ParallelSSHClient yet")
        local = _literal(os.fspath(local_file)) + _literal(suffix_separator) + "%h"
        out = self._run(lambda h: call(lib.gossh_group_run_transfer, h, GROUP_GET, _lib.enc(local),
                                       _lib.enc(_literal(remote_file)), 0),
                        stop_on_errors, timeout)
        self.join(out)
        return out

    def _collect(self, h: Any, outputs: list[HostOutput]) -> None:
        """Hands each result to its HostOutput as the hosts finish: one per
        host, and no more (a next run's results are its own collector's)."""
        for _ in range(len(outputs)):
            r = _lib.group_result_p()
            err = _lib.error_p()
            rc = lib.gossh_group_next(h, -1, ctypes.byref(r), ctypes.byref(err))
            if rc != 0:
                exc = _lib.exception_of(err) if err else SSHException("gossh_group_next: %d" % rc)
                for o in outputs:
                    if not o._done():
                        o.exception = o.exception or exc
                        self._finish(o)
                return
            if not r:
                return
            try:
                self._fill(r, outputs)
            finally:
                lib.gossh_group_result_free(r)

    def _fill(self, r: Any, outputs: list[HostOutput]) -> None:
        res = read_result(r)
        o = outputs[res.index]
        if res.exception is not None:
            o.exception = res.exception
        else:
            o.exit_code = res.exit_status
            if res.signal:
                o.signal = res.signal
                o.exit_code = None
        o.reused = res.reused
        o.connect_time = res.connect_time
        o.run_time = res.run_time
        o.transferred = res.transferred
        self._finish(o)

    @staticmethod
    def _finish(o: HostOutput) -> None:
        o.stdout._put(_END)
        o.stderr._put(_END)
        o._set_done()

    def join(self, output: Iterable[HostOutput] | None = None, consume_output: bool = False,
             timeout: float | None = None) -> None:
        """Waits until every host of output (the last run's by default) has
        finished; Timeout if timeout seconds pass first. consume_output
        drains the output iterators."""
        outputs = output if output is not None else (self._outputs or [])
        for o in outputs:
            if not o._wait_done(timeout):
                raise Timeout("not every host finished within %s seconds" % timeout)
            if consume_output:
                for _ in o.stdout:
                    pass
                for _ in o.stderr:
                    pass

    def cancel(self) -> None:
        """Ends the current run: hosts not started are not run and running
        ones are closed; their exception is gossh's cancelled error."""
        call(lib.gossh_group_cancel, self._h())

    def close(self) -> None:
        """Cancels a run in progress and closes every kept connection."""
        if self._handle is not None:
            self._close_native()
            c = getattr(self, "_collector", None)
            if c is not None:
                c.join()
            self._free_native()
