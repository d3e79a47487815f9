'use strict';
// Fan-out: one command on many hosts (gossh.h, "Fan-out: one command on many
// hosts"). The library connects, checks host keys (reject by default, one
// known_hosts for every host), runs the command with a bounded pool of its
// own threads and hands out each host's result as it finishes; this module
// only translates. Results are taken with timeout 0 on the main thread, and
// the loop waits for the next one on the group's readiness record
// (gossh_group_watch), not on a thread; the output callback fires on the library's threads and koffi
// brings it to the main thread, so nothing here makes a synchronous call
// that waits for the group's threads (close is asynchronous, with the
// clients' fallback to the main thread when the pool is busy).

const native = require('./native');
const events = require('./events');
const { InvalidArgumentError, ClosedError, AbortError, makeError, detailNamesFor } = require('./errors');
const { connectOptionList, optionsFromList, hostKeyPolicy } = require('./options');
const { Key } = require('./keys');

// Backstop: a Group garbage-collected without close() is freed on the
// thread pool (gossh_group_free closes its connections and may wait for
// its threads, which must never block the main thread), and its output
// callback unregistered after that.
const finalizer = new FinalizationRegistry((state) => {
  native.callVoidAsync('gossh_group_free', state.handle).then(() => {
    if (state.keyBase) native.callVoidAsync('gossh_options_free', state.keyBase);
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
    this._watchKey = null; // our key in lib/events.js once the group is watched
    this._waiter = null;   // the results loop's wake, while it waits for a record
    this._running = false;
    this._onOutput = null;
    this._callback = null;
    this._callbackInstalled = false;
    this._policyCallback = null;
    this.hosts = [];
    this._hostCommands = []; // each host's command override as the library has it (null: none)
    this._keyBase = null; // { keys, opts }: the options holding the last hosts' keys (see addHost)
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
      this._state = { handle: this._handle, callback: null, policyCallback: this._policyCallback, keyBase: null };
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

  /**
   * Installs the output callback while a run has an onOutput listener, and
   * removes it otherwise: without one, no host's output crosses to the
   * main thread chunk by chunk (each chunk would hold its host's session
   * until the main thread took it).
   */
  _setOutputCallback(want) {
    if (want === this._callbackInstalled) return;
    if (want && !this._callback) {
      this._callback = native.registerGroupOutputCallback((index, name, stream, data, len) => {
        try {
          if (this._onOutput) this._onOutput(Number(index), name, stream === 0 ? 'stdout' : 'stderr', Buffer.from(native.koffi.decode(data, 'uint8_t', Number(len))));
        } catch (_) { /* a listener's exception must not reach the library */ }
      });
      this._state.callback = this._callback;
    }
    native.callSync('gossh_group_set_output_callback', this._handle, want ? this._callback : null, null);
    this._callbackInstalled = want;
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
    const list = connectOptionList(options);
    const idx = [0];
    const name = String(options.name !== undefined ? options.name : (options.host || options.hostname));
    native.callSync('gossh_group_add_host_list', this._handle, name, this._baseFor(list.keys),
      list.names, list.values, list.names.length, idx);
    this.hosts.push(name);
    this._hostCommands.push(null);
    return Number(idx[0]);
  }

  /**
   * The base options of a host whose privateKey gives `keys` (Key objects
   * and key text), or null when it gives none: the named options go with
   * the host itself (gossh_group_add_host_list), so that adding a host is
   * one synchronous call. Hosts that share their Key objects (the usual
   * group: one key for all) share one base, built once; key text in a
   * Buffer, which may change between hosts, gets a base of its own.
   */
  _baseFor(keys) {
    if (keys.length === 0) return null;
    const b = this._keyBase;
    if (b && b.keys.length === keys.length && keys.every((k, i) => k instanceof Key && k === b.keys[i])) {
      return b.opts;
    }
    const opts = optionsFromList({ names: [], values: [], keys });
    if (b) native.callVoidAsync('gossh_options_free', b.opts); // the hosts took snapshots
    this._keyBase = { keys, opts };
    this._state.keyBase = opts;
    return opts;
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
    // Only the overrides that change (a run without hostCommands after
    // runs without them makes no call per host).
    for (let i = 0; i < this.hosts.length; i++) {
      const c = hostCommands ? hostCommands[i] : null;
      const want = c === undefined || c === null ? null : String(c);
      if (want === this._hostCommands[i]) continue;
      this._hostCommands[i] = null; // unknown until the call succeeds
      native.callSync('gossh_group_set_host_command', this._handle, i, want);
      this._hostCommands[i] = want;
    }
    const specOut = [null];
    native.callSync('gossh_session_spec_new', specOut);
    try {
      native.callSync('gossh_session_spec_set', specOut[0], 'command', command);
      if (pty) native.callSync('gossh_session_spec_set', specOut[0], 'pty', '1');
      this._onOutput = typeof onOutput === 'function' ? onOutput : null;
      this._setOutputCallback(this._onOutput !== null);
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
    this._setOutputCallback(false);
    native.callSync('gossh_group_run_transfer', this._handle, direction, local, remote, 0);
    yield * this._results();
  }

  /**
   * Watches the group (once): the library writes its handle to the
   * readiness pipe (lib/events.js) when a next() that found nothing may now
   * find a result.
   */
  _watch() {
    if (this._watchKey !== undefined && this._watchKey !== null) return;
    native.callSync('gossh_group_watch', this._handle);
    this._watchKey = events.register(this._handle, { onEvent: () => this._wake() });
  }

  /** A record (or a close): the waiting results loop looks again. */
  _wake() {
    const w = this._waiter;
    this._waiter = null;
    if (w) w();
  }

  /** Yields the current run's results as the hosts finish. */
  async * _results() {
    this._running = true;
    try {
      this._watch();
      for (;;) {
        const out = [null];
        // Everything that is in is taken with timeout 0 on the main thread
        // (about a microsecond a call); one that finds nothing arms the
        // watch, and the loop sleeps until the group's record: no thread
        // waits for results.
        if (!native.tryNow('gossh_group_next', this._handle, 0, out)) {
          events.hold();
          try {
            await new Promise((resolve) => { this._waiter = resolve; });
          } finally {
            events.drop();
          }
          if (!this._handle) throw new ClosedError('the group is closed', 'GOSSH_E_CLOSED');
          continue;
        }
        if (!out[0]) return;
        let result;
        try {
          result = readResult(out[0]);
        } finally {
          native.fn.gossh_group_result_free(out[0]); // everything was copied out
        }
        yield result;
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
    // As a client's close: on the pool, or on the main thread if the pool
    // has not run it within 200 ms (a close returns promptly: it cancels
    // what runs and closes the connections).
    await native.callClose('gossh_group_close', this._handle);
    this._release();
  }

  _release() {
    finalizer.unregister(this);
    events.unregister(this._watchKey);
    this._watchKey = null;
    this._wake(); // a results loop waiting for a record sees the close
    if (this._keyBase) native.fn.gossh_options_free(this._keyBase.opts);
    this._keyBase = null;
    if (this._handle) native.fn.gossh_group_free(this._handle);
    this._handle = null;
    for (const cb of [this._callback, this._policyCallback]) if (cb) native.unregisterCallback(cb);
    this._callback = this._policyCallback = null;
  }
}

const POINTER_SIZE = native.koffi.sizeof('void *');

/** A library-owned byte range as a Buffer of its own. */
function copyBytes(ptr, len) {
  const n = Number(len);
  return n && ptr ? Buffer.from(native.koffi.decode(ptr, 'uint8_t', n)) : Buffer.alloc(0);
}

/**
 * A failed host's error from its gossh_group_result_info: the message and
 * the details (name, value pairs) the struct carries, as takeError would
 * build it from the error object (the same details, those of its code).
 */
function resultError(info) {
  const details = {};
  const n = Number(info.error_ndetails);
  if (n && info.error_details) {
    const at = (i) => native.koffi.decode(info.error_details, i * POINTER_SIZE, 'const char *');
    const wanted = new Set(detailNamesFor(info.code));
    for (let i = 0; i < n; i++) {
      const name = at(2 * i);
      if (wanted.has(name)) details[name] = at(2 * i + 1);
    }
  }
  return makeError(info.code, info.error_message, details);
}

/**
 * Copies one gossh_group_result into a plain object (before it is freed):
 * one gossh_group_result_read, error included.
 */
function readResult(r) {
  const info = { size: native.GROUP_RESULT_INFO_SIZE };
  native.callSync('gossh_group_result_read', r, info);
  const name = info.name;
  let error = null;
  if (info.code !== 0) {
    error = resultError(info);
    error.host = name;
  }
  const exit = info.exit_status;
  return {
    index: Number(info.index),
    name,
    error,
    exitCode: error || exit < 0 ? null : exit,
    signal: info.exit_signal || null,
    stdout: copyBytes(info.stdout_data, info.stdout_len),
    stderr: copyBytes(info.stderr_data, info.stderr_len),
    reused: info.reused === 1,
    connectTime: Number(info.connect_us) / 1000,
    runTime: Number(info.run_us) / 1000,
    transferred: Number(info.transferred),
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
