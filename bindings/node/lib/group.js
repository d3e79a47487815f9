'use strict';
// Fan-out: one command on many hosts (gossh.h, "Fan-out: one command on many
// hosts"). The library connects, checks host keys (reject by default, one
// known_hosts for every host), runs the command with a bounded pool of its
// own threads and hands out each host's result as it finishes; this module
// only translates. gossh_group_next blocks, so it runs through koffi's
// .async form; the output callback fires on the library's threads and koffi
// brings it to the main thread, so nothing here makes a synchronous call
// that waits for the group's threads (close is asynchronous).

const native = require('./native');
const { InvalidArgumentError, ClosedError, AbortError } = require('./errors');
const { connectOptions, hostKeyPolicy } = require('./options');

// Backstop: a Group garbage-collected without close() is freed on the
// thread pool (gossh_group_free closes its connections and may wait for
// its threads, which must never block the main thread), and its output
// callback unregistered after that.
const finalizer = new FinalizationRegistry((state) => {
  native.callVoidAsync('gossh_group_free', state.handle).then(() => {
    for (const cb of [state.callback, state.policyCallback]) {
      if (cb) try { native.unregisterCallback(cb); } catch (_) { /* ignore */ }
    }
  });
});

/**
 * A group of hosts that runs one command on all of them, poolSize at a
 * time. Connections are kept between runs and reused.
 */
class Group {
  /**
   * @param {object} [o] poolSize, stopOnErrors, connectTimeout (ms, each
   *   connect phase), commandTimeout (ms), keepConnections, knownHosts
   *   (path), systemKnownHosts (true or a path), hostKeyPolicy
   *   ('reject' (default), 'autoadd', 'warning').
   */
  constructor(o = {}) {
    const out = [null];
    native.callSync('gossh_group_new', out);
    this._handle = out[0];
    this._closed = false;
    this._running = false;
    this._onOutput = null;
    this._callback = null;
    this._policyCallback = null;
    this.hosts = [];
    try {
      const set = (name, value) => {
        if (value !== undefined && value !== null) native.callSync('gossh_group_set', this._handle, name, String(value));
      };
      set('pool_size', o.poolSize);
      if (o.stopOnErrors !== undefined) set('stop_on_errors', o.stopOnErrors ? '1' : '0');
      set('connect_timeout_ms', o.connectTimeout);
      set('command_timeout_ms', o.commandTimeout);
      if (o.keepConnections !== undefined) set('keep_connections', o.keepConnections ? '1' : '0');
      this._setPolicy(o.hostKeyPolicy === undefined ? 'reject' : o.hostKeyPolicy);
      if (o.systemKnownHosts) {
        native.callSync('gossh_group_load_system_host_keys', this._handle,
          typeof o.systemKnownHosts === 'string' ? o.systemKnownHosts : null);
      }
      if (o.knownHosts) native.callSync('gossh_group_load_host_keys', this._handle, String(o.knownHosts));
      this._callback = native.registerGroupOutputCallback((index, name, stream, data, len) => {
        try {
          if (this._onOutput) this._onOutput(Number(index), name, stream === 0 ? 'stdout' : 'stderr', Buffer.from(native.koffi.decode(data, 'uint8_t', Number(len))));
        } catch (_) { /* a listener's exception must not reach the library */ }
      });
      native.callSync('gossh_group_set_output_callback', this._handle, this._callback, null);
      this._state = { handle: this._handle, callback: this._callback, policyCallback: this._policyCallback };
      finalizer.register(this, this._state, this);
    } catch (e) {
      this._release();
      throw e;
    }
  }

  /**
   * 'reject' and 'autoadd' are the library's; 'warning' (a process warning,
   * then accept) and a function (hostname, { type, base64, fingerprint }) =>
   * true | false run per unknown host key, as Client's hostKeyPolicy
   * (a throw or a Promise rejects).
   */
  _setPolicy(policy) {
    const p = hostKeyPolicy(policy);
    if (p.builtin !== undefined) {
      native.callSync('gossh_group_set_policy', this._handle, p.builtin);
      return;
    }
    this._policyCallback = p.callback;
    native.callSync('gossh_group_set_policy_callback', this._handle, this._policyCallback, null);
  }

  _checkOpen() {
    if (this._closed) throw new ClosedError('the group is closed', 'GOSSH_E_CLOSED');
  }

  /** Adds a host (connect options as Client.connect's; `name` defaults to host). Returns its index. */
  addHost(options) {
    this._checkOpen();
    if (!options || typeof options !== 'object' || !(options.host || options.hostname)) {
      throw new TypeError('each host needs `host`');
    }
    if (options.sock || options.jump) {
      throw new InvalidArgumentError('a group host connects by itself: sock and jump are not supported ' +
        '(proxyCommand and proxyJump are)', 'GOSSH_E_INVALID');
    }
    const opts = connectOptions(options);
    try {
      const idx = [0];
      const name = String(options.name !== undefined ? options.name : (options.host || options.hostname));
      native.callSync('gossh_group_add_host', this._handle, name, opts, idx);
      this.hosts.push(name);
      return Number(idx[0]);
    } finally {
      native.fn.gossh_options_free(opts);
    }
  }

  /**
   * Runs command on every host and yields each host's result as it
   * finishes: { index, name, error, exitCode, signal, stdout, stderr,
   * reused, connectTime, runTime }. `hostCommands` (array, one per host,
   * null for the command) overrides per host; `onOutput(index, name,
   * stream, chunk)` streams output as it arrives.
   */
  async * run(command, { hostCommands, onOutput, pty } = {}) {
    this._checkOpen();
    if (typeof command !== 'string') throw new TypeError('command must be a string');
    if (this._running) throw new InvalidArgumentError('the group is already running', 'GOSSH_E_INVALID');
    if (hostCommands !== undefined && hostCommands !== null) {
      if (!Array.isArray(hostCommands) || hostCommands.length !== this.hosts.length) {
        throw new TypeError('hostCommands must have one entry per host');
      }
    }
    for (let i = 0; i < this.hosts.length; i++) {
      const c = hostCommands ? hostCommands[i] : null;
      native.callSync('gossh_group_set_host_command', this._handle, i, c === undefined || c === null ? null : String(c));
    }
    const specOut = [null];
    native.callSync('gossh_session_spec_new', specOut);
    try {
      native.callSync('gossh_session_spec_set', specOut[0], 'command', command);
      if (pty) native.callSync('gossh_session_spec_set', specOut[0], 'pty', '1');
      this._onOutput = typeof onOutput === 'function' ? onOutput : null;
      native.callSync('gossh_group_run', this._handle, specOut[0]);
    } finally {
      native.fn.gossh_session_spec_free(specOut[0]);
    }
    yield * this._results();
  }

  /**
   * Copies local to remote on every host by SFTP and yields each host's
   * result ({ ..., transferred }) as it finishes. In both paths %h is the
   * host's name, %i its index, %% a %.
   */
  async * put(local, remote) {
    yield * this._transfer(1, local, remote);
  }

  /**
   * Copies remote from every host to local, which must name a file of each
   * host's own (%h: its name, %i: its index, %%: a %), and yields each
   * host's result as it finishes.
   */
  async * get(remote, local) {
    yield * this._transfer(2, local, remote);
  }

  async * _transfer(direction, local, remote) {
    this._checkOpen();
    if (typeof local !== 'string' || typeof remote !== 'string') throw new TypeError('local and remote must be strings');
    if (this._running) throw new InvalidArgumentError('the group is already running', 'GOSSH_E_INVALID');
    this._onOutput = null;
    native.callSync('gossh_group_run_transfer', this._handle, direction, local, remote, 0);
    yield * this._results();
  }

  /** Yields the current run's results as the hosts finish. */
  async * _results() {
    this._running = true;
    try {
      for (;;) {
        const out = [null];
        await native.callAsync('gossh_group_next', this._handle, -1, out);
        if (!out[0]) return;
        try {
          yield readResult(out[0]);
        } finally {
          native.fn.gossh_group_result_free(out[0]);
        }
      }
    } finally {
      this._running = false;
    }
  }

  /** Ends the current run: hosts not started are not run, running ones are closed. */
  cancel() {
    if (!this._closed) native.callSync('gossh_group_cancel', this._handle);
  }

  /** Cancels a run in progress and closes every kept connection. */
  async close() {
    if (this._closed) return;
    this._closed = true;
    await native.callAsync('gossh_group_close', this._handle).catch(() => {});
    this._release();
  }

  _release() {
    finalizer.unregister(this);
    if (this._handle) native.fn.gossh_group_free(this._handle);
    this._handle = null;
    for (const cb of [this._callback, this._policyCallback]) if (cb) native.unregisterCallback(cb);
    this._callback = this._policyCallback = null;
  }
}

/** Copies one gossh_group_result into a plain object (before it is freed). */
function readResult(r) {
  const num = (field) => { const v = [0]; native.callSync('gossh_group_result_get', r, field, v); return Number(v[0]); };
  const str = [null];
  native.callSync('gossh_group_result_name', r, str);
  const name = str[0];
  const errOut = [null];
  native.callSync('gossh_group_result_error', r, errOut);
  let error = null;
  if (errOut[0]) {
    error = native.takeError(num('code'), errOut);
    error.host = name;
  }
  const bytes = (stream) => {
    const d = [null];
    const n = [0];
    native.callSync('gossh_group_result_output', r, stream, d, n);
    return Number(n[0]) ? Buffer.from(native.koffi.decode(d[0], 'uint8_t', Number(n[0]))) : Buffer.alloc(0);
  };
  const sig = [null];
  native.callSync('gossh_group_result_exit_signal', r, sig);
  const exit = num('exit_status');
  return {
    index: num('index'),
    name,
    error,
    exitCode: error || exit < 0 ? null : exit,
    signal: sig[0] || null,
    stdout: bytes(0),
    stderr: bytes(1),
    reused: num('reused') === 1,
    connectTime: num('connect_us') / 1000,
    runTime: num('run_us') / 1000,
    transferred: num('transferred'),
  };
}

/**
 * Runs command on every host (each connect options, with an optional
 * `name` and `command`) and resolves with every host's result, in the order
 * of `hosts`. Options as Group's (`concurrency` is poolSize), plus onOutput
 * and `signal`: an AbortSignal that cancels the run (hosts not started are
 * not run, running ones are closed) and rejects with an AbortError whose
 * `results` holds what had finished. Errors are otherwise per host
 * (result.error), never a rejection, unless an argument is bad.
 */
async function runOnHosts(hosts, command, options = {}) {
  if (!Array.isArray(hosts)) throw new TypeError('hosts must be an array of connect options');
  const { signal, concurrency, ...groupOptions } = options;
  if (concurrency !== undefined) groupOptions.poolSize = concurrency;
  if (signal !== undefined && signal !== null && typeof signal.aborted !== 'boolean') {
    throw new TypeError('signal must be an AbortSignal');
  }
  const aborted = () => new AbortError(undefined, undefined, {}, { cause: signal.reason });
  if (signal && signal.aborted) throw aborted();
  const g = new Group(groupOptions);
  const onAbort = () => g.cancel();
  try {
    for (const h of hosts) g.addHost(h);
    const results = new Array(hosts.length);
    const hostCommands = hosts.some((h) => h.command !== undefined) ? hosts.map((h) => (h.command === undefined ? null : h.command)) : null;
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    for await (const r of g.run(command, { hostCommands, onOutput: options.onOutput })) results[r.index] = r;
    if (signal && signal.aborted) {
      const e = aborted();
      e.results = results;
      throw e;
    }
    return results;
  } finally {
    if (signal) signal.removeEventListener('abort', onAbort);
    await g.close();
  }
}

module.exports = { Group, runOnHosts };
